"""SNS topics that receive SES feedback, pure: the plan that creates a topic and subscribes email
addresses and SQS queues to it, shared by ``ses_identity`` and ``ses_configuration_set``."""

from __future__ import annotations

from awsrunbook import plans

POLICY_VERSION = "2012-10-17"


def _subscribe_steps(field, have, wanted, topic_arn, protocol):
    every = sorted(set(have) | set(wanted))
    return [
        plans.step(
            field,
            sorted(have),
            every,
            "aws_sns.subscribe",
            topic_arn=topic_arn,
            protocol=protocol,
            endpoint=endpoint,
        )
        for endpoint in dict.fromkeys(wanted)
        if endpoint not in have
    ]


def plan_topic(
    topic: dict, subscribers: list[str], label: str = "", queues: list[str] = ()
) -> list[plans.Step]:
    """Steps creating ``topic`` if missing and subscribing the ``subscribers`` (email
    addresses) and ``queues`` (SQS queue ARNs) it lacks (others are left alone: they may have
    been added by hand). ``topic`` is ``aws_sns.describe_topic``'s answer with its ``name``;
    ``label`` follows the field names (`` NAME`` when a state manages several topics)."""
    steps = []
    if not topic["exists"]:
        steps.append(
            plans.step(
                f"topic{label}", None, topic["name"], "aws_sns.create_topic", name=topic["name"]
            )
        )
    steps += _subscribe_steps(
        f"subscribers{label}", topic["subscribers"], subscribers, topic["arn"], "email"
    )
    steps += _subscribe_steps(
        f"queues{label}", topic.get("queues", []), queues, topic["arn"], "sqs"
    )
    return steps


def queue_statement(queue_arn: str, topic_arn: str) -> dict:
    """The queue policy statement that lets the topic ``topic_arn``, and no other, send to
    the queue ``queue_arn``."""
    return {
        "Sid": f"ses-feedback-from-{topic_arn.rsplit(':', 1)[-1]}",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
    }


def queue_policy(current: dict | None, queue_arn: str, topic_arn: str) -> dict:
    """``current`` (a queue's policy, or ``None``) with the statement for ``topic_arn`` set;
    statements for other topics or added by hand are kept, so one queue can take several
    topics."""
    wanted = queue_statement(queue_arn, topic_arn)
    statements = [s for s in (current or {}).get("Statement", []) if s.get("Sid") != wanted["Sid"]]
    return {
        **(current or {}),
        "Version": (current or {}).get("Version", POLICY_VERSION),
        "Statement": [*statements, wanted],
    }


def plan_queue(queue: dict, topic_arn: str, label: str = "") -> list[plans.Step]:
    """Steps creating the SQS queue ``queue`` (``sqs_queue.describe_queue``'s answer) if
    missing and giving the topic ``topic_arn`` the right to send to it; none when it has
    both."""
    steps, url = [], queue["url"]
    if not queue["exists"]:
        steps.append(
            plans.step(
                f"queue{label}",
                None,
                queue["name"],
                "sqs_queue.create_queue",
                save=f"queue_url{label}",
                name=queue["name"],
            )
        )
        url = plans.Ref(f"queue_url{label}")
    wanted = queue_statement(queue["arn"], topic_arn)
    if wanted in (queue["policy"] or {}).get("Statement", []):
        return steps
    policy = queue_policy(queue["policy"], queue["arn"], topic_arn)
    steps.append(
        plans.step(
            f"queue_policy{label}",
            queue["policy"],
            policy,
            "sqs_queue.set_queue_policy",
            url=url,
            policy=policy,
        )
    )
    return steps
