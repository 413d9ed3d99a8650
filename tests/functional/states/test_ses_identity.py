"""ses_identity through Salt's loader, against moto's in-process SES/SNS.

moto 5.2.5 lacks or misreports several SES calls this state needs (notification topics and
headers, v2 MAIL FROM/DKIM/feedback/configuration-set writes, DKIM tokens in v2 answers):
``tests/support/moto_ses_patches.py`` fills each gap as the AWS API reference documents and
lists them. ``test_requests_match_the_real_api_shapes`` checks our requests and our reading of
the answers against botocore's real API model with a Stubber, independently of those patches.
"""

import datetime
import json
import logging

import awsrunbook.client
import awsrunbook.ses
import boto3
import pytest
from botocore.stub import Stubber
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from tests.support import moto_ses_patches, moto_sqs_patches
from tests.support.bind_server import BindServer
from tests.support.calls import recorded_calls, writes

REGION = "us-east-1"
DOMAIN = "noreply.example.org"
ADDRESS = "Ops@example.org"
TOPIC = "noreply-example-org"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{DEFAULT_ACCOUNT_ID}:{TOPIC}"
NOTIFICATIONS = {"topic": TOPIC, "subscribers": ["ops@example.org"]}
DOMAIN_ARGS = {
    "region": REGION,
    "mail_from_domain": "bounce.noreply.example.org",
    "notifications": NOTIFICATIONS,
    "tags": {"team": "ops"},
}
TOKENS = moto_ses_patches.dkim_tokens(DOMAIN)
ZONE = "\n".join(
    [
        *(f"{t}._domainkey.{DOMAIN}. 1800 IN CNAME {t}.dkim.amazonses.com." for t in TOKENS),
        f"bounce.{DOMAIN}. 1800 IN MX 10 feedback-smtp.{REGION}.amazonses.com.",
        f'bounce.{DOMAIN}. 1800 IN TXT "v=spf1 include:amazonses.com ~all"',
        f'_dmarc.{DOMAIN}. 1800 IN TXT "v=DMARC1; p=none;"',
    ]
)


@pytest.fixture(autouse=True)
def _moto_as_documented():
    moto_ses_patches.apply()


@pytest.fixture
def ses(states):
    return boto3.client("ses", region_name=REGION)


@pytest.fixture
def sesv2(states):
    return boto3.client("sesv2", region_name=REGION)


@pytest.fixture
def sns(states):
    return boto3.client("sns", region_name=REGION)


def backend():
    return ses_backends[DEFAULT_ACCOUNT_ID][REGION]


