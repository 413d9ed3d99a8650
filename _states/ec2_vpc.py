"""A VPC with its subnets, as the 2020 runbook's "Aurora Serverless" section makes them by hand
("Create a VPC", then two subnets in two zones).

.. code-block:: yaml

    aurora:
      ec2_vpc.present:
        - cidr: 10.0.0.0/16
        - subnets:
            aurora-a: {cidr: 10.0.1.0/24, az_index: 0}   # "any zone"
            aurora-b: {cidr: 10.0.2.0/24, az_index: 1}   # "another zone"
        - region: us-east-1

    old-network:
      ec2_vpc.absent:
        - region: us-east-1

``az_index`` is the region's n-th available zone, so the same SLS works in every region.
``internet_gateway: true`` adds a gateway and a public route table for the subnets (a
publicly reachable database). A subnet's block or zone cannot change in place: a difference
is reported and refused. Subnets the state does not declare are reported, never deleted.
"""

from typing import TYPE_CHECKING

from awsrunbook import ec2, engine, plans
from awsrunbook import state as st
from awsrunbook import validate as valid

__virtualname__ = "ec2_vpc"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__


def __virtual__():
    return __virtualname__


def _subnet_refusal(name, current, wanted, zones):
    for subnet, spec in wanted.items():
        have = current["subnets"].get(subnet)
        if have and (have["cidr"] != spec["cidr"] or have["az"] != zones.get(subnet, have["az"])):
            return (
                f"subnet {subnet} of VPC {name} is {have['cidr']} in {have['az']}, not "
                f"{spec['cidr']} in {zones.get(subnet)}: a subnet cannot change in place "
                "(delete it, or declare what it is)"
            )
    return None


def plan_subnets(vpc_id, current_subnets, wanted, zones):
    """Create the declared subnets that are missing; each saved as ``subnet:NAME``. Pure."""
    return [
        plans.step(
            f"subnet {name}",
            None,
            {"cidr": spec["cidr"], "az": zones[name]},
            "aws_ec2.create_subnet",
            save=f"subnet:{name}",
            vpc=vpc_id,
            name=name,
            cidr=spec["cidr"],
            az=zones[name],
        )
        for name, spec in wanted.items()
        if name not in current_subnets
    ]


def plan_gateway(name, vpc_id, current, subnet_ids):
    """An internet gateway, a route table named ``name`` routing 0.0.0.0/0 to it, and the
    subnets associated with it. Pure. ``subnet_ids``: ``{name: ID or Ref}``."""
    steps = []
    named = {"vpc": vpc_id, "name": name}  # both are made in the VPC, with a Name tag
    gateway = current["internet_gateway"] if current else None
    if gateway is None:
        create = "aws_ec2.create_internet_gateway"
        steps.append(plans.step("internet_gateway", None, name, create, save="gateway", **named))
        gateway = plans.Ref("gateway")
    table = current["route_table"] if current else None
    if table is None:
        steps.append(
            plans.step(
                "route_table",
                None,
                {"default_route": "internet gateway"},
                "aws_ec2.create_public_route_table",
                save="table",
                gateway=gateway,
                **named,
            )
        )
        table_id, associated = plans.Ref("table"), []
    else:
        table_id, associated = table["id"], table["subnets"]
        if table["default_route"] != gateway:
            steps.append(
                plans.step(
                    "route_table",
                    table["default_route"],
                    gateway,
                    "aws_ec2.set_default_route",
                    table=table_id,
                    gateway=gateway,
                    replace=bool(table["default_route"]),
                )
            )
    missing = [sid for sid in subnet_ids.values() if sid not in associated]
    if missing:
        public = sorted(sub for sub, sid in subnet_ids.items() if sid in associated)
        steps.append(
            plans.step(
                "public_subnets",
                public,
                sorted(subnet_ids),
                "aws_ec2.associate_route_table",
                table=table_id,
                subnets=missing,
            )
        )
    return steps


