"""ses_configuration_set's validation and planners."""

import pytest
from salt.exceptions import SaltInvocationError

from _states import (
    ses_configuration_set,
)

TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:noreply"


RUNBOOK = ses_configuration_set.destinations_of(
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


def test_plan_new_configuration_set():
    steps = ses_configuration_set.plan_configuration_set(
        "credere", DESIRED, None, {"noreply": TOPIC_ARN}
    )
    assert [s["call"] for s in steps] == [
        "aws_ses_sending.create_configuration_set",
        "aws_ses_sending.put_event_destination",
    ]
    assert steps[1]["kwargs"]["sns_topic_arn"] == TOPIC_ARN


def test_plan_converged_and_drifted_set():
    current = {
        **ses_configuration_set.NEW_SET,
        "event_destinations": {"credere-noreply": {**DEST, "sns_topic_arn": TOPIC_ARN}},
    }
    assert (
        ses_configuration_set.plan_configuration_set(
            "credere", DESIRED, current, {"noreply": TOPIC_ARN}
        )
        == []
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
    steps = ses_configuration_set.plan_configuration_set(
        "credere", desired, drifted, {"noreply": TOPIC_ARN}
    )
    assert [(s["field"], s["call"]) for s in steps] == [
        ("reputation_metrics", "aws_ses_sending.put_configuration_set_option"),
        ("event_destination credere-noreply", "aws_ses_sending.put_event_destination"),
        ("event_destination other", "aws_ses_sending.delete_event_destination"),
    ]


def test_plan_topics():
    missing = {"noreply": {"arn": TOPIC_ARN, "exists": False, "subscribers": []}}
    steps = ses_configuration_set.plan_topics(RUNBOOK, missing)
    assert [s["call"] for s in steps] == ["aws_sns.create_topic", "aws_sns.subscribe"]
    there = {"noreply": {"arn": TOPIC_ARN, "exists": True, "subscribers": ["ops@example.org"]}}
    assert ses_configuration_set.plan_topics(RUNBOOK, there) == []


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
        ses_configuration_set.destinations_of(value)


QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:noreply-events"


def test_plan_topics_with_a_queue():
    destinations = ses_configuration_set.destinations_of(
        {"d": {"events": ["REJECT"], "sns_topic": "noreply", "queue": "noreply-events"}}
    )
    topic = {"arn": TOPIC_ARN, "exists": True, "subscribers": [], "queues": []}
    queue = {"name": "noreply-events", "arn": QUEUE_ARN, "url": None, "exists": False}
    steps = ses_configuration_set.plan_topics(
        destinations, {"noreply": topic}, {"noreply-events": {**queue, "policy": None}}
    )
    assert [(s["field"], s["call"]) for s in steps] == [
        ("queue noreply-events", "sqs_queue.create_queue"),
        ("queue_policy noreply-events", "sqs_queue.set_queue_policy"),
        ("queues noreply", "aws_sns.subscribe"),
    ]
    assert steps[2]["kwargs"]["endpoint"] == QUEUE_ARN


def test_one_queue_fed_by_two_topics_is_refused():
    with pytest.raises(SaltInvocationError, match=r"^event_destinations:b:queue: is fed by"):
        ses_configuration_set.destinations_of(
            {
                "a": {"events": ["REJECT"], "sns_topic": "one", "queue": "q"},
                "b": {"events": ["REJECT"], "sns_topic": "two", "queue": "q"},
            }
        )
