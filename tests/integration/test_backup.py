"""`salt-call --local state.apply aws_runbook.backup` against moto's server, read back with the
AWS CLI."""

import json
import os
import signal
import stat
import subprocess

import pytest
import yaml

from tests.integration.conftest import BIN
from tests.support import secrets
from tests.support.calls import age_access_keys
from tests.support.runbook import RUNBOOK_RULE

PILLAR = """\
aws_runbook:
  connection:
    region: eu-west-2
  backup:
    buckets:
      ocp-web1-backup: {}
      ocp-pgbackrest:
        expire_days: null
    users:
      web1-backup:
        bucket: ocp-web1-backup
        pillar_file: private/web1.sls
      web1-pgbackrest:
        bucket: ocp-pgbackrest
        prefix: web1
        pillar_file: private/web1.sls
        pillar_keys:
          access_key_id: postgres:backup:s3_key
          secret_access_key: postgres:backup:s3_key_secret
          region: postgres:backup:s3_region
          bucket: postgres:backup:s3_bucket
"""

PRIVATE = """\
# web1's private pillar: these comments must survive
web:
  domain: example.org  # and this one
"""


@pytest.fixture
def applied(salt_call):
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", PILLAR)
    private = salt_call.write_pillar("private/web1.sls", PRIVATE)
    proc, results = salt_call.state_apply("aws_runbook.backup", "-l", "all")
    return salt_call, private, proc, results


def test_first_run_creates_what_the_runbook_describes(applied, aws_cli, aws_env, moto_server):
    salt_call, private, proc, results = applied
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all(r["result"] is True for r in results.values()), results
    assert all(r["changes"] for r in results.values())

    lifecycle = aws_cli(
        "s3api", "get-bucket-lifecycle-configuration", "--bucket", "ocp-web1-backup"
    )
    assert lifecycle["Rules"] == [RUNBOOK_RULE]
    # expire_days: null and nothing else: no lifecycle rule at all (issue 21 item 4), not an
    # abort-only rule whose name claims a deletion.
    pg_rules = subprocess.run(
        [
            str(BIN / "aws"),
            "s3api",
            "get-bucket-lifecycle-configuration",
            "--bucket",
            "ocp-pgbackrest",
        ],
        env=aws_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert pg_rules.returncode != 0 and "NoSuchLifecycleConfiguration" in pg_rules.stderr
    location = aws_cli("s3api", "get-bucket-location", "--bucket", "ocp-web1-backup")
    assert location["LocationConstraint"] == "eu-west-2"
    pab = aws_cli("s3api", "get-public-access-block", "--bucket", "ocp-web1-backup")
    assert set(pab["PublicAccessBlockConfiguration"].values()) == {True}

    arn = "arn:aws:iam::123456789012:policy/web1-backup"
    version = aws_cli("iam", "get-policy", "--policy-arn", arn)["Policy"]["DefaultVersionId"]
    document = aws_cli("iam", "get-policy-version", "--policy-arn", arn, "--version-id", version)
    assert document["PolicyVersion"]["Document"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": ["arn:aws:s3:::ocp-web1-backup"],
            },
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
                "Resource": ["arn:aws:s3:::ocp-web1-backup/*"],
            },
        ],
    }
    pg_arn = "arn:aws:iam::123456789012:policy/web1-pgbackrest"
    pg_doc = aws_cli("iam", "get-policy-version", "--policy-arn", pg_arn, "--version-id", "v1")
    assert pg_doc["PolicyVersion"]["Document"]["Statement"][0]["Condition"] == {
        "StringEquals": {"s3:prefix": ["", "web1"], "s3:delimiter": ["/"]}
    }

    data = yaml.safe_load(private.read_text())
    keys = aws_cli("iam", "list-access-keys", "--user-name", "web1-backup")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [data["aws"]["access_key"]]
    assert [k["Status"] for k in keys] == ["Active"]
    assert data["aws"]["region"] == "eu-west-2"
    pg_keys = aws_cli("iam", "list-access-keys", "--user-name", "web1-pgbackrest")[
        "AccessKeyMetadata"
    ]
    assert [k["AccessKeyId"] for k in pg_keys] == [data["postgres"]["backup"]["s3_key"]]
    assert data["postgres"]["backup"]["s3_bucket"] == "ocp-pgbackrest"

    # The file: 0600, comments kept, secrets only there.
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith(PRIVATE)
    log = salt_call.log_file.read_text()
    assert "DEBUG" in log, "the log must be at debug level for this check to mean anything"
    jobs = list((salt_call.root / "cache").rglob("minion_jobs/**/return.p"))
    assert jobs, "the job cache must be on for this check to mean anything"
    for secret in (data["aws"]["secret_key"], data["postgres"]["backup"]["s3_key_secret"]):
        for form in secrets.forms(secret):
            assert form not in proc.stdout
            assert form not in proc.stderr
            assert form not in log
        # Nowhere else the run wrote: job cache, log, temp files; only the pillar file.
        assert secrets.files_holding(secret, salt_call.root, but=[salt_call.pillar_root]) == []
    assert len(data["aws"]["secret_key"]) == 40


