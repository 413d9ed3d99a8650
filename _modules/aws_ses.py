"""Amazon SES: the reads and writes behind ``ses_identity``, and the checks operators run
without applying a state (``dns_records``, ``identity_status``, ``check_dns``,
``check_dmarc``, reading SES feedback: ``feedback``, ``explain_notification``, and the
suppression list: ``suppressed``, ``explain_address``, ``unsuppress``).

The identity, its DKIM and MAIL FROM settings go through the SES v2 API; notification topics
and headers through the v1 API, which has no v2 equivalent. The v1
``GetIdentity*Attributes`` calls take up to 100 identities: this module always batches them,
and ``notification_attributes`` shares one batched read between the states of one run.

Every function accepts the connection arguments ``region``, ``profile``, ``keyid``, ``key``
and ``role_arn`` (see README); without them boto3's environment and config are used.

CLI examples::

    salt-call aws_ses.dns_records example.org region=eu-west-1
    salt-call aws_ses.identity_status region=eu-west-1
    salt-call aws_ses.check_dns example.org region=eu-west-1
    salt-call aws_ses.check_dmarc example.org region=eu-west-1 --out=json
    salt-call aws_ses.feedback ses-feedback max=20 --out=json
    salt-call aws_ses.explain_notification /tmp/bounce.json
    salt-call aws_ses.check_delivery ops@example.org check@example.org --out=json
    salt-call aws_ses.suppressed reason=BOUNCE since=2026-12-01
    salt-call aws_ses.explain_address someone@example.net queue=ses-feedback
    salt-call aws_ses.unsuppress someone@example.net test=True
"""

import logging
import time
from typing import TYPE_CHECKING

from awsrunbook import arn as arns
from awsrunbook import client as aws
from awsrunbook import dns, dnscheck, errors, regions, ses, suppression
from awsrunbook import feedback as ses_feedback
from awsrunbook import store as stores
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "aws_ses"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __context__, __salt__

BATCH_SIZE = 100  # the most identities one v1 GetIdentity*Attributes call takes
# The notification reads kept for later states, in the run's store (awsrunbook.store):
# ``(connection digest, identity)`` → answer, covering the identity.
NOTIFICATIONS = "aws_ses.notifications"
_NOT_KEPT = object()
_V1_STATUS = {
    "Success": "SUCCESS",
    "Pending": "PENDING",
    "Failed": "FAILED",
    "TemporaryFailure": "TEMPORARY_FAILURE",
    "NotStarted": "NOT_STARTED",
}


def __virtual__():
    return __virtualname__


# --- plumbing -------------------------------------------------------------------------------


def _client(service, kwargs):
    return aws.connect(service, kwargs, __salt__)


def _chunks(items, size=BATCH_SIZE):
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _identity_arn(identity, conn):
    who = __salt__["aws_sts.caller_identity"](**conn)
    region = aws.region_of(conn, __salt__.get("config.option"))
    return arns.ses_identity(identity, region, who["account"], regions.partition_of(region))


def _forget(identity):
    """The run forgets what it read of ``identity`` (it is about to change)."""
    store = stores.kept_in(__context__)
    if store is not None:
        store.forget([("ses_identity", identity)])


# --- reads ----------------------------------------------------------------------------------


def _identity_dict(identity, resp):
    dkim = resp.get("DkimAttributes") or {}
    mail_from = resp.get("MailFromAttributes") or {}
    verification = resp.get("VerificationStatus") or (
        "SUCCESS" if resp.get("VerifiedForSendingStatus") else "PENDING"
    )
    return {
        "identity": identity,
        "type": resp["IdentityType"],
        "verification_status": verification,
        "dkim": {
            "signing_enabled": bool(dkim.get("SigningEnabled")),
            "status": dkim.get("Status", "NOT_STARTED"),
            "tokens": list(dkim.get("Tokens") or []),
            "signing_zone": dkim.get("SigningHostedZone"),
            "origin": dkim.get("SigningAttributesOrigin"),
            "next_key_length": dkim.get("NextSigningKeyLength"),
            "current_key_length": dkim.get("CurrentSigningKeyLength"),
        },
        "mail_from": (
            {
                "domain": mail_from["MailFromDomain"],
                "status": mail_from.get("MailFromDomainStatus", "PENDING"),
                "behavior_on_mx_failure": mail_from.get("BehaviorOnMxFailure", "USE_DEFAULT_VALUE"),
            }
            if mail_from.get("MailFromDomain")
            else None
        ),
        "feedback_forwarding": bool(resp.get("FeedbackForwardingStatus", True)),
        "configuration_set": resp.get("ConfigurationSetName") or None,
        "tags": {tag["Key"]: tag.get("Value", "") for tag in resp.get("Tags") or []},
    }


