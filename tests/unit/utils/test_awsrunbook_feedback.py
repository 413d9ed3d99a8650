"""SES feedback summaries, from notifications shaped like the SES Developer Guide's examples."""

import copy
import json

import pytest
from awsrunbook import feedback

from tests.support import ses_feedback as examples


def test_permanent_bounce_with_two_recipients_diagnoses_each():
    summary = feedback.summarise(examples.PERMANENT)
    assert summary["type"] == "Bounce"
    assert summary["time"] == "2016-01-27T14:59:38.237Z"
    assert summary["source"] == "john@example.com"
    assert summary["destination"] == ["jane@example.com", "richard@example.com"]
    assert summary["subject"] == "Hello"
    assert summary["message_id"] == "<custom-message-ID@example.com>"
    assert (summary["bounce_type"], summary["bounce_sub_type"]) == ("Permanent", "General")
    assert summary["reporting_mta"] == "dns; email.example.com"
    jane, richard = summary["recipients"]
    assert jane["address"] == "jane@example.com"
    assert jane["status"] == "5.1.1"
    assert jane["diagnostic_code"] == "smtp; 550 5.1.1 <jane@example.com>... User"
    assert jane["diagnosis"].startswith("the address does not exist")
    assert "remove it" in jane["diagnosis"]
    assert "DMARC" in richard["diagnosis"]
    assert summary["diagnosis"] == ("Permanent/General bounce for 2 recipients: see each recipient")


def test_transient_mailbox_full():
    summary = feedback.summarise(examples.TRANSIENT)
    (mary,) = summary["recipients"]
    assert mary["status"] == "4.2.2"
    assert mary["diagnosis"].startswith("the mailbox is full")


def test_suppressed_bounce():
    (recipient,) = feedback.summarise(examples.SUPPRESSED)["recipients"]
    assert "suppression list" in recipient["diagnosis"]
    assert "SES did not send" in recipient["diagnosis"]


def test_account_suppression_list():
    notification = copy.deepcopy(examples.SUPPRESSED)
    notification["bounce"]["bounceSubType"] = "OnAccountSuppressionList"
    (recipient,) = feedback.summarise(notification)["recipients"]
    assert "this account's suppression list" in recipient["diagnosis"]


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        ("", "smtp; 550 5.1.1 user unknown", "the address does not exist (550 5.1.1)"),
        ("5.1.2", "", "the recipient's domain does not exist"),
        ("", "smtp; 554 5.7.1 rejected", "the receiving server refused it by policy"),
        ("5.0.0", "smtp; 550 rejected", "hard bounce: remove the address"),
    ],
)
def test_permanent_general_by_status(status, code, expected):
    recipient = {"status": status, "diagnostic_code": code}
    assert feedback.bounce_diagnosis("Permanent", "General", recipient).startswith(expected)


def test_unknown_transient_sub_type_points_at_the_diagnostic_code():
    said = feedback.bounce_diagnosis("Transient", "SomethingNew", {})
    assert said == "Transient bounce (SomethingNew): read the diagnostic code"


def test_complaint():
    summary = feedback.summarise(examples.COMPLAINT)
    assert summary["type"] == "Complaint"
    assert summary["feedback_type"] == "abuse"
    assert summary["user_agent"] == "AnyCompany Feedback Loop (V0.01)"
    assert summary["recipients"] == [{"address": "richard@example.com"}]
    assert summary["diagnosis"].startswith("the recipient complained (feedback type abuse)")
    assert "stop mailing them" in summary["diagnosis"]


def test_delivery():
    summary = feedback.summarise(examples.DELIVERY)
    assert summary["recipients"] == [{"address": "success@simulator.amazonses.com"}]
    assert summary["smtp_response"] == "250 ok:  Message 64111812 accepted"
    assert summary["reporting_mta"] == "a8-70.smtp-out.amazonses.com"
    assert summary["processing_time_ms"] == 546
    assert summary["diagnosis"].startswith("delivered")