def test_converged_rerun_changes_nothing_and_writes_nothing(applied, moto_server):
    salt_call, private, _, _ = applied
    before = private.read_text()
    moto_server.reset_counts()
    proc, results = salt_call.state_apply("aws_runbook.backup")
    assert proc.returncode == 0
    assert all(r["result"] is True and r["changes"] == {} for r in results.values()), results
    assert moto_server.writes() == []
    assert private.read_text() == before
    print(f"converged aws_runbook.backup: {len(moto_server.calls())} read calls, 0 writes")
    # Per state: each on its own with what it requires (a user requires its bucket), one
    # salt-call each, so the once-per-run STS call counts for each user.
    for state_id in sorted(r["__id__"] for r in results.values()):
        moto_server.reset_counts()
        proc = salt_call.run("state.sls_id", state_id, "aws_runbook.backup")
        only = json.loads(proc.stdout)["local"]
        assert all(r["changes"] == {} for r in only.values())
        assert moto_server.writes() == []
        reads = sorted(op for _, op, _ in moto_server.calls())
        print(f"    {state_id}: {len(reads)} reads ({', '.join(reads)})")

    _, test_results = salt_call.state_apply("aws_runbook.backup", "test=True")
    assert all(r["result"] is True and r["changes"] == {} for r in test_results.values())
    assert moto_server.writes() == []


def test_bad_pillar_fails_with_the_argument_named_and_no_call(salt_call, moto_server):
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar(
        "aws_runbook.sls",
        """\
        aws_runbook:
          backup:
            buckets:
              Bad_Bucket: {}
              ok-bucket:
                expire_days: -3
                region: us-east-7
            users:
              no-bucket-user:
                pillar_file: private/x.sls
        """,
    )
    moto_server.reset_counts()
    _, results = salt_call.state_apply("aws_runbook.backup")
    comments = {r["__id__"]: r["comment"] for r in results.values()}
    assert all(r["result"] is False for r in results.values())
    assert "name: invalid S3 bucket name" in comments["aws-s3_backup_bucket-Bad_Bucket"]
    assert (
        "expire_days: must be a positive whole number" in comments["aws-s3_backup_bucket-ok-bucket"]
    )
    assert "bucket: a bucket name is required" in comments["aws-iam_backup_user-no-bucket-user"]
    assert moto_server.calls() == []


def test_throttling_and_unavailable_are_retried(salt_call, moto_server):
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", PILLAR)
    salt_call.write_pillar("private/web1.sls", PRIVATE)
    moto_server.reset_counts()
    # Transient faults on both services; botocore's standard mode retries each request.
    moto_server.inject_faults("s3", "unavailable", "unavailable", "unavailable")
    moto_server.inject_faults("iam", "throttling", "unavailable", "throttling")
    proc, results = salt_call.state_apply("aws_runbook.backup")
    assert proc.returncode == 0, proc.stdout
    assert all(r["result"] is True for r in results.values()), results
    assert moto_server.counter.faults == [], "every injected fault was met"
    _, rerun = salt_call.state_apply("aws_runbook.backup")
    assert all(r["changes"] == {} for r in rerun.values())


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        ("unavailable_after_processing", "IAM had made key"),
        ("unavailable", "IAM made no key"),
    ],
)
def test_a_failed_create_access_key_is_never_retried_blindly(
    salt_call, moto_server, aws_cli, fault, said
):
    """A 503 on CreateAccessKey, after IAM made the key or before: no second key is asked
    for, no key is left whose secret nobody has, the comment says what exists, and the next
    run converges."""
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", PILLAR)
    private = salt_call.write_pillar("private/web1.sls", PRIVATE)
    moto_server.reset_counts()
    moto_server.inject_faults("iam", fault, operation="CreateAccessKey")
    _, results = salt_call.state_apply("aws_runbook.backup")
    failed = results["iam_backup_user_|-aws-iam_backup_user-web1-backup_|-web1-backup_|-present"]
    assert failed["result"] is False, failed["comment"]
    assert said in failed["comment"] and "web1-backup has no keys" in failed["comment"]
    creates = [call for call in moto_server.calls() if call[1] == "CreateAccessKey"]
    assert len(creates) == 2, "one CreateAccessKey per user: none re-sent"
    assert (
        aws_cli("iam", "list-access-keys", "--user-name", "web1-backup")["AccessKeyMetadata"] == []
    )
    assert "aws:" not in private.read_text() and "access_key:" not in private.read_text()
    _, rerun = salt_call.state_apply("aws_runbook.backup")
    assert all(r["result"] is True for r in rerun.values()), rerun
    listed = aws_cli("iam", "list-access-keys", "--user-name", "web1-backup")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [
        yaml.safe_load(private.read_text())["aws"]["access_key"]
    ]


