"""sqs_queue through Salt's loader against moto's in-process SQS, with the queue-policy gaps of
moto 5.2.5 filled by ``tests/support/moto_sqs_patches.py``."""

import boto3
import pytest
from salt.exceptions import CommandExecutionError

from tests.support import moto_sqs_patches

REGION = "us-east-1"
ARN = "arn:aws:sqs:us-east-1:123456789012:feedback"
POLICY = {"Version": "2012-10-17", "Statement": [{"Sid": "s", "Effect": "Allow"}]}


@pytest.fixture(autouse=True)
def _moto_as_documented():
    moto_sqs_patches.apply()


def test_describe_create_and_policy(modules):
    missing = modules.sqs_queue.describe_queue("feedback", region=REGION)
    assert missing == {"name": "feedback", "arn": ARN, "url": None, "exists": False, "policy": None}
    url = modules.sqs_queue.create_queue("feedback", region=REGION)
    assert modules.sqs_queue.set_queue_policy(url, POLICY, region=REGION) is True
    # Another attribute set later leaves the policy alone (moto dropped it: gap 1).
    boto3.client("sqs", region_name=REGION).set_queue_attributes(
        QueueUrl=url, Attributes={"VisibilityTimeout": "60"}
    )
    found = modules.sqs_queue.describe_queue("feedback", region=REGION)
    assert found == {"name": "feedback", "arn": ARN, "url": url, "exists": True, "policy": POLICY}


def test_receive_then_delete(modules):
    url = modules.sqs_queue.create_queue("feedback", region=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    for number in range(12):
        sqs.send_message(QueueUrl=url, MessageBody=f"message {number}")
    first = modules.sqs_queue.receive(url, max_messages=50, wait_seconds=0, region=REGION)
    assert len(first) == 10  # SQS's batch limit
    handles = [message["receipt_handle"] for message in first]
    assert modules.sqs_queue.delete(url, handles, region=REGION) == 10
    rest = modules.sqs_queue.receive(url, wait_seconds=0, region=REGION)
    assert sorted(message["body"] for message in first + rest) == sorted(
        f"message {number}" for number in range(12)
    )


def test_a_policy_that_is_not_json_names_the_operation(modules):
    url = modules.sqs_queue.create_queue("feedback", region=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    with pytest.raises(sqs.exceptions.ClientError, match="InvalidAttributeValue"):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": "[not a policy"})
    with pytest.raises(CommandExecutionError, match="SetQueueAttributes"):
        modules.sqs_queue.set_queue_policy(url, "[not a policy", region=REGION)
