"""SES configuration sets and their event destinations, as the runbook's "Set up advanced
notifications" step makes them by hand: the set, an event destination sending the chosen
events to an SNS topic (created if missing), and the topic's email subscribers.

.. code-block:: yaml

    credere:
      ses_configuration_set.present:
        - region: us-east-1
        - event_destinations:
            credere-noreply-open-contracting-org:
              events: [RENDERING_FAILURE, REJECT, DELIVERY_DELAY]
              sns_topic: noreply-open-contracting-org
              subscribers: [sysadmin@open-contracting.org]
              queue: noreply-open-contracting-org-events  # optional SQS copy (aws_ses.feedback)
        - reputation_metrics: true           # optional; so are the settings below
        - sending_enabled: true
        - suppressed_reasons: [BOUNCE, COMPLAINT]
        - custom_redirect_domain: track.open-contracting.org

    old-set:
      ses_configuration_set.absent:
        - region: us-east-1

Event destinations the state does not declare are removed. Settings left out are not
managed. Topics and subscriptions are never deleted (a topic is often shared with an
identity's feedback notifications); subscribers not declared are left alone.
"""

from typing import TYPE_CHECKING

from awsrunbook import engine, plans, regions, sns
from awsrunbook import state as st
from awsrunbook import validate as valid

__virtualname__ = "ses_configuration_set"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__

EVENT_TYPES = (
    "SEND",
    "REJECT",
    "BOUNCE",
    "COMPLAINT",
    "DELIVERY",
    "OPEN",
    "CLICK",
    "RENDERING_FAILURE",
    "DELIVERY_DELAY",
    "SUBSCRIPTION",
)
DESTINATION_KEYS = ("enabled", "events", "sns_topic", "subscribers", "queue")
# What a newly created set has, per the SES v2 API reference.
NEW_SET = {
    "suppressed_reasons": None,
    "reputation_metrics": False,
    "sending_enabled": True,
    "custom_redirect_domain": None,
    "event_destinations": {},
}
OPTIONS = ("suppressed_reasons", "reputation_metrics", "sending_enabled", "custom_redirect_domain")


def __virtual__():
    return __virtualname__


def _destination(where, spec):
    if not isinstance(spec, dict):
        valid.fail(where, "must be a mapping with events and sns_topic", spec)
    unknown = sorted(set(spec) - set(DESTINATION_KEYS))
    if unknown:
        valid.fail(where, f"unknown key(s) {unknown}; allowed: {list(DESTINATION_KEYS)}")
    events = spec.get("events")
    if not isinstance(events, list) or not events:
        valid.fail(f"{where}:events", f"a non-empty list of {list(EVENT_TYPES)}", events)
    for event in events:
        if event not in EVENT_TYPES:
            valid.fail(
                f"{where}:events", f"unknown event type; allowed: {list(EVENT_TYPES)}", event
            )
    queue = spec.get("queue")
    return {
        "enabled": valid.boolean(spec.get("enabled", True), f"{where}:enabled"),
        "events": sorted(set(events)),
        "sns_topic": valid.sns_topic_name(spec.get("sns_topic"), f"{where}:sns_topic"),
        "subscribers": valid.email_addresses(spec.get("subscribers"), f"{where}:subscribers"),
        "queue": None if queue is None else valid.sqs_queue_name(queue, f"{where}:queue"),
    }


def destinations_of(value, arg="event_destinations"):
    """Validate the declared destinations; return them normalised. Pure."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        valid.fail(arg, "must map destination names to {events, sns_topic, ...}", value)
    result, feeds = {}, {}
    for dest, spec in value.items():
        where = f"{arg}:{dest}"
        valid.ses_name(dest, where)
        result[dest] = _destination(where, spec)
        queue, topic = result[dest]["queue"], result[dest]["sns_topic"]
        if queue is not None and feeds.setdefault(queue, topic) != topic:
            valid.fail(f"{where}:queue", f"is fed by the topic {feeds[queue]} already", queue)
    return result


def wanted_subscribers(destinations):
    """``{topic name: [addresses]}`` the destinations ask for. Pure."""
    wanted = {}
    for spec in destinations.values():
        addresses = wanted.setdefault(spec["sns_topic"], [])
        addresses += [a for a in spec["subscribers"] if a not in addresses]
    return wanted


def wanted_queues(destinations):
    """``{queue name: topic name}``: the SQS queues the destinations' topics feed. Pure."""
    return {
        spec["queue"]: spec["sns_topic"]
        for spec in destinations.values()
        if spec["queue"] is not None
    }


def plan_topics(destinations, topics, queues=None):
    """Steps creating missing queues (allowed for their topic only) and topics, and
    subscribing missing addresses and queues. Pure.

    ``topics``: ``{topic name: aws_sns.describe_topic's answer}``; ``queues``: ``{queue name:
    sqs_queue.describe_queue's answer}``.
    """
    feeds = wanted_queues(destinations)
    steps = [
        item
        for queue, topic in sorted(feeds.items())
        for item in sns.plan_queue(queues[queue], topics[topic]["arn"], f" {queue}")
    ]
    return steps + [
        item
        for topic, addresses in sorted(wanted_subscribers(destinations).items())
        for item in sns.plan_topic(
            {"name": topic, **topics[topic]},
            addresses,
            f" {topic}",
            queues=[queues[q]["arn"] for q, fed_by in sorted(feeds.items()) if fed_by == topic],
        )
    ]