def test_domain_test_mode_apply_and_converged(states, ses, sesv2, sns):
    with recorded_calls() as calls:
        planned = states.ses_identity.present(DOMAIN, test=True, **DOMAIN_ARGS)
    assert planned.result is None
    assert writes(calls) == []
    assert set(planned.changes) == {
        "identity",
        "mail_from",
        "topic",
        "subscribers",
        "bounce_topic",
        "complaint_topic",
        "bounce_headers",
        "complaint_headers",
        "dns_records",
    }
    assert planned.changes["identity"] == {
        "old": None,
        "new": {"type": "DOMAIN", "dkim": "RSA_2048_BIT"},
    }
    # Before the identity exists SES has not assigned the DKIM tokens yet.
    assert planned.changes["dns_records"]["new"][0]["name"] == f"<dkim-token-1>._domainkey.{DOMAIN}"

    with recorded_calls() as calls:
        applied = states.ses_identity.present(DOMAIN, **DOMAIN_ARGS)
    assert applied.result is True, applied.comment
    # The real run makes exactly the changes test mode announced (DNS records now carry the
    # tokens SES assigned).
    assert set(applied.changes) == set(planned.changes)
    for field in set(planned.changes) - {"dns_records"}:
        assert applied.changes[field] == planned.changes[field], field
    assert applied.changes["mail_from"] == {
        "old": None,
        "new": {"domain": f"bounce.{DOMAIN}", "behavior_on_mx_failure": "USE_DEFAULT_VALUE"},
    }
    assert applied.changes["bounce_topic"] == {"old": None, "new": TOPIC_ARN}
    assert applied.changes["dns_records"]["old"] == []
    assert applied.changes["dns_records"]["new"][3] == {
        "name": f"bounce.{DOMAIN}",
        "type": "MX",
        "priority": 10,
        "value": f"feedback-smtp.{REGION}.amazonses.com",
    }
    assert ZONE in applied.comment
    assert "Status: identity SUCCESS, DKIM SUCCESS, MAIL FROM SUCCESS" in applied.comment
    assert ("sesv2", "CreateEmailIdentity") in writes(calls)

    identity = sesv2.get_email_identity(EmailIdentity=DOMAIN)
    assert identity["DkimAttributes"]["NextSigningKeyLength"] == "RSA_2048_BIT"
    assert identity["DkimAttributes"]["SigningEnabled"] is True
    assert identity["DkimAttributes"]["Tokens"] == TOKENS
    assert identity["MailFromAttributes"]["MailFromDomain"] == f"bounce.{DOMAIN}"
    assert identity["MailFromAttributes"]["BehaviorOnMxFailure"] == "USE_DEFAULT_VALUE"
    assert identity["Tags"] == [{"Key": "team", "Value": "ops"}]
    notes = ses.get_identity_notification_attributes(Identities=[DOMAIN])
    assert notes["NotificationAttributes"][DOMAIN] == {
        "BounceTopic": TOPIC_ARN,
        "ComplaintTopic": TOPIC_ARN,
        "ForwardingEnabled": True,
        "HeadersInBounceNotificationsEnabled": True,
        "HeadersInComplaintNotificationsEnabled": True,
        "HeadersInDeliveryNotificationsEnabled": False,
    }
    subs = sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("email", "ops@example.org")]

    with recorded_calls() as calls:
        again = states.ses_identity.present(DOMAIN, **DOMAIN_ARGS)
    assert again.result is True
    assert again.changes == {}
    assert writes(calls) == []
    assert ZONE in again.comment
    assert again.comment.startswith(f"SES identity {DOMAIN} is in the desired state")

    with recorded_calls() as calls:
        checked = states.ses_identity.present(DOMAIN, test=True, **DOMAIN_ARGS)
    assert checked.result is True
    assert checked.changes == {}
    assert writes(calls) == []


def test_address_create_and_converge(states, sesv2):
    planned = states.ses_identity.present(ADDRESS, region=REGION, test=True)
    assert planned.result is None
    assert planned.changes == {"identity": {"old": None, "new": {"type": "EMAIL_ADDRESS"}}}

    applied = states.ses_identity.present(ADDRESS, region=REGION)
    assert applied.result is True
    assert applied.changes == planned.changes
    assert "No DNS records to publish." in applied.comment
    # Addresses are case-sensitive: the identity keeps the capital letter.
    assert sesv2.get_email_identity(EmailIdentity=ADDRESS)["IdentityType"] == "EMAIL_ADDRESS"

    moto_ses_patches.set_status(backend(), ADDRESS, verification="PENDING")
    with recorded_calls() as calls:
        again = states.ses_identity.present(ADDRESS, region=REGION)
    assert again.changes == {}
    assert writes(calls) == []
    assert "Status: identity PENDING" in again.comment
    assert f"Open the verification link SES mailed to {ADDRESS}." in again.comment


