"""key_intent through Salt's loader: the record of a key creation lives under the cachedir
(never beside the pillar file), is written atomically and privately, holds no secret, tells
a live run's record from a stopped one's, and write_key writes the pillar file only if it
still names the key the run read (pillar_file.set_values' ``expect``)."""

import fcntl
import json
import os
import pathlib
import shutil
import stat

import pytest
import yaml
from salt.exceptions import CommandExecutionError, SaltInvocationError

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def key_intent(loaders, minion_opts):
    yield loaders.modules.key_intent
    shutil.rmtree(pathlib.Path(minion_opts["cachedir"], "aws_runbook"), ignore_errors=True)


@pytest.fixture
def pillar_path(tmp_path):
    path = tmp_path / "pillar" / "private" / "web1.sls"
    path.parent.mkdir(parents=True)
    path.write_text("aws:\n  access_key: AKIAOLD\n  secret_key: old\n")
    return path


def test_the_record_is_under_the_cachedir_private_and_without_secrets(
    key_intent, pillar_path, minion_opts
):
    where = pathlib.Path(key_intent.record(str(pillar_path), "web1-backup", ["AKIAOLD"]))
    assert where.parent == pathlib.Path(minion_opts["cachedir"], "aws_runbook", "intents")
    assert stat.S_IMODE(where.stat().st_mode) == 0o600
    assert stat.S_IMODE(where.parent.stat().st_mode) == 0o700
    key_intent.record_key(str(pillar_path), "web1-backup", "AKIANEW")
    record = json.loads(where.read_text())
    assert record["user"] == "web1-backup" and record["pillar_file"] == str(pillar_path)
    assert record["known_keys"] == ["AKIAOLD"] and record["access_key_id"] == "AKIANEW"
    assert record["started"].endswith("+00:00")
    # Nothing of ours beside the pillar file, and no temporary file left.
    assert sorted(p.name for p in pillar_path.parent.iterdir()) == ["web1.sls"]
    assert sorted(p.suffix for p in where.parent.iterdir()) == [".json", ".lock"]
    assert key_intent.forget(str(pillar_path), "web1-backup") is True
    assert key_intent.read(str(pillar_path), "web1-backup") is None


def test_a_record_this_process_still_holds_is_a_stopped_runs(key_intent, pillar_path):
    """A long-lived minion process whose earlier run's create failed unsettled: the next
    run in that process sees a stopped run's record, not one in progress forever."""
    key_intent.record(str(pillar_path), "web1-backup", [])
    assert key_intent.read(str(pillar_path), "web1-backup")["in_progress"] is False
    key_intent.record(str(pillar_path), "web1-backup", [])  # the lock can be taken again
    assert key_intent.forget(str(pillar_path), "web1-backup") is True


def test_every_spelling_of_one_file_has_one_record(key_intent, pillar_path, tmp_path):
    link = tmp_path / "link.sls"
    link.symlink_to(pillar_path)
    dotted = f"{pillar_path.parent}/./{pillar_path.name}"
    spellings = {key_intent.location(p, "u") for p in (str(pillar_path), str(link), dotted)}
    assert len(spellings) == 1
    assert key_intent.location(str(pillar_path), "u") != key_intent.location(str(pillar_path), "v")


@pytest.mark.parametrize(
    ("pillar_file", "user", "named"),
    [("relative.sls", "u", "pillar_file"), ("/p.sls", "../u", "user"), ("/p.sls", "", "user")],
)
def test_bad_arguments_are_named(key_intent, pillar_file, user, named):
    with pytest.raises(SaltInvocationError, match=f"^{named}: "):
        key_intent.location(pillar_file, user)


