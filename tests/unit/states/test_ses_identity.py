"""ses_identity's planner: no Salt loader, no AWS."""

import pytest
from awsrunbook import engine, receipt, regions, ses, sns
from salt.exceptions import CommandExecutionError

from _states import (
    ses_identity,
)
from tests.support.ses_identities import DOMAIN, converged, desired

ARN = "arn:aws:sns:eu-west-1:123456789012:ops"


NOTES = {
    "topics": {"Bounce": ARN, "Complaint": ARN, "Delivery": None},
    "headers": {"Bounce": True, "Complaint": True, "Delivery": False},
    "feedback_forwarding": True,
}


TOPIC = {"name": "ops", "arn": ARN, "exists": True, "subscribers": ["ops@example.org"]}


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
    bare = ses.desired_identity(DOMAIN)
    current = converged()
    current["configuration_set"] = "credere"
    assert ses_identity.plan_identity(bare, current) == []
    removed = ses.desired_identity(DOMAIN, mail_from_domain=False, configuration_set=False)
    steps = ses_identity.plan_identity(removed, current)
    assert [(s["field"], s["new"]) for s in steps] == [
        ("mail_from", None),
        ("configuration_set", None),
    ]


QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:ops-feedback"


def with_queue():
    notifications = {"topic": "ops", "subscribers": ["ops@example.org"], "queue": "ops-feedback"}
    return desired(notifications=notifications)


def test_plan_new_queue_is_created_allowed_then_subscribed():
    queue = {"name": "ops-feedback", "arn": QUEUE_ARN, "url": None, "exists": False}
    steps = ses_identity.plan_identity(
        with_queue(), converged(), NOTES, TOPIC, queue | {"policy": None}
    )
    assert [(s["field"], s["call"]) for s in steps] == [
        ("queue", "sqs_queue.create_queue"),
        ("queue_policy", "sqs_queue.set_queue_policy"),
        ("queues", "aws_sns.subscribe"),
    ]
    (statement,) = steps[1]["kwargs"]["policy"]["Statement"]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == QUEUE_ARN
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": ARN}}
    assert steps[2]["kwargs"] == {"topic_arn": ARN, "protocol": "sqs", "endpoint": QUEUE_ARN}
    assert (steps[2]["old"], steps[2]["new"]) == ([], [QUEUE_ARN])


def test_plan_queue_converged_and_other_statements_kept():
    by_hand = {"Sid": "by-hand", "Effect": "Allow", "Principal": "*", "Action": "sqs:*"}
    policy = {"Version": "2012-10-17", "Statement": [by_hand, sns.queue_statement(QUEUE_ARN, ARN)]}
    queue = {"name": "ops-feedback", "arn": QUEUE_ARN, "url": "u", "exists": True, "policy": policy}
    topic = dict(TOPIC, queues=[QUEUE_ARN])
    assert ses_identity.plan_identity(with_queue(), converged(), NOTES, topic, queue) == []
    (step,) = ses_identity.plan_identity(
        with_queue(), converged(), NOTES, topic, dict(queue, policy={"Statement": [by_hand]})
    )
    assert step["field"] == "queue_policy"
    assert step["kwargs"]["url"] == "u"
    assert step["new"]["Statement"][0] == by_hand
    assert step["new"]["Version"] == "2012-10-17"


def test_wait_skips_a_verified_identity_and_polls_dns_with_check_dns(monkeypatch):
    """The wait for verification (moved here from awsrunbook.identitydns): no call for a
    verified identity; else ``aws_ses.wait_verified`` with the DNS check's resolvers."""
    calls = []
    found = converged()
    pending = {**found, "dkim": {**found["dkim"], "status": "PENDING"}}

    def wait_verified(identity, seconds, **kwargs):
        calls.append((identity, seconds, kwargs))
        return pending

    salt_funcs = {"aws_ses.wait_verified": wait_verified}
    monkeypatch.setattr(ses_identity, "__salt__", salt_funcs, raising=False)
    assert ses_identity._wait(DOMAIN, found, [], 30, {}, None) == (found, [])
    assert calls == []

    records = ses.records_for(desired(), pending, "eu-west-1")
    conn = {"region": "eu-west-1"}
    after, lines = ses_identity._wait(
        DOMAIN, pending, records, 30, conn, {"resolvers": ["127.0.0.1"]}
    )
    assert calls == [
        (DOMAIN, 30, {"check_dns": True, "resolvers": ["127.0.0.1"], "region": "eu-west-1"})
    ]
    assert after is pending
    assert lines[0] == "Not verified after 30 s. Records SES has not seen yet:"
    assert lines[1].count("CNAME") == 3


