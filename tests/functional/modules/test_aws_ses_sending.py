"""aws_ses_sending through Salt's loader against moto's in-process SES v2 (gaps filled by
tests/support/moto_sesv2_patches.py), with botocore's Stubber for the request each option
sends."""

import awsrunbook.client
import pytest
from botocore.stub import Stubber
from salt.exceptions import CommandExecutionError

from tests.support import moto_sesv2_patches

REGION = "us-east-1"
TOPIC = "arn:aws:sns:us-east-1:123456789012:feedback"
OTHER_TOPIC = "arn:aws:sns:us-east-1:123456789012:other"


@pytest.fixture(autouse=True)
def _moto_as_documented():
    moto_sesv2_patches.apply()


def test_a_configuration_set_as_made_and_as_set(modules):
    ses = modules.aws_ses_sending
    assert ses.describe_configuration_set("credere", region=REGION) is None
    assert ses.create_configuration_set("credere", region=REGION) is True
    assert ses.describe_configuration_set("credere", region=REGION) == {
        "suppressed_reasons": None,  # the account's list applies
        "reputation_metrics": False,
        "sending_enabled": True,
        "custom_redirect_domain": None,
        "event_destinations": {},
    }
    for option, value in (
        ("suppressed_reasons", ("COMPLAINT", "BOUNCE")),
        ("reputation_metrics", True),
        ("sending_enabled", False),
        ("custom_redirect_domain", "click.example.org"),
    ):
        assert ses.put_configuration_set_option("credere", option, value, region=REGION) is True
    assert ses.describe_configuration_set("credere", region=REGION) == {
        "suppressed_reasons": ["BOUNCE", "COMPLAINT"],
        "reputation_metrics": True,
        "sending_enabled": False,
        "custom_redirect_domain": "click.example.org",
        "event_destinations": {},
    }
    ses.put_configuration_set_option("credere", "suppressed_reasons", [], region=REGION)
    assert ses.describe_configuration_set("credere", region=REGION)["suppressed_reasons"] == []


@pytest.mark.parametrize(
    ("option", "value", "operation", "params"),
    [
        (
            "suppressed_reasons",
            ("BOUNCE",),
            "put_configuration_set_suppression_options",
            {"SuppressedReasons": ["BOUNCE"]},
        ),
        (
            "reputation_metrics",
            True,
            "put_configuration_set_reputation_options",
            {"ReputationMetricsEnabled": True},
        ),
        (
            "sending_enabled",
            False,
            "put_configuration_set_sending_options",
            {"SendingEnabled": False},
        ),
        (
            "custom_redirect_domain",
            "click.example.org",
            "put_configuration_set_tracking_options",
            {"CustomRedirectDomain": "click.example.org"},
        ),
        # None removes the domain: the parameter is left out.
        ("custom_redirect_domain", None, "put_configuration_set_tracking_options", {}),
    ],
)
def test_each_option_sends_its_own_call(modules, option, value, operation, params):
    with Stubber(awsrunbook.client.client("sesv2", {"region": REGION})) as stub:
        stub.add_response(operation, {}, {"ConfigurationSetName": "credere", **params})
        modules.aws_ses_sending.put_configuration_set_option(
            "credere", option, value, region=REGION
        )
        stub.assert_no_pending_responses()


def test_event_destinations_added_replaced_removed(modules):
    ses = modules.aws_ses_sending
    ses.create_configuration_set("credere", region=REGION)
    ses.put_event_destination(
        "credere", "feedback", True, ["REJECT", "BOUNCE"], TOPIC, region=REGION
    )
    ses.put_event_destination("credere", "other", False, ["DELIVERY"], OTHER_TOPIC, region=REGION)
    found = ses.describe_configuration_set("credere", region=REGION)["event_destinations"]
    assert found == {
        "feedback": {"enabled": True, "events": ["BOUNCE", "REJECT"], "sns_topic_arn": TOPIC},
        "other": {"enabled": False, "events": ["DELIVERY"], "sns_topic_arn": OTHER_TOPIC},
    }
    ses.put_event_destination(
        "credere", "other", True, ["COMPLAINT"], OTHER_TOPIC, exists=True, region=REGION
    )
    assert ses.delete_event_destination("credere", "feedback", region=REGION) is True
    assert ses.delete_event_destination("credere", "feedback", region=REGION) is True  # gone
    found = ses.describe_configuration_set("credere", region=REGION)["event_destinations"]
    assert found == {
        "other": {"enabled": True, "events": ["COMPLAINT"], "sns_topic_arn": OTHER_TOPIC}
    }


def test_adding_a_destination_twice_is_an_error_naming_it(modules):
    ses = modules.aws_ses_sending
    ses.create_configuration_set("credere", region=REGION)
    ses.put_event_destination("credere", "feedback", True, ["REJECT"], TOPIC, region=REGION)
    with pytest.raises(CommandExecutionError, match=r"on credere/feedback failed"):
        ses.put_event_destination("credere", "feedback", True, ["REJECT"], TOPIC, region=REGION)


def test_deleting_a_configuration_set_that_is_gone_is_done(modules):
    ses = modules.aws_ses_sending
    ses.create_configuration_set("credere", region=REGION)
    assert ses.delete_configuration_set("credere", region=REGION) is True
    assert ses.describe_configuration_set("credere", region=REGION) is None
    assert ses.delete_configuration_set("credere", region=REGION) is True


def test_the_account_as_aws_starts_it_and_as_set(modules):
    ses = modules.aws_ses_sending
    assert ses.describe_account(region=REGION) == {
        "sending_enabled": True,
        "suppressed_reasons": ["BOUNCE", "COMPLAINT"],
        "production_access": "sandbox",
        "case_id": None,
        "details": None,
    }
    assert ses.put_account_suppression(("COMPLAINT",), region=REGION) is True
    assert ses.put_account_sending(False, region=REGION) is True
    account = ses.describe_account(region=REGION)
    assert (account["suppressed_reasons"], account["sending_enabled"]) == (["COMPLAINT"], False)
    # Another region's account is another account.
    assert ses.describe_account(region="eu-west-1")["suppressed_reasons"] == [
        "BOUNCE",
        "COMPLAINT",
    ]


@pytest.mark.parametrize(
    ("review", "status"),
    [("PENDING", "pending review"), ("DENIED", "denied"), ("GRANTED", "granted")],
)
def test_production_access_as_reviewed(modules, review, status):
    ses = modules.aws_ses_sending
    ses.request_production_access(
        "MARKETING",
        "https://example.org",
        "Newsletters to subscribers who opted in.",
        additional_contact_email_addresses=("b@example.org", "a@example.org"),
        region=REGION,
    )
    moto_sesv2_patches.set_review_status(review)
    account = ses.describe_account(region=REGION)
    assert account["production_access"] == status
    assert account["details"] == {
        "mail_type": "MARKETING",
        "website_url": "https://example.org",
        "use_case_description": "Newsletters to subscribers who opted in.",
        "additional_contact_email_addresses": ["a@example.org", "b@example.org"],
        "contact_language": "EN",
    }
