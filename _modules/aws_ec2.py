"""Amazon EC2: the VPC, subnets, internet gateway and security groups behind ``ec2_vpc`` and
``ec2_security_group``. One function per read or write; plain dicts back.

Every function accepts the connection arguments ``region``, ``profile``, ``keyid``, ``key``
and ``role_arn``.

CLI example::

    salt-call aws_ec2.describe_security_group postgresql-anywhere
"""

from typing import TYPE_CHECKING

from awsrunbook import client as aws
from awsrunbook import ec2 as ec2rules
from salt.exceptions import CommandExecutionError

__virtualname__ = "aws_ec2"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__


def __virtual__():
    return __virtualname__


def _ec2(kwargs):
    return aws.connect("ec2", kwargs, __salt__)[0]


def _tags(item):
    return {tag["Key"]: tag["Value"] for tag in item.get("Tags") or []}


def _name_tag(resource_type, name):
    return [{"ResourceType": resource_type, "Tags": [{"Key": "Name", "Value": name}]}]


def _filtered(ec2, operation, what, filters):
    """What the EC2 ``operation`` (a ``describe_*``) lists for ``filters`` (``{filter name:
    [values]}``); ``what`` names it in errors. EC2 names each answer's list after its
    operation (``describe_route_tables`` answers ``RouteTables``)."""
    answer = aws.call(
        ec2,
        operation,
        what,
        Filters=[{"Name": name, "Values": values} for name, values in filters.items()],
    )
    return answer["".join(word.title() for word in operation.split("_")[1:])]


def vpc_id(vpc=None, missing_ok=False, **kwargs):
    """The ID of ``vpc``: an ID as given, the VPC whose Name tag is ``vpc``, or (``None``) the
    region's default VPC. Raises when there is none (``missing_ok``: returns ``None``, for a
    test run before the VPC is made).

    CLI example::

        salt-call aws_ec2.vpc_id aurora
    """
    if vpc and vpc.startswith("vpc-"):
        return vpc
    ec2 = _ec2(kwargs)
    filters = {"tag:Name": [vpc]} if vpc else {"is-default": ["true"]}
    found = _filtered(ec2, "describe_vpcs", vpc or "the default VPC", filters)
    if not found and missing_ok:
        return None
    if len(found) != 1:
        what = f"named {vpc}" if vpc else "marked default in this region"
        raise CommandExecutionError(f"found {len(found)} VPCs {what}; need exactly one")
    return found[0]["VpcId"]


def describe_vpc(name, with_gateway=False, **kwargs):
    """The VPC whose Name tag is ``name``: ``{"id", "cidr", "subnets": {Name: {"id",
    "cidr", "az"}}, "internet_gateway", "route_table"}`` (the last two read only with
    ``with_gateway``), or ``None``.

    CLI example::

        salt-call aws_ec2.describe_vpc aurora
    """
    ec2 = _ec2(kwargs)
    vpcs = _filtered(ec2, "describe_vpcs", name, {"tag:Name": [name]})
    if not vpcs:
        return None
    if len(vpcs) > 1:
        raise CommandExecutionError(f"several VPCs are named {name}; rename all but one")
    vpc = vpcs[0]
    subnets = _filtered(ec2, "describe_subnets", name, {"vpc-id": [vpc["VpcId"]]})
    described = {
        "id": vpc["VpcId"],
        "cidr": vpc["CidrBlock"],
        "subnets": {
            _tags(subnet).get("Name", subnet["SubnetId"]): {
                "id": subnet["SubnetId"],
                "cidr": subnet["CidrBlock"],
                "az": subnet["AvailabilityZone"],
            }
            for subnet in subnets
        },
        "internet_gateway": None,
        "route_table": None,
    }
    if with_gateway:
        described.update(_gateway(ec2, name, vpc["VpcId"]))
    return described


def _attached_gateways(ec2, vpc, what):
    return _filtered(ec2, "describe_internet_gateways", what, {"attachment.vpc-id": [vpc]})


def _gateway(ec2, name, vpc):
    gateways = _attached_gateways(ec2, vpc, name)
    tables = _filtered(ec2, "describe_route_tables", name, {"vpc-id": [vpc], "tag:Name": [name]})
    table = None
    if tables:
        table = {
            "id": tables[0]["RouteTableId"],
            "default_route": next(
                (
                    route.get("GatewayId")
                    for route in tables[0].get("Routes", [])
                    if route.get("DestinationCidrBlock") == "0.0.0.0/0"
                ),
                None,
            ),
            "subnets": sorted(
                assoc["SubnetId"]
                for assoc in tables[0].get("Associations", [])
                if assoc.get("SubnetId")
            ),
        }
    return {
        "internet_gateway": gateways[0]["InternetGatewayId"] if gateways else None,
        "route_table": table,
    }


