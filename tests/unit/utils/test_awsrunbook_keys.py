"""The access-key plan: when a key is made, kept, rotated or pruned."""

import datetime

import pytest
from awsrunbook import keys, plans, ses
from awsrunbook import state as st
from awsrunbook.secrets import Secret
from salt.exceptions import CommandExecutionError

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
    "values_now": {"aws:access_key": "A", "aws:secret_key": True},
    "key_id": "A",
    "complete": True,
}


def changes(plan, new_key_id=None):
    """``changes`` of the key steps: in test mode, or after a run that made ``new_key_id``."""
    results = None
    if new_key_id:
        results = {keys.NEW_KEY: {"access_key_id": new_key_id, "secret": Secret("s")}}
    return plans.changes_of(keys.key_steps(plan, "u", KEY, []), results)


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
        ("key_intent.write_key", None, (keys.NEW_KEY,)),
        ("aws_iam.delete_access_key", None, ()),
    ]
    assert steps[0]["undo"]["call"] == "aws_iam.delete_access_key"
    # The intent is recorded by the create and done with by the write or the undo.
    assert steps[0]["kwargs"]["pillar_file"] == steps[0]["undo"]["kwargs"]["pillar_file"]
    # The write happens only if the file still names the key this plan read there.
    assert steps[1]["kwargs"]["expect"] == {"aws:access_key": "A"}
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


# --- what a stopped run's intent leaves ----------------------------------------------------

STARTED = NOW - datetime.timedelta(days=1)


def intent(key_id=None, known=("A",), started=STARTED, in_progress=False):
    return {
        "user": "u",
        "pillar_file": "/p.sls",
        "started": started.isoformat(),
        "known_keys": list(known),
        "access_key_id": key_id,
        "in_progress": in_progress,
    }


def made(key_id, after_start):
    """A key created ``after_start`` (a timedelta, may be negative) after the intent."""
    return {"AccessKeyId": key_id, "Status": "Active", "CreateDate": STARTED + after_start}


SECOND = datetime.timedelta(seconds=1)


def test_no_intent_nothing_to_clear():
    assert keys.leftover_of(None, [key("A", 10)], "A") is None


def test_the_recorded_key_is_deleted_when_live_and_not_in_the_file():
    leftover = keys.leftover_of(intent("K"), [key("A", 10), made("K", SECOND)], "A")
    assert leftover["delete"] == ["K"]
    assert "key K was made by a run" in leftover["says"] and "/p.sls" in leftover["says"]
    assert "{would}deleted" in leftover["says"]


@pytest.mark.parametrize(
    ("pillar_id", "listed", "said"),
    [
        ("K", [key("A", 10), made("K", SECOND)], "wrote key K to /p.sls"),
        ("A", [key("A", 10)], "key K, made by a run that started at"),
    ],
)
def test_the_recorded_key_is_kept_when_written_or_gone(pillar_id, listed, said):
    leftover = keys.leftover_of(intent("K"), listed, pillar_id)
    assert leftover["delete"] == [] and said in leftover["says"]


def test_a_recorded_key_never_deletes_another():
    # The intent names K, which is gone; X is new and unknown, but the intent does not name it.
    listed = [key("A", 10), made("X", SECOND)]
    assert keys.leftover_of(intent("K"), listed, "A")["delete"] == []


def test_without_an_id_the_one_key_made_in_the_window_is_the_runs():
    listed = [key("A", 10), made("K", datetime.timedelta(0))]
    assert keys.leftover_of(intent(), listed, "A")["delete"] == ["K"]


@pytest.mark.parametrize(
    ("listed", "pillar_id", "known"),
    [
        ([key("A", 10), made("K", -SECOND)], "A", ("A",)),  # older than the intent
        ([key("A", 10), made("K", keys.CREATE_WINDOW + SECOND)], "A", ("A",)),  # too late
        ([made("A", SECOND), made("K", SECOND)], "K", ("A",)),  # the file names it
        ([key("A", 10), made("K", SECOND)], "A", ("A", "K")),  # the run knew it before
        ([key("A", 10)], "A", ("A",)),  # IAM made none
    ],
)
def test_without_an_id_no_other_key_is_deleted(listed, pillar_id, known):
    leftover = keys.leftover_of(intent(known=known), listed, pillar_id)
    assert leftover["delete"] == []


def test_without_an_id_two_candidates_are_both_kept_and_named():
    listed = [made("K", SECOND), made("L", 2 * SECOND)]
    leftover = keys.leftover_of(intent(known=()), listed, None)
    assert leftover["delete"] == []
    assert "keys K, L were made since" in leftover["says"] and "none deleted" in leftover["says"]


