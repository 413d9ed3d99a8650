"""The plans both database states share, fed named data (no AWS)."""

import dataclasses
import datetime

import pytest
from awsrunbook import plans, rds_arguments, rds_connection, rds_passwords, rds_plans
from awsrunbook.rds_connection import Held, Parts
from awsrunbook.rds_validate import CheckedAbsent
from salt.exceptions import SaltInvocationError

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.timezone.utc)
STAMP = "2026-11-23T12:00:00+00:00"
PATHS = {**rds_connection.DEFAULT_PILLAR_KEYS, "url": "postgres:url"}
DB = rds_plans.Database("instance", "analytics", "postgres", "/srv/pillar/a.sls", PATHS, 32)
NEW = rds_plans.Create(settings={"Engine": "postgres"}, shown={"engine_version": "17.5"})
DESIRED = {"master_username": "postgres", "db_name": None, "instance_class": "db.t3.micro"}
PARTS = Parts(port=5432, username="postgres", dbname="postgres")


def options(**changed):
    defaults = {
        "wait": None,
        "managed": False,
        "apply_immediately": True,
        "stamp": STAMP,
        "version": None,
        "rotation": None,
    }
    return rds_plans.Options(**{**defaults, **changed})


def pillar_now(held=None, values=None):
    return rds_plans.PillarNow(held=held or Held(), values=values or {}, parts=PARTS)


def existing(**changed):
    return {
        "status": "available",
        "arn": "arn:aws:rds:us-east-1:1:db:analytics",
        "host": "analytics.example",
        "port": 5432,
        "engine_version": "17.5",
        "instance_class": "db.t3.micro",
        "master_username": "postgres",
        "secret_arn": None,
        "tags": {rds_passwords.PASSWORD_TAG: STAMP},
        "deletion_protection": False,
        **changed,
    }


def test_create_writes_the_password_before_the_create_call():
    steps = rds_plans.plan_create(DB, NEW, Held(), options())
    assert [s["call"] for s in steps] == [
        "aws_rds.new_password_into_pillar",
        "aws_rds.create_db_instance",
    ]
    assert steps[1]["kwargs"]["password_path"] == "postgres:password"
    assert steps[1]["kwargs"]["tags"] == {rds_passwords.PASSWORD_TAG: STAMP}
    # a password already in the file (an earlier run died before the create) is used as is
    kept = rds_plans.plan_create(DB, NEW, Held(password=True), options(wait=600))
    assert [s["call"] for s in kept] == [
        "aws_rds.create_db_instance",
        "aws_rds.wait_for_db_instance",
    ]
    managed = rds_plans.plan_create(DB, NEW, Held(), options(managed=True))
    assert [s["call"] for s in managed] == ["aws_rds.create_db_instance"]
    assert managed[0]["kwargs"]["password_path"] is None


def test_rotation_order_pending_modify_tag_promote():
    current = {"arn": "arn:aws:rds:us-east-1:1:db:analytics", "secret_arn": None}
    steps = rds_plans.plan_rotation(DB, "rotate_password is set", Held(password=True), current, "x")
    assert [s["call"] for s in steps] == [
        "aws_rds.new_password_into_pillar",
        "aws_rds.set_master_password",
        "aws_rds.tag_resource",
        "aws_rds.promote_pending_password",
    ]
    assert steps[0]["kwargs"]["path"] == steps[1]["kwargs"]["path"] == "postgres:password_pending"
    assert plans.changes_of(steps) == {"password": "rotated, written to /srv/pillar/a.sls"}
    # an interrupted rotation: the pending password is set again, never replaced
    resumed = rds_plans.plan_rotation(DB, "x", Held(password=True, pending=True), current, "x")
    assert resumed[0]["call"] == "aws_rds.set_master_password"


def test_a_new_instance_without_wait_gets_its_host_on_a_later_run():
    steps, notes = rds_plans.plan_present(DB, None, DESIRED, NEW, pillar_now(), options())
    calls = [s["call"] for s in steps]
    assert calls[:2] == ["aws_rds.new_password_into_pillar", "aws_rds.create_db_instance"]
    written = [s["kwargs"]["values"] for s in steps if s["call"] == "pillar_file.set_values"]
    assert written == [
        {"postgres:port": 5432},
        {"postgres:username": "postgres"},
        {"postgres:dbname": "postgres"},
    ]
    assert "aws_rds.write_connection_url" not in calls  # no host yet, no URL
    assert notes == [
        "DB instance analytics is being created: its host is written to /srv/pillar/a.sls "
        "once it is available (run again, or give wait: SECONDS)"
    ]


def test_a_new_cluster_takes_its_host_from_the_create_answer():
    cluster = dataclasses.replace(DB, kind="cluster")
    steps, notes = rds_plans.plan_present(cluster, None, DESIRED, NEW, pillar_now(), options())
    host = next(s for s in steps if s["field"] == "pillar postgres:host")
    assert isinstance(host["new"], plans.Ref) and host["new"].name == "created"
    url = steps[-1]
    assert url["call"] == "aws_rds.write_connection_url" and url["kwargs"]["host"] is host["new"]
    assert url["kwargs"]["dbname"] == "postgres" and url["kwargs"]["password_path"]
    assert notes == []


