"""VPC security groups, as the runbook's "Create security group" step makes
``postgresql-anywhere`` by hand.

.. code-block:: yaml

    postgresql-anywhere:
      ec2_security_group.present:
        - description: Allows PostgreSQL connections from anywhere
        - ingress:
            - {protocol: tcp, port: 5432, cidr: 0.0.0.0/0, description: PostgreSQL}
            - {protocol: tcp, port: 5432, ipv6_cidr: "::/0", description: PostgreSQL}
        - region: us-east-1

    old-group:
      ec2_security_group.absent:
        - region: us-east-1

Ingress rules not declared are revoked; egress stays AWS's default (all traffic out) unless
``egress`` is given. EC2 cannot change a group's description: a different description is
reported and refused, unless ``replace: true``, which deletes and re-creates the group when
nothing uses it. A group in use is never deleted.
"""

from typing import TYPE_CHECKING

from awsrunbook import ec2, engine, plans
from awsrunbook import state as st
from awsrunbook import validate as valid

__virtualname__ = "ec2_security_group"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__


def __virtual__():
    return __virtualname__


def plan_rules(group_id, direction, current, wanted):
    """Steps revoking and authorizing rules so ``current`` (flat rules) becomes ``wanted``
    (``None``: not managed). Pure."""
    add, remove = ec2.diff_rules(current, wanted)
    # Revoke first: a rule whose description changed is revoked and authorized again.
    return [
        plans.step(
            direction,
            ec2.shown(current),
            ec2.shown(wanted),
            call,
            group=group_id,
            rules=rules,
            egress=direction == "egress",
        )
        for call, rules in (("aws_ec2.revoke_rules", remove), ("aws_ec2.authorize_rules", add))
        if rules
    ]


def plan_group(name, description, vpc_id, current, ingress, egress, replace):
    """Steps taking ``current`` (``None``: missing) to the declared group. Pure. Raises when
    the description differs and ``replace`` is off."""
    steps = []
    if current is not None and current["description"] != description:
        if not replace:
            valid.fail(
                "description",
                f"security group {name} has the description {current['description']!r}; EC2 "
                "cannot change it in place. Set replace: true to delete and re-create the group "
                "(refused while anything uses it)",
            )
        steps.append(
            plans.step(
                "group", current["id"], None, "aws_ec2.delete_security_group", group=current["id"]
            )
        )
        current = None
    if current is None:
        steps.append(
            plans.step(
                "group",
                None,
                {"name": name, "description": description, "vpc": vpc_id},
                "aws_ec2.create_security_group",
                save="group",
                name=name,
                description=description,
                vpc=vpc_id,
            )
        )
        group_id = plans.Ref("group")
        current = {"ingress": [], "egress": ec2.DEFAULT_EGRESS}
    else:
        group_id = current["id"]
    steps += plan_rules(group_id, "ingress", current["ingress"], ingress)
    return steps + plan_rules(group_id, "egress", current["egress"], egress)


@engine.state()
def present(
    name, description=None, vpc=None, ingress=None, egress=None, replace=False, *, run, **kwargs
):
    """Ensure the security group ``name`` exists with ``description`` and exactly the
    declared ingress rules.

    name
        The group name.
    description
        The group's description (required; EC2 cannot change it later).
    vpc
        A VPC ID, or the Name tag of a VPC (``ec2_vpc``); default: the region's default VPC.
    ingress
        Rules: ``{protocol: tcp, port: 5432, cidr: 0.0.0.0/0, description: ...}`` (or
        ``ipv6_cidr``; ``from_port``/``to_port`` for a range; ``protocol: all``). Rules not
        declared are revoked.
    egress
        Outbound rules, same shape; default: leave AWS's (all traffic out) alone.
    replace
        Delete and re-create the group when its description differs (never while in use).
    region, profile, keyid, key, role_arn
        Connection arguments.
    """
    ec2.group_text(name, "name")
    ec2.group_text(description, "description")
    wanted_ingress = ec2.rules(ingress or [], "ingress")
    wanted_egress = ec2.rules(egress, "egress")
    valid.boolean(replace, "replace")
    ret, conn, _ = run.begin(name, kwargs)

    # In a test run the VPC may be one that an earlier state would create.
    vpc_id = __salt__["aws_ec2.vpc_id"](vpc, missing_ok=run.test, **conn)
    current = vpc_id and __salt__["aws_ec2.describe_security_group"](name, vpc_id, **conn)
    if current and replace and current["description"] != description:
        users = __salt__["aws_ec2.group_users"](current["id"], **conn)
        if users:
            return st.failed(
                ret, f"security group {name} is in use by {', '.join(users)}: not replaced"
            )
    steps = plan_group(
        name, description, vpc_id or vpc, current, wanted_ingress, wanted_egress, replace
    )
    run.apply(ret, steps, f"security group {name}")
    return ret


@engine.state()
def absent(name, vpc=None, *, run, **kwargs):
    """Ensure the security group ``name`` (in ``vpc``, default the default VPC) is gone.
    Refused while network interfaces (instances, databases) use it."""
    ec2.group_text(name, "name")
    ret, conn, _ = run.begin(name, kwargs)
    vpc_id = __salt__["aws_ec2.vpc_id"](vpc, **conn)
    current = __salt__["aws_ec2.describe_security_group"](name, vpc_id, **conn)
    steps = []
    if current is not None:
        users = __salt__["aws_ec2.group_users"](current["id"], **conn)
        if users:
            return st.failed(
                ret, f"security group {name} is in use by {', '.join(users)}: not deleted"
            )
        steps.append(
            plans.step(
                "group", current["id"], None, "aws_ec2.delete_security_group", group=current["id"]
            )
        )
    run.apply(ret, steps, f"security group {name}", converged=st.ABSENT)
    return ret
