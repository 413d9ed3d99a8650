"""Crashes and races around an access key's creation, with real ``salt-call --local``
processes against moto's server: a run SIGKILLed right after CreateAccessKey was answered
(the key's secret dies with it), and two runs rotating one user at once (two laptops on one
pillar checkout; two runs on one machine). The next runs converge by themselves.

How the kill is made: the server pauses the run's CreateAccessKey after IAM made the key,
the test then arms a hold on the run's next request for that user (the ListAccessKeys that
follows the create) and lets the answer go; once that request arrives, the process group
gets SIGKILL. The run has the key ID (recorded in its intent) and never wrote the pillar."""

import json
import os
import pathlib
import signal
import subprocess

import pytest
import yaml

from tests.integration.conftest import BIN, SaltCall
from tests.integration.test_backup import PILLAR, PRIVATE, keys_of
from tests.support.calls import age_access_keys

USER = "web1-backup"
STATE = "iam_backup_user_|-aws-iam_backup_user-web1-backup_|-web1-backup_|-present"
ROTATING = PILLAR.replace(
    "        pillar_file: private/web1.sls\n      web1-pgbackrest:",
    "        pillar_file: private/web1.sls\n        rotate_after_days: 90\n      web1-pgbackrest:",
)


def rotation_due(salt_call):
    """web1's users made, web1-backup's key 100 days old, and the pillar asking for
    rotation after 90: ``(the pillar file, the old key)``."""
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", PILLAR)
    private = salt_call.write_pillar("private/web1.sls", PRIVATE)
    _, first = salt_call.state_apply("aws_runbook.backup")
    assert all(r["result"] is True for r in first.values()), first
    age_access_keys(USER, 100)
    salt_call.write_pillar("aws_runbook.sls", ROTATING)
    return private, file_key(private)


def file_key(private):
    return yaml.safe_load(private.read_text())["aws"]["access_key"]


def intents(salt_call):
    return sorted((salt_call.root / "cache" / "aws_runbook" / "intents").glob("*.json"))