def pillar_key(key_id="A", complete=True):
    return keys.pillar_key(
        "/p.sls",
        ["aws:access_key"],
        {"aws:secret_key": "secret"},
        {},
        {"aws:access_key": key_id, "aws:secret_key": complete},
    )


def test_a_killed_rotation_is_cleared_then_converges():
    """Rotation killed after CreateAccessKey answered: the old key A (100 days) and K, the
    unwritten one, fill IAM's two slots. The plan deletes K, removes the record, then
    rotates as it would have (a create fits again)."""
    user = {"access_keys": [key("A", 100), made("K", SECOND)]}
    steps, notes = keys.plan_user_key(
        "backup user u", "u", user, pillar_key(), keys.rotation(90, False, NOW), intent("K")
    )
    assert [(s["call"], s["kwargs"].get("key_id")) for s in steps] == [
        ("aws_iam.delete_access_key", "K"),
        ("key_intent.forget", None),
        ("aws_iam.create_access_key", None),
        ("key_intent.write_key", None),
        ("aws_iam.delete_access_key", "A"),
    ]
    assert notes == []  # K is not reported as a key the file does not use: it is deleted
    changed = plans.changes_of(steps)
    assert changed["deleted_access_keys"] == {"old": ["A", "K"], "new": []}
    assert changed["key_intent"] == {
        "old": {"started": STARTED.isoformat(), "access_key_id": "K"},
        "new": None,
    }
    said = st._says(steps, test=True)
    assert any("would be deleted, since its secret is lost" in line for line in said), said


def test_a_record_left_after_the_write_is_only_removed():
    user = {"access_keys": [key("K", 0)]}
    steps, _ = keys.plan_user_key(
        "backup user u", "u", user, pillar_key("K"), keys.rotation(None, False, NOW), intent("K")
    )
    assert [s["call"] for s in steps] == ["key_intent.forget"]


def test_another_run_creating_the_key_now_stops_the_state():
    user = {"access_keys": [key("A", 100)]}
    with pytest.raises(CommandExecutionError, match="another run is creating an access key"):
        keys.plan_user_key(
            "backup user u",
            "u",
            user,
            pillar_key(),
            keys.rotation(90, False, NOW),
            intent(in_progress=True),
        )


def test_a_braced_pillar_path_does_not_break_the_comment():
    left = {**intent("K"), "pillar_file": "/p/{x}.sls"}
    user = {"access_keys": [key("A", 10), made("K", SECOND)]}
    steps, _ = keys.plan_user_key(
        "backup user u", "u", user, pillar_key(), keys.rotation(None, False, NOW), left
    )
    assert any("/p/{x}.sls" in line for line in st._says(steps))


ENCRYPTION = {"recipients": ["A" * 40], "gnupghome": "/k", "secrets": ["aws:secret_key"]}


def encrypted_key(key_id="A", plaintext=("aws:secret_key",)):
    return keys.pillar_key(
        "/p.sls",
        ["aws:access_key"],
        {"aws:secret_key": "secret"},
        {},
        {"aws:access_key": key_id, "aws:secret_key": True},
        ENCRYPTION,
        plaintext,
    )


def test_a_kept_key_in_the_clear_is_encrypted_in_place_without_aws():
    user = {"access_keys": [key("A", 1)]}
    steps, _ = keys.plan_user_key("u", "u", user, encrypted_key(), keys.rotation(90, False, NOW))
    assert [(s["call"], s["aws"]) for s in steps] == [("pillar_file.encrypt_in_place", False)]
    assert steps[0]["kwargs"] == {
        "path": "/p.sls",
        "keys": ["aws:secret_key"],
        "encryption": ENCRYPTION,
    }
    assert plans.changes_of(steps) == {"secret_access_key": "encrypted in place"}


def test_encrypted_already_or_encryption_off_nothing_to_do():
    user = {"access_keys": [key("A", 1)]}
    rotation = keys.rotation(90, False, NOW)
    assert keys.plan_user_key("u", "u", user, encrypted_key(plaintext=()), rotation)[0] == []
    assert keys.plan_user_key("u", "u", user, pillar_key(), rotation)[0] == []
    off = keys.pillar_key("/p.sls", [], {}, {}, {}, None, ["aws:secret_key"])
    assert off["plaintext"] == []


def test_a_new_key_is_written_encrypted_and_not_encrypted_in_place():
    user = {"access_keys": [key("A", 100)]}
    steps, _ = keys.plan_user_key("u", "u", user, encrypted_key(), keys.rotation(90, False, NOW))
    calls = [s["call"] for s in steps]
    assert "pillar_file.encrypt_in_place" not in calls
    write = steps[calls.index("key_intent.write_key")]
    assert write["kwargs"]["encryption"] == ENCRYPTION