def get_identity(identity, **kwargs):
    """Everything ``ses_identity`` manages on ``identity`` but its notifications (one SES v2
    ``GetEmailIdentity``), or ``None`` when the identity does not exist.

    CLI example::

        salt-call aws_ses.get_identity example.org
    """
    sesv2, _ = _client("sesv2", kwargs)
    resp = aws.call(
        sesv2,
        "get_email_identity",
        identity,
        none_if=errors.NotFound,
        EmailIdentity=identity,
    )
    return None if resp is None else _identity_dict(identity, resp)


def _notifications_dict(attrs):
    return {
        "topics": {kind: attrs.get(f"{kind}Topic") for kind in ses.NOTIFICATION_TYPES},
        "headers": {
            kind: bool(attrs.get(f"HeadersIn{kind}NotificationsEnabled"))
            for kind in ses.NOTIFICATION_TYPES
        },
        "feedback_forwarding": bool(attrs.get("ForwardingEnabled", True)),
    }


def notification_attributes(identities, prefetch=(), scope=None, **kwargs):
    """Notification topics, header flags and feedback forwarding of ``identities``: a dict
    identity → ``{"topics": {"Bounce": ARN|None, ...}, "headers": {"Bounce": bool, ...},
    "feedback_forwarding": bool}`` (``None`` for an identity that does not exist).

    One v1 ``GetIdentityNotificationAttributes`` per 100 identities. With ``scope`` (a state
    run's id), the ``prefetch`` identities are read in the same batch and each of their answers
    is kept for one later call in that scope, so the states of one run share one read.

    CLI example::

        salt-call aws_ses.notification_attributes '[example.org, ops@example.org]'
    """
    ses, conn = _client("ses", kwargs)
    if isinstance(identities, str):
        identities = [identities]
    store = stores.of_run(__context__, scope)
    if store is None:
        return _notification_attributes(ses, identities, (), None, None)
    # The states of a batch ask at once: the first one's read serves the others.
    with store.lock:
        return _notification_attributes(ses, identities, prefetch, store, aws.conn_digest(conn))


def _notification_attributes(ses, identities, prefetch, store, digest):
    result, to_read = {}, []
    for identity in dict.fromkeys(identities):
        kept = (
            _NOT_KEPT if store is None else store.pop(NOTIFICATIONS, (digest, identity), _NOT_KEPT)
        )
        if kept is _NOT_KEPT:
            to_read.append(identity)
        else:
            result[identity] = kept
    if not to_read:
        return result
    extra = (
        [i for i in dict.fromkeys(prefetch or ()) if i not in to_read] if store is not None else []
    )
    for chunk in _chunks(to_read + extra):
        resp = aws.call(
            ses, "get_identity_notification_attributes", ", ".join(chunk), Identities=chunk
        )
        answers = resp.get("NotificationAttributes", {})
        for identity in chunk:
            found = answers.get(identity)
            value = _notifications_dict(found) if found is not None else None
            if identity in to_read:
                result[identity] = value
            else:
                covers = [("ses_identity", identity)]
                store.put(NOTIFICATIONS, (digest, identity), value, covers)
    return result


def identity_status(**kwargs):
    """The verification, DKIM and MAIL FROM status of every identity in the region, in
    batched v1 reads (one list, then three ``GetIdentity*Attributes`` per 100 identities).
    Statuses use the v2 spelling: PENDING, SUCCESS, FAILED, TEMPORARY_FAILURE, NOT_STARTED.

    CLI example::

        salt-call aws_ses.identity_status region=eu-west-1
    """
    ses, _ = _client("ses", kwargs)
    names, token = [], None
    while True:
        params = {"MaxItems": 1000, **({"NextToken": token} if token else {})}
        resp = aws.call(ses, "list_identities", "the region's identities", **params)
        names.extend(resp.get("Identities", []))
        token = resp.get("NextToken")
        if not token:
            break
    status = {}
    for chunk in _chunks(names):
        what = ", ".join(chunk)
        verification = aws.call(
            ses, "get_identity_verification_attributes", what, Identities=chunk
        ).get("VerificationAttributes", {})
        dkim = aws.call(ses, "get_identity_dkim_attributes", what, Identities=chunk).get(
            "DkimAttributes", {}
        )
        mail_from = aws.call(
            ses, "get_identity_mail_from_domain_attributes", what, Identities=chunk
        ).get("MailFromDomainAttributes", {})
        for name in chunk:
            ver = verification.get(name, {})
            dk = dkim.get(name, {})
            mf = mail_from.get(name, {})
            status[name] = {
                "type": "EMAIL_ADDRESS" if "@" in name else "DOMAIN",
                "verification": _V1_STATUS.get(ver.get("VerificationStatus"), "NOT_STARTED"),
                "dkim": _V1_STATUS.get(dk.get("DkimVerificationStatus"), "NOT_STARTED")
                if dk.get("DkimEnabled")
                else "NOT_STARTED",
                "mail_from_domain": mf.get("MailFromDomain") or None,
                "mail_from": _V1_STATUS.get(mf.get("MailFromDomainStatus"))
                if mf.get("MailFromDomain")
                else None,
            }
    return status


