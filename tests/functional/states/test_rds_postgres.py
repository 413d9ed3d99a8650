"""rds_postgres through Salt's loader against moto in-process (RDS gaps filled by
tests/support/moto_rds_patches.py), both test modes, and the password's failure paths."""

import json

import boto3
import moto.backends
import pytest
import yaml
from awsrunbook import rds_connection, rds_passwords
from salt.exceptions import CommandExecutionError

from tests.support import moto_rds_patches
from tests.support.calls import recorded_calls, writes

moto_rds_patches.apply()

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture
def clients(aws):
    ec2 = boto3.client("ec2", region_name=REGION)
    ec2.create_security_group(GroupName="postgresql-anywhere", Description="PostgreSQL")
    return {"ec2": ec2, "rds": boto3.client("rds", region_name=REGION)}


@pytest.fixture
def pillar_path(tmp_path):
    path = tmp_path / "private" / "analytics.sls"
    path.parent.mkdir()
    path.write_text("# analytics\nweb:\n  domain: example.org\n")
    return path


def present(states, pillar_path, test, **kwargs):
    return states.rds_postgres.present(
        "analytics", pillar_file=str(pillar_path), region=REGION, test=test, **kwargs
    )


def created(states, pillar_path, **kwargs):
    """Create the instance and run again for the host (moto's instance is available at
    once): a converged starting point."""
    for _ in range(2):
        ret = present(states, pillar_path, test=False, **kwargs)
        assert ret.result is True, ret.comment
    return ret


def pillar(pillar_path):
    return yaml.safe_load(pillar_path.read_text())


def db_password(name="analytics"):
    """The master password moto's instance was given (the backend keeps it privately)."""
    return moto.backends.get_backend("rds")[ACCOUNT][REGION].databases[name]._master_user_password


def instance(clients, name="analytics"):
    return clients["rds"].describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]


def shown(ret):
    return json.dumps(ret.raw, default=str)


def test_test_mode_reports_the_plan_and_writes_nothing(states, clients, pillar_path):
    before = pillar_path.read_text()
    with recorded_calls() as calls:
        ret = present(states, pillar_path, test=True)
    assert ret.result is None, ret.comment
    assert ret.changes["password"] == f"written to {pillar_path}"
    assert ret.changes["instance"]["new"]["instance_class"] == "db.t3.micro"
    assert ret.changes["instance"]["new"]["engine_version"] == "17.4"  # the region's default
    assert writes(calls) == []
    assert pillar_path.read_text() == before
    assert clients["rds"].describe_db_instances()["DBInstances"] == []


def test_create_writes_the_password_first_then_the_host(states, clients, pillar_path):
    ret = present(states, pillar_path, test=False)
    assert ret.result is True, ret.comment
    data = pillar(pillar_path)["postgres"]
    assert data["password"] == db_password()
    assert "host" not in data  # only once available: next run, or wait
    assert data["port"] == 5432 and data["username"] == "postgres" and data["dbname"] == "postgres"
    assert "once it is available" in ret.comment
    assert db_password() not in shown(ret)
    found = instance(clients)
    assert found["DBInstanceClass"] == "db.t3.micro" and found["AllocatedStorage"] == 20
    assert found["EngineVersion"] == "17.4" and found["StorageType"] == "gp2"
    assert found["PubliclyAccessible"] is True and found["BackupRetentionPeriod"] == 0
    assert found["StorageEncrypted"] is False and found["PerformanceInsightsEnabled"] is False
    assert "MaxAllocatedStorage" not in found
    group = clients["ec2"].describe_security_groups(GroupNames=["postgresql-anywhere"])
    assert [g["VpcSecurityGroupId"] for g in found["VpcSecurityGroups"]] == [
        group["SecurityGroups"][0]["GroupId"]
    ]

    host = present(states, pillar_path, test=False)
    assert host.result is True and set(host.changes) == {"pillar postgres:host"}
    assert pillar(pillar_path)["postgres"]["host"] == found["Endpoint"]["Address"]

    for test in (True, False):
        with recorded_calls() as calls:
            again = present(states, pillar_path, test=test)
        assert again.result is True and again.changes == {}, again.comment
        assert writes(calls) == []
        assert calls == [
            ("rds", "DescribeDBInstances"),
            ("ec2", "DescribeVpcs"),
            ("ec2", "DescribeSecurityGroups"),
        ]


