"""Pure planners and validators of ses_smtp_user, ses_configuration_set and ses_account."""

import pytest
from salt.exceptions import SaltInvocationError

from tests.unit.loader_free import load

smtp_state = load("_states/ses_smtp_user.py")
set_state = load("_states/ses_configuration_set.py")
account_state = load("_states/ses_account.py")
sesv2 = load("_modules/aws_sesv2.py")

TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:noreply"
RUNBOOK = set_state.destinations_of(
    {
        "credere-noreply": {
            "events": ["RENDERING_FAILURE", "REJECT", "DELIVERY_DELAY"],
            "sns_topic": "noreply",
            "subscribers": ["ops@example.org"],
        }
    }
)
DESIRED = {
    "suppressed_reasons": None,
    "reputation_metrics": None,
    "sending_enabled": None,
    "custom_redirect_domain": None,
    "event_destinations": RUNBOOK,
}
DEST = {"enabled": True, "events": ["DELIVERY_DELAY", "REJECT", "RENDERING_FAILURE"]}


def test_policy_document():
    assert smtp_state.sending_policy_document(["us-east-1"], None)["Statement"] == [
        {"Effect": "Allow", "Action": "ses:SendRawEmail", "Resource": "*"}
    ]
    doc = smtp_state.sending_policy_document(["us-east-1", "eu-west-1"], "1", ["example.org"])
    assert doc["Statement"][0]["Resource"] == [
        "arn:aws:ses:us-east-1:1:identity/example.org",
        "arn:aws:ses:eu-west-1:1:identity/example.org",
    ]


def test_region_paths_and_layouts():
    one = smtp_state._paths(None, ["us-east-1"])
    assert one == smtp_state.DEFAULT_PILLAR_KEYS
    several = smtp_state._paths(None, ["us-east-1", "eu-west-1"])
    filled = smtp_state.region_paths(several, ["us-east-1", "eu-west-1"])
    assert filled["eu-west-1"]["password"] == "smtp:eu-west-1:password"
    shared_user = smtp_state._paths(
        {"username": "smtp:username", "port": None}, ["us-east-1", "eu-west-1"]
    )
    assert "port" not in shared_user and shared_user["username"] == "smtp:username"
    with pytest.raises(SaltInvocationError, match="pillar_keys:host"):
        smtp_state._paths({"host": "smtp:host"}, ["us-east-1", "eu-west-1"])


def test_pillar_state_needs_every_region_under_one_key():
    per_region = smtp_state.region_paths(
        smtp_state.DEFAULT_MULTI_REGION_PILLAR_KEYS, ["us-east-1", "eu-west-1"]
    )
    pillar = {
        "smtp:us-east-1:username": "AKIA1",
        "smtp:us-east-1:password": True,
        "smtp:eu-west-1:username": "AKIA1",
        "smtp:eu-west-1:password": True,
    }
    assert smtp_state._pillar_state(pillar, per_region) == ("AKIA1", True)
    assert (
        smtp_state._pillar_state({**pillar, "smtp:eu-west-1:password": False}, per_region)[1]
        is False
    )
    assert (
        smtp_state._pillar_state({**pillar, "smtp:eu-west-1:username": "AKIA2"}, per_region)[1]
        is False
    )


def test_plan_user():
    doc = smtp_state.sending_policy_document(["us-east-1"], None)
    fields = [s["field"] for s in smtp_state.plan_user("u", "p", doc, None, None, False)]
    assert fields == ["user", "policy"]
    assert smtp_state.plan_user("u", "p", doc, {"arn": "x"}, doc, True) == []
    changed = smtp_state.plan_user("u", "p", doc, {"arn": "x"}, {"Statement": []}, False)
    assert [(s["field"], s["call"]) for s in changed] == [("policy", "aws_iam.put_user_policy")]