def dns_records(identity, dmarc=dns.DEFAULT_DMARC, **kwargs):
    """The DNS records ``identity`` needs now (DKIM CNAMEs, MAIL FROM MX and SPF, a DMARC
    TXT unless ``dmarc=False``), each with the status SES reports, and the zone-file form.

    CLI example::

        salt-call aws_ses.dns_records example.org
    """
    conn = aws.split_connection_args(kwargs)
    found = get_identity(identity, **conn)
    if found is None:
        raise CommandExecutionError(f"SES identity {identity} does not exist")
    region = aws.region_of(conn, __salt__.get("config.option"))
    mail_from = (found["mail_from"] or {}).get("domain")
    records = dns.build_dns_records(
        identity,
        region,
        found["dkim"]["tokens"],
        mail_from,
        dmarc,
        dkim_zone=found["dkim"].get("signing_zone"),
    )
    return {
        "records": records,
        "zone_file": dns.zone_file(records),
        "status": ses.status_of(found),
    }


def _log_dns(identity, found, conn, resolvers):
    """Log, while waiting, which records DNS does not show yet (what blocks SES)."""
    report = __salt__["ses_dns.records_report"](identity, found, conn, resolvers)
    for entry in report["records"]:
        if entry["status"] != "ok":
            log.info("%s: %s", identity, dnscheck.record_line(entry))


def wait_verified(identity, timeout, check_dns=False, resolvers=None, **kwargs):
    """Poll ``identity`` (backing off from 2 s to 60 s, longer when throttled) until it, its
    DKIM and its MAIL FROM are all ``SUCCESS`` or ``timeout`` seconds have passed. Returns the
    last ``get_identity`` answer. With ``check_dns``, each poll also asks DNS (``resolvers``,
    else the authoritative nameservers) and logs at info level the records not seen yet.

    CLI example::

        salt-call aws_ses.wait_verified example.org 600 check_dns=true
    """
    conn = aws.split_connection_args(kwargs)
    deadline = time.monotonic() + float(timeout)
    delay, found = 2.0, None
    while True:
        try:
            found = get_identity(identity, **conn)
        except errors.Throttled:
            if found is None:
                raise
            delay = min(delay * 2, 120.0)
            log.info("SES throttled status reads of %s; backing off %.0f s", identity, delay)
        else:
            if found is None or ses.is_verified(found):
                return found
            if check_dns:
                _log_dns(identity, found, conn, resolvers)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return found
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 60.0)


def check_dns(domain, resolvers=None, dmarc=None, timeout=5.0, **kwargs):
    """What DNS shows against what SES needs for the domain identity ``domain``, per record:
    ``ok``, ``missing``, ``different`` (both shown), ``timeout`` or ``error``, plus an
    obsolete ``_amazonses`` token. ``resolvers``: ``HOST`` or ``HOST:PORT`` strings to ask
    instead of the zone's authoritative nameservers. See ``ses_dns.check_dns``.

    CLI example::

        salt-call aws_ses.check_dns example.org resolvers='["127.0.0.1:5353"]'
    """
    return __salt__["ses_dns.check_dns"](domain, resolvers, dmarc, timeout, **kwargs)


def check_dmarc(domain, resolvers=None, timeout=5.0, **kwargs):
    """Whether mail SES sends for ``domain`` passes DMARC (``verdict``: ``pass`` with ``via``,
    ``fail``, ``none``, ``temperror``, ``permerror``) with the reasons, from DNS and SES's view of
    the identity. See ``ses_dns.check_dmarc``.

    CLI example::

        salt-call aws_ses.check_dmarc example.org --out=json
    """
    return __salt__["ses_dns.check_dmarc"](domain, resolvers, timeout, **kwargs)