def test_wait_writes_the_host_in_the_same_run(states, clients, pillar_path, caplog):
    with caplog.at_level("INFO"):
        ret = present(
            states,
            pillar_path,
            test=False,
            wait=60,
            db_name="common",
            pillar_keys={"url": "postgres:url"},
        )
    assert ret.result is True, ret.comment
    data = pillar(pillar_path)["postgres"]
    assert data["host"] == instance(clients)["Endpoint"]["Address"]
    assert data["url"] == rds_connection.postgres_url(
        data["host"], 5432, "postgres", db_password(), "common"
    )
    assert "DB instance analytics: available" in caplog.text
    assert db_password() not in caplog.text and db_password() not in shown(ret)
    assert (
        present(
            states, pillar_path, test=False, db_name="common", pillar_keys={"url": "postgres:url"}
        ).changes
        == {}
    )


def test_wait_times_out_with_the_last_status(modules, clients, caplog):
    clients["rds"].create_db_instance(
        DBInstanceIdentifier="slow",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="postgres",
        MasterUserPassword="abcdefgh12",
    )
    moto.backends.get_backend("rds")[ACCOUNT][REGION].databases["slow"].status = "creating"
    with (
        caplog.at_level("INFO"),
        pytest.raises(
            CommandExecutionError, match=r"DB instance slow is still creating after 1 s \(wait: 1\)"
        ),
    ):
        modules.aws_rds.wait_for_db_instance("slow", 1, interval=1, region=REGION)
    assert "DB instance slow: creating (0 s of 1 s)" in caplog.text


def test_a_password_in_the_file_and_no_instance_is_the_one_created_with(
    states, clients, pillar_path
):
    """A crash after the pillar write and before CreateDBInstance: the next run uses it."""
    pillar_path.write_text("postgres:\n  password: Kept-Password-123\n")
    ret = present(states, pillar_path, test=False)
    assert ret.result is True and "password" not in ret.changes
    assert db_password() == "Kept-Password-123"


def test_create_failure_keeps_the_password_in_the_file(states, clients, pillar_path, monkeypatch):
    original = moto.backends.get_backend("rds")[ACCOUNT][REGION].__class__.create_db_instance

    def refuse(self, db_kwargs):
        raise moto.rds.exceptions.RDSClientError("InsufficientDBInstanceCapacity", "no capacity")

    monkeypatch.setattr(moto.rds.models.RDSBackend, "create_db_instance", refuse)
    failed = present(states, pillar_path, test=False)
    assert failed.result is False and "CreateDBInstance" in failed.comment
    kept = pillar(pillar_path)["postgres"]["password"]
    monkeypatch.setattr(moto.rds.models.RDSBackend, "create_db_instance", original)
    assert present(states, pillar_path, test=False).result is True
    assert db_password() == kept == pillar(pillar_path)["postgres"]["password"]


def test_rotation_sets_a_new_password_then_promotes_it(states, clients, pillar_path):
    created(states, pillar_path)
    first = pillar(pillar_path)["postgres"]["password"]
    preview = present(states, pillar_path, test=True, rotate_password=True)
    assert preview.result is None and preview.changes == {
        "password": f"rotated, written to {pillar_path}"
    }
    ret = present(states, pillar_path, test=False, rotate_password=True)
    assert ret.result is True, ret.comment
    data = pillar(pillar_path)["postgres"]
    assert data["password"] != first and data["password"] == db_password()
    assert "password_pending" not in data
    assert "rotate_password is set" in ret.comment
    tags = {t["Key"]: t["Value"] for t in instance(clients)["TagList"]}
    assert rds_passwords.PASSWORD_TAG in tags


