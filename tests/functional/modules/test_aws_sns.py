"""aws_sns through Salt's loader against moto's in-process SNS and SQS: topics found by name,
their subscribers in one call, and the run's memory of what earlier states made."""

import awsrunbook.client
import boto3
import pytest
from botocore.stub import Stubber
from salt.exceptions import CommandExecutionError

from tests.support.calls import recorded_calls

REGION = "us-east-1"
ARN = "arn:aws:sns:us-east-1:123456789012:feedback"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:feedback"
RUN = "20261206044800000000"  # a state run's __instance_id__


def missing_topic():
    return {"name": "feedback", "arn": ARN, "exists": False, "subscribers": [], "queues": []}


def test_topic_arn_finds_a_topic_by_name(modules):
    assert modules.aws_sns.topic_arn("feedback", region=REGION) is None
    assert modules.aws_sns.create_topic("feedback", region=REGION) == ARN
    assert modules.aws_sns.create_topic("feedback", region=REGION) == ARN  # no-op when there
    assert modules.aws_sns.topic_arn("feedback", region=REGION) == ARN
    assert modules.aws_sns.topic_arn("feedback", region="eu-west-1") is None


def test_describe_topic_in_one_call_per_topic(modules):
    assert modules.aws_sns.describe_topic("feedback", region=REGION) == missing_topic()
    modules.aws_sns.create_topic("feedback", region=REGION)
    boto3.client("sqs", region_name=REGION).create_queue(QueueName="feedback")
    for endpoint in ("ops@example.org", "alerts@example.org"):
        modules.aws_sns.subscribe(ARN, "email", endpoint, region=REGION)
    assert modules.aws_sns.subscribe(ARN, "sqs", QUEUE_ARN, region=REGION).startswith(ARN + ":")
    with recorded_calls() as calls:
        found = modules.aws_sns.describe_topic("feedback", region=REGION)
    assert found == {
        "name": "feedback",
        "arn": ARN,
        "exists": True,
        "subscribers": ["alerts@example.org", "ops@example.org"],
        "queues": [QUEUE_ARN],
    }
    assert calls == [("sns", "ListSubscriptionsByTopic")]  # the account was known already


def test_list_subscriptions_follows_pages_and_shows_pending_ones(modules):
    first = {
        "Subscriptions": [
            {
                "SubscriptionArn": "PendingConfirmation",
                "Owner": "123456789012",
                "Protocol": "email",
                "Endpoint": "new@example.org",
                "TopicArn": ARN,
            }
        ],
        "NextToken": "page-2",
    }
    second = {
        "Subscriptions": [
            {
                "SubscriptionArn": ARN + ":0b1c",
                "Owner": "123456789012",
                "Protocol": "sqs",
                "Endpoint": QUEUE_ARN,
                "TopicArn": ARN,
            }
        ]
    }
    with Stubber(awsrunbook.client.client("sns", {"region": REGION})) as stub:
        stub.add_response("list_subscriptions_by_topic", first, {"TopicArn": ARN})
        stub.add_response(
            "list_subscriptions_by_topic", second, {"TopicArn": ARN, "NextToken": "page-2"}
        )
        found = modules.aws_sns.list_subscriptions(ARN, region=REGION)
        stub.assert_no_pending_responses()
    assert found == [
        {"protocol": "email", "endpoint": "new@example.org", "arn": None, "pending": True},
        {"protocol": "sqs", "endpoint": QUEUE_ARN, "arn": ARN + ":0b1c", "pending": False},
    ]


def test_a_missing_topic_has_no_subscription_list_and_other_errors_raise(modules):
    assert modules.aws_sns.list_subscriptions(ARN, region=REGION) is None
    with Stubber(awsrunbook.client.client("sns", {"region": REGION})) as stub:
        stub.add_client_error("list_subscriptions_by_topic", "AuthorizationError", "denied", 403)
        with pytest.raises(
            CommandExecutionError, match=rf"^ListSubscriptionsByTopic on {ARN} failed: Auth"
        ):
            modules.aws_sns.list_subscriptions(ARN, region=REGION)


def test_a_remembered_topic_is_answered_from_the_runs_memory(modules):
    remembered = modules.aws_sns.remember_topic(
        missing_topic(), ["ops@example.org"], scope=RUN, queues=[QUEUE_ARN], region=REGION
    )
    assert remembered is True
    with recorded_calls() as calls:
        known = modules.aws_sns.describe_topic("feedback", scope=RUN, region=REGION)
    assert calls == []
    assert known == {
        "name": "feedback",
        "arn": ARN,
        "exists": True,
        "subscribers": ["ops@example.org"],
        "queues": [QUEUE_ARN],
    }
    # Another run, another connection or no run at all: AWS is asked.
    assert (
        modules.aws_sns.describe_topic("feedback", scope="another run", region=REGION)["exists"]
        is False
    )
    assert (
        modules.aws_sns.describe_topic("feedback", scope=RUN, region="eu-west-1")["exists"] is False
    )
    assert modules.aws_sns.describe_topic("feedback", region=REGION)["exists"] is False


def test_remembering_adds_to_what_was_known(modules):
    topic = dict(missing_topic(), exists=True, subscribers=["by-hand@example.org"])
    modules.aws_sns.remember_topic(topic, ["ops@example.org"], scope=RUN, region=REGION)
    known = modules.aws_sns.describe_topic("feedback", scope=RUN, region=REGION)
    modules.aws_sns.remember_topic(known, ["alerts@example.org"], scope=RUN, region=REGION)
    again = modules.aws_sns.describe_topic("feedback", scope=RUN, region=REGION)
    assert again["subscribers"] == ["alerts@example.org", "by-hand@example.org", "ops@example.org"]


def test_unsubscribe_and_delete(modules):
    modules.aws_sns.create_topic("feedback", region=REGION)
    subscription = modules.aws_sns.subscribe(ARN, "sqs", QUEUE_ARN, region=REGION)
    assert modules.aws_sns.unsubscribe(subscription, region=REGION) is True
    assert modules.aws_sns.list_subscriptions(ARN, region=REGION) == []
    assert modules.aws_sns.delete_topic(ARN, region=REGION) is True
    assert modules.aws_sns.topic_arn("feedback", region=REGION) is None
