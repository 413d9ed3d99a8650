"""rds_aurora_postgres through Salt's loader against moto in-process (RDS gaps filled by
tests/support/moto_rds_patches.py), both test modes."""

import json

import boto3
import moto.backends
import pytest
import yaml

from tests.functional.states.test_rds_postgres import SHARED, argspec
from tests.support import moto_rds_patches
from tests.support.calls import recorded_calls, writes

moto_rds_patches.apply()

ACCOUNT, REGION = "123456789012", "us-east-1"
SUBNETS = {
    "aurora-a": {"cidr": "10.0.1.0/24", "az_index": 0},
    "aurora-b": {"cidr": "10.0.2.0/24", "az_index": 1},
}


@pytest.fixture
def network(states):
    assert states.ec2_vpc.present(
        "aurora", cidr="10.0.0.0/16", subnets=SUBNETS, region=REGION
    ).result
    group = states.ec2_security_group.present(
        "postgresql-anywhere",
        description="Allows PostgreSQL connections from anywhere",
        vpc="aurora",
        ingress=[{"protocol": "tcp", "port": 5432, "cidr": "0.0.0.0/0"}],
        region=REGION,
    )
    assert group.result is True, group.comment
    return boto3.client("rds", region_name=REGION)


@pytest.fixture
def pillar_path(tmp_path):
    return tmp_path / "private" / "common.sls"


def present(states, pillar_path, test, **kwargs):
    return states.rds_aurora_postgres.present(
        "common",
        pillar_file=str(pillar_path),
        vpc="aurora",
        subnets=["aurora-a", "aurora-b"],
        region=REGION,
        test=test,
        **kwargs,
    )


def cluster(rds):
    return rds.describe_db_clusters(DBClusterIdentifier="common")["DBClusters"][0]


def cluster_password():
    return (
        moto.backends.get_backend("rds")[ACCOUNT][REGION].clusters["common"]._master_user_password
    )


def test_create_in_both_modes_then_converged(states, network, pillar_path):
    with recorded_calls() as calls:
        preview = present(states, pillar_path, test=True)
    assert preview.result is None, preview.comment
    assert writes(calls) == []
    assert set(preview.changes) >= {"subnet_group", "password", "cluster", "data_api", "writer"}
    assert preview.changes["cluster"]["new"]["engine_version"] == "17.4"  # newest that pauses
    assert not pillar_path.exists()

    ret = present(states, pillar_path, test=False, wait=30, pillar_keys={"url": "postgres:url"})
    assert ret.result is True, ret.comment
    found = cluster(network)
    assert found["EngineMode"] == "provisioned" and found["EngineVersion"] == "17.4"
    assert found["ServerlessV2ScalingConfiguration"] == {
        "MinCapacity": 0.0,
        "MaxCapacity": 2.0,
        "SecondsUntilAutoPause": 3600,
    }
    assert found["HttpEndpointEnabled"] is True
    assert found["DatabaseName"] == "common" and found["BackupRetentionPeriod"] == 1
    assert found["DBSubnetGroup"] == "common"
    assert len(found["AvailabilityZones"]) == 3  # RDS lists a third zone: not drift
    assert [m["DBInstanceIdentifier"] for m in found["DBClusterMembers"]] == ["common-writer"]
    writer = network.describe_db_instances(DBInstanceIdentifier="common-writer")["DBInstances"][0]
    assert writer["DBInstanceClass"] == "db.serverless"
    data = yaml.safe_load(pillar_path.read_text())["postgres"]
    assert data["password"] == cluster_password() and len(data["password"]) == 32
    assert data["host"] == found["Endpoint"] and data["dbname"] == "common"
    assert data["url"].startswith("postgresql://postgres:")
    assert cluster_password() not in json.dumps(ret.raw, default=str)

    for test in (True, False):
        with recorded_calls() as calls:
            again = present(states, pillar_path, test=test, pillar_keys={"url": "postgres:url"})
        assert again.result is True and again.changes == {}, again.comment
        assert writes(calls) == []
        print(f"converged rds_aurora_postgres (test={test}): {len(calls)} read calls: {calls}")
        assert len(calls) == 6


