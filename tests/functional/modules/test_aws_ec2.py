"""aws_ec2 through Salt's loader against moto's in-process EC2: the reads by Name tag or ID, the
writes behind ``ec2_vpc`` and ``ec2_security_group``, read back as plain dicts."""

import awsrunbook.client
import boto3
import pytest
from botocore.stub import Stubber
from salt.exceptions import CommandExecutionError

from tests.support.calls import recorded_calls

REGION = "us-east-1"
RULE = {"protocol": "tcp", "from_port": 5432, "to_port": 5432, "cidr": "192.0.2.0/24"}


def ec2():
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture
def vpc(modules):
    """A VPC named ``aurora`` with two subnets, an internet gateway and a public route table."""
    ec2mod = modules.aws_ec2
    vpc_id = ec2mod.create_vpc("aurora", "10.1.0.0/16", region=REGION)
    subnets = [
        ec2mod.create_subnet(vpc_id, f"aurora-{az[-1]}", cidr, az, region=REGION)
        for az, cidr in (("us-east-1a", "10.1.1.0/24"), ("us-east-1b", "10.1.2.0/24"))
    ]
    gateway = ec2mod.create_internet_gateway(vpc_id, "aurora", region=REGION)
    table = ec2mod.create_public_route_table(vpc_id, "aurora", gateway, region=REGION)
    ec2mod.associate_route_table(table, subnets, region=REGION)
    return {"id": vpc_id, "subnets": subnets, "gateway": gateway, "table": table}


def test_describe_vpc_reads_back_what_was_made(modules, vpc):
    assert modules.aws_ec2.describe_vpc("aurora", with_gateway=True, region=REGION) == {
        "id": vpc["id"],
        "cidr": "10.1.0.0/16",
        "subnets": {
            "aurora-a": {"id": vpc["subnets"][0], "cidr": "10.1.1.0/24", "az": "us-east-1a"},
            "aurora-b": {"id": vpc["subnets"][1], "cidr": "10.1.2.0/24", "az": "us-east-1b"},
        },
        "internet_gateway": vpc["gateway"],
        "route_table": {
            "id": vpc["table"],
            "default_route": vpc["gateway"],
            "subnets": sorted(vpc["subnets"]),
        },
    }
    with recorded_calls() as calls:
        without = modules.aws_ec2.describe_vpc("aurora", region=REGION)
    assert (without["internet_gateway"], without["route_table"]) == (None, None)
    assert [operation for _, operation in calls] == ["DescribeVpcs", "DescribeSubnets"]
    assert modules.aws_ec2.describe_vpc("nosuch", region=REGION) is None


def test_vpc_id_by_id_by_name_or_the_default(modules, vpc):
    with recorded_calls() as calls:
        assert modules.aws_ec2.vpc_id("vpc-0123456789abcdef0", region=REGION) == (
            "vpc-0123456789abcdef0"
        )
    assert calls == []  # an ID is taken as given
    assert modules.aws_ec2.vpc_id("aurora", region=REGION) == vpc["id"]
    default = ec2().describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])
    assert modules.aws_ec2.vpc_id(region=REGION) == default["Vpcs"][0]["VpcId"]
    assert modules.aws_ec2.vpc_id("nosuch", missing_ok=True, region=REGION) is None
    with pytest.raises(CommandExecutionError, match=r"^found 0 VPCs named nosuch; need exactly"):
        modules.aws_ec2.vpc_id("nosuch", region=REGION)


def test_two_vpcs_of_one_name_are_refused(modules, vpc):
    modules.aws_ec2.create_vpc("aurora", "10.2.0.0/16", region=REGION)
    with pytest.raises(CommandExecutionError, match=r"^found 2 VPCs named aurora"):
        modules.aws_ec2.vpc_id("aurora", region=REGION)
    with pytest.raises(CommandExecutionError, match=r"^several VPCs are named aurora"):
        modules.aws_ec2.describe_vpc("aurora", region=REGION)


