"""aws_ses's identity reads and writes through Salt's loader against moto's in-process SES
(gaps filled by tests/support/moto_ses_patches.py and moto_sesv2_patches.py), with botocore's
Stubber for request shapes, pages and throttling. Feedback and the suppression list have
files of their own: test_aws_ses_feedback.py, test_aws_ses_suppression.py."""

import awsrunbook.client
import pytest
from botocore.stub import Stubber
from salt.exceptions import CommandExecutionError

from tests.support import moto_ses_patches, moto_sesv2_patches
from tests.support.calls import recorded_calls

REGION = "us-east-1"
TOPIC = "arn:aws:sns:us-east-1:123456789012:feedback"
RUN = "20261206045000000000"  # a state run's __instance_id__


@pytest.fixture(autouse=True)
def _moto_as_documented():
    moto_ses_patches.apply()
    moto_sesv2_patches.apply()


def stubbed(service):
    return Stubber(awsrunbook.client.client(service, {"region": REGION}))


def calls_of(calls, operation):
    return [call for call in calls if call[1] == operation]


def test_a_domain_identity_as_created(modules):
    ses = modules.aws_ses
    assert ses.get_identity("example.org", region=REGION) is None
    tokens = ses.create_identity(
        "example.org", key_length="RSA_2048_BIT", tags={"team": "ops"}, region=REGION
    )
    assert len(tokens) == 3
    found = ses.get_identity("example.org", region=REGION)
    assert found["identity"] == "example.org" and found["type"] == "DOMAIN"
    assert found["dkim"]["tokens"] == tokens and found["dkim"]["signing_enabled"] is True
    assert found["mail_from"] is None and found["configuration_set"] is None
    assert found["tags"] == {"team": "ops"}


def test_mail_from_set_and_removed(modules):
    ses = modules.aws_ses
    ses.create_identity("example.org", region=REGION)
    ses.put_mail_from("example.org", "bounce.example.org", "REJECT_MESSAGE", region=REGION)
    mail_from = ses.get_identity("example.org", region=REGION)["mail_from"]
    assert mail_from["domain"] == "bounce.example.org"
    assert mail_from["behavior_on_mx_failure"] == "REJECT_MESSAGE"
    ses.put_mail_from("example.org", region=REGION)
    assert ses.get_identity("example.org", region=REGION)["mail_from"] is None


def test_tags_added_and_removed_on_the_identitys_arn(modules):
    ses = modules.aws_ses
    ses.create_identity("ops@example.org", region=REGION)
    ses.tag_identity("ops@example.org", {"team": "ops", "env": "prod"}, region=REGION)
    ses.untag_identity("ops@example.org", ["env"], region=REGION)
    assert ses.get_identity("ops@example.org", region=REGION)["tags"] == {"team": "ops"}
    arn = "arn:aws:ses:us-east-1:123456789012:identity/ops@example.org"
    with stubbed("sesv2") as stub:
        stub.add_response(
            "tag_resource",
            {},
            {"ResourceArn": arn, "Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]},
        )
        stub.add_response("untag_resource", {}, {"ResourceArn": arn, "TagKeys": ["a", "b"]})
        ses.tag_identity("ops@example.org", {"b": "2", "a": "1"}, region=REGION)
        ses.untag_identity("ops@example.org", {"b", "a"}, region=REGION)
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("function", "args", "operation", "params"),
    [
        (
            "put_mail_from",
            (),
            "put_email_identity_mail_from_attributes",
            {},  # no domain: the custom MAIL FROM is removed
        ),
        (
            "put_configuration_set",
            (),
            "put_email_identity_configuration_set_attributes",
            {},
        ),
        (
            "put_dkim_signing_key_length",
            ("RSA_1024_BIT",),
            "put_email_identity_dkim_signing_attributes",
            {
                "SigningAttributesOrigin": "AWS_SES",
                "SigningAttributes": {"NextSigningKeyLength": "RSA_1024_BIT"},
            },
        ),
        (
            "put_dkim_signing_enabled",
            (0,),
            "put_email_identity_dkim_attributes",
            {"SigningEnabled": False},
        ),
        (
            "put_feedback_forwarding",
            ("yes",),
            "put_email_identity_feedback_attributes",
            {"EmailForwardingEnabled": True},
        ),
    ],
)
def test_each_v2_write_sends_its_own_call(modules, function, args, operation, params):
    with stubbed("sesv2") as stub:
        stub.add_response(operation, {}, {"EmailIdentity": "example.org", **params})
        assert getattr(modules.aws_ses, function)("example.org", *args, region=REGION) is True
        stub.assert_no_pending_responses()