def test_a_version_that_cannot_pause_gets_half_an_acu_with_a_note(states, network, pillar_path):
    ret = present(states, pillar_path, test=False, engine_version="16.2")
    assert ret.result is True, ret.comment
    assert "cannot pause" in ret.comment and "using 0.5" in ret.comment
    assert cluster(network)["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 0.5
    again = present(states, pillar_path, test=False, engine_version="16.2")
    assert again.changes == {} and "using 0.5" in again.comment


def test_drift_and_rotation(states, network, pillar_path):
    present(states, pillar_path, test=False)
    first = cluster_password()
    network.modify_db_cluster(
        DBClusterIdentifier="common",
        ApplyImmediately=True,
        ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 8},
        BackupRetentionPeriod=7,
    )
    network.disable_http_endpoint(ResourceArn=cluster(network)["DBClusterArn"])
    preview = present(states, pillar_path, test=True, rotate_password=True)
    assert preview.result is None
    assert set(preview.changes) == {"settings", "password", "data_api"}
    assert preview.changes["settings"]["old"]["backup_retention_days"] == 7
    ret = present(states, pillar_path, test=False, rotate_password=True)
    assert ret.result is True, ret.comment
    assert ret.changes == preview.changes
    found = cluster(network)
    assert found["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 0.0
    assert found["BackupRetentionPeriod"] == 1 and found["HttpEndpointEnabled"] is True
    data = yaml.safe_load(pillar_path.read_text())["postgres"]
    assert data["password"] == cluster_password() != first
    assert present(states, pillar_path, test=False).changes == {}


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"password_length": 42}, "password_length"),
        ({"min_capacity": 0.3}, "min_capacity"),
        ({"seconds_until_auto_pause": 60}, "seconds_until_auto_pause"),
        ({"subnets": "aurora-a"}, "subnets"),
    ],
)
def test_bad_input_is_rejected_before_any_call(states, pillar_path, kwargs, argument):
    args = {"subnets": ["aurora-a", "aurora-b"], **kwargs}
    with recorded_calls() as calls:
        ret = states.rds_aurora_postgres.present(
            "common", pillar_file=str(pillar_path), vpc="aurora", region=REGION, **args
        )
    assert ret.result is False and ret.comment.startswith(f"{argument}: "), ret.comment
    assert calls == []


def test_absent(states, network, pillar_path):
    present(states, pillar_path, test=False)
    preview = states.rds_aurora_postgres.absent(
        "common", skip_final_snapshot=True, pillar_file=str(pillar_path), region=REGION, test=True
    )
    assert preview.result is None and set(preview.changes) == {"cluster", "pillar"}
    gone = states.rds_aurora_postgres.absent(
        "common", skip_final_snapshot=True, pillar_file=str(pillar_path), region=REGION
    )
    assert gone.result is True, gone.comment
    assert network.describe_db_clusters()["DBClusters"] == []
    assert "postgres" not in (yaml.safe_load(pillar_path.read_text()) or {})
    # the subnet group goes once the cluster is gone
    last = states.rds_aurora_postgres.absent("common", skip_final_snapshot=True, region=REGION)
    assert last.result is True and set(last.changes) == {"subnet_group"}
    assert (
        states.rds_aurora_postgres.absent("common", skip_final_snapshot=True, region=REGION).changes
        == {}
    )


def test_two_subnets_in_one_zone_are_refused_before_any_write(states, pillar_path):
    # Issue 21 item 9: RDS would refuse the subnet group (DBSubnetGroupDoesNotCoverEnoughAZs)
    # after our first write; the zones are known from EC2 only, so one read, then refused.
    one_zone = {name: {**spec, "az_index": 0} for name, spec in SUBNETS.items()}
    assert states.ec2_vpc.present(
        "aurora", cidr="10.0.0.0/16", subnets=one_zone, region=REGION
    ).result
    assert states.ec2_security_group.present(
        "postgresql-anywhere", description="PostgreSQL", vpc="aurora", region=REGION
    ).result
    with recorded_calls() as calls:
        ret = present(states, pillar_path, test=False)
    assert ret.result is False
    assert ret.comment.startswith("subnets: must be in at least two availability zones"), (
        ret.comment
    )
    assert writes(calls) == [] and not pillar_path.exists()


def test_salt_sees_every_argument_of_present_with_its_default(loaders):
    assert list(argspec(loaders, "rds_aurora_postgres.present").items()) == [
        ("pillar_file", None),
        ("vpc", None),
        ("subnets", None),
        ("security_groups", ("postgresql-anywhere",)),
        ("engine_version", None),
        ("min_capacity", 0),
        ("max_capacity", 2),
        ("seconds_until_auto_pause", 3600),
        ("data_api", True),
        ("db_name", "common"),
        ("backup_retention_days", 1),
        ("storage_encrypted", False),
        ("deletion_protection", False),
        ("master_username", "postgres"),
        ("writer", None),
        *SHARED,
    ]