def test_drift_is_reported_and_corrected(states, ses, sesv2, sns):
    assert states.ses_identity.present(DOMAIN, **DOMAIN_ARGS).result is True
    # Out of band: the bounce topic is removed, MAIL FROM changed, headers switched off.
    ses.set_identity_notification_topic(Identity=DOMAIN, NotificationType="Bounce")
    sesv2.put_email_identity_mail_from_attributes(
        EmailIdentity=DOMAIN,
        MailFromDomain=f"other.{DOMAIN}",
        BehaviorOnMxFailure="REJECT_MESSAGE",
    )
    ses.set_identity_headers_in_notifications_enabled(
        Identity=DOMAIN, NotificationType="Complaint", Enabled=False
    )

    with recorded_calls() as calls:
        planned = states.ses_identity.present(DOMAIN, test=True, **DOMAIN_ARGS)
    assert writes(calls) == []
    assert planned.result is None
    assert planned.changes["bounce_topic"] == {"old": None, "new": TOPIC_ARN}
    assert planned.changes["complaint_headers"] == {"old": False, "new": True}
    assert planned.changes["mail_from"] == {
        "old": {"domain": f"other.{DOMAIN}", "behavior_on_mx_failure": "REJECT_MESSAGE"},
        "new": {"domain": f"bounce.{DOMAIN}", "behavior_on_mx_failure": "USE_DEFAULT_VALUE"},
    }
    # Only what changed out of band is reported: the bounce header flag was left on.
    assert set(planned.changes) == {"bounce_topic", "complaint_headers", "mail_from", "dns_records"}
    old_mx = [r for r in planned.changes["dns_records"]["old"] if r["type"] == "MX"]
    assert old_mx[0]["name"] == f"other.{DOMAIN}"

    fixed = states.ses_identity.present(DOMAIN, **DOMAIN_ARGS)
    assert fixed.result is True
    assert fixed.changes == planned.changes
    with recorded_calls() as calls:
        again = states.ses_identity.present(DOMAIN, **DOMAIN_ARGS)
    assert again.changes == {}
    assert writes(calls) == []
    attrs = ses.get_identity_notification_attributes(Identities=[DOMAIN])
    assert attrs["NotificationAttributes"][DOMAIN]["BounceTopic"] == TOPIC_ARN


def test_feedback_forwarding_off_and_topic_recreated(states, ses, sns):
    args = dict(DOMAIN_ARGS, notifications={**NOTIFICATIONS, "feedback_forwarding": False})
    applied = states.ses_identity.present(DOMAIN, **args)
    assert applied.result is True, applied.comment
    assert applied.changes["feedback_forwarding"] == {"old": True, "new": False}
    attrs = ses.get_identity_notification_attributes(Identities=[DOMAIN])
    assert attrs["NotificationAttributes"][DOMAIN]["ForwardingEnabled"] is False

    # The SNS topic itself deleted out of band: recreated and resubscribed.
    sns.delete_topic(TopicArn=TOPIC_ARN)
    fixed = states.ses_identity.present(DOMAIN, **args)
    assert fixed.result is True, fixed.comment
    assert fixed.changes["topic"] == {"old": None, "new": TOPIC}
    assert fixed.changes["subscribers"] == {"old": [], "new": ["ops@example.org"]}
    assert states.ses_identity.present(DOMAIN, **args).changes == {}

    # Back on: forwarding is switched on before any topic could go.
    back = states.ses_identity.present(DOMAIN, **DOMAIN_ARGS)
    assert back.changes == {"feedback_forwarding": {"old": False, "new": True}}


def test_dkim_key_length_configuration_set_and_tags(states, sesv2):
    sesv2.create_configuration_set(ConfigurationSetName="credere")
    assert states.ses_identity.present(DOMAIN, region=REGION, dkim="RSA_1024_BIT").result
    changed = states.ses_identity.present(
        DOMAIN, region=REGION, configuration_set="credere", tags={"team": "mail"}
    )
    assert changed.result is True, changed.comment
    assert changed.changes == {
        "dkim": {"old": "RSA_1024_BIT", "new": "RSA_2048_BIT"},
        "configuration_set": {"old": None, "new": "credere"},
        "tags": {"old": {}, "new": {"team": "mail"}},
    }
    identity = sesv2.get_email_identity(EmailIdentity=DOMAIN)
    assert identity["ConfigurationSetName"] == "credere"
    assert identity["DkimAttributes"]["NextSigningKeyLength"] == "RSA_2048_BIT"
    removed = states.ses_identity.present(DOMAIN, region=REGION, configuration_set=False, tags={})
    assert removed.changes == {
        "configuration_set": {"old": "credere", "new": None},
        "tags": {"old": {"team": "mail"}, "new": {}},
    }
    assert sesv2.get_email_identity(EmailIdentity=DOMAIN)["Tags"] == []


