"""Amazon SNS: topics found by name, and their subscriptions. Used by ``ses_identity`` for
feedback notifications, and meant for any other state that sends to a topic.

Every function accepts the connection arguments ``region``, ``profile``, ``keyid``, ``key``
and ``role_arn`` (see README); without them boto3's environment and config are used.

A topic is found by name without listing the account: its ARN is built from the caller's
account and partition (one ``sts:GetCallerIdentity`` per run, shared with the other modules),
and one ``ListSubscriptionsByTopic`` both says whether it exists and lists its subscribers.

CLI example::

    salt-call aws_sns.topic_arn data-open-contracting-org region=us-east-1
"""

from typing import TYPE_CHECKING

from awsrunbook import client as aws
from awsrunbook import errors
from awsrunbook import store as stores

__virtualname__ = "aws_sns"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __context__, __salt__

# What the run's states made of a topic, in the run's store (awsrunbook.store):
# ``(connection digest, topic name)`` → ``describe_topic``'s answer, covering the topic.
TOPICS = "aws_sns.topics"


def __virtual__():
    return __virtualname__


def _sns(kwargs):
    return aws.connect("sns", kwargs, __salt__)


def topic_arn(name, **kwargs):
    """The ARN of the topic ``name``, or ``None`` when there is no such topic.

    CLI example::

        salt-call aws_sns.topic_arn data-open-contracting-org
    """
    arn = __salt__["aws_sts.regional_arn"]("sns", name, **kwargs)
    sns, _ = _sns(kwargs)
    found = aws.call(sns, "get_topic_attributes", arn, none_if=errors.NotFound, TopicArn=arn)
    return arn if found is not None else None


def describe_topic(name, scope=None, **kwargs):
    """``{"name", "arn", "exists", "subscribers", "queues"}`` of the topic ``name``
    (``subscribers``: its email endpoints; ``queues``: the ARNs of its SQS queues; sorted), in
    one call. With ``scope`` (a state run's id), a topic an
    earlier state of the run created or subscribed to (or would have, in test mode: see
    ``remember_topic``) is answered from the run's memory.

    CLI example::

        salt-call aws_sns.describe_topic data-open-contracting-org
    """
    conn = aws.split_connection_args(kwargs)
    store = stores.of_run(__context__, scope)
    known = store and store.get(TOPICS, (aws.conn_digest(conn), name))
    if known:
        return dict(known)
    arn = __salt__["aws_sts.regional_arn"]("sns", name, **conn)
    subscriptions = list_subscriptions(arn, **conn)
    return {
        "name": name,
        "arn": arn,
        "exists": subscriptions is not None,
        "subscribers": _endpoints(subscriptions, "email"),
        "queues": _endpoints(subscriptions, "sqs"),
    }


def _endpoints(subscriptions, protocol):
    return sorted(sub["endpoint"] for sub in subscriptions or [] if sub["protocol"] == protocol)


def remember_topic(topic, subscribers, scope=None, queues=(), **kwargs):
    """Note for the rest of the state run ``scope`` that ``topic`` (``describe_topic``'s
    answer) exists with ``subscribers`` (and the SQS ``queues``) subscribed: what a state's
    plan made (or, in test mode, would have made) so that the next state sharing the topic
    plans from it."""
    store = stores.of_run(__context__, scope)
    if store is None:
        return True
    # What the run read of this topic no longer holds, in test mode too.
    covers = [("sns_topic", topic["name"])]
    store.forget(covers)
    key = (aws.conn_digest(aws.split_connection_args(kwargs)), topic["name"])
    made = {
        **topic,
        "exists": True,
        "subscribers": sorted({*topic["subscribers"], *subscribers}),
        "queues": sorted({*topic.get("queues", []), *queues}),
    }
    store.put(TOPICS, key, made, covers)
    return True


def create_topic(name, **kwargs):
    """Create the Standard topic ``name`` (a no-op returning the ARN when it exists).

    CLI example::

        salt-call aws_sns.create_topic data-open-contracting-org
    """
    sns, _ = _sns(kwargs)
    return aws.call(sns, "create_topic", name, Name=name)["TopicArn"]


def delete_topic(topic_arn, **kwargs):
    """Delete the topic ``topic_arn`` and its subscriptions."""
    sns, _ = _sns(kwargs)
    aws.call(sns, "delete_topic", topic_arn, TopicArn=topic_arn)
    return True


def list_subscriptions(topic_arn, **kwargs):
    """The subscriptions of ``topic_arn``: a list of ``{"protocol", "endpoint", "arn",
    "pending"}`` (``pending`` until the endpoint confirms; such a subscription has no ARN yet),
    or ``None`` when there is no such topic.

    CLI example::

        salt-call aws_sns.list_subscriptions arn:aws:sns:us-east-1:123456789012:ops
    """
    sns, _ = _sns(kwargs)
    found, token = [], None
    while True:
        params = {"TopicArn": topic_arn, **({"NextToken": token} if token else {})}
        resp = aws.call(
            sns, "list_subscriptions_by_topic", topic_arn, none_if=errors.NotFound, **params
        )
        if resp is None:
            return None
        for sub in resp.get("Subscriptions", []):
            pending = sub["SubscriptionArn"] == "PendingConfirmation"
            found.append(
                {
                    "protocol": sub["Protocol"],
                    "endpoint": sub["Endpoint"],
                    "arn": None if pending else sub["SubscriptionArn"],
                    "pending": pending,
                }
            )
        token = resp.get("NextToken")
        if not token:
            return found


def subscribe(topic_arn, protocol, endpoint, **kwargs):
    """Subscribe ``endpoint`` to ``topic_arn`` (an email endpoint must confirm by mail).
    Returns the subscription ARN, or ``"pending confirmation"``.

    CLI example::

        salt-call aws_sns.subscribe arn:aws:sns:us-east-1:123456789012:ops email ops@example.org
    """
    sns, _ = _sns(kwargs)
    resp = aws.call(
        sns,
        "subscribe",
        f"{topic_arn} ({protocol}:{endpoint})",
        TopicArn=topic_arn,
        Protocol=protocol,
        Endpoint=endpoint,
        ReturnSubscriptionArn=True,
    )
    return resp["SubscriptionArn"]


def unsubscribe(subscription_arn, **kwargs):
    """Delete the subscription ``subscription_arn``."""
    sns, _ = _sns(kwargs)
    aws.call(sns, "unsubscribe", subscription_arn, SubscriptionArn=subscription_arn)
    return True
