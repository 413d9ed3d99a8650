"""The access-key plan: when a key is made, kept, rotated or pruned."""

import datetime

import awsrunbook_keys as keys
import awsrunbook_ses as ses
import awsrunbook_state as st
import pytest
from awsrunbook_secrets import Secret

NOW = datetime.datetime(2026, 11, 23, tzinfo=datetime.timezone.utc)


def key(key_id, days_old, status="Active"):
    return {
        "AccessKeyId": key_id,
        "Status": status,
        "CreateDate": NOW - datetime.timedelta(days=days_old),
    }


KEY = {
    "pillar_file": "/p.sls",
    "id_paths": ["aws:access_key"],
    "secret_paths": {"aws:secret_key": "secret"},
    "values_wanted": {"aws:region": "eu-west-2"},
    "secret_label": "secret_access_key",
}


def changes(plan, new_key_id=None):
    """``changes`` of the key steps: in test mode, or after a run that made ``new_key_id``."""
    results = None
    if new_key_id:
        results = {keys.NEW_KEY: {"access_key_id": new_key_id, "secret": Secret("s")}}
    return st.changes_of(keys.key_steps(plan, "u", KEY, []), results)


def test_the_pillar_write_gets_the_key_its_secret_and_the_values():
    created = {"access_key_id": "AKIANEW", "secret": Secret("wJalr/secret")}
    assert keys.pillar_values(
        ["aws:access_key"],
        {"aws:secret_key": "secret", "smtp:password": "smtp_password:eu-central-1"},
        {"aws:region": "eu-west-2"},
        created,
    ) == {
        "aws:access_key": "AKIANEW",
        "aws:secret_key": "wJalr/secret",
        "smtp:password": ses.smtp_password("wJalr/secret", "eu-central-1"),
        "aws:region": "eu-west-2",
    }


def test_key_in_pillar_and_active_is_kept():
    plan = keys.plan_access_key([key("A", 10)], "A", True, NOW, 90, False)
    assert not plan["create"] and plan["error"] is None
    assert changes(plan) == {}


@pytest.mark.parametrize(
    ("user_keys", "pillar_id", "has_secret", "reason"),
    [
        ([], None, False, "holds no access key"),
        ([key("A", 1)], "GONE", True, "GONE no longer exists"),
        ([key("A", 1, "Inactive")], "A", True, "A is inactive"),
        ([key("A", 1)], "A", False, "not its secret"),
        ([key("A", 100)], "A", True, "100 days old"),
    ],
)
def test_new_key_reasons(user_keys, pillar_id, has_secret, reason):
    plan = keys.plan_access_key(user_keys, pillar_id, has_secret, NOW, 90, False)
    assert plan["create"]
    assert reason in plan["reason"]


def test_rotation_writes_new_key_before_deleting_old():
    plan = keys.plan_access_key([key("A", 100)], "A", True, NOW, 90, False)
    assert plan["delete_before"] == [] and plan["replaces"] == "A"
    assert changes(plan) == {
        "access_key_id": {"old": "A", "new": "(a new access key)"},
        "secret_access_key": "written to /p.sls",
        "deleted_access_keys": {"old": ["A"], "new": []},
    }
    assert changes(plan, "B") == {
        "access_key_id": {"old": "A", "new": "B"},
        "secret_access_key": "written to /p.sls",
        "deleted_access_keys": {"old": ["A"], "new": []},
    }
    steps = keys.key_steps(plan, "u", KEY, ["A"])
    assert [(s["call"], s["save"], s["closes"]) for s in steps] == [
        ("aws_iam.create_access_key", keys.NEW_KEY, ()),
        ("pillar_file.set_values", None, (keys.NEW_KEY,)),
        ("aws_iam.delete_access_key", None, ()),
    ]
    assert steps[0]["undo"]["call"] == "aws_iam.delete_access_key"
    assert steps[2]["kwargs"] == {"user": "u", "key_id": "A"}


def test_two_key_limit_and_prune():
    full = [key("A", 100), key("X", 5)]
    stuck = keys.plan_access_key(full, "A", True, NOW, 90, False)
    assert "IAM's limit" in stuck["error"] and "prune_keys" in stuck["error"]
    pruned = keys.plan_access_key(full, "A", True, NOW, 90, True)
    assert pruned["error"] is None
    assert pruned["delete_before"] == ["X"] and pruned["replaces"] == "A"
    kept = keys.plan_access_key(full, "A", True, NOW, None, False)
    assert kept["unreferenced"] == ["X"] and kept["delete_after"] == []
    kept_pruned = keys.plan_access_key(full, "A", True, NOW, None, True)
    assert kept_pruned["delete_after"] == ["X"] and not kept_pruned["create"]
