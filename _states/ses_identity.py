"""SES identities (domains and email addresses) with Easy DKIM, a custom MAIL FROM domain and
feedback notifications, as the runbook's "Verify a domain", "Verify an email address", "Use a
MAIL FROM domain" and "Set up basic notifications" steps make them by hand.

.. code-block:: yaml

    noreply.example.org:
      ses_identity.present:
        - region: us-east-1
        - dkim: RSA_2048_BIT              # Easy DKIM (the default)
        - mail_from_domain: bounce.noreply.example.org
        - behavior_on_mx_failure: USE_DEFAULT_VALUE
        - notifications:
            topic: noreply-example-org    # SNS topic, created (Standard) if missing
            subscribers:
              - ops@example.org           # email subscriptions (confirmed by mail)
            bounce: true
            complaint: true
            delivery: false
            include_headers: true
        - tags:
            team: ops

    ops@example.org:
      ses_identity.present:
        - region: us-east-1

    old.example.org:
      ses_identity.absent:
        - region: us-east-1

The state reports the DNS records to publish (three DKIM CNAMEs, the MAIL FROM MX and SPF
TXT, a starting DMARC TXT) in zone-file form in its comment, with the verification status of
the identity, its DKIM and its MAIL FROM; ``changes`` holds them under ``dns_records`` when
they change. ``wait: SECONDS`` polls until all of them succeed and fails the state, listing
the records still missing, when the time is up.

Arguments not given are not managed: ``mail_from_domain``, ``notifications``,
``configuration_set`` and ``tags`` left out leave whatever the identity has. To remove a MAIL
FROM domain or a configuration set, give ``false``; to remove every tag, give ``{}``.
"""

import hashlib

import awsrunbook_client as aws
import awsrunbook_state as st
import awsrunbook_validate as valid
from salt.exceptions import SaltInvocationError

__virtualname__ = "ses_identity"

KEY_LENGTHS = ("RSA_2048_BIT", "RSA_1024_BIT")
MX_FAILURE_BEHAVIORS = ("USE_DEFAULT_VALUE", "REJECT_MESSAGE")
NOTIFICATION_TYPES = ("Bounce", "Complaint", "Delivery")
NOTIFICATION_DEFAULTS = {
    "subscribers": [],
    "bounce": True,
    "complaint": True,
    "delivery": False,
    "include_headers": True,
    "feedback_forwarding": True,
}
NOTIFICATION_KEYS = ("topic", *NOTIFICATION_DEFAULTS)
DEFAULT_DMARC = "v=DMARC1; p=none;"


def __virtual__():
    return __virtualname__


# --- validation (pure) ----------------------------------------------------------------------


def identity_name(name):
    """``(normalized name, "DOMAIN" | "EMAIL_ADDRESS")``. Domains are case-insensitive
    (lower-cased); an address's local part is kept as given."""
    if isinstance(name, str) and "@" in name:
        return valid.email_address(name, "name"), "EMAIL_ADDRESS"
    return valid.domain(name, "name"), "DOMAIN"


def _notifications(value):
    if value is None:
        return None
    if not isinstance(value, dict):
        valid.fail("notifications", f"must be a mapping of {list(NOTIFICATION_KEYS)}", value)
    unknown = sorted(set(value) - set(NOTIFICATION_KEYS))
    if unknown:
        valid.fail("notifications", f"unknown key(s) {unknown}; allowed: {list(NOTIFICATION_KEYS)}")
    merged = {**NOTIFICATION_DEFAULTS, **value}
    valid.sns_topic_name(merged.get("topic"), "notifications:topic")
    merged["subscribers"] = valid.email_addresses(
        merged["subscribers"], "notifications:subscribers"
    )
    for key in ("bounce", "complaint", "delivery", "include_headers", "feedback_forwarding"):
        valid.boolean(merged[key], f"notifications:{key}")
    if not merged["feedback_forwarding"] and not (merged["bounce"] and merged["complaint"]):
        valid.fail(
            "notifications:feedback_forwarding",
            "can only be false when both bounce and complaint notifications go to the topic "
            "(SES refuses to stop email feedback otherwise)",
        )
    return merged


def _mail_from(value, behavior, identity):
    valid.one_of(behavior, "behavior_on_mx_failure", MX_FAILURE_BEHAVIORS)
    if value is None:
        return None
    if value is False:
        return {"domain": None, "behavior_on_mx_failure": "USE_DEFAULT_VALUE"}
    domain = valid.domain(value, "mail_from_domain")
    parent = identity.split("@")[-1]
    if not domain.endswith("." + parent):
        valid.fail("mail_from_domain", f"must be a subdomain of {parent}", value)
    return {"domain": domain, "behavior_on_mx_failure": behavior}