def kill_when_held(salt_call, moto_server, operation, fault):
    """Run state.apply aws_runbook.backup; SIGKILL it while the server holds ``operation``."""
    moto_server.counter.held.clear()
    moto_server.inject_faults("iam", fault, operation=operation)
    cmd = [str(BIN / "salt-call"), "--local", "-c", str(salt_call.conf), "--out=json"]
    proc = subprocess.Popen(
        [*cmd, "state.apply", "aws_runbook.backup"],
        env=salt_call.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert moto_server.counter.held.wait(180), f"{operation} never reached the server"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def keys_of(aws_cli, user):
    listed = aws_cli("iam", "list-access-keys", "--user-name", user)["AccessKeyMetadata"]
    return sorted(key["AccessKeyId"] for key in listed)


def test_killed_while_creating_a_key_the_next_run_deletes_the_orphan_and_converges(
    salt_call, moto_server, aws_cli
):
    """SIGKILL after IAM made a key and before its answer arrived: its secret is lost with
    the process, and so is its ID; the run's intent (recorded before the create) is not. The
    next run finds the one key made after that record that the file does not name, deletes
    it, says so, and creates a key it can write."""
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", PILLAR)
    private = salt_call.write_pillar("private/web1.sls", PRIVATE)
    kill_when_held(salt_call, moto_server, "CreateAccessKey", "hold_after_processing")
    orphans = keys_of(aws_cli, "web1-backup")
    assert len(orphans) == 1 and "access_key" not in private.read_text()

    _, rerun = salt_call.state_apply("aws_runbook.backup")
    assert all(r["result"] is True for r in rerun.values()), rerun
    user = rerun["iam_backup_user_|-aws-iam_backup_user-web1-backup_|-web1-backup_|-present"]
    assert f"key {orphans[0]} was made by a run" in user["comment"]
    assert "deleted, since its secret is lost" in user["comment"]
    written = yaml.safe_load(private.read_text())["aws"]["access_key"]
    assert keys_of(aws_cli, "web1-backup") == [written] and written != orphans[0]
    _, again = salt_call.state_apply("aws_runbook.backup")
    assert all(r["changes"] == {} for r in again.values()), again


def test_killed_between_the_pillar_write_and_the_old_keys_deletion(salt_call, moto_server, aws_cli):
    """Rotation, SIGKILL after the new key was written and before the old one was deleted:
    the file names a working key; the next run reports the old key as not in the file and
    prune_keys deletes it."""
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", PILLAR)
    private = salt_call.write_pillar("private/web1.sls", PRIVATE)
    salt_call.state_apply("aws_runbook.backup")
    old = yaml.safe_load(private.read_text())["aws"]["access_key"]
    age_access_keys("web1-backup", 100)
    rotating = PILLAR.replace(
        "        pillar_file: private/web1.sls\n      web1-pgbackrest:",
        "        pillar_file: private/web1.sls\n        rotate_after_days: 90\n"
        "      web1-pgbackrest:",
    )
    salt_call.write_pillar("aws_runbook.sls", rotating)
    kill_when_held(salt_call, moto_server, "DeleteAccessKey", "hold_before_processing")
    new = yaml.safe_load(private.read_text())["aws"]["access_key"]
    assert new != old and keys_of(aws_cli, "web1-backup") == sorted([old, new])

    _, rerun = salt_call.state_apply("aws_runbook.backup")
    user = rerun["iam_backup_user_|-aws-iam_backup_user-web1-backup_|-web1-backup_|-present"]
    assert user["result"] is True and user["changes"] == {}, user
    assert old in user["comment"] and "prune_keys" in user["comment"]
    salt_call.write_pillar(
        "aws_runbook.sls",
        rotating.replace(
            "rotate_after_days: 90\n", "rotate_after_days: 90\n        prune_keys: true\n"
        ),
    )
    _, pruned = salt_call.state_apply("aws_runbook.backup")
    assert keys_of(aws_cli, "web1-backup") == [new], pruned