def test_delivery_delay():
    summary = feedback.summarise(examples.DELIVERY_DELAY)
    assert summary["type"] == "DeliveryDelay"
    assert summary["delay_type"] == "TransientCommunicationFailure"
    assert summary["time"] == "2020-06-16T00:15:40.641Z"
    assert summary["diagnosis"] == "delayed; SES gives up at 2020-06-16T00:25:40.914Z"
    (recipient,) = summary["recipients"]
    assert recipient["status"] == "4.4.1"
    assert recipient["diagnosis"].startswith("temporary trouble talking to the receiving server")


def test_configuration_set_reject_event():
    summary = feedback.summarise(examples.REJECT)
    assert summary["type"] == "Reject"
    assert summary["reason"] == "Bad content"
    assert summary["recipients"] == []
    assert summary["diagnosis"].startswith("SES rejected the message and sent nothing")


def test_rendering_failure_event():
    summary = feedback.summarise(examples.RENDERING_FAILURE)
    assert summary["template_name"] == "MyTemplate"
    assert summary["diagnosis"].startswith("MyTemplate could not be rendered")


def test_unknown_fields_are_kept_by_section():
    notification = copy.deepcopy(examples.PERMANENT)
    notification["newTopLevel"] = {"x": 1}
    notification["bounce"]["bouncedRecipients"][0]["newRecipientField"] = "y"
    notification["bounce"]["newBounceField"] = "z"
    notification["mail"]["tags"] = {"ses:configuration-set": ["ops"]}
    summary = feedback.summarise(notification)
    assert summary["other"]["notification"] == {"newTopLevel": {"x": 1}}
    assert summary["other"]["bounce"] == {"newBounceField": "z"}
    assert summary["other"]["mail"]["tags"] == {"ses:configuration-set": ["ops"]}
    assert summary["other"]["mail"]["headers"] == notification["mail"]["headers"]
    assert summary["other"]["mail"]["commonHeaders"] == {"date": "Wed, 27 Jan 2016 14:05:45 +0000"}
    assert summary["recipients"][0]["newRecipientField"] == "y"


def test_unknown_event_type_keeps_its_object():
    summary = feedback.summarise({"eventType": "Teleport", "teleport": {"where": "moon"}})
    assert summary["type"] == "Teleport"
    assert summary["diagnosis"] == "no diagnosis for Teleport: see the fields"
    assert summary["other"] == {"notification": {"teleport": {"where": "moon"}}}


def test_sns_envelope_is_unwrapped():
    envelope = {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-feedback",
        "Message": json.dumps(examples.COMPLAINT),
        "Timestamp": "2016-01-27T14:59:39.000Z",
        "SignatureVersion": "1",
    }
    summary = feedback.summarise(envelope)
    assert summary["type"] == "Complaint"
    assert summary["topic_arn"] == "arn:aws:sns:us-east-1:123456789012:ses-feedback"
    assert summary["sns_message_id"] == "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324"


@pytest.mark.parametrize(("text", "said"), [("{", "not JSON"), ("[1]", "not a JSON object")])
def test_parse_rejects_what_is_not_a_notification(text, said):
    with pytest.raises(ValueError, match=said):
        feedback.parse(text)


def test_lines_read_as_text():
    text = feedback.lines(feedback.summarise(examples.PERMANENT))
    assert text[0] == "Bounce at 2016-01-27T14:59:38.237Z"
    assert "  from: john@example.com" in text
    assert "  to: jane@example.com, richard@example.com" in text
    assert "  - jane@example.com 5.1.1 failed" in text
    assert "      smtp; 550 5.1.1 <jane@example.com>... User" in text
    assert any(line.startswith("      -> the address does not exist") for line in text)
    assert text[-1] == "  other fields: mail.headersTruncated, mail.headers, mail.commonHeaders"
