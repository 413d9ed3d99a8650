"""iam_backup_user and ses_smtp_user through Salt's loader against moto in-process: what a
run that stopped between CreateAccessKey and the pillar write left is cleared by the next
run (test mode says so and writes nothing), two runs creating a key of one user at once are
caught, and creates whose answer was lost are reconciled with a read.

A stopped run is staged here by writing its record as it would have left it (the key made
through boto3, the record's lock not held, as after the process died); the real kill of a
``salt-call`` process is in tests/integration/test_key_intents.py."""

import datetime
import json
import pathlib
import shutil

import boto3
import pytest
import yaml
from moto.core.exceptions import ServiceException
from moto.iam.responses import IamResponse

from tests.support.calls import age_access_keys, recorded_calls, writes

USER = "web1-backup"


@pytest.fixture
def iam(aws, minion_opts):
    yield boto3.client("iam", region_name="us-east-1")
    shutil.rmtree(pathlib.Path(minion_opts["cachedir"], "aws_runbook"), ignore_errors=True)


@pytest.fixture
def pillar_path(tmp_path):
    """web1's private pillar file, made by the first run (in a directory the writer makes)."""
    return tmp_path / "private" / "web1.sls"


def present(states, pillar_path, test=False, **kwargs):
    return states.iam_backup_user.present(
        USER,
        bucket="web1-backups",
        pillar_file=str(pillar_path),
        region="eu-west-2",
        test=test,
        **kwargs,
    )


def key_ids(iam, user=USER):
    return sorted(
        k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    )


def in_file(pillar_path):
    return yaml.safe_load(pillar_path.read_text())["aws"]["access_key"]


def stopped_run(modules, pillar_path, known, key_id=None, user=USER, started=None):
    """Leave the record a run killed after recording its intent would leave."""
    started = started or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    where = pathlib.Path(modules.key_intent.location(str(pillar_path), user))
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_text(
        json.dumps(
            {
                "user": user,
                "pillar_file": str(pillar_path),
                "started": started.isoformat(),
                "known_keys": sorted(known),
                "access_key_id": key_id,
            }
        )
    )
    return where


def test_a_rotation_killed_after_create_access_key_is_cleared_and_converges(
    states, modules, iam, pillar_path
):
    assert present(states, pillar_path).result is True
    old = in_file(pillar_path)
    age_access_keys(USER, 100)
    # The killed run: its key made and recorded, never written.
    unwritten = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    record = stopped_run(modules, pillar_path, [old], unwritten)
    before = pillar_path.read_text()

    with recorded_calls() as calls:
        preview = present(states, pillar_path, test=True, rotate_after_days=90)
    assert preview.result is None and writes(calls) == []
    assert preview.changes["deleted_access_keys"] == {"old": sorted([old, unwritten]), "new": []}
    assert preview.changes["key_intent"]["new"] is None
    assert f"key {unwritten} was made by a run" in preview.comment
    assert "would be deleted, since its secret is lost" in preview.comment
    assert "run's record would be removed" in preview.comment
    assert record.exists() and pillar_path.read_text() == before
    assert key_ids(iam) == sorted([old, unwritten])

    ret = present(states, pillar_path, rotate_after_days=90)
    assert ret.result is True, ret.comment
    assert f"key {unwritten} was made by a run" in ret.comment and "deleted, since" in ret.comment
    new = in_file(pillar_path)
    assert new not in (old, unwritten) and key_ids(iam) == [new]
    assert not record.exists()
    again = present(states, pillar_path, rotate_after_days=90)
    assert again.result is True and again.changes == {}


def test_a_first_key_whose_answer_never_came_is_found_by_its_time(
    states, modules, iam, pillar_path
):
    """Killed between CreateAccessKey's request and its answer: no key ID recorded. The one
    key made after the record that the run did not know of is its; an older one is not."""
    assert present(states, pillar_path).result is True
    written = in_file(pillar_path)
    now = datetime.datetime.now(datetime.timezone.utc)
    stopped_run(modules, pillar_path, [written], started=now + datetime.timedelta(seconds=5))
    older = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    preview = present(states, pillar_path, test=True)
    assert "stopped before IAM made a key" in preview.comment
    assert "deleted_access_keys" not in preview.changes and set(preview.changes) == {"key_intent"}
    assert f"not in {pillar_path}: {older}" in preview.comment  # reported, as any other key
    assert present(states, pillar_path).result is True
    assert key_ids(iam) == sorted([written, older])

    iam.delete_access_key(UserName=USER, AccessKeyId=older)
    stopped_run(modules, pillar_path, [written], started=now)
    made = iam.create_access_key(UserName=USER)["AccessKey"]["AccessKeyId"]
    ret = present(states, pillar_path)
    assert ret.result is True, ret.comment
    assert f"key {made} was made by a run" in ret.comment
    assert "stopped before IAM's answer reached it" in ret.comment
    assert ret.changes["deleted_access_keys"] == {"old": [made], "new": []}
    assert key_ids(iam) == [written] == [in_file(pillar_path)]


def test_a_key_another_run_made_during_the_create_is_named_and_kept(
    states, iam, pillar_path, monkeypatch
):
    """Two laptops, each with its own pillar checkout: the other one's key appears while
    this run creates its own. This run deletes its own key again, writes nothing, and the
    comment names both keys."""
    assert present(states, pillar_path).result is True
    old = in_file(pillar_path)
    age_access_keys(USER, 100)
    theirs = []
    original = IamResponse.create_access_key

    def other_run_first(self):
        if not theirs:
            theirs.append(original(self))  # the other laptop's key, made just before ours
            iam.delete_access_key(UserName=USER, AccessKeyId=old)  # and its old-key delete
        return original(self)

    monkeypatch.setattr(IamResponse, "create_access_key", other_run_first)
    before = pillar_path.read_text()
    ret = present(states, pillar_path, rotate_after_days=90)
    monkeypatch.undo()
    assert ret.result is False
    listed = key_ids(iam)
    assert len(listed) == 1 and listed[0] != old
    other = listed[0]
    assert f"two runs created a key of {USER} at once: another run made {other}" in ret.comment
    mine = ret.comment.split("this run made ")[1].split(";")[0]
    assert mine not in (old, other) and f"{mine} was deleted again" in ret.comment
    assert pillar_path.read_text() == before


