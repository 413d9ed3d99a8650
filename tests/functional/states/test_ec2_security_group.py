"""ec2_security_group through Salt's loader against moto in-process, both test modes."""

import boto3
import pytest

from tests.support.calls import recorded_calls, writes

DESCRIPTION = "Allows PostgreSQL connections from anywhere"
INGRESS = [
    {"protocol": "tcp", "port": 5432, "cidr": "0.0.0.0/0", "description": "PostgreSQL"},
    {"protocol": "tcp", "port": 5432, "ipv6_cidr": "::/0"},
]


@pytest.fixture
def ec2(aws):
    return boto3.client("ec2", region_name="us-east-1")


def present(states, test, **kwargs):
    kwargs.setdefault("description", DESCRIPTION)
    kwargs.setdefault("ingress", INGRESS)
    return states.ec2_security_group.present(
        "postgresql-anywhere", region="us-east-1", test=test, **kwargs
    )


def group(ec2):
    found = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["postgresql-anywhere"]}]
    )
    return found["SecurityGroups"][0] if found["SecurityGroups"] else None


def test_create_in_both_modes_then_converged(states, ec2):
    with recorded_calls() as calls:
        preview = present(states, test=True)
    assert preview.result is None and writes(calls) == []
    assert set(preview.changes) == {"group", "ingress"}
    assert group(ec2) is None

    created = present(states, test=False)
    assert created.result is True, created.comment
    assert created.changes == preview.changes
    found = group(ec2)
    assert found["Description"] == DESCRIPTION
    perms = found["IpPermissions"]
    assert [(p["FromPort"], p["IpRanges"], p["Ipv6Ranges"]) for p in perms] == [
        (5432, [{"CidrIp": "0.0.0.0/0", "Description": "PostgreSQL"}], [{"CidrIpv6": "::/0"}])
    ]
    # egress untouched: AWS's default
    assert found["IpPermissionsEgress"][0]["IpProtocol"] == "-1"

    for test in (True, False):
        with recorded_calls() as calls:
            again = present(states, test=test)
        assert again.result is True and again.changes == {}, again.comment
        assert writes(calls) == []
        assert calls == [("ec2", "DescribeVpcs"), ("ec2", "DescribeSecurityGroups")]


def test_undeclared_rules_are_revoked_and_drift_corrected(states, ec2):
    present(states, test=False)
    group_id = group(ec2)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    preview = present(states, test=True)
    assert preview.result is None
    assert "tcp 22-22 from 0.0.0.0/0" in preview.changes["ingress"]["old"]
    fixed = present(states, test=False)
    assert fixed.result is True and fixed.changes == preview.changes
    assert [p["FromPort"] for p in group(ec2)["IpPermissions"]] == [5432]
    assert present(states, test=False).changes == {}


def test_description_change_is_refused_unless_replace(states, ec2):
    present(states, test=False)
    old_id = group(ec2)["GroupId"]
    refused = present(states, test=False, description="Something else")
    assert refused.result is False
    assert refused.comment.startswith("description: ") and "replace: true" in refused.comment
    replaced = present(states, test=False, description="Something else", replace=True)
    assert replaced.result is True, replaced.comment
    assert group(ec2)["GroupId"] != old_id and group(ec2)["Description"] == "Something else"


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"ingress": [{"protocol": "tcp", "port": 99999, "cidr": "0.0.0.0/0"}]}, "ingress[0]:port"),
        ({"ingress": [{"protocol": "tcp", "port": 5432, "cidr": "10.0.0.1/8"}]}, "ingress[0]:cidr"),
        ({"description": None}, "description"),
    ],
)
def test_bad_input_is_rejected_before_any_call(states, kwargs, argument):
    with recorded_calls() as calls:
        ret = present(states, test=False, **kwargs)
    assert ret.result is False and ret.comment.startswith(f"{argument}: ")
    assert calls == []


def test_absent_removes_and_converges(states, ec2):
    present(states, test=False)
    preview = states.ec2_security_group.absent("postgresql-anywhere", region="us-east-1", test=True)
    assert preview.result is None and group(ec2) is not None
    gone = states.ec2_security_group.absent("postgresql-anywhere", region="us-east-1", test=False)
    assert gone.result is True and group(ec2) is None
    again = states.ec2_security_group.absent("postgresql-anywhere", region="us-east-1", test=False)
    assert again.changes == {} and "already absent" in again.comment


def test_a_group_in_use_is_never_deleted(states, ec2):
    present(states, test=False)
    found = group(ec2)
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [found["VpcId"]]}])[
        "Subnets"
    ][0]
    eni = ec2.create_network_interface(SubnetId=subnet["SubnetId"], Groups=[found["GroupId"]])
    eni_id = eni["NetworkInterface"]["NetworkInterfaceId"]
    refused = states.ec2_security_group.absent("postgresql-anywhere", region="us-east-1")
    assert refused.result is False and eni_id in refused.comment
    replaced = present(states, test=False, description="Something else", replace=True)
    assert replaced.result is False and "in use" in replaced.comment
    assert group(ec2)["GroupId"] == found["GroupId"]