def test_a_record_another_process_holds_is_in_progress_and_not_taken(key_intent, pillar_path):
    key_intent.record(str(pillar_path), "web1-backup", [])
    where = key_intent.location(str(pillar_path), "web1-backup")
    key_intent.forget(str(pillar_path), "web1-backup")
    key_intent.record(str(pillar_path), "web1-backup", [])
    # What this process holds, another open of the lock file (another run) cannot take.
    other = os.open(where[: -len(".json")] + ".lock", os.O_RDWR)
    with pytest.raises(BlockingIOError):
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(other)
    key_intent.forget(str(pillar_path), "web1-backup")

    # Now another "run" holds it: this one sees it in progress and neither takes nor removes it.
    pathlib.Path(where).write_text(
        json.dumps(
            {
                "user": "web1-backup",
                "pillar_file": str(pillar_path),
                "started": "2026-12-06T01:00:00+00:00",
                "known_keys": [],
                "access_key_id": None,
            }
        )
    )
    other = os.open(where[: -len(".json")] + ".lock", os.O_RDWR)
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        assert key_intent.read(str(pillar_path), "web1-backup")["in_progress"] is True
        with pytest.raises(CommandExecutionError, match="another run is creating an access key"):
            key_intent.record(str(pillar_path), "web1-backup", [])
        assert key_intent.forget(str(pillar_path), "web1-backup") is False
        assert os.path.exists(where)
    finally:
        os.close(other)
    # Its process ended (the lock went with it): a record a stopped run left.
    assert key_intent.read(str(pillar_path), "web1-backup")["in_progress"] is False
    assert key_intent.forget(str(pillar_path), "web1-backup") is True
    assert not os.path.exists(where)


def test_write_key_writes_and_removes_the_record(key_intent, pillar_path):
    key_intent.record(str(pillar_path), "web1-backup", ["AKIAOLD"])
    key_intent.record_key(str(pillar_path), "web1-backup", "AKIANEW")
    written = key_intent.write_key(
        str(pillar_path),
        "web1-backup",
        {"aws:access_key": "AKIANEW", "aws:secret_key": SECRET},
        {"aws:access_key": "AKIAOLD"},
        "AKIANEW",
    )
    assert written["changed"] == ["aws:access_key", "aws:secret_key"]
    assert yaml.safe_load(pillar_path.read_text())["aws"]["access_key"] == "AKIANEW"
    assert key_intent.read(str(pillar_path), "web1-backup") is None


def test_write_key_refuses_a_file_another_run_wrote_and_names_both_keys(key_intent, pillar_path):
    """Two runs read AKIAOLD; the other one wrote AKIATHEIRS first: this run's key is not
    written over it (its secret would be lost), and the error names both keys."""
    key_intent.record(str(pillar_path), "web1-backup", ["AKIAOLD"])
    before = pillar_path.read_text().replace("AKIAOLD", "AKIATHEIRS")
    pillar_path.write_text(before)
    with pytest.raises(CommandExecutionError) as raised:
        key_intent.write_key(
            str(pillar_path),
            "web1-backup",
            {"aws:access_key": "AKIAMINE", "aws:secret_key": SECRET},
            {"aws:access_key": "AKIAOLD"},
            "AKIAMINE",
        )
    message = str(raised.value)
    assert "two runs created a key of web1-backup at once" in message
    assert "AKIATHEIRS" in message and "AKIAMINE" in message and SECRET not in message
    assert pillar_path.read_text() == before
    # The record stays until the state's undo deletes the key (or the next run does).
    assert key_intent.read(str(pillar_path), "web1-backup")["access_key_id"] is None


def test_set_values_expect_is_checked_under_the_lock(loaders, pillar_path):
    pillar_file = loaders.modules.pillar_file
    with pytest.raises(CommandExecutionError, match=r"holds 'AKIAOLD', not 'AKIAX'") as raised:
        pillar_file.set_values(
            str(pillar_path), {"aws:region": "eu-west-2"}, expect={"aws:access_key": "AKIAX"}
        )
    assert "nothing was written" in str(raised.value)
    # A secret path's value is never shown, whatever it holds.
    with pytest.raises(CommandExecutionError) as hidden:
        pillar_file.set_values(str(pillar_path), {"aws:k": "v"}, expect={"aws:secret_key": "x"})
    assert "'old'" not in str(hidden.value) and "aws:secret_key was changed" in str(hidden.value)
    assert "region" not in pillar_path.read_text()
    # Absent is null; a match writes.
    pillar_file.set_values(
        str(pillar_path),
        {"aws:region": "eu-west-2"},
        expect={"aws:access_key": "AKIAOLD", "aws:region": None},
    )
    assert yaml.safe_load(pillar_path.read_text())["aws"]["region"] == "eu-west-2"
