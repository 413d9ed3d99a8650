"""ses_account's validation and planner."""

import pytest
from awsrunbook import ses
from salt.exceptions import SaltInvocationError

from _states import (
    ses_account,
)

ACCOUNT = {
    "sending_enabled": True,
    "suppressed_reasons": ["BOUNCE", "COMPLAINT"],
    "production_access": "sandbox",
    "case_id": None,
    "details": None,
}


REQUEST = ses_account.production_access_request(
    {
        "mail_type": "TRANSACTIONAL",
        "website_url": "https://example.org",
        "use_case_description": "x",
    }
)


def test_plan_account():
    desired = {"suppressed_reasons": [], "sending_enabled": True, "production_access": REQUEST}
    steps, notes = ses_account.plan_account(desired, ACCOUNT)
    assert [s["field"] for s in steps] == ["suppressed_reasons", "production_access"]
    assert steps[1]["kwargs"]["contact_language"] == "EN"
    for status, note in (
        ("pending review", "not submitted again"),
        ("granted", "granted"),
        ("denied", "denied"),
    ):
        steps, notes = ses_account.plan_account(
            {**desired, "suppressed_reasons": None}, {**ACCOUNT, "production_access": status}
        )
        assert steps == [] and note in notes[0]


def test_production_access_status():
    assert ses.production_access_status(True, None) == "granted"
    assert ses.production_access_status(False, "PENDING") == "pending review"
    assert ses.production_access_status(False, "DENIED") == "denied"
    assert ses.production_access_status(False, None) == "sandbox"


def test_production_access_needs_a_use_case():
    with pytest.raises(SaltInvocationError, match="production_access:use_case_description"):
        ses_account.production_access_request(
            {"mail_type": "MARKETING", "website_url": "https://x.org"}
        )