def test_absent(states, sesv2):
    assert states.ses_identity.present(ADDRESS, region=REGION).result is True
    planned = states.ses_identity.absent(ADDRESS, region=REGION, test=True)
    assert planned.result is None
    assert planned.changes == {"identity": {"old": {"type": "EMAIL_ADDRESS"}, "new": None}}
    removed = states.ses_identity.absent(ADDRESS, region=REGION)
    assert removed.result is True
    assert removed.changes == planned.changes
    assert sesv2.list_email_identities()["EmailIdentities"] == []
    with recorded_calls() as calls:
        again = states.ses_identity.absent(ADDRESS, region=REGION)
    assert again.result is True
    assert again.changes == {}
    assert writes(calls) == []
    assert "already absent" in again.comment


def test_wait_times_out_listing_the_missing_records(states):
    assert states.ses_identity.present(DOMAIN, **DOMAIN_ARGS).result is True
    moto_ses_patches.set_status(backend(), DOMAIN, verification="PENDING", dkim="PENDING")
    waited = states.ses_identity.present(DOMAIN, wait=1, **DOMAIN_ARGS)
    assert waited.result is False
    assert "Not verified after 1 s. Records SES has not seen yet:" in waited.comment
    for token in TOKENS:
        assert (
            f"{token}._domainkey.{DOMAIN}. 1800 IN CNAME {token}.dkim.amazonses.com."
            in (waited.comment.split("Status:")[0])
        )
    assert "Status: identity PENDING, DKIM PENDING, MAIL FROM SUCCESS" in waited.comment


def test_wait_returns_when_verified(states):
    with recorded_calls() as calls:
        ret = states.ses_identity.present(DOMAIN, wait=30, **DOMAIN_ARGS)
    assert ret.result is True
    assert "Status: identity SUCCESS, DKIM SUCCESS" in ret.comment
    assert "Not verified" not in ret.comment
    # Verified at the first read after the create: no polling.
    assert calls.count(("sesv2", "GetEmailIdentity")) == 2


def test_one_batched_notification_read_per_run(modules, ses):
    modules.state.single("ses_identity.present", DOMAIN, region=REGION)
    modules.state.single("ses_identity.present", ADDRESS, region=REGION)
    sls = f"""
domain:
  ses_identity.present:
    - name: {DOMAIN}
    - region: {REGION}
    - notifications: {{topic: {TOPIC}, subscribers: [ops@example.org]}}
address:
  ses_identity.present:
    - name: {ADDRESS}
    - region: {REGION}
    - notifications: {{topic: {TOPIC}}}
"""
    with recorded_calls() as calls:
        result = modules.state.template_str(sls)
    assert not result.failed, result.errors
    assert calls.count(("ses", "GetIdentityNotificationAttributes")) == 1
    with recorded_calls() as calls:
        result = modules.state.template_str(sls)
    assert [r.changes for r in result] == [{}, {}]
    assert writes(calls) == []
    assert calls.count(("ses", "GetIdentityNotificationAttributes")) == 1
    assert calls.count(("sesv2", "GetEmailIdentity")) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"name": "not a domain"}, "name: is not a valid domain name"),
        ({"name": "ops@@example.org"}, "name: is not a valid email address"),
        (
            {"name": DOMAIN, "mail_from_domain": "bounce.example.net"},
            f"mail_from_domain: must be a subdomain of {DOMAIN}",
        ),
        (
            {"name": DOMAIN, "mail_from_domain": DOMAIN},
            f"mail_from_domain: must be a subdomain of {DOMAIN}",
        ),
        (
            {
                "name": DOMAIN,
                "notifications": {"topic": TOPIC, "complaint": False, "feedback_forwarding": False},
            },
            "notifications:feedback_forwarding: can only be false when both bounce and complaint",
        ),
        ({"name": DOMAIN, "dkim": "RSA_4096_BIT"}, "dkim: must be one of"),
        ({"name": ADDRESS, "dkim": "RSA_2048_BIT"}, "dkim: Easy DKIM applies to domain"),
        (
            {"name": DOMAIN, "behavior_on_mx_failure": "RejectMessage"},
            "behavior_on_mx_failure: must be one of",
        ),
        ({"name": DOMAIN, "notifications": {"topic": "x.fifo"}}, "notifications:topic:"),
        (
            {"name": DOMAIN, "notifications": {"topic": TOPIC, "subscribers": ["nobody"]}},
            "notifications:subscribers: is not a valid email address",
        ),
        ({"name": DOMAIN, "notifications": {"topic": TOPIC, "bounces": True}}, "notifications:"),
        ({"name": DOMAIN, "region": "us-east-9"}, "region: unknown AWS region"),
        ({"name": DOMAIN, "wait": "soon"}, "wait: must be a whole number of seconds"),
        ({"name": DOMAIN, "colour": "blue"}, "colour: unknown argument(s)"),
    ],
)
def test_bad_input_fails_before_any_call(states, args, message):
    args = {"region": REGION, **args}
    with recorded_calls() as calls:
        ret = states.ses_identity.present(**args)
    assert ret.result is False
    assert message in ret.comment
    assert calls == []