def _tags(value):
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        valid.fail("tags", "must be a mapping of tag names to string values", value)
    return dict(value)


def desired_identity(
    name,
    dkim=None,
    mail_from_domain=None,
    behavior_on_mx_failure="USE_DEFAULT_VALUE",
    notifications=None,
    configuration_set=None,
    tags=None,
    dmarc=None,
):
    """Validate the arguments; return what the identity should look like. Pure: no AWS.
    Raises ``SaltInvocationError`` naming the argument."""
    identity, kind = identity_name(name)
    if kind == "EMAIL_ADDRESS":
        if dkim is not None:
            valid.fail("dkim", "Easy DKIM applies to domain identities only", dkim)
        if dmarc not in (None, False):
            valid.fail("dmarc", "applies to domain identities only", dmarc)
    key_length = None
    if kind == "DOMAIN":
        key_length = valid.one_of(dkim or "RSA_2048_BIT", "dkim", KEY_LENGTHS)
    if configuration_set not in (None, False):
        valid.ses_name(configuration_set, "configuration_set")
    if dmarc is None:
        dmarc = DEFAULT_DMARC if kind == "DOMAIN" else False
    if dmarc is not False and (not isinstance(dmarc, str) or not dmarc.startswith("v=DMARC1")):
        valid.fail(
            "dmarc", "must be a DMARC record value starting with 'v=DMARC1', or false", dmarc
        )
    return {
        "identity": identity,
        "type": kind,
        "dkim": key_length,
        "mail_from": _mail_from(mail_from_domain, behavior_on_mx_failure, identity),
        "notifications": _notifications(notifications),
        "configuration_set": None if configuration_set is None else (configuration_set or ""),
        "tags": _tags(tags),
        "dmarc": dmarc or None,
    }


# --- planning (pure) ------------------------------------------------------------------------


def _fresh_identity(desired):
    """What ``create_identity`` leaves behind."""
    return {
        "type": desired["type"],
        "verification_status": "PENDING",
        "dkim": {
            "signing_enabled": desired["type"] == "DOMAIN",
            "origin": "AWS_SES",
            "next_key_length": desired["dkim"],
            "tokens": [],
            "status": "PENDING" if desired["type"] == "DOMAIN" else "NOT_STARTED",
        },
        "mail_from": None,
        "feedback_forwarding": True,
        "configuration_set": desired["configuration_set"] or None,
        "tags": dict(desired["tags"] or {}),
    }


FRESH_NOTIFICATIONS = {
    "topics": dict.fromkeys(NOTIFICATION_TYPES),
    "headers": dict.fromkeys(NOTIFICATION_TYPES, False),
    "feedback_forwarding": True,
}


def _mail_from_of(found):
    mail_from = found.get("mail_from")
    if not mail_from:
        return None
    return {
        "domain": mail_from["domain"],
        "behavior_on_mx_failure": mail_from.get("behavior_on_mx_failure") or "USE_DEFAULT_VALUE",
    }


def _plan_dkim(name, desired, current):
    steps = []
    dkim = current["dkim"]
    if dkim.get("origin") != "AWS_SES" or dkim.get("next_key_length") != desired["dkim"]:
        old = dkim.get("next_key_length") if dkim.get("origin") == "AWS_SES" else dkim.get("origin")
        steps.append(
            st.step(
                "dkim",
                old,
                desired["dkim"],
                "aws_ses.put_dkim_signing_key_length",
                identity=name,
                key_length=desired["dkim"],
            )
        )
    if not dkim.get("signing_enabled"):
        steps.append(
            st.step(
                "dkim_signing",
                False,
                True,
                "aws_ses.put_dkim_signing_enabled",
                identity=name,
                enabled=True,
            )
        )
    return steps


def _plan_tags(name, desired_tags, current_tags):
    steps = []
    to_set = {k: v for k, v in desired_tags.items() if current_tags.get(k) != v}
    to_remove = sorted(
        k for k in current_tags if k not in desired_tags and not k.startswith("aws:")
    )
    new = {**{k: v for k, v in current_tags.items() if k not in to_remove}, **desired_tags}
    if to_set:
        steps.append(
            st.step("tags", current_tags, new, "aws_ses.tag_identity", identity=name, tags=to_set)
        )
    if to_remove:
        steps.append(
            st.step(
                "tags", current_tags, new, "aws_ses.untag_identity", identity=name, keys=to_remove
            )
        )
    return steps


