"""ses_account through Salt's loader: against moto with its SES v2 account gaps filled
(tests/support/moto_sesv2_patches.py), and the PutAccountDetails request against botocore's
Stubber, which checks it against the real API shapes."""

import awsrunbook.client
import boto3
import pytest
from botocore.stub import Stubber

from tests.support import moto_sesv2_patches
from tests.support.calls import recorded_calls, writes

moto_sesv2_patches.apply()

REGION = "us-east-1"
REQUEST = {
    "mail_type": "TRANSACTIONAL",
    "website_url": "https://www.open-contracting.org",
    "use_case_description": "Password resets and notifications for our applications' users.",
    "additional_contact_email_addresses": ["sysadmin@open-contracting.org"],
}


def configured(states, test=False, **args):
    return states.ses_account.configured(name="ses-account", region=REGION, test=test, **args)


def account():
    return boto3.client("sesv2", REGION).get_account()


def test_disable_suppression_list_both_modes_and_converge(states):
    with recorded_calls() as calls:
        dry = configured(states, test=True, suppressed_reasons=[], sending_enabled=True)
    assert dry.result is None
    assert dry.changes == {"suppressed_reasons": {"old": ["BOUNCE", "COMPLAINT"], "new": []}}
    assert writes(calls) == []
    assert account()["SuppressionAttributes"]["SuppressedReasons"] == ["BOUNCE", "COMPLAINT"]

    ret = configured(states, suppressed_reasons=[], sending_enabled=True)
    assert ret.result is True, ret.comment
    assert ret.changes == dry.changes
    assert account()["SuppressionAttributes"]["SuppressedReasons"] == []
    assert "production access: sandbox" in ret.comment

    for test in (True, False):
        with recorded_calls() as calls:
            again = configured(states, test=test, suppressed_reasons=[], sending_enabled=True)
        assert again.result is True and again.changes == {}
        assert writes(calls) == []


def test_drift_corrected(states):
    assert configured(states, suppressed_reasons=["BOUNCE"], sending_enabled=True).result
    ses = boto3.client("sesv2", REGION)
    ses.put_account_sending_attributes(SendingEnabled=False)
    ses.put_account_suppression_attributes(SuppressedReasons=["BOUNCE", "COMPLAINT"])
    ret = configured(states, suppressed_reasons=["BOUNCE"], sending_enabled=True)
    assert ret.changes == {
        "suppressed_reasons": {"old": ["BOUNCE", "COMPLAINT"], "new": ["BOUNCE"]},
        "sending_enabled": {"old": False, "new": True},
    }
    assert account()["SendingEnabled"] is True


def test_production_access_submitted_once(states):
    dry = configured(states, test=True, production_access=REQUEST)
    assert dry.result is None
    new = dry.changes["production_access"]["new"]
    assert dry.changes["production_access"]["old"] == "sandbox"
    assert new["request"]["use_case_description"] == REQUEST["use_case_description"]
    assert new["request"]["contact_language"] == "EN"
    assert "request would be submitted" in dry.comment
    assert "Details" not in account()

    ret = configured(states, production_access=REQUEST)
    assert ret.result is True, ret.comment
    details = account()["Details"]
    assert details["ReviewDetails"]["Status"] == "PENDING"
    assert details["WebsiteURL"] == REQUEST["website_url"]

    with recorded_calls() as calls:
        again = configured(states, production_access=REQUEST)
    assert again.result is True and again.changes == {}
    assert writes(calls) == []
    assert "pending review" in again.comment and "not submitted again" in again.comment

    moto_sesv2_patches.set_review_status("GRANTED")
    granted = configured(states, production_access=REQUEST)
    assert granted.changes == {} and "granted" in granted.comment

    moto_sesv2_patches.set_review_status("DENIED")
    with recorded_calls() as calls:
        denied = configured(states, production_access=REQUEST)
    assert denied.changes == {} and "denied" in denied.comment
    assert writes(calls) == []


def test_put_account_details_against_the_real_api_shape(modules):
    """moto's own PutAccountDetails is missing: check our request with Stubber too."""
    client = awsrunbook.client.client("sesv2", {"region": REGION})
    with Stubber(client) as stub:
        stub.add_response(
            "put_account_details",
            {},
            {
                "MailType": "TRANSACTIONAL",
                "WebsiteURL": REQUEST["website_url"],
                "UseCaseDescription": REQUEST["use_case_description"],
                "AdditionalContactEmailAddresses": REQUEST["additional_contact_email_addresses"],
                "ContactLanguage": "EN",
                "ProductionAccessEnabled": True,
            },
        )
        stub.add_response(
            "get_account",
            {
                "ProductionAccessEnabled": False,
                "SendingEnabled": True,
                "EnforcementStatus": "HEALTHY",
                "DedicatedIpAutoWarmupEnabled": False,
                "SuppressionAttributes": {"SuppressedReasons": []},
                "Details": {
                    "MailType": "TRANSACTIONAL",
                    "WebsiteURL": REQUEST["website_url"],
                    "ContactLanguage": "EN",
                    "UseCaseDescription": REQUEST["use_case_description"],
                    "AdditionalContactEmailAddresses": ["sysadmin@open-contracting.org"],
                    "ReviewDetails": {"Status": "PENDING", "CaseId": "1234567890"},
                },
            },
            {},
        )
        assert modules.aws_ses_sending.request_production_access(
            contact_language="EN", region=REGION, **REQUEST
        )
        described = modules.aws_ses_sending.describe_account(region=REGION)
        stub.assert_no_pending_responses()
    assert described["production_access"] == "pending review"
    assert described["case_id"] == "1234567890"
    assert described["suppressed_reasons"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"production_access": {**REQUEST, "use_case_description": " "}},
            "production_access:use_case_description: required",
        ),
        (
            {
                "production_access": {
                    k: v for k, v in REQUEST.items() if k != "use_case_description"
                }
            },
            "production_access:use_case_description: required",
        ),
        ({"production_access": {**REQUEST, "mail_type": "BULK"}}, "production_access:mail_type"),
        ({"production_access": {**REQUEST, "website_url": "example.org"}}, "website_url"),
        ({"suppressed_reasons": ["BOUNCE", "SPAM"]}, "suppressed_reasons: must be one of"),
        ({"sending_enabled": "no"}, "sending_enabled: must be true or false"),
        ({"region": "eu-middle-7"}, "region: unknown AWS region"),
    ],
)
def test_bad_input_fails_before_any_call(states, args, message):
    args = {"region": REGION, **args}
    with recorded_calls() as calls:
        ret = states.ses_account.configured(name="ses-account", **args)
    assert ret.result is False
    assert message in ret.comment
    assert calls == []