def test_plan_new_configuration_set():
    steps = set_state.plan_configuration_set("credere", DESIRED, None, {"noreply": TOPIC_ARN})
    assert [s["call"] for s in steps] == [
        "aws_sesv2.create_configuration_set",
        "aws_sesv2.create_event_destination",
    ]
    assert steps[1]["kwargs"]["sns_topic_arn"] == TOPIC_ARN


def test_plan_converged_and_drifted_set():
    current = {
        **set_state.NEW_SET,
        "event_destinations": {"credere-noreply": {**DEST, "sns_topic_arn": TOPIC_ARN}},
    }
    assert (
        set_state.plan_configuration_set("credere", DESIRED, current, {"noreply": TOPIC_ARN}) == []
    )
    drifted = {
        **current,
        "reputation_metrics": True,
        "event_destinations": {
            "credere-noreply": {**DEST, "enabled": False, "sns_topic_arn": TOPIC_ARN},
            "other": {**DEST, "sns_topic_arn": TOPIC_ARN},
        },
    }
    desired = {**DESIRED, "reputation_metrics": False}
    steps = set_state.plan_configuration_set("credere", desired, drifted, {"noreply": TOPIC_ARN})
    assert [(s["field"], s["call"]) for s in steps] == [
        ("reputation_metrics", "aws_sesv2.put_configuration_set_reputation"),
        ("event_destination credere-noreply", "aws_sesv2.update_event_destination"),
        ("event_destination other", "aws_sesv2.delete_event_destination"),
    ]


def test_plan_topics():
    missing = {"noreply": {"arn": TOPIC_ARN, "exists": False, "subscribers": []}}
    steps = set_state.plan_topics(RUNBOOK, missing)
    assert [s["call"] for s in steps] == ["aws_sns.create_topic", "aws_sns.subscribe"]
    there = {"noreply": {"arn": TOPIC_ARN, "exists": True, "subscribers": ["ops@example.org"]}}
    assert set_state.plan_topics(RUNBOOK, there) == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"d": {"events": ["OPENS"], "sns_topic": "t"}}, "unknown event type"),
        ({"d": {"events": "SEND", "sns_topic": "t"}}, "a non-empty list"),
        ({"d": {"events": ["SEND"], "sns_topic": "t", "subscribers": ["x"]}}, "email"),
        ({"bad name!": {"events": ["SEND"], "sns_topic": "t"}}, "event_destinations:bad name!"),
    ],
)
def test_destination_validation(value, message):
    with pytest.raises(SaltInvocationError, match=message):
        set_state.destinations_of(value)


ACCOUNT = {
    "sending_enabled": True,
    "suppressed_reasons": ["BOUNCE", "COMPLAINT"],
    "production_access": "sandbox",
    "case_id": None,
    "details": None,
}
REQUEST = account_state.production_access_request(
    {
        "mail_type": "TRANSACTIONAL",
        "website_url": "https://example.org",
        "use_case_description": "x",
    }
)


def test_plan_account():
    desired = {"suppressed_reasons": [], "sending_enabled": True, "production_access": REQUEST}
    steps, notes = account_state.plan_account(desired, ACCOUNT)
    assert [s["field"] for s in steps] == ["suppressed_reasons", "production_access"]
    assert steps[1]["kwargs"]["contact_language"] == "EN"
    for status, note in (
        ("pending review", "not submitted again"),
        ("granted", "granted"),
        ("denied", "denied"),
    ):
        steps, notes = account_state.plan_account(
            {**desired, "suppressed_reasons": None}, {**ACCOUNT, "production_access": status}
        )
        assert steps == [] and note in notes[0]


def test_production_access_status():
    assert sesv2.production_access_status(True, None) == "granted"
    assert sesv2.production_access_status(False, "PENDING") == "pending review"
    assert sesv2.production_access_status(False, "DENIED") == "denied"
    assert sesv2.production_access_status(False, None) == "sandbox"


def test_production_access_needs_a_use_case():
    with pytest.raises(SaltInvocationError, match="production_access:use_case_description"):
        account_state.production_access_request(
            {"mail_type": "MARKETING", "website_url": "https://x.org"}
        )