def test_rotation_interrupted_after_modify_converges(states, clients, pillar_path, monkeypatch):
    """Killed between ModifyDBInstance and the promotion: the pending password is what the
    database has; the next run sets it again and promotes it."""
    created(states, pillar_path)
    old = pillar(pillar_path)["postgres"]["password"]

    def crash(self, arn, tags):
        raise moto.rds.exceptions.RDSClientError("InvalidParameterValue", "stopped here")

    # The step after ModifyDBInstance fails: the database has the pending password now.
    monkeypatch.setattr(moto.rds.models.RDSBackend, "add_tags_to_resource", crash)
    failed = present(states, pillar_path, test=False, rotate_password=True)
    assert failed.result is False and "AddTagsToResource" in failed.comment
    data = pillar(pillar_path)["postgres"]
    assert data["password"] == old and data["password_pending"] == db_password()
    monkeypatch.undo()

    resumed = present(states, pillar_path, test=False)
    assert resumed.result is True and "interrupted" in resumed.comment
    data = pillar(pillar_path)["postgres"]
    assert data["password"] == db_password() and "password_pending" not in data
    assert present(states, pillar_path, test=False).changes == {}


def test_rotation_modify_failure_leaves_the_old_password_usable(
    states, clients, pillar_path, monkeypatch
):
    created(states, pillar_path)
    old = db_password()

    def refuse(self, db_instance_identifier, db_kwargs):
        raise moto.rds.exceptions.RDSClientError("InvalidDBInstanceState", "busy")

    original = moto.rds.models.RDSBackend.modify_db_instance
    monkeypatch.setattr(moto.rds.models.RDSBackend, "modify_db_instance", refuse)
    failed = present(states, pillar_path, test=False, rotate_password=True)
    assert failed.result is False and "ModifyDBInstance" in failed.comment
    data = pillar(pillar_path)["postgres"]
    assert data["password"] == old == db_password()  # the file still works
    pending = data["password_pending"]
    monkeypatch.setattr(moto.rds.models.RDSBackend, "modify_db_instance", original)
    resumed = present(states, pillar_path, test=False)
    assert resumed.result is True
    assert db_password() == pending == pillar(pillar_path)["postgres"]["password"]


def test_drift_is_corrected_in_one_modify(states, clients, pillar_path):
    created(states, pillar_path)
    clients["rds"].modify_db_instance(
        DBInstanceIdentifier="analytics",
        ApplyImmediately=True,
        DBInstanceClass="db.t3.small",
        BackupRetentionPeriod=7,
        EnablePerformanceInsights=True,
        PubliclyAccessible=False,
    )
    preview = present(states, pillar_path, test=True)
    assert preview.changes == {
        "settings": {
            "old": {
                "instance_class": "db.t3.small",
                "publicly_accessible": False,
                "backup_retention_days": 7,
                "performance_insights": True,
            },
            "new": {
                "instance_class": "db.t3.micro",
                "publicly_accessible": True,
                "backup_retention_days": 0,
                "performance_insights": False,
            },
        }
    }
    with recorded_calls() as calls:
        fixed = present(states, pillar_path, test=False)
    assert fixed.result is True and fixed.changes == preview.changes
    assert writes(calls) == [("rds", "ModifyDBInstance")]
    assert present(states, pillar_path, test=False).changes == {}


def test_major_version_change_is_refused_unless_allowed(states, clients, pillar_path):
    present(states, pillar_path, test=False, engine_version="16")
    assert instance(clients)["EngineVersion"] == "16.9"
    refused = present(states, pillar_path, test=False, engine_version="17")
    assert refused.result is False and "allow_major_version_upgrade: true" in refused.comment
    upgraded = present(
        states, pillar_path, test=False, engine_version="17", allow_major_version_upgrade=True
    )
    assert upgraded.result is True, upgraded.comment
    assert upgraded.changes["settings"] == {
        "old": {"engine_version": "16.9"},
        "new": {"engine_version": "17.5"},
    }
    assert instance(clients)["EngineVersion"] == "17.5"


def test_managed_password_puts_the_secret_arn_in_the_pillar(states, clients, pillar_path):
    ret = present(
        states,
        pillar_path,
        test=False,
        manage_master_user_password=True,
        pillar_keys={"secret_arn": "postgres:secret"},
    )
    assert ret.result is True, ret.comment
    data = pillar(pillar_path)["postgres"]
    assert "password" not in data
    assert data["secret"] == instance(clients)["MasterUserSecret"]["SecretArn"]
    assert "every 7 days" in ret.comment


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"instance_class": "db.t3.mirco"}, "instance_class"),
        ({"allocated_storage": 19}, "allocated_storage"),
        ({"password_length": 7}, "password_length"),
        ({"password_length": 129}, "password_length"),
        ({"security_groups": "postgresql-anywhere"}, "security_groups"),
        ({"pillar_file": "relative.sls"}, "pillar_file"),
        ({"engine_version": "seventeen"}, "engine_version"),
    ],
)
def test_bad_input_is_rejected_before_any_call(states, pillar_path, kwargs, argument):
    kwargs.setdefault("pillar_file", str(pillar_path))
    with recorded_calls() as calls:
        ret = states.rds_postgres.present("analytics", region=REGION, test=False, **kwargs)
    assert ret.result is False and ret.comment.startswith(f"{argument}: "), ret.comment
    assert calls == []


