"""``awsrunbook.sns``: the steps that make a feedback topic, subscribe to it and let it send to
an SQS queue (what ``ses_identity`` and ``ses_configuration_set`` plan from)."""

from awsrunbook import plans, sns

ARN = "arn:aws:sns:us-east-1:123456789012:feedback"
OTHER_ARN = "arn:aws:sns:us-east-1:123456789012:other-feedback"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:feedback"


def topic(exists=True, subscribers=(), queues=()):
    return {
        "name": "feedback",
        "arn": ARN,
        "exists": exists,
        "subscribers": sorted(subscribers),
        "queues": sorted(queues),
    }


def queue(exists=True, policy=None, url="https://sqs.us-east-1.amazonaws.com/1/feedback"):
    return {
        "name": "feedback",
        "arn": QUEUE_ARN,
        "url": url if exists else None,
        "exists": exists,
        "policy": policy,
    }


def test_a_missing_topic_is_created_then_subscribed_to():
    steps = sns.plan_topic(topic(exists=False), ["ops@example.org"], queues=[QUEUE_ARN])
    assert [(s["field"], s["call"], s["kwargs"]) for s in steps] == [
        ("topic", "aws_sns.create_topic", {"name": "feedback"}),
        (
            "subscribers",
            "aws_sns.subscribe",
            {"topic_arn": ARN, "protocol": "email", "endpoint": "ops@example.org"},
        ),
        (
            "queues",
            "aws_sns.subscribe",
            {"topic_arn": ARN, "protocol": "sqs", "endpoint": QUEUE_ARN},
        ),
    ]
    assert (steps[0]["old"], steps[0]["new"]) == (None, "feedback")


def test_only_missing_subscribers_are_added_and_hand_added_ones_kept():
    have = topic(subscribers=["ops@example.org", "by-hand@example.org"])
    steps = sns.plan_topic(have, ["ops@example.org", "new@example.org", "new@example.org"])
    (added,) = steps  # a repeated address is subscribed once; none is unsubscribed
    assert added["kwargs"]["endpoint"] == "new@example.org"
    # The change shows the whole list after, with the hand-added address still there.
    assert added["old"] == ["by-hand@example.org", "ops@example.org"]
    assert added["new"] == ["by-hand@example.org", "new@example.org", "ops@example.org"]


def test_a_converged_topic_needs_no_step():
    have = topic(subscribers=["ops@example.org"], queues=[QUEUE_ARN])
    assert sns.plan_topic(have, ["ops@example.org"], queues=[QUEUE_ARN]) == []


def test_the_label_names_the_fields_of_one_of_several_topics():
    steps = sns.plan_topic(topic(exists=False), ["ops@example.org"], label=" bounce")
    assert [s["field"] for s in steps] == ["topic bounce", "subscribers bounce"]


def test_the_queue_statement_lets_this_topic_alone_send():
    statement = sns.queue_statement(QUEUE_ARN, ARN)
    assert statement == {
        "Sid": "ses-feedback-from-feedback",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": QUEUE_ARN,
        "Condition": {"ArnEquals": {"aws:SourceArn": ARN}},
    }
    assert sns.queue_statement(QUEUE_ARN, OTHER_ARN)["Sid"] != statement["Sid"]


def test_queue_policy_keeps_other_statements_and_replaces_its_own():
    by_hand = {"Sid": "by-hand", "Effect": "Allow", "Principal": "*", "Action": "sqs:*"}
    stale = dict(sns.queue_statement(QUEUE_ARN, ARN), Resource="arn:aws:sqs:::old")
    current = {"Version": "2008-10-17", "Id": "kept", "Statement": [by_hand, stale]}
    policy = sns.queue_policy(current, QUEUE_ARN, ARN)
    assert policy == {
        "Version": "2008-10-17",
        "Id": "kept",
        "Statement": [by_hand, sns.queue_statement(QUEUE_ARN, ARN)],
    }
    both = sns.queue_policy(policy, QUEUE_ARN, OTHER_ARN)
    assert [s["Sid"] for s in both["Statement"]] == [
        "by-hand",
        "ses-feedback-from-feedback",
        "ses-feedback-from-other-feedback",
    ]
    assert sns.queue_policy(None, QUEUE_ARN, ARN) == {
        "Version": sns.POLICY_VERSION,
        "Statement": [sns.queue_statement(QUEUE_ARN, ARN)],
    }


def test_a_missing_queue_is_created_and_its_url_passed_on():
    steps = sns.plan_queue(queue(exists=False), ARN, label=" bounce")
    assert [(s["field"], s["call"]) for s in steps] == [
        ("queue bounce", "sqs_queue.create_queue"),
        ("queue_policy bounce", "sqs_queue.set_queue_policy"),
    ]
    assert steps[0]["save"] == "queue_url bounce"
    url = steps[1]["kwargs"]["url"]
    assert (
        isinstance(url, plans.Ref) and url.resolve({"queue_url bounce": "https://q"}) == "https://q"
    )
    assert steps[1]["kwargs"]["policy"]["Statement"] == [sns.queue_statement(QUEUE_ARN, ARN)]


def test_an_allowed_queue_needs_no_step_and_another_topic_is_added():
    allowed = {"Version": "2012-10-17", "Statement": [sns.queue_statement(QUEUE_ARN, ARN)]}
    assert sns.plan_queue(queue(policy=allowed), ARN) == []
    (step,) = sns.plan_queue(queue(policy=allowed), OTHER_ARN)
    assert step["old"] == allowed
    assert step["kwargs"]["url"] == queue()["url"]
    assert step["kwargs"]["policy"]["Statement"] == [
        sns.queue_statement(QUEUE_ARN, ARN),
        sns.queue_statement(QUEUE_ARN, OTHER_ARN),
    ]
