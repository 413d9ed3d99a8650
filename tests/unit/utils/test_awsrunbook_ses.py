"""Pure SES code: the SMTP password, an identity's validated arguments, its statuses and records."""

import base64

import pytest
from awsrunbook import dns, ses
from salt.exceptions import SaltInvocationError

from tests.support.ses_identities import DOMAIN, TOKENS, converged, desired

PUBLISHED = [
    ("eu-central-1", "some+secret+key", "BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2"),
    ("eu-central-1", "another+secret+key", "BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh"),
    ("us-west-1", "some+secret+key", "BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj"),
    ("us-west-1", "another+secret+key", "BKVmjjMDFk/qqw8EROW99bjCS65PF8WKvK5bSr4Y6EqF"),
]


@pytest.mark.parametrize(("region", "secret", "password"), PUBLISHED)
def test_published_vectors(region, secret, password):
    assert ses.smtp_password(secret, region) == password


def test_shape():
    password = ses.smtp_password("some+secret+key", "us-east-1")
    raw = base64.b64decode(password)
    assert len(password) == 44
    assert raw[0] == 0x04 and len(raw) == 33


def test_region_matters():
    assert ses.smtp_password("k", "us-east-1") != ses.smtp_password("k", "eu-west-1")


def test_desired_identity_normalizes():
    desired = ses.desired_identity(
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
        "queue": None,
        "bounce": True,
        "complaint": True,
        "delivery": False,
        "include_headers": True,
        "feedback_forwarding": True,
    }
    assert desired["dmarc"] == "v=DMARC1; p=none;"
    address = ses.desired_identity("Ops@Example.org")
    # SES address identities are case-sensitive as written: managed exactly as declared.
    assert address["identity"] == "Ops@Example.org"
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
        ({"name": DOMAIN, "dkim": False}, "dkim"),
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
        (
            {"name": DOMAIN, "notifications": {"topic": "t", "queue": "feedback.fifo"}},
            "notifications:queue",
        ),
        ({"name": DOMAIN, "configuration_set": "bad name"}, "configuration_set"),
        ({"name": DOMAIN, "tags": {"team": 1}}, "tags"),
        ({"name": DOMAIN, "dmarc": "p=none"}, "dmarc"),
    ],
)
def test_bad_input_names_the_argument(kwargs, argument):
    with pytest.raises(SaltInvocationError, match=f"^{argument}: "):
        ses.desired_identity(**kwargs)


def test_forwarding_off_is_allowed_with_both_topics():
    desired = ses.desired_identity(
        DOMAIN, notifications={"topic": "t", "feedback_forwarding": False}
    )
    assert desired["notifications"]["feedback_forwarding"] is False


def test_records_for_a_domain_not_created_yet_uses_placeholders():
    records = ses.records_for(desired(), None, "us-east-1")
    assert [r["name"] for r in records[:3]] == [
        f"<dkim-token-{i}>._domainkey.example.org" for i in (1, 2, 3)
    ]
    assert records[3]["name"] == "mail.example.org"


def test_missing_records_lists_what_is_not_verified():
    found = converged()
    found["dkim"]["status"] = "PENDING"
    records = dns.build_dns_records(
        DOMAIN, "us-east-1", TOKENS, "mail.example.org", "v=DMARC1; p=none;"
    )
    assert ses.missing_records(found, records) == records[:3]
    found["dkim"]["status"] = "SUCCESS"
    found["mail_from"]["status"] = "FAILED"
    assert ses.missing_records(found, records) == records[3:5]
    assert ses.status_lines(found, DOMAIN) == [
        "Status: identity SUCCESS, DKIM SUCCESS, MAIL FROM FAILED"
    ]
