"""ec2_vpc through Salt's loader against moto in-process, both test modes."""

import boto3
import pytest

from tests.support.calls import recorded_calls, writes

SUBNETS = {
    "aurora-a": {"cidr": "10.0.1.0/24", "az_index": 0},
    "aurora-b": {"cidr": "10.0.2.0/24", "az_index": 1},
}


@pytest.fixture
def ec2(aws):
    return boto3.client("ec2", region_name="us-east-1")


def present(states, test, **kwargs):
    kwargs.setdefault("cidr", "10.0.0.0/16")
    kwargs.setdefault("subnets", SUBNETS)
    return states.ec2_vpc.present("aurora", region="us-east-1", test=test, **kwargs)


def vpc(ec2):
    found = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["aurora"]}])["Vpcs"]
    return found[0] if found else None


def subnets(ec2, vpc_id):
    found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    return sorted(
        (
            next(t["Value"] for t in s["Tags"] if t["Key"] == "Name"),
            s["CidrBlock"],
            s["AvailabilityZone"],
        )
        for s in found
    )


def test_create_in_both_modes_then_converged(states, ec2):
    with recorded_calls() as calls:
        preview = present(states, test=True)
    assert preview.result is None and writes(calls) == []
    assert set(preview.changes) == {"vpc", "subnet aurora-a", "subnet aurora-b"}
    assert vpc(ec2) is None

    ret = present(states, test=False)
    assert ret.result is True, ret.comment
    assert ret.changes == {
        "vpc": {"old": None, "new": {"cidr": "10.0.0.0/16"}},
        "subnet aurora-a": {"old": None, "new": {"cidr": "10.0.1.0/24", "az": "us-east-1a"}},
        "subnet aurora-b": {"old": None, "new": {"cidr": "10.0.2.0/24", "az": "us-east-1b"}},
    }
    found = vpc(ec2)
    assert found["CidrBlock"] == "10.0.0.0/16"
    assert subnets(ec2, found["VpcId"]) == [
        ("aurora-a", "10.0.1.0/24", "us-east-1a"),
        ("aurora-b", "10.0.2.0/24", "us-east-1b"),
    ]
    for test in (True, False):
        with recorded_calls() as calls:
            again = present(states, test=test)
        assert again.result is True and again.changes == {}, again.comment
        assert writes(calls) == []
        assert calls == [("ec2", "DescribeVpcs"), ("ec2", "DescribeSubnets")]


def test_internet_gateway_and_public_routes(states, ec2):
    present(states, test=False)
    ret = present(states, test=False, internet_gateway=True)
    assert ret.result is True, ret.comment
    assert set(ret.changes) == {"internet_gateway", "route_table", "public_subnets"}
    vpc_id = vpc(ec2)["VpcId"]
    gateways = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
    )["InternetGateways"]
    assert len(gateways) == 1
    tables = ec2.describe_route_tables(Filters=[{"Name": "tag:Name", "Values": ["aurora"]}])[
        "RouteTables"
    ]
    routes = {r["DestinationCidrBlock"]: r.get("GatewayId") for r in tables[0]["Routes"]}
    assert routes["0.0.0.0/0"] == gateways[0]["InternetGatewayId"]
    assert len([a for a in tables[0]["Associations"] if a.get("SubnetId")]) == 2
    assert present(states, test=False, internet_gateway=True).changes == {}


def test_a_changed_subnet_is_refused(states, ec2):
    present(states, test=False)
    moved = dict(SUBNETS, **{"aurora-b": {"cidr": "10.0.3.0/24", "az_index": 1}})
    ret = present(states, test=False, subnets=moved)
    assert ret.result is False and "cannot change in place" in ret.comment


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"subnets": {"a": {"cidr": "10.1.0.0/24", "az_index": 0}}}, "subnets:a:cidr"),
        (
            {
                "subnets": {
                    "a": {"cidr": "10.0.1.0/24", "az_index": 0},
                    "b": {"cidr": "10.0.1.0/25", "az_index": 1},
                }
            },
            "subnets:b:cidr",
        ),
        ({"cidr": "10.0.0.0/8"}, "cidr"),
    ],
)
def test_bad_input_is_rejected_before_any_call(states, kwargs, argument):
    with recorded_calls() as calls:
        ret = present(states, test=False, **kwargs)
    assert ret.result is False and ret.comment.startswith(f"{argument}: "), ret.comment
    assert calls == []


def test_absent_removes_everything_and_converges(states, ec2):
    present(states, test=False, internet_gateway=True)
    preview = states.ec2_vpc.absent("aurora", region="us-east-1", test=True)
    assert preview.result is None and vpc(ec2) is not None
    gone = states.ec2_vpc.absent("aurora", region="us-east-1", test=False)
    assert gone.result is True, gone.comment
    assert vpc(ec2) is None
    assert states.ec2_vpc.absent("aurora", region="us-east-1", test=False).changes == {}
