"""ses_configuration_set through Salt's loader, against moto (SES v2 gaps filled by
tests/support/moto_sesv2_patches.py)."""

import json

import boto3
import pytest

from tests.support import moto_sesv2_patches, moto_sqs_patches, ses_feedback
from tests.support.calls import recorded_calls, writes

moto_sesv2_patches.apply()

REGION = "us-east-1"
TOPIC = "noreply-open-contracting-org"
DESTINATION = "credere-noreply-open-contracting-org"
RUNBOOK = {
    DESTINATION: {
        "events": ["RENDERING_FAILURE", "REJECT", "DELIVERY_DELAY"],
        "sns_topic": TOPIC,
        "subscribers": ["sysadmin@example.org"],
    }
}


def present(states, test=False, **extra):
    args = {"event_destinations": RUNBOOK, "region": REGION, **extra}
    return states.ses_configuration_set.present(name="credere", test=test, **args)


def read_back():
    ses = boto3.client("sesv2", REGION)
    found = ses.get_configuration_set(ConfigurationSetName="credere")
    dests = ses.get_configuration_set_event_destinations(ConfigurationSetName="credere")
    return found, {d["Name"]: d for d in dests["EventDestinations"]}


def test_test_mode_reports_everything_and_writes_nothing(states):
    with recorded_calls() as calls:
        ret = present(states, test=True)
    assert ret.result is None
    assert set(ret.changes) == {
        f"topic {TOPIC}",
        f"subscribers {TOPIC}",
        "configuration_set",
        f"event_destination {DESTINATION}",
    }
    assert ret.changes[f"event_destination {DESTINATION}"]["new"]["events"] == [
        "DELIVERY_DELAY",
        "REJECT",
        "RENDERING_FAILURE",
    ]
    assert writes(calls) == []
    assert boto3.client("sesv2", REGION).list_configuration_sets()["ConfigurationSets"] == []


def test_create_then_converged(states):
    ret = present(states)
    assert ret.result is True, ret.comment
    _, dests = read_back()
    topic_arn = f"arn:aws:sns:{REGION}:123456789012:{TOPIC}"
    assert dests[DESTINATION]["SnsDestination"]["TopicArn"] == topic_arn
    assert sorted(dests[DESTINATION]["MatchingEventTypes"]) == [
        "DELIVERY_DELAY",
        "REJECT",
        "RENDERING_FAILURE",
    ]
    subs = boto3.client("sns", REGION).list_subscriptions_by_topic(TopicArn=topic_arn)
    assert [s["Endpoint"] for s in subs["Subscriptions"]] == ["sysadmin@example.org"]

    for test in (True, False):
        with recorded_calls() as calls:
            again = present(states, test=test)
        assert again.result is True, again.comment
        assert again.changes == {}
        assert writes(calls) == []


def test_settings_and_drift(states):
    settings = {"reputation_metrics": True, "sending_enabled": False, "suppressed_reasons": []}
    assert present(states, **settings).result is True
    found, _ = read_back()
    assert found["ReputationOptions"]["ReputationMetricsEnabled"] is True
    assert found["SendingOptions"]["SendingEnabled"] is False
    assert found["SuppressionOptions"]["SuppressedReasons"] == []

    ses = boto3.client("sesv2", REGION)
    ses.put_configuration_set_reputation_options(
        ConfigurationSetName="credere", ReputationMetricsEnabled=False
    )
    ses.update_configuration_set_event_destination(
        ConfigurationSetName="credere",
        EventDestinationName=DESTINATION,
        EventDestination={
            "Enabled": False,
            "MatchingEventTypes": ["SEND"],
            "SnsDestination": {"TopicArn": f"arn:aws:sns:{REGION}:123456789012:{TOPIC}"},
        },
    )
    ses.create_configuration_set_event_destination(
        ConfigurationSetName="credere",
        EventDestinationName="stray",
        EventDestination={
            "Enabled": True,
            "MatchingEventTypes": ["OPEN"],
            "SnsDestination": {"TopicArn": f"arn:aws:sns:{REGION}:123456789012:{TOPIC}"},
        },
    )
    dry = present(states, test=True, **settings)
    assert dry.result is None
    assert set(dry.changes) == {
        "reputation_metrics",
        f"event_destination {DESTINATION}",
        "event_destination stray",
    }
    assert dry.changes["reputation_metrics"] == {"old": False, "new": True}
    assert dry.changes["event_destination stray"]["new"] is None

    fixed = present(states, **settings)
    assert fixed.result is True, fixed.comment
    assert fixed.changes == dry.changes
    found, dests = read_back()
    assert found["ReputationOptions"]["ReputationMetricsEnabled"] is True
    assert set(dests) == {DESTINATION}
    assert dests[DESTINATION]["Enabled"] is True
    with recorded_calls() as calls:
        assert present(states, **settings).changes == {}
    assert writes(calls) == []