def test_requests_match_the_real_api_shapes(modules, monkeypatch):
    """Stubber against botocore's model of the real API: the requests we send are valid as
    AWS defines them, and we read AWS's documented answers (DKIM tokens and MAIL FROM in
    GetEmailIdentity, topics and headers in GetIdentityNotificationAttributes), which stock
    moto does not give."""
    sesv2 = boto3.client("sesv2", region_name=REGION)
    ses = boto3.client("ses", region_name=REGION)
    clients = {"sesv2": sesv2, "ses": ses}
    monkeypatch.setattr(
        awsrunbook.client,
        "client",
        lambda service, conn, config_option=None, retry=True: clients[service],
    )
    with Stubber(sesv2) as v2, Stubber(ses) as v1:
        v2.add_response(
            "get_email_identity",
            {
                "IdentityType": "DOMAIN",
                "FeedbackForwardingStatus": False,
                "VerifiedForSendingStatus": False,
                "VerificationStatus": "PENDING",
                "DkimAttributes": {
                    "SigningEnabled": True,
                    "Status": "PENDING",
                    "Tokens": ["tok1", "tok2", "tok3"],
                    "SigningAttributesOrigin": "AWS_SES",
                    "NextSigningKeyLength": "RSA_2048_BIT",
                    "CurrentSigningKeyLength": "RSA_2048_BIT",
                    "LastKeyGenerationTimestamp": datetime.datetime(2025, 1, 1),
                },
                "MailFromAttributes": {
                    "MailFromDomain": f"bounce.{DOMAIN}",
                    "MailFromDomainStatus": "PENDING",
                    "BehaviorOnMxFailure": "REJECT_MESSAGE",
                },
                "Tags": [{"Key": "team", "Value": "ops"}],
                "ConfigurationSetName": "credere",
            },
            {"EmailIdentity": DOMAIN},
        )
        v2.add_response(
            "put_email_identity_mail_from_attributes",
            {},
            {
                "EmailIdentity": DOMAIN,
                "MailFromDomain": f"bounce.{DOMAIN}",
                "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
            },
        )
        v2.add_response(
            "put_email_identity_feedback_attributes",
            {},
            {"EmailIdentity": DOMAIN, "EmailForwardingEnabled": False},
        )
        v2.add_response(
            "put_email_identity_dkim_signing_attributes",
            {"DkimStatus": "PENDING", "DkimTokens": ["tok1", "tok2", "tok3"]},
            {
                "EmailIdentity": DOMAIN,
                "SigningAttributesOrigin": "AWS_SES",
                "SigningAttributes": {"NextSigningKeyLength": "RSA_1024_BIT"},
            },
        )
        v2.add_response(
            "put_email_identity_configuration_set_attributes",
            {},
            {"EmailIdentity": DOMAIN, "ConfigurationSetName": "credere"},
        )
        v1.add_response(
            "set_identity_headers_in_notifications_enabled",
            {},
            {"Identity": DOMAIN, "NotificationType": "Bounce", "Enabled": True},
        )
        v1.add_response(
            "get_identity_notification_attributes",
            {
                "NotificationAttributes": {
                    DOMAIN: {
                        "BounceTopic": TOPIC_ARN,
                        "ComplaintTopic": TOPIC_ARN,
                        "DeliveryTopic": TOPIC_ARN,
                        "ForwardingEnabled": False,
                        "HeadersInBounceNotificationsEnabled": True,
                        "HeadersInComplaintNotificationsEnabled": False,
                        "HeadersInDeliveryNotificationsEnabled": False,
                    }
                }
            },
            {"Identities": [DOMAIN, ADDRESS]},
        )

        found = modules.aws_ses.get_identity(DOMAIN, region=REGION)
        assert found["dkim"]["tokens"] == ["tok1", "tok2", "tok3"]
        assert found["mail_from"] == {
            "domain": f"bounce.{DOMAIN}",
            "status": "PENDING",
            "behavior_on_mx_failure": "REJECT_MESSAGE",
        }
        assert found["configuration_set"] == "credere"
        assert found["feedback_forwarding"] is False
        assert awsrunbook.ses.is_verified(found) is False
        modules.aws_ses.put_mail_from(DOMAIN, f"bounce.{DOMAIN}", region=REGION)
        modules.aws_ses.put_feedback_forwarding(DOMAIN, False, region=REGION)
        modules.aws_ses.put_dkim_signing_key_length(DOMAIN, "RSA_1024_BIT", region=REGION)
        modules.aws_ses.put_configuration_set(DOMAIN, "credere", region=REGION)
        modules.aws_ses.set_headers_in_notifications(DOMAIN, "Bounce", True, region=REGION)
        notes = modules.aws_ses.notification_attributes([DOMAIN, ADDRESS], region=REGION)
        assert notes == {
            DOMAIN: {
                "topics": {"Bounce": TOPIC_ARN, "Complaint": TOPIC_ARN, "Delivery": TOPIC_ARN},
                "headers": {"Bounce": True, "Complaint": False, "Delivery": False},
                "feedback_forwarding": False,
            },
            ADDRESS: None,
        }
        v1.assert_no_pending_responses()
        v2.assert_no_pending_responses()


