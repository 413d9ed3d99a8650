"""Amazon SQS: the queues that keep SES feedback for programs to read (``ses_identity``'s
``notifications: {queue: NAME}``, read back by ``aws_ses.feedback``).

Every function accepts the connection arguments ``region``, ``profile``, ``keyid``, ``key``
and ``role_arn`` (see README); without them boto3's environment and config are used.

CLI example::

    salt-call sqs_queue.describe_queue ses-feedback region=us-east-1
"""

import json
from typing import TYPE_CHECKING

from awsrunbook import client as aws
from awsrunbook import errors

__virtualname__ = "sqs_queue"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__

LONGEST_WAIT = 20  # seconds: SQS's limit for long polling
BATCH = 10  # the most messages one ReceiveMessage or DeleteMessageBatch takes


def __virtual__():
    return __virtualname__


def _sqs(kwargs):
    return aws.connect("sqs", kwargs, __salt__)


def queue_url(name, **kwargs):
    """The URL of the queue ``name``, or ``None`` when there is no such queue.

    CLI example::

        salt-call sqs_queue.queue_url ses-feedback
    """
    sqs, _ = _sqs(kwargs)
    found = aws.call(sqs, "get_queue_url", name, none_if=errors.NotFound, QueueName=name)
    return found and found["QueueUrl"]


def describe_queue(name, **kwargs):
    """``{"name", "arn", "url", "exists", "policy"}`` of the queue ``name`` (``policy``: its
    access policy as a dict, ``None`` when it has none; ``url`` ``None`` when it does not
    exist).

    CLI example::

        salt-call sqs_queue.describe_queue ses-feedback
    """
    conn = aws.split_connection_args(kwargs)
    url = queue_url(name, **conn)
    arn = __salt__["aws_sts.regional_arn"]("sqs", name, **conn)
    found = {"name": name, "arn": arn, "url": url, "exists": bool(url)}
    policy = None
    if url:
        sqs, _ = _sqs(conn)
        attributes = aws.call(
            sqs, "get_queue_attributes", name, QueueUrl=url, AttributeNames=["Policy"]
        ).get("Attributes", {})
        policy = json.loads(attributes["Policy"]) if attributes.get("Policy") else None
    return {**found, "policy": policy}


def create_queue(name, **kwargs):
    """Create the standard queue ``name`` (SQS answers with the existing queue's URL when
    one with the same attributes exists). Returns its URL."""
    sqs, _ = _sqs(kwargs)
    return aws.call(sqs, "create_queue", name, QueueName=name)["QueueUrl"]


def set_queue_policy(url, policy, **kwargs):
    """Set the access policy (a dict) of the queue at ``url``."""
    sqs, _ = _sqs(kwargs)
    aws.call(
        sqs,
        "set_queue_attributes",
        url,
        QueueUrl=url,
        Attributes={"Policy": json.dumps(policy, sort_keys=True)},
    )
    return True


def receive(url, max_messages=BATCH, wait_seconds=2, **kwargs):
    """Up to ``max_messages`` (at most 10) messages of the queue at ``url``, waiting up to
    ``wait_seconds`` for the first: a list of ``{"id", "receipt_handle", "body"}``. The
    messages stay in the queue (invisible for its visibility timeout) until deleted."""
    sqs, _ = _sqs(kwargs)
    limits = {
        "MaxNumberOfMessages": max(1, min(int(max_messages), BATCH)),
        "WaitTimeSeconds": max(0, min(int(wait_seconds), LONGEST_WAIT)),
    }
    resp = aws.call(sqs, "receive_message", url, QueueUrl=url, **limits)
    return [
        {"id": msg["MessageId"], "receipt_handle": msg["ReceiptHandle"], "body": msg["Body"]}
        for msg in resp.get("Messages", [])
    ]


def delete(url, receipt_handles, **kwargs):
    """Delete the messages ``receipt_handles`` (from ``receive``) from the queue at ``url``.
    Returns how many SQS deleted."""
    sqs, _ = _sqs(kwargs)
    deleted = 0
    for start in range(0, len(receipt_handles), BATCH):
        entries = [
            {"Id": str(number), "ReceiptHandle": handle}
            for number, handle in enumerate(receipt_handles[start : start + BATCH])
        ]
        resp = aws.call(sqs, "delete_message_batch", url, QueueUrl=url, Entries=entries)
        deleted += len(resp.get("Successful", []))
    return deleted
