"""Drift between a described database and the declared settings."""

from awsrunbook import rds_drift


def test_drift_lists_fields_and_parameters():
    current = {
        "instance_class": "db.t3.small",
        "security_group_ids": ["sg-2", "sg-1"],
        "backup_retention_days": 0,
        "storage_encrypted": True,
    }
    desired = {
        "instance_class": "db.t3.micro",
        "security_group_ids": ["sg-1", "sg-2"],
        "backup_retention_days": 0,
        "storage_encrypted": False,
    }
    changes, params, fixed = rds_drift.drift(current, desired, rds_drift.INSTANCE_MODIFIABLE)
    assert changes == {"instance_class": {"old": "db.t3.small", "new": "db.t3.micro"}}
    assert params == {"DBInstanceClass": "db.t3.micro"}
    assert fixed == {"storage_encrypted": {"old": True, "new": False}}
    assert "cannot change" in rds_drift.fixed_refusal("instance x", fixed)
    assert rds_drift.fixed_refusal("instance x", {}) is None


def test_a_cluster_corrects_its_scaling():
    current = {"scaling": rds_drift.scaling(0.5, 2, None), "deletion_protection": False}
    desired = {"scaling": rds_drift.scaling(0, 4, 3600), "deletion_protection": False}
    changes, params, fixed = rds_drift.drift(current, desired, rds_drift.CLUSTER_MODIFIABLE)
    assert list(changes) == ["scaling"]
    assert params == {"ServerlessV2ScalingConfiguration": desired["scaling"]}
    assert fixed == {}


def test_storage_cannot_shrink():
    assert "cannot shrink" in rds_drift.storage_refusal(
        {"allocated_storage": 30}, {"allocated_storage": 20}
    )
    assert rds_drift.storage_refusal({"allocated_storage": 20}, {"allocated_storage": 30}) is None


def test_scaling_compares_the_pause_only_at_zero():
    assert rds_drift.scaling(0, 2, 3600) == {
        "MinCapacity": 0.0,
        "MaxCapacity": 2.0,
        "SecondsUntilAutoPause": 3600,
    }
    assert rds_drift.scaling(0.5, 2, 3600) == {"MinCapacity": 0.5, "MaxCapacity": 2.0}
