"""Pure EC2 code for ``ec2_vpc`` and ``ec2_security_group``: CIDR and subnet checks, security
group rules in one flat shape (declared, or read from ``IpPermissions``) and their diff. No I/O.

A rule is a dict: ``protocol`` (``tcp``, ``udp``, ``icmp``, ``icmpv6`` or ``-1`` for all),
``from_port``, ``to_port``, exactly one of ``cidr``/``ipv6_cidr``, and ``description``.
"""

import ipaddress
import re

from awsrunbook.validate import fail

PROTOCOLS = {
    "tcp": "tcp",
    "udp": "udp",
    "icmp": "icmp",
    "icmpv6": "icmpv6",
    "-1": "-1",
    "all": "-1",
}
DEFAULT_EGRESS = [{"protocol": "-1", "from_port": -1, "to_port": -1, "cidr": "0.0.0.0/0"}]
_NAME_RE = re.compile(r"^[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}$")
# The most available zones of any AWS region (us-east-1 has six): an az_index past it is a
# typo in every region, refused before any call.
MAX_ZONES = 6
RULE_KEYS = ("protocol", "port", "from_port", "to_port", "cidr", "ipv6_cidr", "description")


def group_text(value, arg):
    """A security group name or description: 1-255 of the characters EC2 allows in a VPC."""
    if not isinstance(value, str) or not _NAME_RE.match(value):
        fail(arg, "must be 1-255 letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*", value)
    if arg == "name" and value.lower().startswith("sg-"):
        fail(arg, "must not start with sg- (EC2 reserves it for group IDs)", value)
    return value


def vpc_cidr(value, arg="cidr"):
    """An IPv4 network from /16 to /28, as a VPC's primary block must be."""
    network = ipv4_network(value, arg)
    if not 16 <= network.prefixlen <= 28:
        fail(arg, "a VPC's block must be from /16 to /28", value)
    return network


def ipv4_network(value, arg):
    try:
        network = ipaddress.IPv4Network(value)
    except (ValueError, TypeError):
        fail(arg, "must be an IPv4 network such as 10.0.0.0/16 (host bits zero)", value)
    return network


def ipv6_network(value, arg):
    try:
        return ipaddress.IPv6Network(value)
    except (ValueError, TypeError):
        fail(arg, "must be an IPv6 network such as ::/0 (host bits zero)", value)
    return None