def test_absent(states):
    assert present(states).result is True
    dry = states.ses_configuration_set.absent(name="credere", region=REGION, test=True)
    assert dry.result is None
    assert dry.changes["configuration_set"]["new"] is None
    assert read_back()[1]

    gone = states.ses_configuration_set.absent(name="credere", region=REGION)
    assert gone.result is True
    assert boto3.client("sesv2", REGION).list_configuration_sets()["ConfigurationSets"] == []
    # the topic is kept: identities' feedback notifications may use it
    topics = boto3.client("sns", REGION).list_topics()["Topics"]
    assert [t["TopicArn"].rsplit(":", 1)[1] for t in topics] == [TOPIC]

    with recorded_calls() as calls:
        again = states.ses_configuration_set.absent(name="credere", region=REGION)
    assert again.result is True and again.changes == {}
    assert writes(calls) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"event_destinations": {"d": {"events": ["BOUNCES"], "sns_topic": "t"}}},
            "event_destinations:d:events: unknown event type",
        ),
        (
            {"event_destinations": {"d": {"events": [], "sns_topic": "t"}}},
            "event_destinations:d:events",
        ),
        (
            {"event_destinations": {"d": {"events": ["SEND"]}}},
            "event_destinations:d:sns_topic",
        ),
        (
            {"event_destinations": {"d": {"events": ["SEND"], "sns_topic": "t", "x": 1}}},
            "unknown key(s) ['x']",
        ),
        ({"region": "us-east-9"}, "region: unknown AWS region"),
        ({"suppressed_reasons": ["SPAM"]}, "suppressed_reasons: must be one of"),
        ({"reputation_metrics": "yes"}, "reputation_metrics: must be true or false"),
    ],
)
def test_bad_input_fails_before_any_call(states, args, message):
    args = {"region": REGION, **args}
    with recorded_calls() as calls:
        ret = states.ses_configuration_set.present(name="credere", **args)
    assert ret.result is False
    assert message in ret.comment
    assert calls == []


def test_events_reach_a_queue_and_read_back_summarised(states, modules):
    moto_sqs_patches.apply()
    with_queue = {DESTINATION: {**RUNBOOK[DESTINATION], "queue": "credere-events"}}
    with recorded_calls() as calls:
        planned = present(states, test=True, event_destinations=with_queue)
    assert writes(calls) == []
    applied = present(states, event_destinations=with_queue)
    assert applied.result is True, applied.comment
    assert applied.changes == planned.changes
    assert {"queue credere-events", "queue_policy credere-events", f"queues {TOPIC}"} <= set(
        applied.changes
    )
    with recorded_calls() as calls:
        again = present(states, event_destinations=with_queue)
    assert again.changes == {}
    assert writes(calls) == []
    topic_arn = f"arn:aws:sns:{REGION}:123456789012:{TOPIC}"
    for event in (ses_feedback.REJECT, ses_feedback.DELIVERY_DELAY):
        boto3.client("sns", REGION).publish(TopicArn=topic_arn, Message=json.dumps(event))
    summaries = modules.aws_ses.feedback("credere-events", delete=True, region=REGION)
    assert sorted((s["type"], s["diagnosis"].split(" ")[0]) for s in summaries) == [
        ("DeliveryDelay", "delayed;"),
        ("Reject", "SES"),
    ]