def plan_vpc(name, cidr, current, wanted, zones, internet_gateway):
    """Every step from ``current`` (``aws_ec2.describe_vpc``; ``None``: missing) to the
    declared VPC. Pure."""
    steps = []
    if current is None:
        steps.append(
            plans.step(
                "vpc", None, {"cidr": cidr}, "aws_ec2.create_vpc", save="vpc", name=name, cidr=cidr
            )
        )
        vpc_id, existing = plans.Ref("vpc"), {}
    else:
        vpc_id, existing = current["id"], current["subnets"]
    steps += plan_subnets(vpc_id, existing, wanted, zones)
    if internet_gateway:
        subnet_ids = {
            subnet: existing[subnet]["id"] if subnet in existing else plans.Ref(f"subnet:{subnet}")
            for subnet in wanted
        }
        steps += plan_gateway(name, vpc_id, current, subnet_ids)
    return steps


@engine.state()
def present(name, cidr=None, subnets=None, internet_gateway=False, *, run, **kwargs):
    """Ensure the VPC named ``name`` exists with block ``cidr`` and the declared subnets.

    name
        The VPC's Name tag (other states refer to the VPC by it).
    cidr
        The VPC's IPv4 block, /16 to /28 (the runbook's ``10.0.0.0/16``).
    subnets
        ``{Name: {cidr: 10.0.1.0/24, az: us-east-1a}}``, or ``az_index: 0`` for the region's
        first available zone (``1``: the second, ...). Blocks must lie inside ``cidr`` and
        not overlap.
    internet_gateway
        Attach an internet gateway and route the subnets to it (default false).
    region, profile, keyid, key, role_arn
        Connection arguments.
    """
    ec2.group_text(name, "name")
    network = ec2.vpc_cidr(cidr)
    wanted = ec2.subnets(subnets, network)
    valid.boolean(internet_gateway, "internet_gateway")
    ret, conn, region = run.begin(name, kwargs)
    ec2.zones_in_region(wanted, region)

    current = __salt__["aws_ec2.describe_vpc"](name, with_gateway=internet_gateway, **conn)
    if current and current["cidr"] != str(network):
        return st.failed(
            ret,
            f"VPC {name} has the block {current['cidr']}, not {network}: a VPC's block "
            "cannot change",
        )
    # Zones are read only to place new subnets: an existing subnet given by az_index is
    # compared by its block alone.
    existing = current["subnets"] if current else {}
    placed = {sub: spec for sub, spec in wanted.items() if spec["az"] or sub not in existing}
    needs_zones = any(spec["az_index"] is not None for spec in placed.values())
    zones = ec2.resolve_zones(
        placed, __salt__["aws_ec2.availability_zones"](**conn) if needs_zones else []
    )
    refusal = current and _subnet_refusal(name, current, wanted, zones)
    if refusal:
        return st.failed(ret, refusal)
    notes = []
    extra = sorted(set(current["subnets"]) - set(wanted)) if current else []
    if extra:
        notes.append(f"subnets not declared (kept): {', '.join(extra)}")
    steps = plan_vpc(name, str(network), current, wanted, zones, internet_gateway)
    run.apply(ret, steps, f"VPC {name}", notes)
    return ret


@engine.state()
def absent(name, *, run, **kwargs):
    """Ensure the VPC named ``name`` is gone, with its subnets, route tables and internet
    gateways. EC2 refuses while anything else (a database, a security group in use) is in
    it."""
    ec2.group_text(name, "name")
    ret, conn, _ = run.begin(name, kwargs)
    current = __salt__["aws_ec2.describe_vpc"](name, **conn)
    steps = []
    if current is not None:
        shown = {"cidr": current["cidr"], "subnets": sorted(current["subnets"])}
        steps.append(plans.step("vpc", shown, None, "aws_ec2.delete_vpc", vpc=current["id"]))
    run.apply(ret, steps, f"VPC {name}", converged=st.ABSENT)
    return ret