def plan_configuration_set(name, desired, current, topic_arns):
    """Steps for the set, its settings and its event destinations. Pure.

    ``desired``: the settings to manage (``None`` values are not managed) and
    ``event_destinations`` (validated); ``current``: ``aws_ses_sending.describe_configuration_set``
    or ``None``; ``topic_arns``: ``{topic name: ARN}``.
    """
    steps = []
    if current is None:
        steps.append(
            plans.step(
                "configuration_set",
                None,
                name,
                "aws_ses_sending.create_configuration_set",
                name=name,
            )
        )
        current = NEW_SET
    steps += [
        plans.step(
            option,
            current[option],
            desired[option],
            "aws_ses_sending.put_configuration_set_option",
            name=name,
            option=option,
            value=desired[option],
        )
        for option in OPTIONS
        if desired.get(option) is not None and desired[option] != current[option]
    ]
    now = current["event_destinations"]
    for dest, spec in sorted(desired["event_destinations"].items()):
        wanted = {
            "enabled": spec["enabled"],
            "events": spec["events"],
            "sns_topic_arn": topic_arns[spec["sns_topic"]],
        }
        if now.get(dest) == wanted:
            continue
        steps.append(
            plans.step(
                f"event_destination {dest}",
                now.get(dest),
                wanted,
                "aws_ses_sending.put_event_destination",
                configuration_set=name,
                destination=dest,
                exists=dest in now,
                **wanted,
            )
        )
    for dest in sorted(set(now) - set(desired["event_destinations"])):
        steps.append(
            plans.step(
                f"event_destination {dest}",
                now[dest],
                None,
                "aws_ses_sending.delete_event_destination",
                configuration_set=name,
                destination=dest,
            )
        )
    return steps


@engine.state(region=regions.ses_region)
def present(
    name,
    event_destinations=None,
    suppressed_reasons=None,
    reputation_metrics=None,
    sending_enabled=None,
    custom_redirect_domain=None,
    *,
    run,
    **kwargs,
):
    """Ensure the configuration set ``name`` exists with exactly the declared event
    destinations, and the declared settings.

    event_destinations
        ``{destination name: {events: [...], sns_topic: TOPIC, subscribers: [emails],
        enabled: true}}``; events are any of SEND, REJECT, BOUNCE, COMPLAINT, DELIVERY,
        OPEN, CLICK, RENDERING_FAILURE, DELIVERY_DELAY, SUBSCRIPTION. The topic is created
        in the set's region if missing; subscribers must confirm by email. ``queue``: an SQS
        queue created if missing, subscribed to the topic and open to that topic only, for
        ``aws_ses.feedback QUEUE``.
    suppressed_reasons
        The set's own suppression list reasons (``[BOUNCE, COMPLAINT]``, or ``[]`` to
        suppress nothing for mail sent with this set).
    reputation_metrics, sending_enabled
        true or false.
    custom_redirect_domain
        The domain for open and click tracking links.
    region, profile, keyid, key, role_arn
        Connection arguments.
    """
    valid.ses_name(name)
    destinations = destinations_of(event_destinations)
    desired = {
        "suppressed_reasons": valid.suppressed_reasons(suppressed_reasons),
        "reputation_metrics": None
        if reputation_metrics is None
        else valid.boolean(reputation_metrics, "reputation_metrics"),
        "sending_enabled": None
        if sending_enabled is None
        else valid.boolean(sending_enabled, "sending_enabled"),
        "custom_redirect_domain": None
        if custom_redirect_domain is None
        else valid.domain(custom_redirect_domain, "custom_redirect_domain"),
        "event_destinations": destinations,
    }
    ret, conn, region = run.begin(name, kwargs)
    scope = run.id

    current = __salt__["aws_ses_sending.describe_configuration_set"](name, **conn)
    wanted = wanted_subscribers(destinations)
    topics = {
        topic: __salt__["aws_sns.describe_topic"](topic, scope=scope, **conn)
        for topic in sorted(wanted)
    }
    queues = {
        queue: __salt__["sqs_queue.describe_queue"](queue, **conn)
        for queue in sorted(wanted_queues(destinations))
    }
    steps = plan_topics(destinations, topics, queues)
    steps += plan_configuration_set(
        name, desired, current, {topic: t["arn"] for topic, t in topics.items()}
    )
    what = f"configuration set {name} ({region})"
    if run.apply(ret, steps, what, writes=[("sns_topic", topic) for topic in topics]):
        feeds = wanted_queues(destinations)
        for topic, found in topics.items():
            fed = [queues[q]["arn"] for q, fed_by in feeds.items() if fed_by == topic]
            __salt__["aws_sns.remember_topic"](
                found, wanted[topic], scope=scope, queues=fed, **conn
            )
    return ret


@engine.state(region=regions.ses_region)
def absent(name, *, run, **kwargs):
    """Ensure the configuration set ``name`` is gone, with its event destinations. The SNS
    topics it sent to are kept."""
    valid.ses_name(name)
    ret, conn, region = run.begin(name, kwargs)
    current = __salt__["aws_ses_sending.describe_configuration_set"](name, **conn)
    steps = []
    if current is not None:
        steps.append(
            plans.step(
                "configuration_set",
                {"name": name, "event_destinations": sorted(current["event_destinations"])},
                None,
                "aws_ses_sending.delete_configuration_set",
                name=name,
            )
        )
    what = f"configuration set {name} ({region})"
    run.apply(ret, steps, what, converged=st.ABSENT)
    return ret