def test_execution_functions_dns_records_and_status(states, modules):
    assert states.ses_identity.present(DOMAIN, **DOMAIN_ARGS).result is True
    assert states.ses_identity.present(ADDRESS, region=REGION).result is True
    moto_ses_patches.set_status(backend(), ADDRESS, verification="PENDING")

    found = modules.aws_ses.dns_records(DOMAIN, region=REGION)
    assert found["zone_file"] == ZONE
    assert found["status"] == {"identity": "SUCCESS", "dkim": "SUCCESS", "mail_from": "SUCCESS"}
    assert len(found["records"]) == 6

    with recorded_calls() as calls:
        status = modules.aws_ses.identity_status(region=REGION)
    assert status == {
        DOMAIN: {
            "type": "DOMAIN",
            "verification": "SUCCESS",
            "dkim": "SUCCESS",
            "mail_from_domain": f"bounce.{DOMAIN}",
            "mail_from": "SUCCESS",
        },
        ADDRESS: {
            "type": "EMAIL_ADDRESS",
            "verification": "PENDING",
            "dkim": "NOT_STARTED",
            "mail_from_domain": None,
            "mail_from": None,
        },
    }
    assert calls == [
        ("ses", "ListIdentities"),
        ("ses", "GetIdentityVerificationAttributes"),
        ("ses", "GetIdentityDkimAttributes"),
        ("ses", "GetIdentityMailFromDomainAttributes"),
    ]


def test_an_address_is_managed_exactly_as_written(states):
    declared = "Ops.Team@Example.org"
    ret = states.ses_identity.present(declared, region=REGION)
    assert ret.result is True, ret.comment
    listed = boto3.client("sesv2", region_name=REGION).list_email_identities()
    assert declared in [i["IdentityName"] for i in listed["EmailIdentities"]]
    assert "ops.team@example.org" not in [i["IdentityName"] for i in listed["EmailIdentities"]]
    with recorded_calls() as calls:
        again = states.ses_identity.present(declared, region=REGION)
    assert again.changes == {} and writes(calls) == []


# --- publishing the records (dns) and the live check (check_dns), against a real BIND -------

PARENT = "example.org"
MAIL_FROM = f"bounce.{DOMAIN}"
SITE = "google-site-verification=abc123"


@pytest.fixture
def bind(tmp_path):
    with BindServer(tmp_path, PARENT) as server:
        yield server