def test_no_topic_stops_the_notifications(modules):
    with stubbed("ses") as stub:
        stub.add_response(
            "set_identity_notification_topic",
            {},
            {"Identity": "example.org", "NotificationType": "Bounce"},
        )
        modules.aws_ses.set_notification_topic("example.org", "Bounce", region=REGION)
        stub.assert_no_pending_responses()


def test_notification_attributes_are_read_100_at_a_time(modules):
    ses = modules.aws_ses
    identities = [f"user{n}@example.org" for n in range(150)]
    for identity in identities[:2]:
        ses.create_identity(identity, region=REGION)
    ses.set_notification_topic(identities[0], "Bounce", TOPIC, region=REGION)
    ses.set_headers_in_notifications(identities[0], "Bounce", True, region=REGION)
    with recorded_calls() as calls:
        found = ses.notification_attributes(identities + identities[:1], region=REGION)
    assert len(calls_of(calls, "GetIdentityNotificationAttributes")) == 2
    assert list(found) == identities
    assert found[identities[0]]["topics"]["Bounce"] == TOPIC
    assert found[identities[0]]["headers"]["Bounce"] is True
    assert found[identities[1]]["topics"]["Bounce"] is None
    assert found[identities[1]]["feedback_forwarding"] is True
    assert found[identities[2]] is None  # no such identity


def test_one_read_serves_the_states_of_a_run_once(modules):
    ses = modules.aws_ses
    for identity in ("a.example.org", "b.example.org"):
        ses.create_identity(identity, region=REGION)
    prefetch = ["a.example.org", "b.example.org"]
    with recorded_calls() as calls:
        first = ses.notification_attributes(
            "a.example.org", prefetch=prefetch, scope=RUN, region=REGION
        )
        second = ses.notification_attributes(
            ["b.example.org"], prefetch=prefetch, scope=RUN, region=REGION
        )
    assert len(calls_of(calls, "GetIdentityNotificationAttributes")) == 1
    assert first["a.example.org"]["topics"]["Bounce"] is None
    assert second["b.example.org"]["topics"]["Bounce"] is None
    with recorded_calls() as calls:  # each answer read ahead serves one later call
        ses.notification_attributes("b.example.org", scope=RUN, region=REGION)
    assert len(calls_of(calls, "GetIdentityNotificationAttributes")) == 1


@pytest.mark.parametrize(
    ("write", "args"),
    [
        ("set_notification_topic", ("Complaint", TOPIC)),  # SES v1
        ("put_feedback_forwarding", (False,)),  # SES v2
    ],
)
def test_a_write_forgets_what_was_read_ahead_of_the_identity(modules, write, args):
    ses = modules.aws_ses
    for identity in ("a.example.org", "b.example.org"):
        ses.create_identity(identity, region=REGION)
    prefetch = ["a.example.org", "b.example.org"]
    ses.notification_attributes("a.example.org", prefetch=prefetch, scope=RUN, region=REGION)
    if write == "put_feedback_forwarding":  # SES wants bounce and complaint topics first
        for kind in ("Bounce", "Complaint"):
            ses.set_notification_topic("b.example.org", kind, TOPIC, region=REGION)
        ses.notification_attributes("a.example.org", prefetch=prefetch, scope=RUN, region=REGION)
    getattr(ses, write)("b.example.org", *args, region=REGION)
    with recorded_calls() as calls:
        after = ses.notification_attributes("b.example.org", scope=RUN, region=REGION)
    assert len(calls_of(calls, "GetIdentityNotificationAttributes")) == 1
    assert after["b.example.org"]["topics"]["Complaint"] == TOPIC