# --- verify: the decisions taken before any write (moved here with the verification's I/O
# from awsrunbook.verification; the whole verification against moto, S3 and a real BIND is in
# tests/functional/states/test_ses_identity_verify.py) --------------------------------------

ADDRESS = "ops@example.org"
REGION = "eu-west-1"


class Salt(dict):
    """``__salt__`` for the functions a test names: each call is recorded, each answer canned."""

    def __init__(self, **answers):
        super().__init__()
        self.calls = []
        for name, answer in answers.items():
            self[name.replace("__", ".")] = self._recording(name.replace("__", "."), answer)

    def _recording(self, name, answer):
        def function(*args, **kwargs):
            self.calls.append(name)
            return answer(*args, **kwargs) if callable(answer) else answer

        return function


def verify(monkeypatch, salt, current=None, identity_steps=(), test=False, **settings):
    monkeypatch.setattr(ses_identity, "__salt__", salt, raising=False)
    ret = {"name": ADDRESS, "result": True, "changes": {}, "comment": ""}
    receiving = receipt.verify_settings(settings, ADDRESS, "EMAIL_ADDRESS")
    conn = {"region": REGION}
    declared = engine.Declaration("ses_identity.present", region=regions.ses_region)
    run = engine.Run(declared, conn=conn, test=test, salt=salt, opts={"test": test})
    return ses_identity._verify(ret, list(identity_steps), current, receiving, conn, run, ())


def identity(status):
    return {"identity": ADDRESS, "type": "EMAIL_ADDRESS", "verification_status": status}


@pytest.mark.parametrize(
    ("readiness", "message"),
    [
        (
            {"domain_status": "PENDING", "mx": "ses", "detail": ""},
            "verify: example.org is not a verified SES domain identity in eu-west-1",
        ),
        (
            {"domain_status": "SUCCESS", "mx": "timeout", "detail": "no answer within 5 s"},
            "verify: the MX lookup of example.org gave timeout: no answer within 5 s",
        ),
        (
            {"domain_status": "SUCCESS", "mx": "missing", "detail": ""},
            "verify: example.org has no MX record, so SES cannot receive the verification "
            "message: add 'example.org. MX 10 inbound-smtp.eu-west-1.amazonaws.com.'",
        ),
    ],
)
def test_what_stops_verify_before_any_write(monkeypatch, readiness, message):
    salt = Salt(
        aws_ses_receipt__receiving_readiness=readiness,
        aws_ses_receipt__describe_receiving={"account": "123456789012", "bucket": None},
    )
    steps = [{"call": "aws_ses.create_identity"}]  # never reached
    with pytest.raises(CommandExecutionError) as raised:
        verify(monkeypatch, salt, identity_steps=steps)
    assert str(raised.value).startswith(message)
    assert "aws_ses.create_identity" not in salt.calls
    assert all(".describe_" in call or ".receiving_" in call for call in salt.calls)


def test_verify_with_mail_that_goes_elsewhere_leaves_the_address_pending(monkeypatch):
    salt = Salt(
        aws_ses_receipt__receiving_readiness={"domain_status": "SUCCESS", "mx": "elsewhere"},
    )
    ret = verify(monkeypatch, salt, current=identity("PENDING"))
    assert ret["result"] is None and ret["changes"] == {}
    assert "check the mailbox of ops@example.org and open the link" in ret["comment"]
    assert "Status: identity PENDING" in ret["comment"]
    assert salt.calls == ["aws_ses_receipt.receiving_readiness"]  # nothing set up


def test_verify_of_a_verified_address_without_a_leftover_rule_reads_nothing_more(monkeypatch):
    salt = Salt(aws_ses_receipt__describe_rule_set=None)
    ret = verify(monkeypatch, salt, current=identity("SUCCESS"))
    assert ret["result"] is True and ret["changes"] == {}
    assert salt.calls == ["aws_ses_receipt.describe_rule_set"]
    assert ret["comment"].splitlines() == [
        "SES identity ops@example.org is in the desired state",
        "Status: identity SUCCESS",
    ]