def subnet_zones(subnets, **kwargs):
    """``{subnet ID: availability zone}`` of the subnets ``subnets`` (IDs).

    CLI example::

        salt-call aws_ec2.subnet_zones '[subnet-0a1b2c3d, subnet-4e5f6a7b]'
    """
    if not subnets:
        return {}
    found = aws.call(_ec2(kwargs), "describe_subnets", ", ".join(subnets), SubnetIds=list(subnets))[
        "Subnets"
    ]
    return {subnet["SubnetId"]: subnet["AvailabilityZone"] for subnet in found}


def availability_zones(**kwargs):
    """The region's available zones (not Local or Wavelength zones), sorted by name."""
    ec2 = _ec2(kwargs)
    zones = _filtered(ec2, "describe_availability_zones", "the region", {"state": ["available"]})
    return sorted(
        zone["ZoneName"]
        for zone in zones
        if zone.get("ZoneType", "availability-zone") == "availability-zone"
    )


def create_vpc(name, cidr, **kwargs):
    """Create a VPC with Name tag ``name``; returns its ID."""
    ec2 = _ec2(kwargs)
    return aws.call(
        ec2, "create_vpc", name, CidrBlock=cidr, TagSpecifications=_name_tag("vpc", name)
    )["Vpc"]["VpcId"]


def create_subnet(vpc, name, cidr, az, **kwargs):
    """Create a subnet in ``vpc`` (an ID); returns its ID."""
    ec2 = _ec2(kwargs)
    return aws.call_after_create(
        ec2,
        "create_subnet",
        name,
        VpcId=vpc,
        CidrBlock=cidr,
        AvailabilityZone=az,
        TagSpecifications=_name_tag("subnet", name),
    )["Subnet"]["SubnetId"]


def create_internet_gateway(vpc, name, **kwargs):
    """Create an internet gateway named ``name`` and attach it to ``vpc``; returns its ID."""
    ec2 = _ec2(kwargs)
    gateway = aws.call(
        ec2,
        "create_internet_gateway",
        name,
        TagSpecifications=_name_tag("internet-gateway", name),
    )["InternetGateway"]["InternetGatewayId"]
    aws.call_after_create(
        ec2, "attach_internet_gateway", name, InternetGatewayId=gateway, VpcId=vpc
    )
    return gateway


def create_public_route_table(vpc, name, gateway, **kwargs):
    """Create a route table named ``name`` in ``vpc`` whose default route goes to
    ``gateway``; returns its ID."""
    ec2 = _ec2(kwargs)
    table = aws.call(
        ec2, "create_route_table", name, VpcId=vpc, TagSpecifications=_name_tag("route-table", name)
    )["RouteTable"]["RouteTableId"]
    set_default_route(table, gateway, **kwargs)
    return table


def set_default_route(table, gateway, replace=False, **kwargs):
    """Route 0.0.0.0/0 of ``table`` to ``gateway``."""
    ec2 = _ec2(kwargs)
    operation = "replace_route" if replace else "create_route"
    aws.call_after_create(
        ec2,
        operation,
        table,
        RouteTableId=table,
        DestinationCidrBlock="0.0.0.0/0",
        GatewayId=gateway,
    )


def associate_route_table(table, subnets, **kwargs):
    """Associate ``table`` with each subnet ID in ``subnets``."""
    ec2 = _ec2(kwargs)
    for subnet in subnets:
        aws.call_after_create(
            ec2, "associate_route_table", table, RouteTableId=table, SubnetId=subnet
        )


def delete_vpc(vpc, **kwargs):
    """Delete ``vpc`` (an ID) with its subnets, named route tables and internet gateways.
    Anything else in it (network interfaces, other groups) makes EC2 refuse, as it should."""
    ec2 = _ec2(kwargs)
    where = {"vpc-id": [vpc]}
    tables = _filtered(ec2, "describe_route_tables", vpc, where)
    for table in tables:
        if any(assoc.get("Main") for assoc in table.get("Associations", [])):
            continue
        for assoc in table.get("Associations", []):
            aws.call(
                ec2, "disassociate_route_table", vpc, AssociationId=assoc["RouteTableAssociationId"]
            )
        aws.call(ec2, "delete_route_table", vpc, RouteTableId=table["RouteTableId"])
    for subnet in _filtered(ec2, "describe_subnets", vpc, where):
        aws.call(ec2, "delete_subnet", vpc, SubnetId=subnet["SubnetId"])
    for gateway in _attached_gateways(ec2, vpc, vpc):
        aws.call(
            ec2,
            "detach_internet_gateway",
            vpc,
            InternetGatewayId=gateway["InternetGatewayId"],
            VpcId=vpc,
        )
        aws.call(
            ec2, "delete_internet_gateway", vpc, InternetGatewayId=gateway["InternetGatewayId"]
        )
    aws.call(ec2, "delete_vpc", vpc, VpcId=vpc)


