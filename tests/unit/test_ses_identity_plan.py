"""Pure parts of ses_identity: validation, the planner, the DNS record builder and the
zone-file formatter. No Salt loader, no AWS."""

import pytest
from salt.exceptions import SaltInvocationError

from _modules import aws_ses
from _states import ses_identity

DOMAIN = "example.org"
TOKENS = ["abc123tokenone", "def456tokentwo", "ghi789tokenthree"]
ARN = "arn:aws:sns:eu-west-1:123456789012:ops"


def test_dns_records_for_known_tokens():
    records = aws_ses.build_dns_records(
        DOMAIN, "eu-west-1", TOKENS, "mail.example.org", "v=DMARC1; p=none;"
    )
    assert records == [
        {
            "name": "abc123tokenone._domainkey.example.org",
            "type": "CNAME",
            "value": "abc123tokenone.dkim.amazonses.com",
        },
        {
            "name": "def456tokentwo._domainkey.example.org",
            "type": "CNAME",
            "value": "def456tokentwo.dkim.amazonses.com",
        },
        {
            "name": "ghi789tokenthree._domainkey.example.org",
            "type": "CNAME",
            "value": "ghi789tokenthree.dkim.amazonses.com",
        },
        {
            "name": "mail.example.org",
            "type": "MX",
            "priority": 10,
            "value": "feedback-smtp.eu-west-1.amazonses.com",
        },
        {"name": "mail.example.org", "type": "TXT", "value": "v=spf1 include:amazonses.com ~all"},
        {"name": "_dmarc.example.org", "type": "TXT", "value": "v=DMARC1; p=none;"},
    ]


def test_zone_file_form():
    records = aws_ses.build_dns_records(
        DOMAIN, "eu-west-1", TOKENS, "mail.example.org", "v=DMARC1; p=none;"
    )
    assert aws_ses.zone_file(records) == (
        "abc123tokenone._domainkey.example.org. 1800 IN CNAME "
        "abc123tokenone.dkim.amazonses.com.\n"
        "def456tokentwo._domainkey.example.org. 1800 IN CNAME "
        "def456tokentwo.dkim.amazonses.com.\n"
        "ghi789tokenthree._domainkey.example.org. 1800 IN CNAME "
        "ghi789tokenthree.dkim.amazonses.com.\n"
        "mail.example.org. 1800 IN MX 10 feedback-smtp.eu-west-1.amazonses.com.\n"
        'mail.example.org. 1800 IN TXT "v=spf1 include:amazonses.com ~all"\n'
        '_dmarc.example.org. 1800 IN TXT "v=DMARC1; p=none;"'
    )
    assert aws_ses.zone_file(records[-1:], ttl=300) == (
        '_dmarc.example.org. 300 IN TXT "v=DMARC1; p=none;"'
    )
    quoted = [{"name": "x.example.org", "type": "TXT", "value": 'say "hi"'}]
    assert aws_ses.zone_file(quoted) == 'x.example.org. 1800 IN TXT "say \\"hi\\""'


def test_address_records():
    assert aws_ses.build_dns_records("ops@example.org", "us-east-1", [], None, None) == []
    with_mail_from = aws_ses.build_dns_records(
        "ops@example.org", "us-east-1", [], "bounce.example.org", "v=DMARC1; p=none;"
    )
    assert [(r["type"], r["name"]) for r in with_mail_from] == [
        ("MX", "bounce.example.org"),
        ("TXT", "bounce.example.org"),
    ]