def _plan_notifications(name, want, notes, topic):
    steps = []
    arn = topic["arn"]
    if not topic["exists"]:
        steps.append(
            st.step("topic", None, topic["name"], "aws_sns.create_topic", name=topic["name"])
        )
    have = sorted(topic["subscribers"])
    every = sorted(set(have) | set(want["subscribers"]))
    for endpoint in want["subscribers"]:
        if endpoint not in have:
            steps.append(
                st.step(
                    "subscribers",
                    have,
                    every,
                    "aws_sns.subscribe",
                    topic_arn=arn,
                    protocol="email",
                    endpoint=endpoint,
                )
            )
    forwarding = None
    if notes["feedback_forwarding"] != want["feedback_forwarding"]:
        forwarding = st.step(
            "feedback_forwarding",
            notes["feedback_forwarding"],
            want["feedback_forwarding"],
            "aws_ses.put_feedback_forwarding",
            identity=name,
            enabled=want["feedback_forwarding"],
        )
    # Forwarding must be on before a topic goes, and can only go off once both are set.
    if forwarding and want["feedback_forwarding"]:
        steps.append(forwarding)
    for kind in NOTIFICATION_TYPES:
        wanted = arn if want[kind.lower()] else None
        if notes["topics"].get(kind) != wanted:
            steps.append(
                st.step(
                    f"{kind.lower()}_topic",
                    notes["topics"].get(kind),
                    wanted,
                    "aws_ses.set_notification_topic",
                    identity=name,
                    notification_type=kind,
                    topic_arn=wanted,
                )
            )
    for kind in NOTIFICATION_TYPES:
        if want[kind.lower()] and notes["headers"].get(kind) != want["include_headers"]:
            steps.append(
                st.step(
                    f"{kind.lower()}_headers",
                    notes["headers"].get(kind),
                    want["include_headers"],
                    "aws_ses.set_headers_in_notifications",
                    identity=name,
                    notification_type=kind,
                    enabled=want["include_headers"],
                )
            )
    if forwarding and not want["feedback_forwarding"]:
        steps.append(forwarding)
    return steps


def plan_identity(desired, current, notes=None, topic=None):
    """Steps that take the identity from ``current`` (``aws_ses.get_identity``'s answer,
    ``None`` when missing) to ``desired`` (``desired_identity``'s answer). ``notes`` is the
    identity's ``aws_ses.notification_attributes`` answer and ``topic`` the notification
    topic as ``{"name", "arn", "exists", "subscribers"}``; both only matter when
    notifications are managed. Pure: no AWS."""
    name = desired["identity"]
    steps = []
    if current is None:
        created = {"type": desired["type"]}
        if desired["dkim"]:
            created["dkim"] = desired["dkim"]
        steps.append(
            st.step(
                "identity",
                None,
                created,
                "aws_ses.create_identity",
                identity=name,
                key_length=desired["dkim"],
                configuration_set=desired["configuration_set"] or None,
                tags=desired["tags"] or None,
            )
        )
        current, notes = _fresh_identity(desired), FRESH_NOTIFICATIONS
    if desired["type"] == "DOMAIN":
        steps.extend(_plan_dkim(name, desired, current))
    want_mail_from = desired["mail_from"]
    if want_mail_from is not None:
        have = _mail_from_of(current)
        want = want_mail_from if want_mail_from["domain"] else None
        if have != want:
            steps.append(
                st.step(
                    "mail_from",
                    have,
                    want,
                    "aws_ses.put_mail_from",
                    identity=name,
                    mail_from_domain=want_mail_from["domain"],
                    behavior_on_mx_failure=want_mail_from["behavior_on_mx_failure"],
                )
            )
    want_set = desired["configuration_set"]
    if want_set is not None and (want_set or None) != current.get("configuration_set"):
        steps.append(
            st.step(
                "configuration_set",
                current.get("configuration_set"),
                want_set or None,
                "aws_ses.put_configuration_set",
                identity=name,
                configuration_set=want_set or None,
            )
        )
    if desired["tags"] is not None:
        steps.extend(_plan_tags(name, desired["tags"], current.get("tags") or {}))
    if desired["notifications"] is not None:
        steps.extend(
            _plan_notifications(name, desired["notifications"], notes or FRESH_NOTIFICATIONS, topic)
        )
    return steps


