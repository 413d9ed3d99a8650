"""salt/aws_runbook/ses.sls through real ``salt-call --local`` processes against moto's server, read
back with the AWS CLI.

The moto server loads ``tests/support/moto_ses_patches.py`` (see ``PATCH_MODULES``): stock
moto 5.2.5 does not return notification topics or header flags, has no v2 MAIL FROM, DKIM,
feedback or configuration-set writes, and gives no DKIM tokens or MAIL FROM in
``sesv2 get-email-identity``; the patches make it answer as the AWS API reference documents.
"""

import pytest

from tests.support.moto_ses_patches import dkim_tokens

DOMAIN = "noreply.example.org"
ADDRESS = "ops@example.org"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:noreply-example-org"

PILLAR = """\
aws_runbook:
  connection:
    region: us-east-1
  ses:
    identities:
      noreply.example.org:
        mail_from_domain: bounce.noreply.example.org
        behavior_on_mx_failure: REJECT_MESSAGE
        notifications:
          topic: noreply-example-org
          subscribers:
            - ops@example.org
          include_headers: true
      ops@example.org:
        notifications:
          topic: noreply-example-org
          bounce: true
          complaint: true
          delivery: true
          include_headers: false
"""


@pytest.fixture
def applied(salt_call):
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - ses\n")
    salt_call.write_pillar("ses.sls", PILLAR)
    return salt_call


def by_id(results):
    return {ret["__id__"]: ret for ret in results.values()}


def test_ses_sls_creates_then_converges(applied, aws_cli, moto_server):
    proc, results = applied.state_apply("aws_runbook.ses", "test=True")
    planned = by_id(results)
    assert proc.returncode == 0, proc.stderr
    assert all(ret["result"] is None for ret in planned.values()), planned
    assert moto_server.writes() == []

    proc, results = applied.state_apply("aws_runbook.ses")
    assert proc.returncode == 0, proc.stdout
    first = by_id(results)
    domain = first[f"aws-ses_identity-{DOMAIN}"]
    address = first[f"aws-ses_identity-{ADDRESS}"]
    assert domain["result"] is True, domain["comment"]
    assert address["result"] is True, address["comment"]
    for state_id, ret in first.items():
        assert set(ret["changes"]) == set(planned[state_id]["changes"]), state_id

    tokens = dkim_tokens(DOMAIN)
    identity = aws_cli("sesv2", "get-email-identity", "--email-identity", DOMAIN)
    assert identity["IdentityType"] == "DOMAIN"
    assert identity["DkimAttributes"]["SigningEnabled"] is True
    assert identity["DkimAttributes"]["NextSigningKeyLength"] == "RSA_2048_BIT"
    assert identity["DkimAttributes"]["Tokens"] == tokens
    assert identity["MailFromAttributes"] == {
        "MailFromDomain": f"bounce.{DOMAIN}",
        "MailFromDomainStatus": "SUCCESS",
        "BehaviorOnMxFailure": "REJECT_MESSAGE",
    }
    notes = aws_cli("ses", "get-identity-notification-attributes", "--identities", DOMAIN, ADDRESS)
    assert notes["NotificationAttributes"] == {
        DOMAIN: {
            "BounceTopic": TOPIC_ARN,
            "ComplaintTopic": TOPIC_ARN,
            "ForwardingEnabled": True,
            "HeadersInBounceNotificationsEnabled": True,
            "HeadersInComplaintNotificationsEnabled": True,
            "HeadersInDeliveryNotificationsEnabled": False,
        },
        ADDRESS: {
            "BounceTopic": TOPIC_ARN,
            "ComplaintTopic": TOPIC_ARN,
            "DeliveryTopic": TOPIC_ARN,
            "ForwardingEnabled": True,
            "HeadersInBounceNotificationsEnabled": False,
            "HeadersInComplaintNotificationsEnabled": False,
            "HeadersInDeliveryNotificationsEnabled": False,
        },
    }
    subs = aws_cli("sns", "list-subscriptions-by-topic", "--topic-arn", TOPIC_ARN)
    assert [(s["Protocol"], s["Endpoint"], s["TopicArn"]) for s in subs["Subscriptions"]] == [
        ("email", ADDRESS, TOPIC_ARN)
    ]
    # The records to publish, in zone-file form, in the comment.
    for token in tokens:
        assert (
            f"{token}._domainkey.{DOMAIN}. 1800 IN CNAME {token}.dkim.amazonses.com."
            in domain["comment"]
        )
    assert (
        f"bounce.{DOMAIN}. 1800 IN MX 10 feedback-smtp.us-east-1.amazonses.com."
        in (domain["comment"])
    )

    moto_server.reset_counts()
    proc, results = applied.state_apply("aws_runbook.ses")
    assert proc.returncode == 0, proc.stdout
    again = by_id(results)
    assert [ret["changes"] for ret in again.values()] == [{}, {}]
    assert all(ret["result"] is True for ret in again.values())
    assert moto_server.writes() == []
    operations = [op for _service, op, _write in moto_server.calls()]
    # One batched notification read serves both identities; the shared topic is read once
    # (listing its subscriptions also says that it exists).
    assert sorted(operations) == sorted(
        [
            "GET /v2/email/identities/noreply.example.org",
            "GET /v2/email/identities/ops@example.org",
            "GetIdentityNotificationAttributes",
            "GetCallerIdentity",
            "ListSubscriptionsByTopic",
        ]
    )

    moto_server.reset_counts()
    proc, results = applied.state_apply("aws_runbook.ses", "test=True")
    assert all(r["result"] is True and r["changes"] == {} for r in results.values())
    assert moto_server.writes() == []


def test_drift_corrected_through_the_sls(applied, aws_cli, moto_server):
    applied.state_apply("aws_runbook.ses")
    aws_cli(
        "ses",
        "set-identity-notification-topic",
        "--identity",
        DOMAIN,
        "--notification-type",
        "Complaint",
    )
    aws_cli(
        "ses",
        "set-identity-headers-in-notifications-enabled",
        "--identity",
        DOMAIN,
        "--notification-type",
        "Bounce",
        "--no-enabled",
    )
    proc, results = applied.state_apply("aws_runbook.ses")
    assert proc.returncode == 0, proc.stdout
    fixed = by_id(results)[f"aws-ses_identity-{DOMAIN}"]
    assert fixed["result"] is True, fixed["comment"]
    assert fixed["changes"] == {
        "complaint_topic": {"old": None, "new": TOPIC_ARN},
        "bounce_headers": {"old": False, "new": True},
    }
    notes = aws_cli("ses", "get-identity-notification-attributes", "--identities", DOMAIN)
    attrs = notes["NotificationAttributes"][DOMAIN]
    assert attrs["ComplaintTopic"] == TOPIC_ARN
    assert attrs["HeadersInBounceNotificationsEnabled"] is True


def test_absent_through_the_sls(applied, aws_cli):
    applied.state_apply("aws_runbook.ses")
    applied.write_pillar(
        "ses.sls",
        "aws_runbook:\n  ses:\n    identities:\n      ops@example.org:\n        absent: true\n",
    )
    proc, results = applied.state_apply("aws_runbook.ses")
    assert proc.returncode == 0, proc.stdout
    (ret,) = results.values()
    assert ret["result"] is True, ret["comment"]
    assert ret["changes"] == {"identity": {"old": {"type": "EMAIL_ADDRESS"}, "new": None}}
    assert aws_cli("ses", "list-identities")["Identities"] == [DOMAIN]
