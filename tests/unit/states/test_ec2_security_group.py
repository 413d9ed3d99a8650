"""ec2_security_group's planners."""

import pytest
from awsrunbook import ec2
from salt.exceptions import SaltInvocationError

from _states import ec2_security_group

INGRESS = ec2.rules([{"protocol": "tcp", "port": 5432, "cidr": "0.0.0.0/0"}], "ingress")


def current(description="PostgreSQL", ingress=INGRESS):
    return {
        "id": "sg-1",
        "description": description,
        "ingress": ingress,
        "egress": ec2.DEFAULT_EGRESS,
    }


def test_new_group_then_its_rules_egress_left_alone():
    steps = ec2_security_group.plan_group("pg", "PostgreSQL", "vpc-1", None, INGRESS, None, False)
    assert [s["call"] for s in steps] == [
        "aws_ec2.create_security_group",
        "aws_ec2.authorize_rules",
    ]


def test_converged_and_revoked():
    assert (
        ec2_security_group.plan_group("pg", "PostgreSQL", "vpc-1", current(), INGRESS, None, False)
        == []
    )
    steps = ec2_security_group.plan_group("pg", "PostgreSQL", "vpc-1", current(), [], None, False)
    assert [(s["call"], s["kwargs"]["rules"]) for s in steps] == [("aws_ec2.revoke_rules", INGRESS)]


def test_declared_egress_replaces_the_default():
    egress = ec2.rules([{"protocol": "tcp", "port": 443, "cidr": "0.0.0.0/0"}], "egress")
    steps = ec2_security_group.plan_group(
        "pg", "PostgreSQL", "vpc-1", current(), INGRESS, egress, False
    )
    assert [(s["call"], s["kwargs"]["egress"]) for s in steps] == [
        ("aws_ec2.revoke_rules", True),
        ("aws_ec2.authorize_rules", True),
    ]


def test_description_change_refused_or_replaced():
    with pytest.raises(SaltInvocationError, match=r"^description: .*replace: true"):
        ec2_security_group.plan_group("pg", "Other", "vpc-1", current(), INGRESS, None, False)
    steps = ec2_security_group.plan_group("pg", "Other", "vpc-1", current(), INGRESS, None, True)
    assert [s["call"] for s in steps] == [
        "aws_ec2.delete_security_group",
        "aws_ec2.create_security_group",
        "aws_ec2.authorize_rules",
    ]