def test_subnet_ids_and_zones(modules, vpc):
    first, second = vpc["subnets"]
    assert modules.aws_ec2.subnet_ids(vpc["id"], ["aurora-b", first], region=REGION) == {
        "aurora-b": second,
        first: first,
    }
    with pytest.raises(
        CommandExecutionError, match=rf"^no subnet named aurora-c, x in {vpc['id']}"
    ):
        modules.aws_ec2.subnet_ids(vpc["id"], ["aurora-a", "aurora-c", "x"], region=REGION)
    kept = modules.aws_ec2.subnet_ids(vpc["id"], ["aurora-a", "aurora-c"], missing_ok=True)
    assert kept == {"aurora-a": first, "aurora-c": "aurora-c"}
    with recorded_calls() as calls:  # a test run before the VPC exists
        assert modules.aws_ec2.subnet_ids(None, ["aurora-a"], missing_ok=True) == {
            "aurora-a": "aurora-a"
        }
        assert modules.aws_ec2.subnet_zones([], region=REGION) == {}
    assert calls == []
    assert modules.aws_ec2.subnet_zones([second, first], region=REGION) == {
        first: "us-east-1a",
        second: "us-east-1b",
    }


def test_availability_zones_are_the_available_ones_sorted(modules):
    zones = modules.aws_ec2.availability_zones(region=REGION)
    assert zones == sorted(zones) and "us-east-1a" in zones
    answer = {
        "AvailabilityZones": [
            {"ZoneName": "us-west-2b", "ZoneType": "availability-zone"},
            {"ZoneName": "us-west-2-lax-1a", "ZoneType": "local-zone"},
            {"ZoneName": "us-west-2a"},
        ]
    }
    with Stubber(awsrunbook.client.client("ec2", {"region": "us-west-2"})) as stub:
        stub.add_response(
            "describe_availability_zones",
            answer,
            {"Filters": [{"Name": "state", "Values": ["available"]}]},
        )
        assert modules.aws_ec2.availability_zones(region="us-west-2") == [
            "us-west-2a",
            "us-west-2b",
        ]


def test_a_default_route_can_be_replaced(modules, vpc):
    other = ec2().create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    with pytest.raises(CommandExecutionError, match=r"^CreateRoute on rtb-"):
        modules.aws_ec2.set_default_route(vpc["table"], other, region=REGION)
    modules.aws_ec2.set_default_route(vpc["table"], other, replace=True, region=REGION)
    described = modules.aws_ec2.describe_vpc("aurora", with_gateway=True, region=REGION)
    assert described["route_table"]["default_route"] == other


def test_delete_vpc_removes_what_it_holds(modules, vpc):
    modules.aws_ec2.delete_vpc(vpc["id"], region=REGION)
    assert modules.aws_ec2.describe_vpc("aurora", region=REGION) is None
    gateways = ec2().describe_internet_gateways()["InternetGateways"]
    assert vpc["gateway"] not in [gateway["InternetGatewayId"] for gateway in gateways]
    assert (
        ec2().describe_subnets(SubnetIds=[])["Subnets"]
        == ec2().describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
            "Subnets"
        ]
    )  # only the default VPC's are left


def test_a_refused_write_is_not_repeated(modules, slept):
    with Stubber(awsrunbook.client.client("ec2", {"region": REGION})) as stub:
        stub.add_client_error("associate_route_table", "Resource.AlreadyAssociated", "taken")
        with pytest.raises(
            CommandExecutionError,
            match=r"^AssociateRouteTable on rtb-1 failed: Resource\.AlreadyAssociated: taken$",
        ):
            modules.aws_ec2.associate_route_table("rtb-1", ["subnet-1"], region=REGION)
    assert slept == []