def test_desired_identity_normalizes():
    desired = ses_identity.desired_identity(
        "Example.ORG.", mail_from_domain="Mail.Example.org", notifications={"topic": "ops"}
    )
    assert desired["identity"] == DOMAIN
    assert desired["type"] == "DOMAIN"
    assert desired["dkim"] == "RSA_2048_BIT"
    assert desired["mail_from"] == {
        "domain": "mail.example.org",
        "behavior_on_mx_failure": "USE_DEFAULT_VALUE",
    }
    assert desired["notifications"] == {
        "topic": "ops",
        "subscribers": [],
        "bounce": True,
        "complaint": True,
        "delivery": False,
        "include_headers": True,
        "feedback_forwarding": True,
    }
    assert desired["dmarc"] == "v=DMARC1; p=none;"
    address = ses_identity.desired_identity("Ops@Example.org")
    assert address["identity"] == "Ops@example.org"
    assert address["type"] == "EMAIL_ADDRESS"
    assert address["dkim"] is None
    assert address["dmarc"] is None


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"name": "-bad-.org"}, "name"),
        ({"name": "a@b@example.org"}, "name"),
        ({"name": DOMAIN, "mail_from_domain": "mail.example.com"}, "mail_from_domain"),
        ({"name": "ops@example.org", "mail_from_domain": "example.org"}, "mail_from_domain"),
        ({"name": DOMAIN, "dkim": "RSA_4096_BIT"}, "dkim"),
        ({"name": DOMAIN, "behavior_on_mx_failure": "BOUNCE"}, "behavior_on_mx_failure"),
        (
            {
                "name": DOMAIN,
                "notifications": {"topic": "t", "bounce": False, "feedback_forwarding": False},
            },
            "notifications:feedback_forwarding",
        ),
        ({"name": DOMAIN, "notifications": {"subscribers": []}}, "notifications:topic"),
        (
            {"name": DOMAIN, "notifications": {"topic": "t", "delivery": "yes"}},
            "notifications:delivery",
        ),
        ({"name": DOMAIN, "configuration_set": "bad name"}, "configuration_set"),
        ({"name": DOMAIN, "tags": {"team": 1}}, "tags"),
        ({"name": DOMAIN, "dmarc": "p=none"}, "dmarc"),
    ],
)
def test_bad_input_names_the_argument(kwargs, argument):
    with pytest.raises(SaltInvocationError, match=f"^{argument}: "):
        ses_identity.desired_identity(**kwargs)


def test_forwarding_off_is_allowed_with_both_topics():
    desired = ses_identity.desired_identity(
        DOMAIN, notifications={"topic": "t", "feedback_forwarding": False}
    )
    assert desired["notifications"]["feedback_forwarding"] is False


def converged(tokens=TOKENS):
    return {
        "type": "DOMAIN",
        "verification_status": "SUCCESS",
        "dkim": {
            "signing_enabled": True,
            "status": "SUCCESS",
            "tokens": tokens,
            "origin": "AWS_SES",
            "next_key_length": "RSA_2048_BIT",
            "current_key_length": "RSA_2048_BIT",
        },
        "mail_from": {
            "domain": "mail.example.org",
            "status": "SUCCESS",
            "behavior_on_mx_failure": "USE_DEFAULT_VALUE",
        },
        "feedback_forwarding": True,
        "configuration_set": None,
        "tags": {"team": "ops"},
    }


NOTES = {
    "topics": {"Bounce": ARN, "Complaint": ARN, "Delivery": None},
    "headers": {"Bounce": True, "Complaint": True, "Delivery": False},
    "feedback_forwarding": True,
}
TOPIC = {"name": "ops", "arn": ARN, "exists": True, "subscribers": ["ops@example.org"]}


def desired(**overrides):
    args = {
        "mail_from_domain": "mail.example.org",
        "notifications": {"topic": "ops", "subscribers": ["ops@example.org"]},
        "tags": {"team": "ops"},
        **overrides,
    }
    return ses_identity.desired_identity(DOMAIN, **args)


def test_plan_converged_is_empty():
    assert ses_identity.plan_identity(desired(), converged(), NOTES, TOPIC) == []


def test_plan_new_domain():
    steps = ses_identity.plan_identity(
        desired(), None, None, dict(TOPIC, exists=False, subscribers=[])
    )
    assert [(s["field"], s["call"]) for s in steps] == [
        ("identity", "aws_ses.create_identity"),
        ("mail_from", "aws_ses.put_mail_from"),
        ("topic", "aws_sns.create_topic"),
        ("subscribers", "aws_sns.subscribe"),
        ("bounce_topic", "aws_ses.set_notification_topic"),
        ("complaint_topic", "aws_ses.set_notification_topic"),
        ("bounce_headers", "aws_ses.set_headers_in_notifications"),
        ("complaint_headers", "aws_ses.set_headers_in_notifications"),
    ]
    assert steps[0]["kwargs"] == {
        "identity": DOMAIN,
        "key_length": "RSA_2048_BIT",
        "configuration_set": None,
        "tags": {"team": "ops"},
    }
    assert steps[4]["kwargs"] == {
        "identity": DOMAIN,
        "notification_type": "Bounce",
        "topic_arn": ARN,
    }


