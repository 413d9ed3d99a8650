"""ec2_vpc's planners."""

import ipaddress

from awsrunbook import ec2, plans

from _states import ec2_vpc

WANTED = ec2.subnets(
    {"a": {"cidr": "10.0.1.0/24", "az_index": 0}, "b": {"cidr": "10.0.2.0/24", "az": "us-east-1b"}},
    ipaddress.IPv4Network("10.0.0.0/16"),
)
ZONES = {"a": "us-east-1a", "b": "us-east-1b"}


def test_a_new_vpc_then_its_subnets_then_the_gateway():
    steps = ec2_vpc.plan_vpc("aurora", "10.0.0.0/16", None, WANTED, ZONES, True)
    assert [s["call"] for s in steps] == [
        "aws_ec2.create_vpc",
        "aws_ec2.create_subnet",
        "aws_ec2.create_subnet",
        "aws_ec2.create_internet_gateway",
        "aws_ec2.create_public_route_table",
        "aws_ec2.associate_route_table",
    ]
    assert isinstance(steps[1]["kwargs"]["vpc"], plans.Ref)
    assert [type(sid) for sid in steps[-1]["kwargs"]["subnets"]] == [plans.Ref, plans.Ref]


def test_converged_vpc_has_no_steps():
    current = {
        "id": "vpc-1",
        "cidr": "10.0.0.0/16",
        "subnets": {
            "a": {"id": "subnet-a", "cidr": "10.0.1.0/24", "az": "us-east-1a"},
            "b": {"id": "subnet-b", "cidr": "10.0.2.0/24", "az": "us-east-1b"},
        },
        "internet_gateway": "igw-1",
        "route_table": {
            "id": "rtb-1",
            "default_route": "igw-1",
            "subnets": ["subnet-a", "subnet-b"],
        },
    }
    assert ec2_vpc.plan_vpc("aurora", "10.0.0.0/16", current, WANTED, ZONES, True) == []
    moved = dict(current, route_table=dict(current["route_table"], default_route="igw-old"))
    steps = ec2_vpc.plan_vpc("aurora", "10.0.0.0/16", moved, WANTED, ZONES, True)
    assert [(s["call"], s["kwargs"]["replace"]) for s in steps] == [
        ("aws_ec2.set_default_route", True)
    ]