# What EC2 answers while a resource made moments ago is not visible yet ("Eventual consistency
# in the Amazon EC2 API", EC2 API reference), for the write that follows each create here.
NOT_YET_VISIBLE = [
    (
        "associate_route_table",
        "InvalidRouteTableID.NotFound",
        {"table": "rtb-1", "subnets": ["subnet-1"]},
        {"RouteTableId": "rtb-1", "SubnetId": "subnet-1"},
        {"AssociationId": "rtbassoc-1"},
    ),
    (
        "create_subnet",
        "InvalidVpcID.NotFound",
        {"vpc": "vpc-1", "name": "a", "cidr": "10.1.1.0/24", "az": "us-east-1a"},
        {
            "VpcId": "vpc-1",
            "CidrBlock": "10.1.1.0/24",
            "AvailabilityZone": "us-east-1a",
            "TagSpecifications": [
                {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": "a"}]}
            ],
        },
        {"Subnet": {"SubnetId": "subnet-1"}},
    ),
    (
        "authorize_security_group_ingress",
        "InvalidGroup.NotFound",
        {"group": "sg-1", "rules": [RULE]},
        None,
        {"Return": True},
    ),
]


@pytest.mark.parametrize(
    ("operation", "code", "args", "params", "answer"),
    NOT_YET_VISIBLE,
    ids=[case[1] for case in NOT_YET_VISIBLE],
)
def test_a_write_just_after_the_create_waits_for_it_to_show(
    modules, slept, operation, code, args, params, answer
):
    function = {"authorize_security_group_ingress": "authorize_rules"}.get(operation, operation)
    with Stubber(awsrunbook.client.client("ec2", {"region": REGION})) as stub:
        for _ in range(2):
            stub.add_client_error(operation, code, "does not exist", 400)
        stub.add_response(operation, answer, params)
        getattr(modules.aws_ec2, function)(**args, region=REGION)
        stub.assert_no_pending_responses()
    assert slept == [0.5, 1.0]


def test_a_security_groups_rules_written_and_read_flat(modules, vpc):
    ec2mod = modules.aws_ec2
    group = ec2mod.create_security_group("postgresql", "PostgreSQL", vpc["id"], region=REGION)
    ec2mod.authorize_rules(group, [RULE, dict(RULE, cidr="198.51.100.0/24")], region=REGION)
    ec2mod.revoke_rules(group, [RULE], region=REGION)
    ec2mod.revoke_rules(
        group,
        [{"protocol": "-1", "from_port": -1, "to_port": -1, "cidr": "0.0.0.0/0"}],
        egress=True,
        region=REGION,
    )
    found = ec2mod.describe_security_group("postgresql", vpc["id"], region=REGION)
    assert found["id"] == group and found["vpc_id"] == vpc["id"]
    assert found["description"] == "PostgreSQL"
    assert [(r["from_port"], r["cidr"]) for r in found["ingress"]] == [(5432, "198.51.100.0/24")]
    assert found["egress"] == []
    assert ec2mod.describe_security_group("postgresql", "vpc-other", region=REGION) is None


def test_security_group_ids_in_order(modules, vpc):
    ec2mod = modules.aws_ec2
    ids = {
        name: ec2mod.create_security_group(name, name, vpc["id"], region=REGION)
        for name in ("web", "db")
    }
    got = ec2mod.security_group_ids(["db", "sg-0kept", "web"], vpc=vpc["id"], region=REGION)
    assert got == [ids["db"], "sg-0kept", ids["web"]]
    with pytest.raises(CommandExecutionError, match=rf"^no security group named x in {vpc['id']}"):
        ec2mod.security_group_ids(["web", "x"], vpc=vpc["id"], region=REGION)
    kept = ec2mod.security_group_ids(["web", "x"], vpc=vpc["id"], missing_ok=True, region=REGION)
    assert kept == [ids["web"], "x"]
    with recorded_calls() as calls:  # a test run before the VPC exists
        assert ec2mod.security_group_ids(["web"], missing_ok=True) == ["web"]
    assert calls == []


def test_a_group_in_use_names_its_users_and_ec2_refuses_to_delete_it(modules, vpc):
    ec2mod = modules.aws_ec2
    group = ec2mod.create_security_group("db", "db", vpc["id"], region=REGION)
    assert ec2mod.group_users(group, region=REGION) == []
    eni = ec2().create_network_interface(SubnetId=vpc["subnets"][0], Groups=[group])
    assert ec2mod.group_users(group, region=REGION) == [
        eni["NetworkInterface"]["NetworkInterfaceId"]
    ]
    ec2().delete_network_interface(NetworkInterfaceId=eni["NetworkInterface"]["NetworkInterfaceId"])
    ec2mod.delete_security_group(group, region=REGION)
    assert ec2mod.describe_security_group("db", vpc["id"], region=REGION) is None
