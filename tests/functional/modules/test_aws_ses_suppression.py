"""``aws_ses.suppressed``, ``aws_ses.explain_address`` and ``aws_ses.unsuppress`` against moto
in-process with the suppression list filled as the SES v2 API reference documents it
(tests/support/moto_sesv2_suppression.py), the account as AWS starts a new one
(tests/support/moto_sesv2_patches.py: in the sandbox)."""

import datetime
import json

import boto3
import pytest
from salt.exceptions import SaltInvocationError

from tests.support import moto_ses_patches, moto_sesv2_patches, moto_sesv2_suppression
from tests.support import ses_feedback as examples

REGION = "us-east-1"
UTC = datetime.timezone.utc
JANE = "jane@example.com"  # bounced permanently in examples.PERMANENT
FEEDBACK_ID = examples.PERMANENT["bounce"]["feedbackId"]
MESSAGE_ID = examples.PERMANENT["mail"]["messageId"]


@pytest.fixture
def suppression(modules):
    moto_ses_patches.apply()
    moto_sesv2_patches.apply()
    moto_sesv2_suppression.apply()
    day = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    moto_sesv2_suppression.suppress(JANE, "BOUNCE", day, MESSAGE_ID, FEEDBACK_ID)
    moto_sesv2_suppression.suppress("old@example.com", "BOUNCE", day - datetime.timedelta(days=30))
    moto_sesv2_suppression.suppress("angry@example.com", "COMPLAINT", day + datetime.timedelta(1))
    return modules.aws_ses


def addresses(answer):
    return [entry["address"] for entry in answer["suppressed"]]


def test_suppressed_lists_filters_and_pages(suppression):
    everything = suppression.suppressed(region=REGION)
    assert addresses(everything) == ["angry@example.com", JANE, "old@example.com"]
    assert everything["suppressed"][1] == {
        "address": JANE,
        "reason": "BOUNCE",
        "since": "2026-12-01T09:30:00Z",
    }
    assert everything["next_token"] is None
    assert addresses(suppression.suppressed(reason="bounce", region=REGION)) == [
        JANE,
        "old@example.com",
    ]
    since = suppression.suppressed(since="2026-11-15", until="2026-12-01T23:00:00Z", region=REGION)
    assert addresses(since) == [JANE]
    first = suppression.suppressed(max=2, region=REGION)
    assert len(first["suppressed"]) == 2 and first["next_token"]
    rest = suppression.suppressed(next_token=first["next_token"], region=REGION)
    assert addresses(rest) == ["old@example.com"]


@pytest.mark.parametrize(
    ("kwargs", "arg"),
    [({"reason": "SPAM"}, "reason"), ({"since": "last week"}, "since"), ({"max": 0}, "max")],
)
def test_bad_arguments_name_the_argument(suppression, kwargs, arg):
    with pytest.raises(SaltInvocationError, match=rf"^{arg}:"):
        suppression.suppressed(region=REGION, **kwargs)


def test_explain_address_names_reason_date_and_the_bounce(suppression):
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="ses-feedback")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(examples.PERMANENT))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(examples.COMPLAINT))
    report = suppression.explain_address(JANE, queue="ses-feedback", region=REGION)
    assert report["suppressed"]["reason"] == "BOUNCE"
    assert report["suppressed"]["since"] == "2026-12-01T09:30:00Z"
    assert report["suppressed"]["feedback_id"] == FEEDBACK_ID
    assert [n["feedback_id"] for n in report["feedback"]] == [FEEDBACK_ID]
    text = "\n".join(report["lines"])
    assert "since 2026-12-01T09:30:00Z (BOUNCE)" in text
    assert "5.1.1" in text  # the bounce's own diagnosis, from the queue
    assert report["sandbox"] is True and report["recipient_verified"] is False
    assert "sandbox" in text and "neither jane@example.com nor its domain" in text


def test_explain_address_not_suppressed_but_sender_unknown(suppression):
    report = suppression.explain_address("new@example.com", sender="example.org", region=REGION)
    assert report["suppressed"] is None
    assert report["lines"][0] == "new@example.com is not on the account's suppression list"
    assert any("example.org does not exist" in line for line in report["lines"])


def test_explain_address_in_the_sandbox_with_a_verified_recipient(suppression):
    suppression.create_identity("example.com", region=REGION)
    suppression.create_identity("example.org", region=REGION)
    report = suppression.explain_address("new@example.com", sender="example.org", region=REGION)
    assert report["recipient_verified"] is True
    assert any("recipient is verified" in line for line in report["lines"])
    assert report["sender"] == {"identity": "example.org", "status": "SUCCESS"}


def test_unsuppress_dry_run_then_removes(suppression):
    dry = suppression.unsuppress(JANE, test=True, region=REGION)
    assert dry["removed"] is False and dry["comment"].startswith("would remove")
    assert JANE in addresses(suppression.suppressed(region=REGION))
    done = suppression.unsuppress(JANE, region=REGION)
    assert done["removed"] is True and done["was"]["reason"] == "BOUNCE"
    assert JANE not in addresses(suppression.suppressed(region=REGION))
    again = suppression.unsuppress(JANE, region=REGION)
    assert again["removed"] is False and "nothing to do" in again["comment"]
    assert suppression.explain_address(JANE, region=REGION)["suppressed"] is None


def test_unsuppress_rejects_a_non_address_before_calling_aws(suppression):
    with pytest.raises(SaltInvocationError, match=r"^address:"):
        suppression.unsuppress("not-an-address", region=REGION)


def test_put_suppressed_destination_is_filled_as_documented(suppression):
    sesv2 = boto3.client("sesv2", region_name=REGION)
    sesv2.put_suppressed_destination(EmailAddress="manual@example.com", Reason="COMPLAINT")
    found = sesv2.get_suppressed_destination(EmailAddress="manual@example.com")
    assert found["SuppressedDestination"]["Reason"] == "COMPLAINT"
    with pytest.raises(sesv2.exceptions.NotFoundException):
        sesv2.delete_suppressed_destination(EmailAddress="nobody@example.com")