def subnets(value, vpc_network, arg="subnets"):
    """``{name: {"cidr", "az" or "az_index"}}`` checked: each block inside the VPC's, /16 to
    /28, none overlapping. Returns ``{name: {"cidr": str, "az": str|None, "az_index":
    int|None}}``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        fail(arg, "must be a mapping of subnet Name to {cidr, az or az_index}", value)
    checked = {}
    for name, spec in value.items():
        where = f"{arg}:{name}"
        group_text(name, where)
        if not isinstance(spec, dict) or set(spec) - {"cidr", "az", "az_index"}:
            fail(where, "must be a mapping with cidr and az or az_index", spec)
        network = ipv4_network(spec.get("cidr"), f"{where}:cidr")
        if not 16 <= network.prefixlen <= 28:
            fail(f"{where}:cidr", "a subnet's block must be from /16 to /28", spec["cidr"])
        if not network.subnet_of(vpc_network):
            fail(f"{where}:cidr", f"is not inside the VPC's {vpc_network}", spec["cidr"])
        for other, seen in checked.items():
            if network.overlaps(ipaddress.IPv4Network(seen["cidr"])):
                fail(f"{where}:cidr", f"overlaps subnet {other} ({seen['cidr']})", spec["cidr"])
        checked[name] = {"cidr": str(network), **_zone(spec, where)}
    return checked


def _zone(spec, where):
    az, index = spec.get("az"), spec.get("az_index")
    if (az is None) == (index is None):
        fail(where, "give exactly one of az (a zone name) and az_index (0, 1, ...)")
    if az is not None and not (
        isinstance(az, str) and re.match(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$", az)
    ):
        fail(f"{where}:az", "must be an availability zone name such as us-east-1a", az)
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or index < 0):
        fail(f"{where}:az_index", "must be a zone index: 0, 1, ...", index)
    if index is not None and index >= MAX_ZONES:
        fail(
            f"{where}:az_index",
            f"no AWS region has more than {MAX_ZONES} availability zones (0 to {MAX_ZONES - 1})",
            index,
        )
    return {"az": az, "az_index": index}


def zones_in_region(subnet_specs: dict[str, dict], region: str) -> None:
    """Refuse a subnet whose ``az`` is a zone of another region than ``region``. (An
    ``az_index`` past the region's last zone is known only from EC2: ``resolve_zones``
    refuses it after that one read, before any write.)"""
    for name, spec in subnet_specs.items():
        if spec["az"] is not None and spec["az"][:-1] != region:
            fail(f"subnets:{name}:az", f"is not a zone of the region {region}", spec["az"])


def resolve_zones(subnet_specs, zones):
    """Each subnet's zone: ``az`` as given, ``az_index`` as the region's n-th available zone
    (``zones`` sorted). Raises naming the subnet when the index is past the last zone."""
    resolved = {}
    for name, spec in subnet_specs.items():
        if spec["az"] is not None:
            resolved[name] = spec["az"]
        elif spec["az_index"] < len(zones):
            resolved[name] = zones[spec["az_index"]]
        else:
            fail(
                f"subnets:{name}:az_index",
                f"the region has {len(zones)} available zones ({', '.join(zones)})",
                spec["az_index"],
            )
    return resolved


def _port(value, arg):
    if isinstance(value, bool) or not isinstance(value, int) or not -1 <= value <= 65535:
        fail(arg, "must be a port number from 0 to 65535 (-1: all, for icmp)", value)
    return value


def rule(spec, arg):
    """One declared rule in the flat shape; ``port`` is ``from_port`` = ``to_port``."""
    if not isinstance(spec, dict) or set(spec) - set(RULE_KEYS):
        fail(arg, f"must be a mapping of {list(RULE_KEYS)}", spec)
    protocol = PROTOCOLS.get(str(spec.get("protocol", "tcp")).lower())
    if protocol is None:
        fail(f"{arg}:protocol", f"must be one of {sorted(PROTOCOLS)}", spec.get("protocol"))
    if protocol == "-1":
        from_port = to_port = -1
    elif "port" in spec:
        from_port = to_port = _port(spec["port"], f"{arg}:port")
    elif "from_port" in spec and "to_port" in spec:
        from_port = _port(spec["from_port"], f"{arg}:from_port")
        to_port = _port(spec["to_port"], f"{arg}:to_port")
        if from_port > to_port:
            fail(f"{arg}:to_port", f"must not be below from_port {from_port}", to_port)
    else:
        fail(arg, "give port, or from_port and to_port (or protocol: all)")
    flat = {"protocol": protocol, "from_port": from_port, "to_port": to_port}
    return {**flat, **_source(spec, arg), **_description(spec, arg)}


def _source(spec, arg):
    if ("cidr" in spec) == ("ipv6_cidr" in spec):
        fail(arg, "give exactly one of cidr and ipv6_cidr (one rule per source)")
    if "cidr" in spec:
        return {"cidr": str(ipv4_network(spec["cidr"], f"{arg}:cidr"))}
    return {"ipv6_cidr": str(ipv6_network(spec["ipv6_cidr"], f"{arg}:ipv6_cidr"))}


def _description(spec, arg):
    if spec.get("description") is None:
        return {}
    return {"description": group_text(spec["description"], f"{arg}:description")}


def rules(value, arg):
    """A list of declared rules, flattened; duplicates rejected."""
    if value is None:
        return None
    if not isinstance(value, list):
        fail(arg, "must be a list of rules such as {protocol: tcp, port: 5432, cidr: 0.0.0.0/0}")
    flat = [rule(item, f"{arg}[{index}]") for index, item in enumerate(value)]
    keys = [rule_key(item) for item in flat]
    for index, key in enumerate(keys):
        if key in keys[:index]:
            fail(f"{arg}[{index}]", "duplicates an earlier rule")
    return flat


def rule_key(flat):
    """What identifies a rule in EC2 (the description does not)."""
    return (
        flat["protocol"],
        flat["from_port"],
        flat["to_port"],
        flat.get("cidr"),
        flat.get("ipv6_cidr"),
    )


def from_permissions(permissions):
    """EC2's ``IpPermissions`` as flat rules (group and prefix-list sources kept as-is under
    ``other``, so they can be revoked)."""
    flat = []
    for perm in permissions:
        base = {
            "protocol": perm["IpProtocol"],
            "from_port": perm.get("FromPort", -1),
            "to_port": perm.get("ToPort", -1),
        }
        if base["protocol"] == "-1":
            base["from_port"] = base["to_port"] = -1
        for source, field, key in (
            ("IpRanges", "CidrIp", "cidr"),
            ("Ipv6Ranges", "CidrIpv6", "ipv6_cidr"),
        ):
            for item in perm.get(source, []):
                entry = {**base, key: item[field]}
                if item.get("Description"):
                    entry["description"] = item["Description"]
                flat.append(entry)
    return sorted(flat, key=lambda item: tuple(str(part) for part in rule_key(item)))


def to_permissions(flat_rules):
    """Flat rules as ``IpPermissions`` (one permission per rule)."""
    permissions = []
    for item in flat_rules:
        perm = {"IpProtocol": item["protocol"]}
        if item["protocol"] != "-1":
            perm["FromPort"], perm["ToPort"] = item["from_port"], item["to_port"]
        described = {"Description": item["description"]} if item.get("description") else {}
        if item.get("cidr"):
            perm["IpRanges"] = [{"CidrIp": item["cidr"], **described}]
        else:
            perm["Ipv6Ranges"] = [{"CidrIpv6": item["ipv6_cidr"], **described}]
        permissions.append(perm)
    return permissions


def diff_rules(current, wanted):
    """``(add, remove)``: rules to authorize and to revoke so ``current`` becomes ``wanted``.
    A rule whose description alone differs is revoked and authorized again."""
    if wanted is None:
        return [], []
    current_by_key = {rule_key(item): item for item in current}
    wanted_by_key = {rule_key(item): item for item in wanted}
    add = [item for key, item in wanted_by_key.items() if current_by_key.get(key) != item]
    remove = [item for key, item in current_by_key.items() if wanted_by_key.get(key) != item]
    return add, remove


def shown(flat_rules):
    """Rules as ``changes`` shows them: short strings, sorted."""
    return sorted(
        f"{item['protocol']} {item['from_port']}-{item['to_port']} from "
        f"{item.get('cidr') or item.get('ipv6_cidr')}"
        + (f" ({item['description']})" if item.get("description") else "")
        for item in flat_rules
    )
