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
            queue: noreply-example-org-feedback  # SQS copy, read by aws_ses.feedback
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

    mail.example.org:
      ses_identity.present:
        - region: us-east-1
        - mail_from_domain: bounce.mail.example.org
        - dns:                            # publish the records (here: Route 53)
            provider: route53
            zone: example.org

The state reports the DNS records to publish (three DKIM CNAMEs, the MAIL FROM MX and SPF
TXT, a starting DMARC TXT) in zone-file form in its comment, with the verification status of
the identity, its DKIM and its MAIL FROM; ``changes`` holds them under ``dns_records`` when
they change. ``wait: SECONDS`` polls until all of them succeed and fails the state, listing
the records still missing, when the time is up.

With ``dns`` (``provider``: ``route53``, ``cloudflare`` or ``rfc2136``, ``zone`` and the
provider's settings, as for ``dns_record``) the state publishes the records itself:
``changes`` then shows ``dns_records`` per record set written (``NAME TYPE: {old, new}``),
and ``.absent`` with the same ``dns`` takes out exactly the values the identity published.
``check_dns: true`` (with ``resolvers``, ``HOST:PORT`` strings, to ask other servers than
the zone's authoritative ones) adds a live check of each record to the comment.

Arguments not given are not managed: ``mail_from_domain``, ``notifications``,
``configuration_set`` and ``tags`` left out leave whatever the identity has. To remove a MAIL
FROM domain or a configuration set, give ``false``; to remove every tag, give ``{}``.
"""

import logging
import time
from typing import TYPE_CHECKING

from awsrunbook import (
    dnsrecords,
    engine,
    identitydns,
    plans,
    receipt,
    regions,
    ses,
    sns,
    verification,
)
from awsrunbook import readahead as ra
from awsrunbook import state as st
from awsrunbook import validate as valid
from salt.exceptions import CommandExecutionError

log = logging.getLogger(__name__)

__virtualname__ = "ses_identity"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __pillar__, __salt__


def __virtual__():
    return __virtualname__


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
    "topics": dict.fromkeys(ses.NOTIFICATION_TYPES),
    "headers": dict.fromkeys(ses.NOTIFICATION_TYPES, False),
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
            plans.step(
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
            plans.step(
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
            plans.step(
                "tags", current_tags, new, "aws_ses.tag_identity", identity=name, tags=to_set
            )
        )
    if to_remove:
        steps.append(
            plans.step(
                "tags", current_tags, new, "aws_ses.untag_identity", identity=name, keys=to_remove
            )
        )
    return steps


def _forwarding_step(name, want, notes):
    if notes["feedback_forwarding"] == want["feedback_forwarding"]:
        return None
    return plans.step(
        "feedback_forwarding",
        notes["feedback_forwarding"],
        want["feedback_forwarding"],
        "aws_ses.put_feedback_forwarding",
        identity=name,
        enabled=want["feedback_forwarding"],
    )


def _topic_steps(name, want, notes, arn):
    steps = []
    for kind in ses.NOTIFICATION_TYPES:
        wanted = arn if want[kind.lower()] else None
        if notes["topics"].get(kind) != wanted:
            steps.append(
                plans.step(
                    f"{kind.lower()}_topic",
                    notes["topics"].get(kind),
                    wanted,
                    "aws_ses.set_notification_topic",
                    identity=name,
                    notification_type=kind,
                    topic_arn=wanted,
                )
            )
    return steps


def _header_steps(name, want, notes):
    return [
        plans.step(
            f"{kind.lower()}_headers",
            notes["headers"].get(kind),
            want["include_headers"],
            "aws_ses.set_headers_in_notifications",
            identity=name,
            notification_type=kind,
            enabled=want["include_headers"],
        )
        for kind in ses.NOTIFICATION_TYPES
        if want[kind.lower()] and notes["headers"].get(kind) != want["include_headers"]
    ]


def _plan_notifications(name, want, notes, topic, queue):
    steps = []
    if want["queue"] is not None:
        # The queue takes the topic's messages before it is subscribed: none are lost.
        steps += sns.plan_queue(queue, topic["arn"])
    queues = [queue["arn"]] if want["queue"] is not None else []
    steps += sns.plan_topic(topic, want["subscribers"], queues=queues)
    forwarding = _forwarding_step(name, want, notes)
    # Forwarding must be on before a topic goes, and can only go off once both are set.
    if forwarding and want["feedback_forwarding"]:
        steps.append(forwarding)
    steps += _topic_steps(name, want, notes, topic["arn"])
    steps += _header_steps(name, want, notes)
    if forwarding and not want["feedback_forwarding"]:
        steps.append(forwarding)
    return steps


def _plan_mail_from(name, want_mail_from, current):
    if want_mail_from is None:
        return []
    have = _mail_from_of(current)
    want = want_mail_from if want_mail_from["domain"] else None
    if have == want:
        return []
    return [
        plans.step(
            "mail_from",
            have,
            want,
            "aws_ses.put_mail_from",
            identity=name,
            mail_from_domain=want_mail_from["domain"],
            behavior_on_mx_failure=want_mail_from["behavior_on_mx_failure"],
        )
    ]


def _plan_configuration_set(name, want_set, current):
    if want_set is None or (want_set or None) == current.get("configuration_set"):
        return []
    return [
        plans.step(
            "configuration_set",
            current.get("configuration_set"),
            want_set or None,
            "aws_ses.put_configuration_set",
            identity=name,
            configuration_set=want_set or None,
        )
    ]


def plan_identity(desired, current, notes=None, topic=None, queue=None):
    """Steps that take the identity from ``current`` (``aws_ses.get_identity``'s answer,
    ``None`` when missing) to ``desired`` (``desired_identity``'s answer). ``notes`` is the
    identity's ``aws_ses.notification_attributes`` answer, ``topic`` the notification
    topic as ``aws_sns.describe_topic`` gives it and ``queue`` the feedback queue as
    ``sqs_queue.describe_queue`` gives it; they only matter when notifications (with a
    ``queue``) are managed. Pure."""
    name = desired["identity"]
    steps = []
    if current is None:
        created = {"type": desired["type"]}
        if desired["dkim"]:
            created["dkim"] = desired["dkim"]
        steps.append(
            plans.step(
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
        steps += _plan_dkim(name, desired, current)
    steps += _plan_mail_from(name, desired["mail_from"], current)
    steps += _plan_configuration_set(name, desired["configuration_set"], current)
    if desired["tags"] is not None:
        steps.extend(_plan_tags(name, desired["tags"], current.get("tags") or {}))
    if desired["notifications"] is not None:
        steps.extend(
            _plan_notifications(
                name, desired["notifications"], notes or FRESH_NOTIFICATIONS, topic, queue
            )
        )
    return steps


def plan_absent(identity, current):
    """The step deleting the identity (none when it is gone). Pure."""
    if current is None:
        return []
    return [
        plans.step(
            "identity",
            {"type": current["type"]},
            None,
            "aws_ses.delete_identity",
            identity=identity,
        )
    ]


# --- the states -----------------------------------------------------------------------------


def _identity(chunk):
    """An identity state's read: its identity (for the run's read-ahead)."""
    identity, _ = valid.ses_identity(chunk["name"])
    return ra.peer(identity, ("ses_identity", identity))


def _topic(chunk):
    """An identity state's topic read (for the run's read-ahead), if it manages one."""
    notifications = chunk.get("notifications")
    topic = notifications.get("topic") if isinstance(notifications, dict) else None
    return ra.peer(topic, ("sns_topic", topic)) if isinstance(topic, str) and topic else None


READ_AHEAD = (
    ra.Kind("ses_identity", _identity, ra.reads_with("aws_ses.get_identity")),
    ra.Kind(
        "sns_topic",
        _topic,
        ra.reads_with("aws_sns.describe_topic", scoped=True),
        needs_account=True,
    ),
)


def _peers(name, conn, run):
    """Other identities with notifications in this run on the same connection: read in the
    same batched call as ``name``."""
    found = run.once(
        "ses_identity notifications",
        lambda lowstate: ra.peers(lowstate, __virtualname__, conn, _with_topic),
        conn,
    )
    return [peer for peer in found if peer != name]


def _with_topic(chunk):
    """The identity of a chunk that manages notifications to a topic (else ``None``)."""
    return _topic(chunk) and _identity(chunk).key


def _read(desired, conn, run):
    """``(identity, notification attributes, topic, queue)`` as they are now."""
    identity = desired["identity"]
    current = run.read("ses_identity", conn, ra.peer(identity, ("ses_identity", identity)))
    want = desired["notifications"]
    if want is None:
        return current, None, None, None
    notes = None
    if current is not None:
        notes = __salt__["aws_ses.notification_attributes"](
            [identity], prefetch=_peers(identity, conn, run), scope=run.id, **conn
        )[identity]
    me = ra.peer(want["topic"], ("sns_topic", want["topic"]))
    topic = run.read("sns_topic", conn, me)
    queue = want["queue"] and __salt__["sqs_queue.describe_queue"](want["queue"], **conn)
    return current, notes, topic, queue


def _touches(desired):
    """The resources a plan for ``desired`` writes: the identity and its topic."""
    touches = [("ses_identity", desired["identity"])]
    if desired["notifications"] is not None:
        touches.append(("sns_topic", desired["notifications"]["topic"]))
    return touches


def _remember_topic(topic, desired, queue, conn, run):
    """Tell later states of the run what the topic now holds (see ``aws_sns.remember_topic``)."""
    queues = [queue["arn"]] if queue else []
    __salt__["aws_sns.remember_topic"](
        topic,
        desired["notifications"]["subscribers"],
        scope=run.id,
        queues=queues,
        **conn,
    )


def _record_sets(where, groups):
    """The DNS host's record set per ``(name, type)`` of ``groups``."""
    module, zone, settings = where
    return {key: __salt__[f"{module}.get_records"](zone, *key, **settings) for key in groups}


def _publish(ret, where, records, dmarc, test):
    """Publish ``records`` at the DNS host (a plan of its own: the records are known only once
    the identity's plan ran); the comment lines."""
    groups, pending = identitydns.publish_groups(records)
    steps, conflicts, kept = identitydns.plan_publish(
        where, groups, _record_sets(where, groups), dmarc
    )
    published = st.new_ret(ret["name"])
    done = st.run_plan(published, steps, __salt__, {}, test, "DNS records")
    identitydns.add_published(ret, published, steps, done, conflicts)
    return [published["comment"], *conflicts, *kept, *pending]


def _wait(identity, after, records, seconds, conn, dns_check):
    """Wait for verification (polling DNS too with ``dns_check``); ``(identity as found last,
    comment lines for a wait that timed out)``."""
    if ses.is_verified(after):
        return after, []
    checks = {"check_dns": True, **dns_check} if dns_check else {}
    after = __salt__["aws_ses.wait_verified"](identity, seconds, **checks, **conn)
    return after, identitydns.not_verified_lines(after, records, seconds)


def _checked_lines(identity, found, conn, dns_check, dmarc):
    """The live DNS check's comment lines."""
    report = __salt__["ses_dns.records_report"](
        identity, found, conn, dns_check["resolvers"], dmarc
    )
    return ["DNS check (what DNS shows now):", *report["lines"]]


def _report(ret, desired, current, steps, applied, options, conn, run):
    """After the plan ran: the records (published with ``dns``, else listed), the wait for
    verification, the status and the live DNS check, into ``ret``."""
    identity, test, region = desired["identity"], run.test, run.region
    wrote = applied and not test
    after = __salt__["aws_ses.get_identity"](identity, **conn) if steps and wrote else current
    old_records = (
        [] if current is None else ses.records_for({**desired, "mail_from": None}, current, region)
    )
    records = ses.records_for(desired, after, region)
    where, dns_check = options["dns"], options["check_dns"]
    if where is None and records != old_records and (test or applied):
        ret["changes"]["dns_records"] = {"old": old_records, "new": records}
    lines = []
    if where and applied:
        lines += _publish(ret, where, records, options["dmarc"], test)
    if wrote and options["wait"] and after is not None:
        after, waited = _wait(identity, after, records, options["wait"], conn, dns_check)
        ret["result"] = ret["result"] and not waited
        lines += waited
    lines += ses.status_lines(after, identity)
    if dns_check and after is not None:
        lines += _checked_lines(identity, after, conn, dns_check, options["dmarc"])
    ret["comment"] = "\n".join([ret["comment"], *lines, *identitydns.records_lines(records)])


# --- verify: an address verified through a receipt rule (planning: awsrunbook.verification) -


class _Verification:
    """One address verification: the state's ``ret``, the ``verify`` settings, the connection
    and the receiving target."""

    def __init__(self, ret, settings, conn, region, state_run):
        self.ret = ret
        self.settings = settings
        self.conn = conn
        self.region = region
        self.state_run = state_run
        self.test = state_run.test
        self.address = ret["name"]
        self.domain = receipt.domain_of(self.address)
        self.target = receipt.receiving_target(
            self.address, settings["bucket"], settings["rule_set"], settings["rule"]
        )
        self.what = f"SES identity {self.address}"
        self.pattern = verification.link_pattern(state_run.opts, region)

    def call(self, function, *args, **kwargs):
        return __salt__[function](*args, **kwargs, **self.conn)

    def describe(self):
        target = self.target
        return self.call(
            "aws_ses_receipt.describe_receiving",
            self.address,
            target["bucket"],
            target["rule_set"],
            target["rule"],
        )

    def apply(self, steps, writes=(), converged="is in the desired state"):
        return self.state_run.apply(
            self.ret, steps, self.what, conn=self.conn, converged=converged, writes=writes
        )

    def note(self, *lines):
        self.ret["comment"] = "\n".join(line for line in (self.ret["comment"], *lines) if line)

    def mx_steps(self, found, mx):
        """The steps adding the receiving MX for the run and taking it out again."""
        key = verification.mx_key(self.settings, found, mx, self.domain, self.region)
        if key is None:
            return [], []
        module, zone, settings = where = self.settings["dns"]
        current = __salt__[f"{module}.get_records"](zone, *key, **settings)
        return verification.mx_steps(where, self.domain, self.region, current)


def _message_steps(run, current, found, identity_steps):
    """``(since, steps)``: see ``verification.message_steps``; the bucket is listed only for
    an identity already pending."""
    now = time.time()
    usable = (
        current is not None
        and bool(found["bucket"])
        and bool(
            run.call(
                "aws_ses_receipt.list_messages",
                run.target["bucket"],
                run.target["prefix"],
                now - verification.USABLE_FOR,
            )
        )
    )
    return verification.message_steps(current, usable, identity_steps, run.address, now)


def _find_link(run, since, deadline):
    """Poll the bucket (backing off, logging at info level) for a message carrying the
    verification link; the link (a ``Secret``), or ``None`` at the deadline. Mail without
    the link is passed over."""
    return run.call(
        "aws_ses_receipt.wait_for_message",
        run.target["bucket"],
        run.target["prefix"],
        since,
        max(deadline - time.monotonic(), 0),
        accept=lambda raw: receipt.verification_link(raw, run.address, run.pattern),
        what=f"the verification message for {run.address}",
    )


def _confirm(run, since, deadline, current):
    """Find the link, request it, wait for SES to say ``SUCCESS``."""
    link = _find_link(run, since, deadline)
    if link is None:
        run.ret["result"] = False
        run.note(
            f"No verification message for {run.address} arrived within "
            f"{run.settings['timeout']} s; the next run asks SES for a new one."
        )
        return
    if not run.apply([verification.follow_step(link)]):
        return
    remaining = max(deadline - time.monotonic(), 1.0)
    log.info("Waiting up to %.0f s for SES to verify %s", remaining, run.address)
    after = run.call("aws_ses.wait_verified", run.address, remaining)
    if after is None or after["verification_status"] != "SUCCESS":
        run.ret["result"] = False
        run.note(f"{run.address} not verified within {run.settings['timeout']} s.")
        return
    run.ret["changes"]["verification_status"] = verification.status_change(current)


def _receive(run, current, identity_steps, mx, writes):
    found = run.describe()
    mx_add, mx_remove = run.mx_steps(found, mx)
    setup = receipt.plan_receiving(
        run.target,
        found,
        run.region,
        found["account"],
        regions.partition_of(run.region),
        temporary_mx=bool(mx_add or mx_remove),
    )
    since, request = _message_steps(run, current, found, identity_steps)
    cleanup = receipt.plan_cleanup(run.target, found, run.settings["cleanup"]) + mx_remove
    if run.test:
        run.apply([*mx_add, *setup, *request, verification.follow_step(None), *cleanup])
        run.ret["changes"]["verification_status"] = verification.status_change(current)
        return
    deadline = time.monotonic() + run.settings["timeout"]
    try:
        if run.apply([*mx_add, *setup, *request], writes=writes):
            _confirm(run, since, deadline, current)
    except CommandExecutionError as exc:  # a read while waiting: keep the changes made so far
        run.ret["result"] = False
        run.note(f"{run.what}: {exc}")
    finally:
        if cleanup:
            run.apply(cleanup)


def _converged_verified(run, identity_steps, writes):
    """The address is verified: the identity's other settings, and receiving taken down if a
    run stopped before doing it."""
    steps = list(identity_steps)
    rule_set = run.call("aws_ses_receipt.describe_rule_set", run.target["rule_set"])
    if verification.rule_left_over(run.target, rule_set):
        found = run.describe()
        steps += receipt.plan_cleanup(run.target, found, run.settings["cleanup"])
        steps += run.mx_steps(found, "ses")[1]
    run.apply(steps, writes=writes)


def _verify(ret, identity_steps, current, settings, conn, state_run, writes):
    """``present`` for an address with ``verify`` (``settings``: ``receipt.verify_settings``'s
    answer); ``current``: the identity as read. Fills and returns ``ret``."""
    region = state_run.region
    run = _Verification(ret, settings, conn, region, state_run)
    if current is not None and current["verification_status"] == "SUCCESS":
        _converged_verified(run, identity_steps, writes)
    else:
        ready = run.call("aws_ses_receipt.receiving_readiness", run.address, settings["resolvers"])
        mx = verification.mx_state(ready, run.domain, region)
        if mx == "elsewhere":
            run.apply(
                identity_steps, writes=writes, converged="exists; its verification is pending"
            )
            if ret["result"] is True:
                ret["result"] = None
            run.note(verification.elsewhere_note(run.domain, run.address, region))
        else:
            _receive(run, current, identity_steps, mx, writes)
    changed = ret["changes"] and not run.test  # else the state's own read still holds
    after = run.call("aws_ses.get_identity", run.address) if changed else current
    run.note(*ses.status_lines(after, run.address))
    return ret


@engine.state(
    service="ses", reads=READ_AHEAD, alone_with=("verify", "dns"), region=regions.ses_region
)
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
    dns=None,
    check_dns=False,
    resolvers=None,
    verify=None,
    *,
    run,
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
        default true; false needs bounce and complaint on the topic), ``queue`` (an SQS
        queue, created if missing, subscribed to the topic, with a policy that lets only this
        topic send to it: ``aws_ses.feedback QUEUE`` reads it).
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
    dns
        Publish the records at the DNS host: ``provider`` (``route53``, ``cloudflare``,
        ``rfc2136``), ``zone`` and the provider's settings (see ``dns_record``). A DMARC
        record already there is kept unless ``dmarc`` is given; another SPF value at the
        MAIL FROM domain fails the state and is left alone.
    check_dns
        ``true``: check each record live (the comment says which one still blocks
        verification); with ``wait``, DNS is polled with SES.
    resolvers
        ``HOST`` or ``HOST:PORT`` strings the check asks instead of the zone's authoritative
        nameservers.
    verify
        For an address: verify it through an SES receipt rule, without a mailbox (``via:
        receipt_rule``; ``bucket``, ``rule_set``, ``rule`` default to the runbook's
        ``ocp-aws-verification``, ``email-address-verification``, ``deliver-to-s3-bucket``;
        ``timeout`` seconds, default 900; ``cleanup``: true (default), false, or ``all`` to
        delete the bucket too; ``resolvers`` for the MX lookup; ``dns``: a provider as for
        ``dns``, to add the receiving MX for the duration when the domain has none). See
        README, "Verifying an address through a receipt rule".
    region, profile, keyid, key, role_arn
        Connection arguments.
    """
    desired = ses.desired_identity(
        name,
        dkim=dkim,
        mail_from_domain=mail_from_domain,
        behavior_on_mx_failure=behavior_on_mx_failure,
        notifications=notifications,
        configuration_set=configuration_set,
        tags=tags,
        dmarc=dmarc,
    )
    if wait is not None and (isinstance(wait, bool) or not isinstance(wait, int) or wait < 0):
        valid.fail("wait", "must be a whole number of seconds", wait)
    options = {
        "dns": identitydns.target(dns, desired, __pillar__),
        "check_dns": identitydns.check_args(check_dns, resolvers, desired),
        "wait": wait,
        "dmarc": dmarc,
    }
    receiving = receipt.verify_settings(verify, desired["identity"], desired["type"], __pillar__)
    ret, conn, _ = run.begin(name, kwargs)

    current, notes, topic, queue = _read(desired, conn, run)
    steps = plan_identity(desired, current, notes, topic, queue)
    what = f"SES identity {desired['identity']}"
    writes = _touches(desired)
    if receiving is not None:
        return _verify(ret, steps, current, receiving, conn, run, writes)
    applied = run.apply(ret, steps, what, writes=writes)
    if topic is not None and applied:
        _remember_topic(topic, desired, queue, conn, run)
    _report(ret, desired, current, steps, applied, options, conn, run)
    return ret


@engine.state(region=regions.ses_region)
def absent(name, dns=None, dmarc=None, *, run, **kwargs):
    """Ensure the SES identity ``name`` does not exist. Its SNS topic is left alone (other
    identities or configuration sets may use it). With ``dns`` (as for ``present``), the
    records the identity published are first taken out of DNS: its DKIM CNAMEs, MAIL FROM
    MX and SPF values and the DMARC value ``dmarc`` (default ``v=DMARC1; p=none;``;
    ``false``: leave DMARC alone); other values at those names stay."""
    desired = ses.desired_identity(name, dmarc=dmarc)
    where = identitydns.target(dns, desired, __pillar__)
    ret, conn, region = run.begin(name, kwargs)
    identity = desired["identity"]
    current = __salt__["aws_ses.get_identity"](identity, **conn)
    groups = identitydns.unpublish_groups(where, desired, current, region)
    unpublish = (
        dnsrecords.plan_unpublish(where, groups, _record_sets(where, groups)) if groups else []
    )
    steps = unpublish + plan_absent(identity, current)
    what = f"SES identity {identity}"
    run.apply(ret, steps, what, converged=st.ABSENT, writes=[("ses_identity", identity)])
    dnsrecords.nest_changes(ret["changes"], unpublish)
    return ret