# --- writes ---------------------------------------------------------------------------------


def create_identity(identity, key_length=None, configuration_set=None, tags=None, **kwargs):
    """Create the identity (SES v2 ``CreateEmailIdentity``): for a domain, Easy DKIM with
    ``key_length`` (``RSA_2048_BIT`` or ``RSA_1024_BIT``). Returns the DKIM tokens (domains).

    CLI example::

        salt-call aws_ses.create_identity example.org key_length=RSA_2048_BIT
    """
    sesv2, _ = _client("sesv2", kwargs)
    params = {"EmailIdentity": identity}
    if key_length:
        params["DkimSigningAttributes"] = {"NextSigningKeyLength": key_length}
    if configuration_set:
        params["ConfigurationSetName"] = configuration_set
    if tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    resp = aws.call(sesv2, "create_email_identity", identity, **params)
    _forget(identity)
    return list((resp.get("DkimAttributes") or {}).get("Tokens") or [])


def _put(kwargs, operation, identity, **params):
    """One SES v2 write to ``identity``; its shared notification read is forgotten."""
    sesv2, _ = _client("sesv2", kwargs)
    aws.call(sesv2, operation, identity, EmailIdentity=identity, **params)
    _forget(identity)
    return True


def delete_identity(identity, **kwargs):
    """Delete the identity (its DKIM, MAIL FROM and notification settings go with it)."""
    return _put(kwargs, "delete_email_identity", identity)


def put_dkim_signing_key_length(identity, key_length, **kwargs):
    """Use Easy DKIM with ``key_length`` for the next key (SES v2
    ``PutEmailIdentityDkimSigningAttributes``)."""
    return _put(
        kwargs,
        "put_email_identity_dkim_signing_attributes",
        identity,
        SigningAttributesOrigin="AWS_SES",
        SigningAttributes={"NextSigningKeyLength": key_length},
    )


def put_dkim_signing_enabled(identity, enabled=True, **kwargs):
    """Turn DKIM signing of ``identity`` on or off."""
    return _put(
        kwargs, "put_email_identity_dkim_attributes", identity, SigningEnabled=bool(enabled)
    )


def put_mail_from(
    identity, mail_from_domain=None, behavior_on_mx_failure="USE_DEFAULT_VALUE", **kwargs
):
    """Set (or, with no ``mail_from_domain``, remove) the custom MAIL FROM domain."""
    params = {}
    if mail_from_domain:
        params = {"MailFromDomain": mail_from_domain, "BehaviorOnMxFailure": behavior_on_mx_failure}
    return _put(kwargs, "put_email_identity_mail_from_attributes", identity, **params)


def put_feedback_forwarding(identity, enabled, **kwargs):
    """Turn email feedback forwarding on or off (off needs bounce and complaint topics)."""
    return _put(
        kwargs,
        "put_email_identity_feedback_attributes",
        identity,
        EmailForwardingEnabled=bool(enabled),
    )


def put_configuration_set(identity, configuration_set=None, **kwargs):
    """Set (or, with none, remove) the identity's default configuration set."""
    params = {"ConfigurationSetName": configuration_set} if configuration_set else {}
    return _put(kwargs, "put_email_identity_configuration_set_attributes", identity, **params)


def _put_v1(kwargs, operation, identity, notification_type, **params):
    """One SES v1 write to the ``notification_type`` notifications of ``identity``."""
    ses_v1, _ = _client("ses", kwargs)
    where = f"{identity} ({notification_type})"
    aws.call(
        ses_v1, operation, where, Identity=identity, NotificationType=notification_type, **params
    )
    _forget(identity)
    return True


def set_notification_topic(identity, notification_type, topic_arn=None, **kwargs):
    """Send ``notification_type`` (Bounce, Complaint, Delivery) feedback of ``identity`` to
    ``topic_arn``; no topic stops it (SES v1 ``SetIdentityNotificationTopic``)."""
    params = {"SnsTopic": topic_arn} if topic_arn else {}
    return _put_v1(kwargs, "set_identity_notification_topic", identity, notification_type, **params)


