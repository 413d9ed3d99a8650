"""SNS topics that receive SES feedback: the plan that creates a topic and subscribes email
addresses to it, shared by ``ses_identity`` and ``ses_configuration_set``."""

from __future__ import annotations

import awsrunbook_state as st


def plan_topic(topic: dict, subscribers: list[str], label: str = "") -> list[st.Step]:
    """Steps creating ``topic`` if missing and subscribing the ``subscribers`` it lacks
    (others are left alone: they may have been added by hand). ``topic`` is
    ``aws_sns.describe_topic``'s answer with its ``name``; ``label`` follows the field names
    (`` NAME`` when a state manages several topics)."""
    steps = []
    if not topic["exists"]:
        steps.append(
            st.step(
                f"topic{label}", None, topic["name"], "aws_sns.create_topic", name=topic["name"]
            )
        )
    have = sorted(topic["subscribers"])
    every = sorted(set(have) | set(subscribers))
    steps += [
        st.step(
            f"subscribers{label}",
            have,
            every,
            "aws_sns.subscribe",
            topic_arn=topic["arn"],
            protocol="email",
            endpoint=endpoint,
        )
        for endpoint in dict.fromkeys(subscribers)
        if endpoint not in have
    ]
    return steps