def test_identity_status_reads_every_page_in_the_v2_spelling(modules):
    with stubbed("ses") as stub:
        stub.add_response(
            "list_identities",
            {"Identities": ["example.org"], "NextToken": "t"},
            {"MaxItems": 1000},
        )
        stub.add_response(
            "list_identities",
            {"Identities": ["ops@example.org"]},
            {"MaxItems": 1000, "NextToken": "t"},
        )
        both = {"Identities": ["example.org", "ops@example.org"]}
        stub.add_response(
            "get_identity_verification_attributes",
            {
                "VerificationAttributes": {
                    "example.org": {"VerificationStatus": "TemporaryFailure"},
                    "ops@example.org": {"VerificationStatus": "Success"},
                }
            },
            both,
        )
        stub.add_response(
            "get_identity_dkim_attributes",
            {
                "DkimAttributes": {
                    "example.org": {"DkimEnabled": True, "DkimVerificationStatus": "Pending"},
                    "ops@example.org": {"DkimEnabled": False, "DkimVerificationStatus": "Success"},
                }
            },
            both,
        )
        stub.add_response(
            "get_identity_mail_from_domain_attributes",
            {
                "MailFromDomainAttributes": {
                    "example.org": {
                        "MailFromDomain": "bounce.example.org",
                        "MailFromDomainStatus": "Failed",
                        "BehaviorOnMXFailure": "UseDefaultValue",
                    }
                }
            },
            both,
        )
        status = modules.aws_ses.identity_status(region=REGION)
        stub.assert_no_pending_responses()
    assert status == {
        "example.org": {
            "type": "DOMAIN",
            "verification": "TEMPORARY_FAILURE",
            "dkim": "PENDING",
            "mail_from_domain": "bounce.example.org",
            "mail_from": "FAILED",
        },
        "ops@example.org": {
            "type": "EMAIL_ADDRESS",
            "verification": "SUCCESS",
            "dkim": "NOT_STARTED",  # DKIM off: its old status does not count
            "mail_from_domain": None,
            "mail_from": None,
        },
    }


def email_identity(status):
    return {
        "IdentityType": "EMAIL_ADDRESS",
        "VerifiedForSendingStatus": status == "SUCCESS",
        "VerificationStatus": status,
    }


def test_wait_verified_backs_off_when_throttled_after_a_first_answer(modules, slept):
    with stubbed("sesv2") as stub:
        stub.add_response("get_email_identity", email_identity("PENDING"))
        stub.add_client_error("get_email_identity", "TooManyRequestsException", "slow down", 429)
        stub.add_response("get_email_identity", email_identity("SUCCESS"))
        found = modules.aws_ses.wait_verified("ops@example.org", 600, region=REGION)
        stub.assert_no_pending_responses()
    assert found["verification_status"] == "SUCCESS"
    assert slept == [2.0, 8.0]


def test_wait_verified_raises_a_throttle_on_the_first_read(modules, slept):
    with stubbed("sesv2") as stub:
        stub.add_client_error("get_email_identity", "TooManyRequestsException", "slow down", 429)
        with pytest.raises(CommandExecutionError, match="TooManyRequestsException"):
            modules.aws_ses.wait_verified("ops@example.org", 600, region=REGION)
    assert slept == []


def test_wait_verified_returns_the_last_answer_at_its_deadline(modules, slept):
    with stubbed("sesv2") as stub:
        stub.add_response("get_email_identity", email_identity("PENDING"))
        found = modules.aws_ses.wait_verified("ops@example.org", 0, region=REGION)
    assert found["verification_status"] == "PENDING" and slept == []
    assert modules.aws_ses.wait_verified("nosuch@example.org", 600, region=REGION) is None


def test_dns_records_of_a_missing_identity_is_an_error(modules):
    with pytest.raises(CommandExecutionError, match=r"^SES identity example\.org does not exist$"):
        modules.aws_ses.dns_records("example.org", region=REGION)


def test_delete_identity(modules):
    modules.aws_ses.create_identity("example.org", region=REGION)
    assert modules.aws_ses.delete_identity("example.org", region=REGION) is True
    assert modules.aws_ses.get_identity("example.org", region=REGION) is None