def start(salt_call):
    """``state.apply aws_runbook.backup`` in the background (its own process group)."""
    cmd = [str(BIN / "salt-call"), "--local", "-c", str(salt_call.conf), "--out=json"]
    return subprocess.Popen(
        [*cmd, "state.apply", "aws_runbook.backup"],
        env=salt_call.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def results_of(proc):
    out, err = proc.communicate(timeout=300)
    assert out.strip(), err
    return json.loads(out)["local"]


def paused_create(moto_server):
    """The next CreateAccessKey of web1-backup waits, before IAM acts, until released."""
    counter = moto_server.counter
    counter.held.clear()
    counter.released.clear()
    moto_server.inject_faults(
        "iam", "pause_before_processing", operation="CreateAccessKey", naming=USER
    )
    return counter


def another_laptop(salt_call, share_cache=False):
    """A second salt-call configuration on the same pillar checkout (a shared one), with its
    own cache directory, or with the first one's (``share_cache``: the same machine)."""
    (salt_call.root / "laptop-b").mkdir()
    other = SaltCall(salt_call.root / "laptop-b", salt_call.env)
    minion = other.conf / "minion"
    text = minion.read_text().replace(f"- {other.pillar_root}", f"- {salt_call.pillar_root}")
    if share_cache:
        # Salt puts a cachedir outside root_dir under it: share both.
        text = text.replace(f"cachedir: {other.root}/cache", f"cachedir: {salt_call.root}/cache")
        text = text.replace(f"root_dir: {other.root}\n", f"root_dir: {salt_call.root}\n")
    minion.write_text(text)
    return other


def test_a_rotation_killed_right_after_create_access_key_is_cleared_by_the_next_run(
    salt_call, moto_server, aws_cli
):
    private, old = rotation_due(salt_call)
    counter = moto_server.counter
    counter.held.clear()
    counter.released.clear()
    moto_server.inject_faults("iam", "pause_after_processing", operation="CreateAccessKey")
    proc = start(salt_call)
    try:
        assert counter.held.wait(180), "CreateAccessKey never reached the server"
        counter.held.clear()
        moto_server.inject_faults(
            "iam", "hold_before_processing", operation="ListAccessKeys", naming=USER
        )
        counter.released.set()  # the answer, with the secret, goes to the run ...
        assert counter.held.wait(180), "the run never read its keys after the create"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # ... which dies before writing it
        proc.communicate()
        counter.released.clear()
    (record,) = intents(salt_call)
    unwritten = json.loads(record.read_text())["access_key_id"]
    assert keys_of(aws_cli, USER) == sorted([old, unwritten])
    assert file_key(private) == old
    # The record is in the cache directory; nothing in the pillar tree names the key.
    assert record.is_relative_to(salt_call.root / "cache")
    pillar_files = [p for p in salt_call.pillar_root.rglob("*") if p.is_file()]
    assert pillar_files and not any(unwritten in p.read_text() for p in pillar_files)

    moto_server.reset_counts()
    before = private.read_text()
    _, preview = salt_call.state_apply("aws_runbook.backup", "test=True")
    assert moto_server.writes() == [] and private.read_text() == before and record.exists()
    said = preview[STATE]
    assert said["result"] is None
    assert f"key {unwritten} was made by a run" in said["comment"]
    assert "would be deleted, since its secret is lost" in said["comment"]
    assert said["changes"]["deleted_access_keys"]["old"] == sorted([old, unwritten])

    _, rerun = salt_call.state_apply("aws_runbook.backup")
    done = rerun[STATE]
    assert done["result"] is True, done["comment"]
    assert f"key {unwritten} was made by a run" in done["comment"]
    assert "deleted, since its secret is lost" in done["comment"]
    new = file_key(private)
    assert new not in (old, unwritten) and keys_of(aws_cli, USER) == [new]
    assert intents(salt_call) == []

    moto_server.reset_counts()
    _, again = salt_call.state_apply("aws_runbook.backup")
    assert all(r["result"] is True and r["changes"] == {} for r in again.values()), again
    assert moto_server.writes() == []


def test_two_laptops_rotating_one_user_at_once_one_fails_naming_both_keys(
    salt_call, moto_server, aws_cli
):
    """Laptop B reads the old key and is slow to create its own; laptop A rotates meanwhile
    (creates, writes, deletes the old key). B's key is then made: B sees A's, deletes its own
    again, writes nothing and fails naming both. The file names A's key, the only one."""
    private, old = rotation_due(salt_call)
    laptop_b = another_laptop(salt_call)
    counter = paused_create(moto_server)
    slow = start(laptop_b)
    try:
        assert counter.held.wait(180), "B's CreateAccessKey never reached the server"
        _, fast = salt_call.state_apply("aws_runbook.backup")
    finally:
        counter.released.set()
        b_results = results_of(slow)
        counter.released.clear()
    assert all(r["result"] is True for r in fast.values()), fast
    a_key = file_key(private)
    assert a_key != old and fast[STATE]["changes"]["access_key_id"]["new"] == a_key

    b_user = b_results[STATE]
    assert b_user["result"] is False
    comment = b_user["comment"]
    assert f"two runs created a key of {USER} at once: another run made {a_key}" in comment
    b_key = comment.split("this run made ")[1].split(";")[0]
    assert b_key not in (old, a_key) and f"{b_key} was deleted again" in comment
    assert file_key(private) == a_key and keys_of(aws_cli, USER) == [a_key]

    for laptop in (salt_call, laptop_b):
        moto_server.reset_counts()
        _, again = laptop.state_apply("aws_runbook.backup")
        assert all(r["result"] is True and r["changes"] == {} for r in again.values()), again
        assert moto_server.writes() == []


def test_two_runs_on_one_machine_the_second_waits_for_the_first(salt_call, moto_server, aws_cli):
    """Two salt-call processes on one machine (one cache directory; the second with
    ``concurrent=True``, without which Salt refuses to start it): while the first creates the
    key, its record is locked; the second stops before any write to the user's keys and says
    so. Nothing is lost; a later run converges."""
    private, old = rotation_due(salt_call)
    second = another_laptop(salt_call, share_cache=True)
    counter = paused_create(moto_server)
    first = start(salt_call)
    try:
        assert counter.held.wait(180), "CreateAccessKey never reached the server"
        assert len(intents(salt_call)) == 1, "the first run recorded its intent"
        moto_server.reset_counts()
        # Salt refuses a second state run of one minion unless told it may run concurrently.
        _, waited = second.state_apply("aws_runbook.backup", "concurrent=True")
        user_writes = [call for call in moto_server.writes() if call[1].endswith("AccessKey")]
    finally:
        counter.released.set()
        first_results = results_of(first)
        counter.released.clear()
    assert waited[STATE]["result"] is False
    assert f"another run is creating an access key of {USER}" in waited[STATE]["comment"]
    assert user_writes == []
    assert first_results[STATE]["result"] is True, first_results[STATE]["comment"]
    new = file_key(private)
    assert new != old and keys_of(aws_cli, USER) == [new]
    _, again = second.state_apply("aws_runbook.backup")
    assert all(r["result"] is True and r["changes"] == {} for r in again.values()), again
    assert pathlib.Path(salt_call.root / "cache").is_dir() and intents(salt_call) == []


@pytest.mark.parametrize("operation", ["CreatePolicy", "CreateUser"])
def test_a_create_whose_answer_was_lost_is_read_and_the_run_succeeds(
    salt_call, moto_server, aws_cli, operation
):
    """A 503 after IAM made the policy or the user: botocore sends the create again and IAM
    answers EntityAlreadyExists. The state reads what exists and goes on."""
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", PILLAR)
    private = salt_call.write_pillar("private/web1.sls", PRIVATE)
    moto_server.inject_faults(
        "iam", "unavailable_after_processing", operation=operation, naming=USER
    )
    _, results = salt_call.state_apply("aws_runbook.backup")
    assert moto_server.counter.faults == [], "the fault was met"
    sent = [call for call in moto_server.calls() if call[1] == operation]
    assert len(sent) == 3, "both users' creates, and botocore's retry of the one that failed"
    assert all(r["result"] is True for r in results.values()), results
    assert keys_of(aws_cli, USER) == [file_key(private)]
    moto_server.reset_counts()
    _, again = salt_call.state_apply("aws_runbook.backup")
    assert all(r["changes"] == {} for r in again.values()) and moto_server.writes() == []