def set_headers_in_notifications(identity, notification_type, enabled, **kwargs):
    """Include (or not) the original headers in ``notification_type`` notifications."""
    return _put_v1(
        kwargs,
        "set_identity_headers_in_notifications_enabled",
        identity,
        notification_type,
        Enabled=bool(enabled),
    )


def tag_identity(identity, tags, **kwargs):
    """Add or update the tags ``tags`` (a mapping) on ``identity``."""
    sesv2, conn = _client("sesv2", kwargs)
    arn = _identity_arn(identity, conn)
    aws.call(
        sesv2,
        "tag_resource",
        identity,
        ResourceArn=arn,
        Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
    )
    return True


def untag_identity(identity, keys, **kwargs):
    """Remove the tags named in ``keys`` from ``identity``."""
    sesv2, conn = _client("sesv2", kwargs)
    arn = _identity_arn(identity, conn)
    aws.call(sesv2, "untag_resource", identity, ResourceArn=arn, TagKeys=sorted(keys))
    return True


# --- feedback -------------------------------------------------------------------------------


def _notification_text(json_or_file):
    text = str(json_or_file)
    if text.lstrip().startswith("{"):
        return text
    try:
        with open(text, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise SaltInvocationError(
            f"json_or_file: neither JSON nor a readable file: {exc.strerror}"
        ) from None


def explain_notification(json_or_file):
    """Summarise one SES feedback notification (bounce, complaint, delivery, or a
    configuration-set event), given as JSON text or the path of a file holding it, e.g. one
    copied from a feedback email. The SNS envelope around it, if any, is opened. Returns the
    summary (``--out=json`` shows every field) with ``text``, the same as readable lines.

    CLI example::

        salt-call aws_ses.explain_notification /tmp/bounce.json
    """
    raw = json_or_file if isinstance(json_or_file, dict) else _notification_text(json_or_file)
    try:
        notification = raw if isinstance(raw, dict) else ses_feedback.parse(raw)
        summary = ses_feedback.summarise(notification)
    except ValueError as exc:
        raise SaltInvocationError(f"json_or_file: {exc}") from None
    return {**summary, "text": ses_feedback.lines(summary)}


def _summary_of(message):
    """A queue message's summary; a body that is no notification is reported, not fatal."""
    try:
        summary = ses_feedback.summarise(ses_feedback.parse(message["body"]))
    except ValueError as exc:
        return {"type": "Unreadable", "sqs_message_id": message["id"], "error": str(exc)}
    return {**summary, "sqs_message_id": message["id"], "text": ses_feedback.lines(summary)}


def feedback(queue, max=10, delete=False, wait_seconds=2, **kwargs):
    """Read up to ``max`` SES feedback notifications from the SQS queue ``queue`` (a name,
    as in ``notifications: {queue: NAME}``), waiting up to ``wait_seconds`` for each batch,
    and summarise each as ``explain_notification`` does. The messages stay in the queue
    (visible again after its visibility timeout) unless ``delete=True``.

    CLI example::

        salt-call aws_ses.feedback ses-feedback max=50 --out=json
    """
    conn = aws.split_connection_args(kwargs)
    url = __salt__["sqs_queue.queue_url"](queue, **conn)
    if url is None:
        raise CommandExecutionError(f"no SQS queue called {queue}")
    summaries, handles = [], []
    while len(summaries) < int(max):
        batch = __salt__["sqs_queue.receive"](
            url, max_messages=int(max) - len(summaries), wait_seconds=wait_seconds, **conn
        )
        if not batch:
            break
        summaries += [_summary_of(message) for message in batch]
        handles += [message["receipt_handle"] for message in batch]
    if delete and handles:
        __salt__["sqs_queue.delete"](url, handles, **conn)
    return summaries


def check_delivery(from_address, to_address, resolvers=None, timeout=300, **kwargs):
    """Send a test message through SES from ``from_address`` (a verified identity) to
    ``to_address`` (an address of a domain whose mail SES receives: verified, MX to
    ``inbound-smtp.REGION.amazonaws.com``), receive it into S3 through a receipt rule made
    for the run (``bucket``, ``rule_set``, ``rule``: the address verification's defaults;
    removed afterwards, the rule set active before restored), waiting up to ``timeout``
    seconds, and report SPF, each DKIM signature (``d=``, selector, verified by us against
    DNS, aligned, the receiver's result; SES's own ``d=amazonses.com`` signature is expected
    and never aligned), the DMARC result and policy (RFC 7489) and a ``diagnosis``;
    ``lines`` is the readable summary. ``resolvers``: ``HOST`` or ``HOST:PORT`` strings for
    the DNS lookups. See ``ses_delivery.check_delivery``.

    CLI example::

        salt-call aws_ses.check_delivery ops@example.org check@example.org --out=json
    """
    return __salt__["ses_delivery.check_delivery"](
        from_address, to_address, resolvers, timeout=timeout, **kwargs
    )


# --- the suppression list -------------------------------------------------------------------


def suppressed(reason=None, since=None, until=None, max=100, next_token=None, **kwargs):
    """The account's suppressed destinations (SES v2 ``ListSuppressedDestinations``), newest
    first: ``{"suppressed": [{"address", "reason", "since"}], "next_token"}``. ``reason``:
    ``BOUNCE``, ``COMPLAINT`` or both (a list); ``since``/``until``: ISO 8601 dates or times
    on when SES last put the address there; at most ``max`` entries, and ``next_token`` (from
    an answer that had more) continues where it ended.

    CLI example::

        salt-call aws_ses.suppressed reason=BOUNCE since=2026-12-01 max=500
    """
    reasons = suppression.reasons_arg(reason)
    start = suppression.date_arg(since, "since")
    end = suppression.date_arg(until, "until")
    wanted = suppression.count_arg(max)
    sesv2, _ = _client("sesv2", kwargs)
    found, token = [], next_token
    while len(found) < wanted:
        params = suppression.list_params(reasons, start, end, wanted - len(found), token)
        resp = aws.call(sesv2, "list_suppressed_destinations", "the suppression list", **params)
        found += [suppression.summary(e) for e in resp.get("SuppressedDestinationSummaries", [])]
        token = resp.get("NextToken")
        if not token:
            break
    for entry in found:
        del entry["message_id"], entry["feedback_id"]  # the list does not hold them
    return {"suppressed": found, "next_token": token}


def _suppressed_entry(sesv2, address):
    resp = aws.call(
        sesv2,
        "get_suppressed_destination",
        address,
        none_if=errors.NotFound,
        EmailAddress=address,
    )
    return None if resp is None else suppression.summary(resp["SuppressedDestination"])


def _recipient_verified(address, conn):
    for identity in (address, address.rpartition("@")[2]):
        found = get_identity(identity, **conn)
        if found and found["verification_status"] == "SUCCESS":
            return True
    return False


def explain_address(address, queue=None, sender=None, **kwargs):
    """Why mail to ``address`` may not arrive: whether it is on the account's suppression
    list (the reason, since when, and the bounce or complaint that put it there when the
    feedback queue ``queue`` still holds it; read without deleting), whether the account is
    in the sandbox and the recipient unverified, and, with ``sender``, that identity's
    status. ``lines`` says it in words.

    CLI example::

        salt-call aws_ses.explain_address someone@example.net queue=ses-feedback sender=example.org
    """
    address = suppression.address_arg(address)
    conn = aws.split_connection_args(kwargs)
    sesv2, _ = _client("sesv2", dict(conn))
    entry = _suppressed_entry(sesv2, address)
    notifications = feedback(queue, max=100, wait_seconds=0, **conn) if queue else []
    found = suppression.matching_feedback(address, entry, notifications)
    account = __salt__["aws_ses_sending.describe_account"](**conn)
    identity = get_identity(sender, **conn) if sender else None
    verified = _recipient_verified(address, conn)
    return suppression.explain(address, entry, found, account, verified, sender, identity)


def unsuppress(address, test=False, **kwargs):
    """Take ``address`` off the account's suppression list (SES v2
    ``DeleteSuppressedDestination``). ``test=True`` says what would be removed and removes
    nothing. Answers ``{"address", "was", "removed", "comment"}``.

    CLI example::

        salt-call aws_ses.unsuppress someone@example.net test=True
    """
    address = suppression.address_arg(address)
    sesv2, _ = _client("sesv2", kwargs)
    entry = _suppressed_entry(sesv2, address)
    if entry is None:
        comment = f"{address} is not on the suppression list: nothing to do"
        return {"address": address, "was": None, "removed": False, "comment": comment}
    if test:
        comment = f"would remove {address} (suppressed since {entry['since']}, {entry['reason']})"
        return {"address": address, "was": entry, "removed": False, "comment": comment}
    aws.call(sesv2, "delete_suppressed_destination", address, EmailAddress=address)
    comment = f"removed {address} (suppressed since {entry['since']}, {entry['reason']})"
    return {"address": address, "was": entry, "removed": True, "comment": comment}
