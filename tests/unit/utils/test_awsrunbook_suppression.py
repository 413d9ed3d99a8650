"""awsrunbook.suppression: arguments checked before any AWS call, SES's answers as data, and
the explanation of why mail to an address does not arrive."""

import datetime

import pytest
from awsrunbook import suppression
from salt.exceptions import SaltInvocationError

ADDRESS = "jane@example.com"
ENTRY = {
    "EmailAddress": ADDRESS,
    "Reason": "BOUNCE",
    "LastUpdateTime": datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.timezone.utc),
    "Attributes": {"MessageId": "m-1", "FeedbackId": "f-1"},
}
SANDBOX = {"sending_enabled": True, "production_access": "sandbox"}
GRANTED = {"sending_enabled": True, "production_access": "granted"}


def bounce(feedback_id, address=ADDRESS):
    return {
        "type": "Bounce",
        "feedback_id": feedback_id,
        "recipients": [{"address": address}],
        "text": [f"Bounce {feedback_id}"],
    }


def test_arguments():
    assert suppression.reasons_arg(None) == []
    assert suppression.reasons_arg("bounce,Complaint") == ["BOUNCE", "COMPLAINT"]
    with pytest.raises(SaltInvocationError, match=r"^reason: must be BOUNCE or COMPLAINT"):
        suppression.reasons_arg(["BOUNCE", "SPAM"])
    assert suppression.date_arg("2026-12-01", "since").tzinfo is not None
    with pytest.raises(SaltInvocationError, match=r"^until:"):
        suppression.date_arg("yesterday", "until")
    with pytest.raises(SaltInvocationError, match=r"^address:"):
        suppression.address_arg("jane")
    with pytest.raises(SaltInvocationError, match=r"^max:"):
        suppression.count_arg("many")


def test_summary_and_list_params():
    assert suppression.summary(ENTRY) == {
        "address": ADDRESS,
        "reason": "BOUNCE",
        "since": "2026-12-01T09:30:00Z",
        "message_id": "m-1",
        "feedback_id": "f-1",
    }
    assert suppression.list_params([], None, None, 5000, None) == {"PageSize": 1000}
    params = suppression.list_params(["BOUNCE"], "s", "u", 10, "t")
    assert params == {
        "PageSize": 10,
        "Reasons": ["BOUNCE"],
        "StartDate": "s",
        "EndDate": "u",
        "NextToken": "t",
    }


def test_matching_feedback_puts_the_recorded_one_first():
    found = suppression.matching_feedback(
        "JANE@example.com",
        suppression.summary(ENTRY),
        [bounce("f-0"), bounce("f-1"), bounce("f-2", "other@example.com"), {"type": "Delivery"}],
    )
    assert [n["feedback_id"] for n in found] == ["f-1", "f-0"]


def test_explain_suppressed_in_the_sandbox():
    entry = suppression.summary(ENTRY)
    report = suppression.explain(ADDRESS, entry, [bounce("f-1")], SANDBOX, False, None, None)
    assert report["sandbox"] is True and report["sender"] is None
    assert report["lines"][0].startswith(f"{ADDRESS} is on the account's suppression list since")
    assert "feedback f-1 of message m-1" in report["lines"][1]
    assert report["lines"][2] == "  Bounce f-1"
    assert "sandbox (sandbox)" in report["lines"][3]


def test_explain_nothing_in_the_way_but_the_sender():
    identity = {"verification_status": "PENDING"}
    report = suppression.explain(ADDRESS, None, [], GRANTED, False, "example.org", identity)
    assert report["lines"] == [
        f"{ADDRESS} is not on the account's suppression list",
        "the sending identity example.org is PENDING: SES refuses to send from it",
    ]
