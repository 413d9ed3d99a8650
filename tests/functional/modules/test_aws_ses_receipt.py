"""``aws_ses_receipt``: receiving mail for one address through an SES receipt rule into S3
(``setup_receiving`` → ``wait_for_message`` → ``cleanup_receiving``), against moto with the
receiving stand-in of ``tests/support/moto_ses_receiving.py``."""

import json
import time

import boto3
import pytest
from salt.exceptions import CommandExecutionError

from tests.support import moto_ses_patches, moto_ses_receiving

REGION = "eu-west-1"
ADDRESS = "check@example.org"
BUCKET = "ocp-aws-verification"


@pytest.fixture
def ses(modules):
    moto_ses_patches.apply()
    moto_ses_receiving.apply()
    return boto3.client("ses", region_name=REGION)


def test_setup_receives_the_address_into_the_bucket_and_cleanup_restores(modules, ses):
    ses.create_receipt_rule_set(RuleSetName="theirs")
    ses.set_active_receipt_rule_set(RuleSetName="theirs")
    since = time.time() - 1

    made = modules.aws_ses_receipt.setup_receiving(ADDRESS, region=REGION)

    assert set(made["changes"]) == {
        "verification_bucket",
        "verification_bucket_public_access_block",
        "verification_bucket_lifecycle",
        "verification_bucket_policy",
        "receipt_rule_set",
        "receipt_rule",
        "active_receipt_rule_set",
    }
    assert made["changes"]["active_receipt_rule_set"] == {
        "old": "theirs",
        "new": "email-address-verification",
    }
    policy = json.loads(boto3.client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"])
    condition = policy["Statement"][0]["Condition"]["StringEquals"]
    assert condition["AWS:SourceArn"] == (
        "arn:aws:ses:eu-west-1:123456789012:receipt-rule-set/email-address-verification"
        ":receipt-rule/deliver-to-s3-bucket"
    )
    assert condition["AWS:SourceAccount"] == "123456789012"
    assert moto_ses_receiving.deliver(REGION, "other@example.org", b"Subject: x\n\nno") is None
    assert moto_ses_receiving.deliver(REGION, ADDRESS, b"Subject: hello\n\nbody\n")

    raw = modules.aws_ses_receipt.wait_for_message(BUCKET, f"{ADDRESS}/", since, 5, region=REGION)
    assert raw == b"Subject: hello\n\nbody\n"

    again = modules.aws_ses_receipt.setup_receiving(ADDRESS, region=REGION)
    assert again["changes"] == {}

    cleaned = modules.aws_ses_receipt.cleanup_receiving(made["restore"], region=REGION)
    assert set(cleaned) == {
        "cleanup_active_receipt_rule_set",
        "cleanup_receipt_rule",
        "cleanup_receipt_rule_set",
        "cleanup_received_messages",
    }
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == "theirs"
    assert [s["Name"] for s in ses.list_receipt_rule_sets()["RuleSets"]] == ["theirs"]
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=BUCKET)


def test_wait_for_message_stops_at_its_timeout(modules, ses):
    modules.aws_ses_receipt.setup_receiving(ADDRESS, region=REGION)
    started = time.monotonic()
    assert (
        modules.aws_ses_receipt.wait_for_message(
            BUCKET, f"{ADDRESS}/", time.time(), 1, region=REGION
        )
        is None
    )
    assert time.monotonic() - started < 5


def test_a_bucket_in_another_region_is_refused(modules, ses):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    with pytest.raises(CommandExecutionError, match="is in us-east-1"):
        modules.aws_ses_receipt.setup_receiving(ADDRESS, region=REGION)