def test_a_converged_database_has_no_steps():
    values = {
        "postgres:host": "analytics.example",
        "postgres:port": 5432,
        "postgres:username": "postgres",
        "postgres:dbname": "postgres",
    }
    held = Held(password=True, url=True)
    steps, notes = rds_plans.plan_present(
        DB, existing(), DESIRED, NEW, pillar_now(held, values), options()
    )
    assert steps == [] and notes == []


def test_drift_and_a_new_version_are_one_modify_call():
    held = Held(password=True, url=True)
    current = existing(instance_class="db.t3.small", engine_version="16.9")
    steps, _ = rds_plans.plan_present(
        DB, current, DESIRED, NEW, pillar_now(held), options(version="17.5")
    )
    modify = steps[0]
    assert modify["call"] == "aws_rds.modify_db_instance"
    assert modify["kwargs"]["params"] == {
        "DBInstanceClass": "db.t3.micro",
        "EngineVersion": "17.5",
        "AllowMajorVersionUpgrade": True,
    }
    busy = existing(instance_class="db.t3.small", status="modifying")
    steps, notes = rds_plans.plan_present(DB, busy, DESIRED, NEW, pillar_now(held), options())
    assert not any(s["call"] == "aws_rds.modify_db_instance" for s in steps)
    assert notes == [
        "DB instance analytics is modifying: its settings are corrected once it is available"
    ]


def test_create_only_differences_are_refused():
    with pytest.raises(SaltInvocationError, match=r"^DB instance analytics: master_username"):
        rds_plans.plan_present(
            DB, existing(master_username="admin1"), DESIRED, NEW, pillar_now(), options()
        )


def test_handing_the_password_to_secrets_manager():
    held = Held(password=True, pending=True)
    steps, notes = rds_plans.plan_present(
        DB, existing(), DESIRED, NEW, pillar_now(held), options(managed=True)
    )
    assert steps[0]["kwargs"]["params"] == {"ManageMasterUserPassword": True}
    removal = steps[1]
    assert removal["kwargs"]["keys"] == ["postgres:password", "postgres:password_pending"]
    assert notes == [rds_plans.MANAGED_NOTE]
    url = steps[-1]
    assert url["call"] == "aws_rds.write_connection_url" and url["kwargs"]["password_path"] is None


def test_plan_context_names_what_the_planners_need():
    shared = rds_arguments.Shared(rotate_password_after_days=30, wait=600)
    old = {rds_passwords.PASSWORD_TAG: "2026-10-01T00:00:00+00:00"}
    pillar, opts = rds_plans.plan_context(
        DB, existing(tags=old), DESIRED, {"postgres:password": True}, shared, "17.5", NOW
    )
    assert pillar.held == Held(password=True)
    assert pillar.parts == PARTS
    assert opts.wait == 600 and opts.stamp == STAMP and opts.version == "17.5"
    assert "53 days old" in opts.rotation
    _, new = rds_plans.plan_context(DB, None, DESIRED, {}, shared, "17.5", NOW)
    assert new.version is None and new.rotation is None


def test_absent_deletes_and_removes_the_details():
    checked = CheckedAbsent("analytics", "analytics-final", "/srv/pillar/a.sls", PATHS)
    held = {"postgres:host": True, "postgres:password": True, "postgres:url": False}
    steps = rds_plans.plan_absent("instance", checked, existing(), held)
    assert [s["call"] for s in steps] == ["aws_rds.delete_db_instance", "pillar_file.remove"]
    assert steps[0]["kwargs"]["final_snapshot"] == "analytics-final"
    assert steps[1]["kwargs"]["keys"] == ["postgres:host", "postgres:password"]
    assert rds_plans.plan_absent("instance", checked, existing(status="deleting"), None) == []
    with pytest.raises(SaltInvocationError, match="deletion protection on"):
        rds_plans.plan_absent("instance", checked, existing(deletion_protection=True), None)


def test_secrets_in_the_clear_are_encrypted_in_place_last():
    encryption = {"recipients": ["A" * 40], "gnupghome": "/k", "secrets": []}
    plaintext = ("postgres:password", "postgres:password_pending", "postgres:url")
    db = dataclasses.replace(DB, encryption=encryption, plaintext=plaintext)
    steps = rds_plans.plan_encrypt_in_place(db)
    assert [(s["field"], s["kwargs"]["keys"]) for s in steps] == [
        ("password", ["postgres:password", "postgres:password_pending"]),
        ("url", ["postgres:url"]),
    ]
    assert plans.changes_of(steps) == {
        "password": "encrypted in place",
        "url": "encrypted in place",
    }
    assert rds_plans.plan_encrypt_in_place(dataclasses.replace(db, encryption=None)) == []
    assert rds_plans.plan_encrypt_in_place(DB) == []
    # The steps that write a password carry the encryption with them.
    created = rds_plans.plan_create(db, NEW, Held(), options())
    assert created[0]["kwargs"]["encryption"] == encryption