def records_for(desired, found, region, build):
    """The DNS records the identity needs once ``desired`` is applied to ``found`` (``None``:
    not created yet, so the DKIM tokens are placeholders). ``build`` is
    ``aws_ses.build_dns_records``."""
    if found is None:
        tokens = [f"<dkim-token-{i}>" for i in (1, 2, 3)] if desired["type"] == "DOMAIN" else []
        mail_from = None
    else:
        tokens = found["dkim"]["tokens"] if found["dkim"].get("signing_enabled") else []
        mail_from = (found.get("mail_from") or {}).get("domain")
    if desired["mail_from"] is not None:
        mail_from = desired["mail_from"]["domain"]
    return build(desired["identity"], region, tokens, mail_from, desired["dmarc"])


def status_lines(found, identity):
    """The comment's status line for ``found`` (``None``: the identity does not exist)."""
    if found is None:
        return [f"Status: {identity} does not exist yet"]
    parts = [f"identity {found['verification_status']}"]
    if found["type"] != "EMAIL_ADDRESS":
        parts.append(f"DKIM {found['dkim']['status']}")
    if found.get("mail_from"):
        parts.append(f"MAIL FROM {found['mail_from']['status']}")
    lines = ["Status: " + ", ".join(parts)]
    if found["type"] == "EMAIL_ADDRESS" and found["verification_status"] != "SUCCESS":
        lines.append(f"Open the verification link SES mailed to {identity}.")
    return lines


def missing_records(found, records):
    """The records (and steps) still outstanding for ``found``: what a timed-out wait lists."""
    missing = []
    if found["type"] != "EMAIL_ADDRESS" and found["dkim"]["status"] != "SUCCESS":
        missing += [r for r in records if r["type"] == "CNAME"]
    if found.get("mail_from") and found["mail_from"]["status"] != "SUCCESS":
        missing += [r for r in records if r["name"] == found["mail_from"]["domain"]]
    return missing


# --- the states -----------------------------------------------------------------------------


def _run_global(key):
    """A global Salt injects for one state run (``__lowstate__``, ``__instance_id__``);
    ``None`` outside a state run."""
    return globals().get(key)


def _peers(name, conn):
    """Other identities with notifications in this run on the same connection: read in the
    same batched call as ``name``."""
    peers = []
    for chunk in _run_global("__lowstate__") or []:
        if chunk.get("state") != "ses_identity" or chunk.get("fun") != "present":
            continue
        if not chunk.get("notifications"):
            continue
        if {k: chunk[k] for k in aws.CONNECTION_ARGS if chunk.get(k) is not None} != conn:
            continue
        try:
            peer, _ = identity_name(chunk.get("name"))
        except SaltInvocationError:  # that state reports its own bad input
            continue
        if peer != name:
            peers.append(peer)
    return peers


def _run_topics(conn, name):
    """This run's memory of SNS topics (``None`` outside a state run): identities sharing a
    topic read it once, and in test mode a topic an earlier state would create counts as
    there."""
    scope = _run_global("__instance_id__")
    if scope is None:
        return None, None
    runs = __context__.get("ses_identity.topics")
    if not runs or runs["scope"] != scope:
        runs = __context__["ses_identity.topics"] = {"scope": scope, "topics": {}}
    key = (name, hashlib.sha256(repr(sorted(conn.items())).encode()).hexdigest())
    return runs["topics"], key


def _topic(desired, conn):
    want = desired["notifications"]
    if want is None:
        return None
    known, key = _run_topics(conn, want["topic"])
    if known is not None and key in known:
        return dict(known[key])
    return {"name": want["topic"], **__salt__["aws_sns.describe_topic"](want["topic"], **conn)}


def _remember_topic(topic, want, conn):
    """After this state's plan ran (or, in test mode, would have): the topic exists with its
    subscribers, for the next state of the run."""
    known, key = _run_topics(conn, topic["name"])
    if known is not None:
        every = sorted(set(topic["subscribers"]) | set(want["subscribers"]))
        known[key] = {**topic, "exists": True, "subscribers": every}


