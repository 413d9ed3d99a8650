"""``aws_ses.feedback`` and ``aws_ses.explain_notification``: realistic SES notifications
published to the feedback topic of an identity (``notifications: {queue: ...}``) reach its SQS
queue through moto's SNS fan-out and come back summarised."""

import json

import boto3
import pytest
from salt.exceptions import CommandExecutionError, SaltInvocationError

from tests.support import moto_ses_patches, moto_sqs_patches
from tests.support import ses_feedback as examples

REGION = "us-east-1"
PUBLISHED = {
    "permanent": examples.PERMANENT,
    "transient": examples.TRANSIENT,
    "suppressed": examples.SUPPRESSED,
    "complaint": examples.COMPLAINT,
    "delay": examples.DELIVERY_DELAY,
}


@pytest.fixture
def queue_fed_by_topic(states, modules):
    """The queue ``ses_identity`` subscribes to its feedback topic, after SES published the
    notifications to the topic."""
    moto_ses_patches.apply()
    moto_sqs_patches.apply()
    notifications = {"topic": "ses-feedback", "queue": "ses-feedback"}
    applied = states.ses_identity.present("example.com", region=REGION, notifications=notifications)
    assert applied.result is True, applied.comment
    sns = boto3.client("sns", region_name=REGION)
    topic = modules.aws_sns.topic_arn("ses-feedback", region=REGION)
    for notification in PUBLISHED.values():
        sns.publish(TopicArn=topic, Message=json.dumps(notification))
    return boto3.client("sqs", region_name=REGION).get_queue_url(QueueName="ses-feedback")[
        "QueueUrl"
    ]


def by_type(summaries):
    found = {}
    for summary in summaries:
        key = summary["type"], summary.get("bounce_sub_type")
        found[key] = summary
    return found


def test_feedback_summarises_every_published_notification(modules, queue_fed_by_topic):
    summaries = modules.aws_ses.feedback("ses-feedback", region=REGION)
    assert len(summaries) == len(PUBLISHED)
    found = by_type(summaries)
    permanent = found["Bounce", "General"]
    assert [r["address"] for r in permanent["recipients"]] == [
        "jane@example.com",
        "richard@example.com",
    ]
    assert permanent["recipients"][0]["diagnostic_code"] == (
        "smtp; 550 5.1.1 <jane@example.com>... User"
    )
    assert permanent["recipients"][0]["diagnosis"].startswith("the address does not exist")
    assert permanent["topic_arn"].endswith(":ses-feedback")
    assert permanent["subject"] == "Hello"
    assert permanent["message_id"] == "<custom-message-ID@example.com>"
    assert "  - jane@example.com 5.1.1 failed" in permanent["text"]
    assert found["Bounce", "MailboxFull"]["recipients"][0]["diagnosis"].startswith(
        "the mailbox is full"
    )
    assert "suppression list" in found["Bounce", "Suppressed"]["recipients"][0]["diagnosis"]
    complaint = found["Complaint", None]
    assert complaint["feedback_type"] == "abuse"
    assert complaint["user_agent"] == "AnyCompany Feedback Loop (V0.01)"
    assert "stop mailing them" in complaint["diagnosis"]
    delay = found["DeliveryDelay", None]
    assert delay["delay_type"] == "TransientCommunicationFailure"
    assert delay["reporting_mta"] == "dns; a1-2.smtp-out.us-west-2.amazonses.com"


def visible_and_hidden(url):
    """How many messages the queue at ``url`` holds, visible and invisible (read, not deleted)."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    sqs = boto3.client("sqs", region_name=REGION)
    found = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return tuple(int(found[name]) for name in names)


def test_messages_stay_unless_deleted(modules, queue_fed_by_topic):
    modules.aws_ses.feedback("ses-feedback", max=2, region=REGION)
    assert visible_and_hidden(queue_fed_by_topic) == (3, 2)
    # The two read first stay invisible (not deleted) until their visibility timeout ends.
    rest = modules.aws_ses.feedback("ses-feedback", delete=True, wait_seconds=0, region=REGION)
    assert len(rest) == 3
    assert visible_and_hidden(queue_fed_by_topic) == (0, 2)


def test_a_body_that_is_not_a_notification_is_reported(modules):
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="mixed")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="hello")
    (summary,) = modules.aws_ses.feedback("mixed", wait_seconds=0, region=REGION)
    assert summary["type"] == "Unreadable"
    assert summary["error"].startswith("not JSON")


def test_missing_queue(modules):
    with pytest.raises(CommandExecutionError, match="no SQS queue called nowhere"):
        modules.aws_ses.feedback("nowhere", region=REGION)


def test_explain_notification_from_text_and_file(modules, tmp_path):
    text = json.dumps(examples.TRANSIENT)
    path = tmp_path / "bounce.json"
    path.write_text(text)
    from_text = modules.aws_ses.explain_notification(text)
    assert from_text == modules.aws_ses.explain_notification(str(path))
    assert from_text["bounce_sub_type"] == "MailboxFull"
    assert from_text["text"][0] == "Bounce at 2016-01-27T14:59:38.237Z"


@pytest.mark.parametrize(
    ("given", "said"),
    [("/nonexistent/bounce.json", "neither JSON nor a readable file"), ("{oops", "not JSON")],
)
def test_explain_notification_bad_input_names_the_argument(modules, given, said):
    with pytest.raises(SaltInvocationError, match=f"json_or_file: {said}"):
        modules.aws_ses.explain_notification(given)