def dns_args(bind, **extra):
    return {
        "region": REGION,
        "mail_from_domain": MAIL_FROM,
        "dns": bind.settings(),
        "check_dns": True,
        "resolvers": [bind.resolver],
        **extra,
    }


def published(bind):
    return {
        "cname": [bind.dig(f"{t}._domainkey.{DOMAIN}", "CNAME") for t in TOKENS],
        "mx": bind.dig(MAIL_FROM, "MX"),
        "spf": bind.dig(MAIL_FROM, "TXT"),
        "dmarc": bind.dig(f"_dmarc.{DOMAIN}", "TXT"),
    }


def test_dns_publishes_converges_and_corrects(states, bind):
    with recorded_calls() as calls:
        planned = states.ses_identity.present(DOMAIN, test=True, **dns_args(bind))
    assert planned.result is None and writes(calls) == []
    assert set(planned.changes["dns_records"]) == {f"_dmarc.{DOMAIN} TXT"} | {
        f"{MAIL_FROM} MX",
        f"{MAIL_FROM} TXT",
    }  # the DKIM CNAMEs wait for the tokens SES assigns on the real run
    assert "published once SES has assigned the tokens" in planned.comment
    assert published(bind) == {"cname": [[]] * 3, "mx": [], "spf": [], "dmarc": []}

    first = states.ses_identity.present(DOMAIN, **dns_args(bind))
    assert first.result is True, first.comment
    assert len(first.changes["dns_records"]) == 6
    assert first.changes["dns_records"][f"{MAIL_FROM} MX"] == {
        "old": None,
        "new": {"ttl": 1800, "values": [f"10 feedback-smtp.{REGION}.amazonses.com"]},
    }
    assert published(bind) == {
        "cname": [[f"{t}.dkim.amazonses.com."] for t in TOKENS],
        "mx": [f"10 feedback-smtp.{REGION}.amazonses.com."],
        "spf": ['"v=spf1 include:amazonses.com ~all"'],
        "dmarc": ['"v=DMARC1; p=none;"'],
    }
    assert "DNS check (what DNS shows now):" in first.comment
    assert first.comment.count("\nOK ") == 6, first.comment

    serial = bind.dig(PARENT, "SOA")
    with recorded_calls() as calls:
        second = states.ses_identity.present(DOMAIN, **dns_args(bind))
    assert second.result is True and second.changes == {}, second.changes
    assert writes(calls) == [] and bind.dig(PARENT, "SOA") == serial

    bind.tamper(f"{TOKENS[0]}._domainkey.{DOMAIN}", "CNAME", "oldtoken.dkim.amazonses.com.")
    report = states.ses_identity.present(DOMAIN, test=True, **dns_args(bind))
    assert f"DIFFERENT {TOKENS[0]}._domainkey.{DOMAIN} CNAME" in report.comment
    assert "another DKIM token" in report.comment
    fixed = states.ses_identity.present(DOMAIN, **dns_args(bind))
    assert list(fixed.changes["dns_records"]) == [f"{TOKENS[0]}._domainkey.{DOMAIN} CNAME"]
    assert bind.dig(f"{TOKENS[0]}._domainkey.{DOMAIN}", "CNAME") == [
        f"{TOKENS[0]}.dkim.amazonses.com."
    ]