def test_plan_forwarding_off_comes_after_the_topics_and_on_before():
    off = desired(notifications={"topic": "ops", "delivery": True, "feedback_forwarding": False})
    steps = ses_identity.plan_identity(off, converged(), NOTES, TOPIC)
    assert [s["field"] for s in steps] == [
        "delivery_topic",
        "delivery_headers",
        "feedback_forwarding",
    ]
    on = desired(notifications={"topic": "ops", "bounce": False, "complaint": False})
    notes = dict(NOTES, feedback_forwarding=False)
    steps = ses_identity.plan_identity(on, converged(), notes, TOPIC)
    assert [s["field"] for s in steps] == ["feedback_forwarding", "bounce_topic", "complaint_topic"]
    assert steps[1]["kwargs"]["topic_arn"] is None


def test_plan_drift_dkim_mail_from_tags():
    current = converged()
    current["dkim"] = dict(current["dkim"], next_key_length="RSA_1024_BIT", signing_enabled=False)
    current["mail_from"] = dict(current["mail_from"], behavior_on_mx_failure="REJECT_MESSAGE")
    current["tags"] = {"team": "web", "old": "x", "aws:cloudformation:stack-name": "s"}
    steps = ses_identity.plan_identity(desired(), current, NOTES, TOPIC)
    assert [(s["field"], s["old"], s["new"]) for s in steps] == [
        ("dkim", "RSA_1024_BIT", "RSA_2048_BIT"),
        ("dkim_signing", False, True),
        (
            "mail_from",
            {"domain": "mail.example.org", "behavior_on_mx_failure": "REJECT_MESSAGE"},
            {"domain": "mail.example.org", "behavior_on_mx_failure": "USE_DEFAULT_VALUE"},
        ),
        (
            "tags",
            current["tags"],
            {"team": "ops", "aws:cloudformation:stack-name": "s"},
        ),
        (
            "tags",
            current["tags"],
            {"team": "ops", "aws:cloudformation:stack-name": "s"},
        ),
    ]
    assert steps[3]["kwargs"]["tags"] == {"team": "ops"}
    assert steps[4]["kwargs"]["keys"] == ["old"]


def test_unmanaged_arguments_are_left_alone():
    bare = ses_identity.desired_identity(DOMAIN)
    current = converged()
    current["configuration_set"] = "credere"
    assert ses_identity.plan_identity(bare, current) == []
    removed = ses_identity.desired_identity(DOMAIN, mail_from_domain=False, configuration_set=False)
    steps = ses_identity.plan_identity(removed, current)
    assert [(s["field"], s["new"]) for s in steps] == [
        ("mail_from", None),
        ("configuration_set", None),
    ]


def test_records_for_a_domain_not_created_yet_uses_placeholders():
    records = ses_identity.records_for(desired(), None, "us-east-1", aws_ses.build_dns_records)
    assert [r["name"] for r in records[:3]] == [
        f"<dkim-token-{i}>._domainkey.example.org" for i in (1, 2, 3)
    ]
    assert records[3]["name"] == "mail.example.org"


def test_missing_records_lists_what_is_not_verified():
    found = converged()
    found["dkim"]["status"] = "PENDING"
    records = aws_ses.build_dns_records(
        DOMAIN, "us-east-1", TOKENS, "mail.example.org", "v=DMARC1; p=none;"
    )
    assert ses_identity.missing_records(found, records) == records[:3]
    found["dkim"]["status"] = "SUCCESS"
    found["mail_from"]["status"] = "FAILED"
    assert ses_identity.missing_records(found, records) == records[3:5]
    assert ses_identity.status_lines(found, DOMAIN) == [
        "Status: identity SUCCESS, DKIM SUCCESS, MAIL FROM FAILED"
    ]
