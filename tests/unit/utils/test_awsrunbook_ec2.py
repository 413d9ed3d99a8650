"""The pure EC2 code: CIDR and subnet checks, rules and their diff."""

import ipaddress

import pytest
from awsrunbook import ec2
from salt.exceptions import SaltInvocationError

VPC = ipaddress.IPv4Network("10.0.0.0/16")


def test_vpc_cidr_limits():
    assert str(ec2.vpc_cidr("10.0.0.0/16")) == "10.0.0.0/16"
    for bad in ("10.0.0.0/8", "10.0.0.1/16", "nonsense", None):
        with pytest.raises(SaltInvocationError, match=r"^cidr: "):
            ec2.vpc_cidr(bad)


def test_subnets_inside_and_apart():
    checked = ec2.subnets(
        {
            "a": {"cidr": "10.0.1.0/24", "az_index": 0},
            "b": {"cidr": "10.0.2.0/24", "az": "us-east-1b"},
        },
        VPC,
    )
    assert checked == {
        "a": {"cidr": "10.0.1.0/24", "az": None, "az_index": 0},
        "b": {"cidr": "10.0.2.0/24", "az": "us-east-1b", "az_index": None},
    }


def test_subnet_outside_the_vpc_is_named():
    with pytest.raises(
        SaltInvocationError, match=r"^subnets:a:cidr: is not inside the VPC's 10.0.0.0/16"
    ):
        ec2.subnets({"a": {"cidr": "10.1.1.0/24", "az_index": 0}}, VPC)


def test_overlapping_subnets_are_named():
    with pytest.raises(SaltInvocationError, match=r"^subnets:b:cidr: overlaps subnet a"):
        ec2.subnets(
            {
                "a": {"cidr": "10.0.1.0/24", "az_index": 0},
                "b": {"cidr": "10.0.1.128/25", "az_index": 1},
            },
            VPC,
        )


@pytest.mark.parametrize(
    "spec",
    [
        {"cidr": "10.0.1.0/24"},
        {"cidr": "10.0.1.0/24", "az": "x", "az_index": 0},
        {"cidr": "10.0.1.0/24", "az": "nowhere"},
    ],
)
def test_subnet_zone_must_be_one_valid_choice(spec):
    with pytest.raises(SaltInvocationError, match=r"^subnets:a"):
        ec2.subnets({"a": spec}, VPC)


def test_zone_index_resolves_and_past_the_end_fails():
    specs = ec2.subnets({"a": {"cidr": "10.0.1.0/24", "az_index": 1}}, VPC)
    assert ec2.resolve_zones(specs, ["us-east-1a", "us-east-1b"]) == {"a": "us-east-1b"}
    with pytest.raises(SaltInvocationError, match=r"^subnets:a:az_index: the region has 1"):
        ec2.resolve_zones(specs, ["us-east-1a"])


def test_rules_flatten_and_validate():
    flat = ec2.rules(
        [
            {"protocol": "tcp", "port": 5432, "cidr": "0.0.0.0/0", "description": "PostgreSQL"},
            {"protocol": "tcp", "from_port": 5432, "to_port": 5433, "ipv6_cidr": "::/0"},
            {"protocol": "all", "cidr": "10.0.0.0/16"},
        ],
        "ingress",
    )
    assert flat[0] == {
        "protocol": "tcp",
        "from_port": 5432,
        "to_port": 5432,
        "cidr": "0.0.0.0/0",
        "description": "PostgreSQL",
    }
    assert flat[2] == {"protocol": "-1", "from_port": -1, "to_port": -1, "cidr": "10.0.0.0/16"}


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        ({"protocol": "tcp", "port": 70000, "cidr": "0.0.0.0/0"}, r"ingress\[0\]:port"),
        (
            {"protocol": "tcp", "from_port": 10, "to_port": 5, "cidr": "0.0.0.0/0"},
            r"ingress\[0\]:to_port",
        ),
        ({"protocol": "sctp", "port": 1, "cidr": "0.0.0.0/0"}, r"ingress\[0\]:protocol"),
        ({"protocol": "tcp", "port": 1, "cidr": "0.0.0.1/0"}, r"ingress\[0\]:cidr"),
        ({"protocol": "tcp", "port": 1}, r"ingress\[0\]: give exactly one"),
        ({"protocol": "tcp", "cidr": "0.0.0.0/0"}, r"ingress\[0\]: give port"),
    ],
)
def test_bad_rules_name_the_argument(spec, where):
    with pytest.raises(SaltInvocationError, match=rf"^{where}"):
        ec2.rules([spec], "ingress")


def test_duplicate_rules_are_rejected():
    rule = {"protocol": "tcp", "port": 5432, "cidr": "0.0.0.0/0"}
    with pytest.raises(SaltInvocationError, match=r"^ingress\[1\]: duplicates"):
        ec2.rules([rule, dict(rule, description="x")], "ingress")


def test_permissions_round_trip():
    flat = ec2.rules(
        [
            {"protocol": "tcp", "port": 5432, "cidr": "0.0.0.0/0", "description": "PostgreSQL"},
            {"protocol": "tcp", "port": 5432, "ipv6_cidr": "::/0"},
        ],
        "ingress",
    )
    assert ec2.from_permissions(ec2.to_permissions(flat)) == sorted(
        flat, key=lambda item: tuple(str(p) for p in ec2.rule_key(item))
    )
    assert ec2.from_permissions(ec2.to_permissions(ec2.DEFAULT_EGRESS)) == ec2.DEFAULT_EGRESS


def test_diff_adds_removes_and_redescribes():
    current = ec2.rules(
        [
            {"protocol": "tcp", "port": 22, "cidr": "0.0.0.0/0"},
            {"protocol": "tcp", "port": 5432, "cidr": "0.0.0.0/0", "description": "old"},
        ],
        "ingress",
    )
    wanted = ec2.rules(
        [
            {"protocol": "tcp", "port": 5432, "cidr": "0.0.0.0/0", "description": "new"},
            {"protocol": "tcp", "port": 5432, "ipv6_cidr": "::/0"},
        ],
        "ingress",
    )
    add, remove = ec2.diff_rules(current, wanted)
    assert ec2.shown(add) == ["tcp 5432-5432 from 0.0.0.0/0 (new)", "tcp 5432-5432 from ::/0"]
    assert ec2.shown(remove) == ["tcp 22-22 from 0.0.0.0/0", "tcp 5432-5432 from 0.0.0.0/0 (old)"]
    assert ec2.diff_rules(current, None) == ([], [])
    assert ec2.diff_rules(wanted, wanted) == ([], [])


def test_a_zone_index_no_region_has_is_refused_and_zones_must_be_the_regions():
    network = ipaddress.IPv4Network("10.0.0.0/16")
    with pytest.raises(SaltInvocationError, match=r"^subnets:a:az_index: no AWS region has more"):
        ec2.subnets({"a": {"cidr": "10.0.1.0/24", "az_index": ec2.MAX_ZONES}}, network)
    assert ec2.subnets({"a": {"cidr": "10.0.1.0/24", "az_index": 5}}, network)["a"]["az_index"] == 5
    wanted = ec2.subnets({"a": {"cidr": "10.0.1.0/24", "az": "us-east-1a"}}, network)
    ec2.zones_in_region(wanted, "us-east-1")
    with pytest.raises(SaltInvocationError, match=r"^subnets:a:az: is not a zone of the region"):
        ec2.zones_in_region(wanted, "us-east-2")