def test_dns_keeps_the_domains_dmarc_and_refuses_a_rival_spf(states, bind):
    bind.tamper(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=reject;"')
    bind.tamper(MAIL_FROM, "TXT", '"v=spf1 mx -all"', f'"{SITE}"')
    ret = states.ses_identity.present(DOMAIN, **dns_args(bind))
    assert ret.result is False
    assert f"{MAIL_FROM} TXT: another SPF value is published ('v=spf1 mx -all')" in ret.comment
    assert f"_dmarc.{DOMAIN} TXT: kept the DMARC record there" in ret.comment
    assert bind.dig(MAIL_FROM, "TXT") == sorted(['"v=spf1 mx -all"', f'"{SITE}"'])
    assert bind.dig(f"_dmarc.{DOMAIN}", "TXT") == ['"v=DMARC1; p=reject;"']
    assert bind.dig(MAIL_FROM, "MX") == [f"10 feedback-smtp.{REGION}.amazonses.com."]

    bind.tamper(MAIL_FROM, "TXT", f'"{SITE}"')
    quarantine = "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"
    ret = states.ses_identity.present(DOMAIN, dmarc=quarantine, **dns_args(bind))
    assert ret.result is True, ret.comment
    assert bind.dig(f"_dmarc.{DOMAIN}", "TXT") == [f'"{quarantine}"']
    assert bind.dig(MAIL_FROM, "TXT") == sorted(
        [f'"{SITE}"', '"v=spf1 include:amazonses.com ~all"']
    )


def test_dns_absent_removes_exactly_what_the_identity_published(states, bind):
    assert states.ses_identity.present(DOMAIN, **dns_args(bind)).result is True
    bind.tamper(MAIL_FROM, "TXT", f'"{SITE}"', '"v=spf1 include:amazonses.com ~all"')
    planned = states.ses_identity.absent(DOMAIN, region=REGION, dns=bind.settings(), test=True)
    assert planned.result is None and len(planned.changes["dns_records"]) == 6
    assert planned.changes["identity"]["new"] is None
    gone = states.ses_identity.absent(DOMAIN, region=REGION, dns=bind.settings())
    assert gone.result is True, gone.comment
    assert published(bind) == {"cname": [[]] * 3, "mx": [], "spf": [f'"{SITE}"'], "dmarc": []}
    again = states.ses_identity.absent(DOMAIN, region=REGION, dns=bind.settings())
    assert again.changes == {}


def test_dns_arguments_are_checked_before_any_call(states, bind):
    with recorded_calls() as calls:
        address = states.ses_identity.present(ADDRESS, region=REGION, dns=bind.settings())
        zone = states.ses_identity.present(
            DOMAIN, region=REGION, dns={**bind.settings(), "zone": "example.com"}
        )
        resolvers = states.ses_identity.present(DOMAIN, region=REGION, resolvers=["127.0.0.1:0"])
    assert calls == []
    assert address.comment.startswith("dns: applies to domain identities only")
    assert zone.comment.startswith("dns:zone: does not hold noreply.example.org")
    assert resolvers.comment.startswith("resolvers:")


def test_wait_with_check_dns_logs_what_blocks_verification(states, bind, caplog):
    assert states.ses_identity.present(DOMAIN, region=REGION).result is True
    moto_ses_patches.set_status(backend(), DOMAIN, dkim="PENDING")
    with caplog.at_level(logging.INFO):
        ret = states.ses_identity.present(
            DOMAIN, region=REGION, wait=3, check_dns=True, resolvers=[bind.resolver]
        )
    assert ret.result is False
    logged = [r.getMessage() for r in caplog.records if "MISSING" in r.getMessage()]
    assert any(f"{TOKENS[0]}._domainkey.{DOMAIN} CNAME" in line for line in logged), logged
    assert f"MISSING   {TOKENS[0]}._domainkey.{DOMAIN} CNAME" in ret.comment


QUEUE = "noreply-example-org-feedback"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT_ID}:{QUEUE}"


def test_feedback_queue_test_mode_apply_and_converged(states, sns):
    moto_sqs_patches.apply()
    args = {"region": REGION, "notifications": {**NOTIFICATIONS, "queue": QUEUE}}
    states.ses_identity.present(DOMAIN, region=REGION, notifications=NOTIFICATIONS)
    with recorded_calls() as calls:
        planned = states.ses_identity.present(DOMAIN, test=True, **args)
    assert writes(calls) == []
    assert set(planned.changes) == {"queue", "queue_policy", "queues"}
    applied = states.ses_identity.present(DOMAIN, **args)
    assert applied.result is True, applied.comment
    assert applied.changes == planned.changes
    assert applied.changes["queues"] == {"old": [], "new": [QUEUE_ARN]}
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    policy = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]
    (statement,) = json.loads(policy["Policy"])["Statement"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": TOPIC_ARN}}
    subscribed = sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    assert ("sqs", QUEUE_ARN) in [(s["Protocol"], s["Endpoint"]) for s in subscribed]
    with recorded_calls() as calls:
        again = states.ses_identity.present(DOMAIN, **args)
    assert again.result is True
    assert again.changes == {}
    assert writes(calls) == []