@st.reports_errors
def present(
    name,
    dkim=None,
    mail_from_domain=None,
    behavior_on_mx_failure="USE_DEFAULT_VALUE",
    notifications=None,
    configuration_set=None,
    tags=None,
    dmarc=None,
    wait=None,
    **kwargs,
):
    """Ensure the SES identity ``name`` (a domain or an email address) exists as described.

    name
        A domain (``noreply.example.org``, case-insensitive) or an email address
        (``ops@example.org``, case-sensitive).
    dkim
        Easy DKIM key length for a domain: ``RSA_2048_BIT`` (default) or ``RSA_1024_BIT``.
        Signing is turned on. Not for addresses.
    mail_from_domain
        Custom MAIL FROM domain, a subdomain of the identity's domain; ``false`` removes it.
    behavior_on_mx_failure
        ``USE_DEFAULT_VALUE`` (default) or ``REJECT_MESSAGE``.
    notifications
        ``topic`` (SNS topic name, created as a Standard topic if missing), ``subscribers``
        (email endpoints subscribed to it), ``bounce``/``complaint``/``delivery`` (which
        feedback goes to the topic; default true/true/false), ``include_headers`` (original
        headers in notifications, default true), ``feedback_forwarding`` (feedback by email,
        default true; false needs bounce and complaint on the topic).
    configuration_set
        The identity's default configuration set; ``false`` removes it.
    tags
        Mapping of tag names to values (tags not listed are removed).
    dmarc
        The DMARC TXT value to publish at ``_dmarc.DOMAIN`` (default ``v=DMARC1; p=none;``, a
        starting policy); ``false`` when the domain already publishes one.
    wait
        Seconds to wait for the identity, DKIM and MAIL FROM to be verified; when the time is
        up the state fails, listing the records SES has not seen yet.
    region, profile, keyid, key, role_arn
        Connection arguments.
    """
    conn = aws.split_connection_args(kwargs)
    desired = desired_identity(
        name,
        dkim,
        mail_from_domain,
        behavior_on_mx_failure,
        notifications,
        configuration_set,
        tags,
        dmarc,
    )
    if wait is not None and (isinstance(wait, bool) or not isinstance(wait, int) or wait < 0):
        valid.fail("wait", "must be a whole number of seconds", wait)
    valid.no_unknown(kwargs, "ses_identity.present")
    region = valid.region(aws.region_of(conn, __salt__.get("config.option")))
    identity = desired["identity"]
    ret = st.new_ret(name)
    build = __salt__["aws_ses.build_dns_records"]

    current = __salt__["aws_ses.get_identity"](identity, **conn)
    notes = None
    if current is not None and desired["notifications"] is not None:
        scope = _run_global("__instance_id__")
        notes = __salt__["aws_ses.notification_attributes"](
            [identity], prefetch=_peers(identity, conn), scope=scope, **conn
        )[identity]
    topic = _topic(desired, conn)
    steps = plan_identity(desired, current, notes, topic)
    old_records = (
        []
        if current is None
        else records_for({**desired, "mail_from": None}, current, region, build)
    )
    test = __opts__["test"]
    applied = st.run_plan(ret, steps, __salt__, conn, test, f"SES identity {identity}")
    if topic is not None and applied:
        _remember_topic(topic, desired["notifications"], conn)
    after = current
    if steps and not test and applied:
        after = __salt__["aws_ses.get_identity"](identity, **conn)
    if test or not applied:
        records = records_for(desired, current, region, build)
    else:
        records = records_for(desired, after, region, build)
    if records != old_records and (test or applied):
        ret["changes"]["dns_records"] = {"old": old_records, "new": records}

    if applied and not test and wait and after is not None:
        if not __salt__["aws_ses.is_verified"](after):
            after = __salt__["aws_ses.wait_verified"](identity, wait, **conn)
        if after is not None and not __salt__["aws_ses.is_verified"](after):
            ret["result"] = False
            missing = missing_records(after, records)
            st.append_comment(
                ret,
                f"Not verified after {wait} s. Records SES has not seen yet:",
                __salt__["aws_ses.zone_file"](missing) if missing else "(none: see status)",
            )
    st.append_comment(ret, *status_lines(after if not test else current, identity))
    if records:
        st.append_comment(
            ret,
            "DNS records to publish (zone-file form):",
            __salt__["aws_ses.zone_file"](records),
        )
    else:
        st.append_comment(ret, "No DNS records to publish.")
    return ret


@st.reports_errors
def absent(name, **kwargs):
    """Ensure the SES identity ``name`` does not exist. Its SNS topic is left alone (other
    identities or configuration sets may use it)."""
    conn = aws.split_connection_args(kwargs)
    identity, _ = identity_name(name)
    valid.no_unknown(kwargs, "ses_identity.absent")
    valid.region(aws.region_of(conn, __salt__.get("config.option")))
    ret = st.new_ret(name)
    current = __salt__["aws_ses.get_identity"](identity, **conn)
    if current is None:
        ret["comment"] = f"SES identity {identity} is already absent"
        return ret
    steps = [
        st.step(
            "identity",
            {"type": current["type"]},
            None,
            "aws_ses.delete_identity",
            identity=identity,
        )
    ]
    st.run_plan(ret, steps, __salt__, conn, __opts__["test"], f"SES identity {identity}")
    return ret