def test_absent_needs_a_snapshot_decision_and_removes_the_details(states, clients, pillar_path):
    present(states, pillar_path, test=False)
    refused = states.rds_postgres.absent("analytics", region=REGION, test=False)
    assert refused.result is False and refused.comment.startswith("final_snapshot: ")
    preview = states.rds_postgres.absent(
        "analytics",
        final_snapshot="analytics-final",
        pillar_file=str(pillar_path),
        region=REGION,
        test=True,
    )
    assert preview.result is None and set(preview.changes) == {"instance", "pillar"}
    gone = states.rds_postgres.absent(
        "analytics",
        final_snapshot="analytics-final",
        pillar_file=str(pillar_path),
        region=REGION,
        test=False,
    )
    assert gone.result is True, gone.comment
    assert "final snapshot analytics-final taken" in gone.comment
    snapshots = clients["rds"].describe_db_snapshots()["DBSnapshots"]
    assert [s["DBSnapshotIdentifier"] for s in snapshots] == ["analytics-final"]
    assert "postgres" not in pillar(pillar_path)
    again = states.rds_postgres.absent(
        "analytics", skip_final_snapshot=True, region=REGION, test=False
    )
    assert again.result is True and again.changes == {}


def test_absent_refuses_deletion_protection(states, clients, pillar_path):
    present(states, pillar_path, test=False, deletion_protection=True)
    refused = states.rds_postgres.absent(
        "analytics", skip_final_snapshot=True, region=REGION, test=False
    )
    assert refused.result is False and "deletion protection" in refused.comment
    assert instance(clients)


# The arguments both states' present end with (awsrunbook.rds_arguments.Shared), as Salt shows
# them.
SHARED = [
    ("pillar_keys", None),
    ("password_length", 32),
    ("rotate_password_after_days", None),
    ("rotate_password", False),
    ("manage_master_user_password", False),
    ("allow_major_version_upgrade", False),
    ("apply_immediately", True),
    ("wait", None),
    ("gpg_recipients", None),
]


def argspec(loaders, function):
    """What ``sys.state_argspec`` reports of ``function``: ``{argument: default}`` after
    ``name``, in order."""
    spec = loaders.modules.sys.state_argspec(function)[function]
    assert spec["args"][0] == "name" and spec["kwargs"] is True
    return dict(zip(spec["args"][1:], spec["defaults"], strict=True))


def test_salt_sees_every_argument_of_present_with_its_default(loaders):
    """The arguments both database states share (awsrunbook.rds_arguments) are listed where
    they always were; map.jinja, state.doc and the docs read this."""
    assert list(argspec(loaders, "rds_postgres.present").items()) == [
        ("pillar_file", None),
        ("engine_version", None),
        ("instance_class", "db.t3.micro"),
        ("allocated_storage", 20),
        ("max_allocated_storage", None),
        ("storage_type", "gp2"),
        ("publicly_accessible", True),
        ("security_groups", ("postgresql-anywhere",)),
        ("vpc", None),
        ("subnet_group", None),
        ("backup_retention_days", 0),
        ("storage_encrypted", False),
        ("performance_insights", False),
        ("deletion_protection", False),
        ("master_username", "postgres"),
        ("db_name", None),
        *SHARED,
    ]


@pytest.mark.parametrize("state", ["rds_postgres", "rds_aurora_postgres"])
def test_salt_sees_every_argument_of_absent_with_its_default(loaders, state):
    assert list(argspec(loaders, f"{state}.absent").items()) == [
        ("final_snapshot", None),
        ("skip_final_snapshot", False),
        ("pillar_file", None),
        ("pillar_keys", None),
    ]