def test_a_file_another_run_wrote_meanwhile_is_not_overwritten(
    states, iam, pillar_path, monkeypatch
):
    """Two runs on one pillar checkout: both read the old key; the other one's key is written
    while this run creates its own. This run does not overwrite the file (the other key's
    secret would be lost), deletes its own key again, and names both."""
    assert present(states, pillar_path).result is True
    old = in_file(pillar_path)
    age_access_keys(USER, 100)
    original = IamResponse.create_access_key

    def other_run_wrote(self):
        pillar_path.write_text(pillar_path.read_text().replace(old, "AKIAOTHERRUN00000000"))
        return original(self)

    monkeypatch.setattr(IamResponse, "create_access_key", other_run_wrote)
    ret = present(states, pillar_path, rotate_after_days=90)
    monkeypatch.undo()
    assert ret.result is False
    assert f"two runs created a key of {USER} at once" in ret.comment
    assert "now names AKIAOTHERRUN00000000" in ret.comment
    mine = ret.comment.split("this run made ")[1].split(";")[0]
    assert mine != old and "was deleted again" in ret.comment
    assert in_file(pillar_path) == "AKIAOTHERRUN00000000"
    assert key_ids(iam) == [old], "this run's key deleted; the old one left to the other run"


def test_while_another_run_creates_the_key_this_one_stops_before_any_write(
    states, modules, iam, pillar_path
):
    modules.key_intent.record(str(pillar_path), USER, [])  # held: a live run, here this one
    with recorded_calls() as calls:
        ret = present(states, pillar_path)
    modules.key_intent.forget(str(pillar_path), USER)
    assert ret.result is False and "another run is creating an access key" in ret.comment
    assert writes(calls) == []


class LostAnswer(ServiceException):
    """IAM's 500 (its ServiceFailure error), here after IAM did the work: botocore retries
    it, and the retry meets the entity the first request made."""

    code = "ServiceFailure"
    message = "Request processing has failed due to some unknown error"


@pytest.mark.parametrize("operation", ["create_policy", "create_user"])
def test_a_create_whose_answer_was_lost_is_read_and_the_run_succeeds(
    states, iam, pillar_path, monkeypatch, operation
):
    original = getattr(IamResponse, operation)
    served = []

    def done_then_lost(self):
        served.append(operation)
        answer = original(self)  # the second time: EntityAlreadyExists
        if len(served) == 1:
            raise LostAnswer()
        return answer

    monkeypatch.setattr(IamResponse, operation, done_then_lost)
    ret = present(states, pillar_path)
    assert len(served) == 2, "served, then retried by botocore"
    assert ret.result is True, ret.comment
    assert key_ids(iam) == [in_file(pillar_path)]
    monkeypatch.undo()
    assert present(states, pillar_path).changes == {}


def test_a_policy_another_run_made_with_another_document_is_an_error(
    states, iam, pillar_path, monkeypatch
):
    original = IamResponse.create_policy
    made = []

    def other_made_it(self):
        if made:  # the other run's own request
            return original(self)
        made.append(True)
        iam.create_policy(
            PolicyName=USER,
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
                }
            ),
        )
        return original(self)

    monkeypatch.setattr(IamResponse, "create_policy", other_made_it)
    ret = present(states, pillar_path)
    assert ret.result is False
    assert "CreatePolicy on web1-backup failed: IAM says it exists, with another document" in (
        ret.comment
    )


def test_an_smtp_users_killed_create_is_cleared_too(states, modules, iam, tmp_path):
    pillar_path = tmp_path / "smtp.sls"
    ret = states.ses_smtp_user.present(
        "ses-smtp-web1", regions=["eu-west-1"], pillar_file=str(pillar_path), region="eu-west-1"
    )
    assert ret.result is True, ret.comment
    written = yaml.safe_load(pillar_path.read_text())["smtp"]["username"]
    unwritten = iam.create_access_key(UserName="ses-smtp-web1")["AccessKey"]["AccessKeyId"]
    stopped_run(modules, pillar_path, [written], unwritten, user="ses-smtp-web1")
    again = states.ses_smtp_user.present(
        "ses-smtp-web1", regions=["eu-west-1"], pillar_file=str(pillar_path), region="eu-west-1"
    )
    assert again.result is True
    assert again.changes["deleted_access_keys"] == {"old": [unwritten], "new": []}
    assert f"key {unwritten} was made by a run" in again.comment
    assert key_ids(iam, "ses-smtp-web1") == [written]


def test_no_key_is_created_when_its_record_cannot_be_written(states, iam, pillar_path, minion_opts):
    blocked = pathlib.Path(minion_opts["cachedir"], "aws_runbook")
    blocked.parent.mkdir(parents=True, exist_ok=True)
    blocked.write_text("not a directory")
    try:
        ret = present(states, pillar_path)
    finally:
        blocked.unlink()
    assert ret.result is False
    assert "cannot write the key creation record" in ret.comment and "no key was created" in (
        ret.comment
    )
    assert key_ids(iam) == [] and not pillar_path.exists()
