"""aws_iam.create_access_key through Salt's loader against moto's in-process IAM, with IAM
throttling CreateAccessKey."""

import time

import boto3
import pytest
from awsrunbook import errors
from moto.core.exceptions import ServiceException
from moto.iam.responses import IamResponse
from salt.exceptions import CommandExecutionError


class Throttled(ServiceException):
    code = "Throttling"
    message = "Rate exceeded"


@pytest.fixture
def throttled(monkeypatch):
    """IAM throttles the next ``count[0]`` CreateAccessKey calls; the waits take no time."""
    count, original = [0], IamResponse.create_access_key

    def create_access_key(self):
        if count[0]:
            count[0] -= 1
            raise Throttled()
        return original(self)

    monkeypatch.setattr(IamResponse, "create_access_key", create_access_key)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    return count


def test_a_throttled_create_is_sent_again_after_a_read(modules, throttled, caplog):
    boto3.client("iam", region_name="us-east-1").create_user(UserName="ops")
    throttled[0] = 2
    created = modules.aws_iam.create_access_key("ops", region="us-east-1")
    keys = boto3.client("iam", region_name="us-east-1").list_access_keys(UserName="ops")
    assert [k["AccessKeyId"] for k in keys["AccessKeyMetadata"]] == [created["access_key_id"]]
    assert "CreateAccessKey on ops was throttled (IAM made no key: ops has no keys)" in caplog.text
    assert str(created["secret"]) not in caplog.text


def test_a_create_throttled_every_time_fails_and_leaves_no_key(modules, throttled):
    boto3.client("iam", region_name="us-east-1").create_user(UserName="ops")
    throttled[0] = 5
    with pytest.raises(CommandExecutionError, match="throttled 5 times: run again later") as raised:
        modules.aws_iam.create_access_key("ops", region="us-east-1")
    assert type(raised.value) is errors.Throttled and raised.value.code == "Throttling"
    keys = boto3.client("iam", region_name="us-east-1").list_access_keys(UserName="ops")
    assert keys["AccessKeyMetadata"] == []


def test_a_create_iam_refused_deletes_no_key_another_run_made(modules):
    """Two keys appeared since the caller read none (another run's): IAM refuses the create
    (LimitExceeded, a 4xx: it did nothing), and neither key is taken for one it made."""
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="ops")
    theirs = sorted(iam.create_access_key(UserName="ops")["AccessKey"]["AccessKeyId"] for _ in "ab")
    with pytest.raises(CommandExecutionError) as raised:
        modules.aws_iam.create_access_key("ops", known_keys=[], region="us-east-1")
    assert "LimitExceeded" in str(raised.value)
    # A refusal, typed as such: neither temporary nor throttled.
    assert type(raised.value) is errors.AwsError and raised.value.code == "LimitExceeded"
    assert "IAM made no key: ops has keys" in str(raised.value)
    assert all(key_id in str(raised.value) for key_id in theirs)
    listed = iam.list_access_keys(UserName="ops")["AccessKeyMetadata"]
    assert sorted(k["AccessKeyId"] for k in listed) == theirs
