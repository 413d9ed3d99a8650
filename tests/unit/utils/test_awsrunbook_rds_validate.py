"""Argument checks of the RDS states: each names the argument it rejects."""

import dataclasses

import pytest
from awsrunbook import rds_arguments, rds_validate
from salt.exceptions import SaltInvocationError

# present's arguments both states take, with rds_postgres's defaults (as rds_arguments.split
# gives them).
ARGS = {
    "name": "Analytics",
    "pillar_file": "/srv/pillar/private/analytics.sls",
    "engine_version": 17,
    "security_groups": ("postgresql-anywhere",),
    "storage_encrypted": False,
    "deletion_protection": False,
    "master_username": "postgres",
    "db_name": None,
    **dataclasses.asdict(rds_arguments.Shared()),
}


@pytest.mark.parametrize(
    "value", ["db.t3.mirco", "db.t3", "t3.micro", "db.t3.micro ", "db.T3.micro"]
)
def test_instance_class_typos_are_rejected(value):
    with pytest.raises(SaltInvocationError, match=r"^instance_class: is not a DB instance class"):
        rds_validate.instance_class(value)


@pytest.mark.parametrize(
    "value", ["db.t3.micro", "db.t4g.small", "db.m7g.2xlarge", "db.r6gd.xlarge"]
)
def test_instance_classes(value):
    assert rds_validate.instance_class(value) == value


@pytest.mark.parametrize("value", [19, 0, 65537, "20", True])
def test_storage_limits(value):
    with pytest.raises(SaltInvocationError, match=r"^allocated_storage: must be"):
        rds_validate.allocated_storage(value)


def test_identifiers_usernames_db_names():
    assert rds_validate.identifier("Analytics-1") == "analytics-1"
    for bad in ("1abc", "a--b", "a-", "a_b", "x" * 64):
        with pytest.raises(SaltInvocationError, match=r"^name: "):
            rds_validate.identifier(bad)
    assert rds_validate.master_username("postgres") == "postgres"
    for bad in ("rdsadmin", "1user", "a" * 17, "has-dash"):
        with pytest.raises(SaltInvocationError, match=r"^master_username: "):
            rds_validate.master_username(bad)
    assert rds_validate.db_name(None) is None
    with pytest.raises(SaltInvocationError, match=r"^db_name: "):
        rds_validate.db_name("my-db")


def test_engine_versions_asked_for():
    with pytest.raises(SaltInvocationError, match=r"^engine_version: "):
        rds_validate.engine_version("sixteen")
    assert rds_validate.engine_version(17) == "17"
    assert rds_validate.engine_version("latest") == "latest"
    assert rds_validate.engine_version(None) is None


def test_capacity_steps():
    assert rds_validate.capacity(0, "min_capacity") == 0.0
    assert rds_validate.capacity(2.5, "max_capacity") == 2.5
    for bad in (0.25, -1, 257, "2"):
        with pytest.raises(SaltInvocationError, match=r"^min_capacity: "):
            rds_validate.capacity(bad, "min_capacity")


@pytest.mark.parametrize(
    ("subnets", "problem"),
    [
        (["aurora-a"], "at least two subnets"),
        (["aurora-a", "aurora-a"], "names a subnet twice"),
        ([], "must be a list"),
    ],
)
def test_a_subnet_group_needs_two_distinct_subnets(subnets, problem):
    with pytest.raises(SaltInvocationError, match=f"^subnets: .*{problem}"):
        rds_validate.subnet_names(subnets)


def test_subnets_must_span_two_zones():
    rds_validate.subnets_in_two_zones({"subnet-1": "us-east-1a", "subnet-2": "us-east-1b"})
    with pytest.raises(SaltInvocationError, match=r"^subnets: must be in at least two"):
        rds_validate.subnets_in_two_zones({"subnet-1": "us-east-1a", "subnet-2": "us-east-1a"})


def test_common_inputs_come_back_checked_and_named():
    checked = rds_validate.common_inputs(ARGS["name"], ARGS, "postgres")
    assert checked.name == "analytics"
    assert checked.engine_version == "17"
    assert checked.length == 32
    assert checked.paths["password"] == "postgres:password"
    assert checked.desired == {
        "deletion_protection": False,
        "storage_encrypted": False,
        "master_username": "postgres",
        "db_name": None,
    }
    more = checked.declaring(backup_retention_days=1)
    assert more.desired["backup_retention_days"] == 1 and "backup_retention_days" not in (
        checked.desired
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        checked.name = "other"


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"pillar_file": "relative.sls"}, r"^pillar_file: "),
        ({"wait": 0}, r"^wait: must be a whole number from 1 to 86400"),
        ({"apply_immediately": "yes"}, r"^apply_immediately: must be true or false"),
        ({"password_length": 42}, r"^password_length: "),
        ({"security_groups": []}, r"^security_groups: must be a list"),
        (
            {"manage_master_user_password": True, "rotate_password": True},
            r"^rotate_password: Secrets Manager rotates",
        ),
        ({"pillar_keys": {"password": None}}, r"^pillar_keys:password: a pillar key path"),
    ],
)
def test_common_inputs_name_what_they_refuse(changed, message):
    with pytest.raises(SaltInvocationError, match=message):
        rds_validate.common_inputs("analytics", {**ARGS, **changed}, "aurora-postgresql")


def test_absent_inputs():
    checked = rds_validate.absent_inputs(
        "Analytics", rds_arguments.Absent(skip_final_snapshot=True, pillar_file="/srv/p.sls")
    )
    assert checked.name == "analytics" and checked.final_snapshot is None
    assert checked.pillar_file == "/srv/p.sls" and checked.paths["host"] == "postgres:host"
    kept = rds_validate.absent_inputs("a", rds_arguments.Absent(final_snapshot="a-final"))
    assert kept.final_snapshot == "a-final" and kept.paths == {}
    refused = [
        (rds_arguments.Absent(), r"^final_snapshot: give final_snapshot"),
        (
            rds_arguments.Absent(final_snapshot="x", skip_final_snapshot=True),
            r"^final_snapshot: give",
        ),
        (rds_arguments.Absent(skip_final_snapshot="yes"), r"^skip_final_snapshot: must be"),
        (rds_arguments.Absent(final_snapshot="bad--name"), r"^final_snapshot: must be"),
        (
            rds_arguments.Absent(skip_final_snapshot=True, pillar_file="p.sls"),
            r"^pillar_file: must be an absolute",
        ),
    ]
    for args, message in refused:
        with pytest.raises(SaltInvocationError, match=message):
            rds_validate.absent_inputs("a", args)