def subnet_ids(vpc, names, missing_ok=False, **kwargs):
    """``{name: subnet ID}`` for subnet Names (or IDs, kept) in ``vpc`` (an ID). Raises naming
    the subnets not found (``missing_ok``: keeps their names, for a test run)."""
    wanted = [name for name in names if not name.startswith("subnet-")]
    found = {name: name for name in names if name.startswith("subnet-")}
    if wanted and vpc is None and missing_ok:
        return {name: name for name in names}
    if wanted:
        ec2 = _ec2(kwargs)
        subnets = _filtered(ec2, "describe_subnets", vpc, {"vpc-id": [vpc], "tag:Name": wanted})
        found.update({_tags(subnet)["Name"]: subnet["SubnetId"] for subnet in subnets})
    missing = [name for name in names if name not in found]
    if missing and missing_ok:
        found.update({name: name for name in missing})
    elif missing:
        raise CommandExecutionError(f"no subnet named {', '.join(missing)} in {vpc}")
    return found


def _group(item):
    return {
        "id": item["GroupId"],
        "name": item["GroupName"],
        "description": item.get("Description", ""),
        "vpc_id": item.get("VpcId"),
        "ingress": ec2rules.from_permissions(item.get("IpPermissions", [])),
        "egress": ec2rules.from_permissions(item.get("IpPermissionsEgress", [])),
    }


def describe_security_group(name, vpc, **kwargs):
    """The security group ``name`` in ``vpc`` (an ID): ``{"id", "name", "description",
    "vpc_id", "ingress", "egress"}`` with flat rules, or ``None``.

    CLI example::

        salt-call aws_ec2.describe_security_group postgresql-anywhere vpc-0123
    """
    ec2 = _ec2(kwargs)
    where = {"group-name": [name], "vpc-id": [vpc]}
    groups = _filtered(ec2, "describe_security_groups", name, where)
    return _group(groups[0]) if groups else None


def security_group_ids(groups, vpc=None, missing_ok=False, **kwargs):
    """Security group IDs for ``groups`` (names in ``vpc``, an ID, or IDs, kept), in order.
    Raises naming the groups not found (``missing_ok``: keeps their names, for a test run)."""
    names = [group for group in groups if not group.startswith("sg-")]
    by_name = {}
    if names and (vpc or not missing_ok):
        ec2 = _ec2(kwargs)
        where = {"group-name": names, **({"vpc-id": [vpc]} if vpc else {})}
        found = _filtered(ec2, "describe_security_groups", ", ".join(names), where)
        by_name = {item["GroupName"]: item["GroupId"] for item in found}
    missing = [name for name in names if name not in by_name]
    if missing and not missing_ok:
        raise CommandExecutionError(
            f"no security group named {', '.join(missing)}" + (f" in {vpc}" if vpc else "")
        )
    return [by_name.get(group, group) for group in groups]


def create_security_group(name, description, vpc, **kwargs):
    """Create the group; returns its ID."""
    ec2 = _ec2(kwargs)
    return aws.call(
        ec2, "create_security_group", name, GroupName=name, Description=description, VpcId=vpc
    )["GroupId"]


def authorize_rules(group, rules, egress=False, **kwargs):
    """Authorize flat ``rules`` on ``group`` (an ID), ingress or ``egress``."""
    ec2 = _ec2(kwargs)
    operation = "authorize_security_group_egress" if egress else "authorize_security_group_ingress"
    aws.call_after_create(
        ec2, operation, group, GroupId=group, IpPermissions=ec2rules.to_permissions(rules)
    )


def revoke_rules(group, rules, egress=False, **kwargs):
    """Revoke flat ``rules`` from ``group`` (an ID), ingress or ``egress``."""
    ec2 = _ec2(kwargs)
    operation = "revoke_security_group_egress" if egress else "revoke_security_group_ingress"
    aws.call(ec2, operation, group, GroupId=group, IpPermissions=ec2rules.to_permissions(rules))


def group_users(group, **kwargs):
    """IDs of the network interfaces (instances, databases, load balancers) that use
    ``group``: a group in use must not be deleted."""
    ec2 = _ec2(kwargs)
    found = _filtered(ec2, "describe_network_interfaces", group, {"group-id": [group]})
    return sorted(item["NetworkInterfaceId"] for item in found)


def delete_security_group(group, **kwargs):
    ec2 = _ec2(kwargs)
    aws.call(ec2, "delete_security_group", group, GroupId=group)
