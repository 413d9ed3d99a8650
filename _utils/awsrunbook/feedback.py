"""SES feedback (bounce, complaint, delivery and configuration-set event notifications) read
as an operator needs it: who sent what to whom, what happened to each recipient, and what to
do about it. Pure: the notification comes in as a dict or JSON text.

Identity notifications name their kind in ``notificationType`` (Bounce, Complaint,
Delivery); configuration-set events in ``eventType`` (also Reject, Rendering Failure,
DeliveryDelay, Send, Open, Click...). SES may add fields at any time: whatever this module
does not summarise is kept under ``other``, section by section, never dropped."""

from __future__ import annotations

import json

# Kind -> (the object holding its details, the list of recipients in it).
KINDS = {
    "Bounce": ("bounce", "bouncedRecipients"),
    "Complaint": ("complaint", "complainedRecipients"),
    "Delivery": ("delivery", "recipients"),
    "DeliveryDelay": ("deliveryDelay", "delayedRecipients"),
    "Reject": ("reject", None),
    "Rendering Failure": ("failure", None),
    "Send": ("send", None),
    "Open": ("open", None),
    "Click": ("click", None),
    "Subscription": ("subscription", None),
}

# Summary name -> field, per details object (``timestamp`` becomes the summary's ``time``).
DETAIL_FIELDS = {
    "bounce": {
        "bounce_type": "bounceType",
        "bounce_sub_type": "bounceSubType",
        "reporting_mta": "reportingMTA",
        "remote_mta_ip": "remoteMtaIp",
        "feedback_id": "feedbackId",
    },
    "complaint": {
        "feedback_type": "complaintFeedbackType",
        "complaint_sub_type": "complaintSubType",
        "user_agent": "userAgent",
        "arrival_date": "arrivalDate",
        "feedback_id": "feedbackId",
    },
    "delivery": {
        "smtp_response": "smtpResponse",
        "reporting_mta": "reportingMTA",
        "remote_mta_ip": "remoteMtaIp",
        "processing_time_ms": "processingTimeMillis",
    },
    "deliveryDelay": {
        "delay_type": "delayType",
        "expiration_time": "expirationTime",
        "reporting_mta": "reportingMTA",
    },
    "reject": {"reason": "reason"},
    "failure": {"error_message": "errorMessage", "template_name": "templateName"},
}

MAIL_FIELDS = {
    "sent": "timestamp",
    "source": "source",
    "source_arn": "sourceArn",
    "source_ip": "sourceIp",
    "sending_account_id": "sendingAccountId",
    "ses_message_id": "messageId",
    "destination": "destination",
}
HEADER_FIELDS = {"subject": "subject", "message_id": "messageId", "from": "from", "to": "to"}
RECIPIENT_FIELDS = {
    "address": "emailAddress",
    "status": "status",
    "action": "action",
    "diagnostic_code": "diagnosticCode",
}
SNS_FIELDS = {"sns_message_id": "MessageId", "topic_arn": "TopicArn", "published": "Timestamp"}

BOUNCES = {
    ("Permanent", "Suppressed"): "on the SES global suppression list (it hard-bounced recently "
    "for another sender): SES did not send; remove it from your list",
    ("Permanent", "OnAccountSuppressionList"): "on this account's suppression list (an earlier "
    "hard bounce or complaint): SES did not send; remove it from your list, or from the "
    "suppression list only if you know the address works now",
    ("Permanent", "NoEmail"): "hard bounce without the address in the bounce message: find the "
    "recipient from the destination and remove it",
    ("Permanent", "UnsubscribedRecipient"): "the recipient unsubscribed: stop mailing them",
    ("Transient", "MailboxFull"): "the mailbox is full: SES retried and gave up; send later, "
    "and remove the address if it keeps bouncing",
    ("Transient", "MessageTooLarge"): "the message is too large for the receiving server: send "
    "a smaller one (fewer or smaller attachments)",
    ("Transient", "ContentRejected"): "the receiving server rejected the content: read the "
    "diagnostic code, check links and wording",
    ("Transient", "AttachmentRejected"): "the receiving server rejected an attachment: send "
    "without it or as a link",
    ("Transient", "General"): "temporary failure: SES retried and gave up; send again later",
    ("Undetermined", "Undetermined"): "SES could not tell why from the bounce message: read the "
    "diagnostic code",
}
# Permanent/General, by the enhanced status code (RFC 3463) the receiving server gave.
PERMANENT_STATUSES = {
    "5.1.1": "the address does not exist (550 5.1.1): remove it from your list",
    "5.1.10": "the address does not exist (null MX): remove it from your list",
    "5.1.2": "the recipient's domain does not exist or takes no mail: check the address "
    "for a typo, then remove it",
    "5.2.1": "the mailbox is disabled: remove the address",
    "5.2.2": "the mailbox is full and the server treats it as permanent: remove the address "
    "or ask the recipient another way",
    "5.4.4": "the recipient's domain cannot be routed (no MX or A record): check the address",
}
PERMANENT_GENERAL = (
    "hard bounce: remove the address from your list (SES may add it to the account's "
    "suppression list)"
)
POLICY_REJECT = (
    "the receiving server refused it by policy (authentication, reputation or content): "
    "check SPF, DKIM and DMARC (aws_ses.check_dmarc) and read the diagnostic code"
)
DELAYS = {
    "InternalFailure": "an SES internal failure delays it; SES keeps retrying",
    "General": "a generic failure delays it; SES keeps retrying until the expiration time",
    "MailboxFull": "the mailbox is full; SES keeps retrying until the expiration time",
    "SpamDetected": "the receiving server sees a lot of spam from the account: check content "
    "and complaint rate",
    "RecipientServerError": "the receiving server has a temporary problem; SES keeps retrying",
    "IPFailure": "the sending IP is blocked or throttled by the receiving server",
    "TransientCommunicationFailure": "temporary trouble talking to the receiving server; SES "
    "keeps retrying",
    "BYOIPHostNameLookupUnavailable": "the hostname of your own IP (BYOIP) could not be looked "
    "up: check its reverse DNS",
    "Undetermined": "SES could not tell why it is delayed",
    "SendingDeferral": "the receiving server deferred it; SES keeps retrying",
}


def parse(text: str) -> dict:
    """The notification in ``text`` (JSON: an SES notification, or the SNS envelope around
    one). Raises ``ValueError`` naming what is wrong."""
    try:
        found = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(found, dict):
        raise ValueError("not a JSON object")
    return found


def unwrap(notification: dict) -> tuple[dict, dict]:
    """``(SES notification, SNS fields)``: an SNS envelope (``Type: Notification`` with the
    SES notification as a JSON string in ``Message``) is opened; anything else is returned as
    it is, with no SNS fields."""
    if notification.get("Type") != "Notification" or not isinstance(
        notification.get("Message"), str
    ):
        return notification, {}
    inner = parse(notification["Message"])
    return inner, _take(notification, SNS_FIELDS)


def _take(source: dict, fields: dict) -> dict:
    return {name: source[key] for name, key in fields.items() if key in source}


def _leftover(source: dict, known) -> dict:
    return {key: value for key, value in source.items() if key not in known}


def _recipient(entry) -> dict:
    if not isinstance(entry, dict):  # delivery notifications list plain addresses
        return {"address": entry}
    return {**_take(entry, RECIPIENT_FIELDS), **_leftover(entry, RECIPIENT_FIELDS.values())}


def _mail(mail: dict) -> tuple[dict, dict]:
    """The summary's mail fields and what is left of ``mail`` (the full ``headers`` list
    stays there: commonHeaders already names the ones an operator reads)."""
    common = mail.get("commonHeaders") or {}
    found = {**_take(mail, MAIL_FIELDS), **_take(common, HEADER_FIELDS)}
    rest = _leftover(mail, {*MAIL_FIELDS.values(), "commonHeaders"})
    extra_headers = _leftover(common, HEADER_FIELDS.values())
    if extra_headers:
        rest["commonHeaders"] = extra_headers
    return found, rest


def _kind(notification: dict) -> str:
    return notification.get("notificationType") or notification.get("eventType") or "Unknown"


def summarise(notification: dict) -> dict:
    """One notification (SES's, or SNS's envelope around it) as a flat summary: ``type``,
    ``time``, mail fields (``source``, ``destination``, ``subject``, ``message_id``...),
    the details of its kind, ``recipients`` (each with ``address``, ``status``,
    ``diagnostic_code``... and its ``diagnosis``), a ``diagnosis`` for the whole
    notification, and ``other``: every field not summarised, by section."""
    ses, sns = unwrap(notification)
    kind = _kind(ses)
    detail_key, recipients_key = KINDS.get(kind, (None, None))
    detail = (ses.get(detail_key) or {}) if detail_key else {}
    mail, mail_rest = _mail(ses.get("mail") or {})
    fields = DETAIL_FIELDS.get(detail_key, {})
    summary = {
        "type": kind,
        "time": detail.get("timestamp") or mail.get("sent"),
        **mail,
        **_take(detail, fields),
        **sns,
        "recipients": [_recipient(entry) for entry in detail.get(recipients_key) or []],
    }
    for recipient in summary["recipients"]:
        diagnosis = _recipient_diagnosis(kind, summary, recipient)
        if diagnosis:
            recipient["diagnosis"] = diagnosis
    summary["diagnosis"] = _diagnosis(kind, summary)
    other = {
        "notification": _leftover(ses, {"notificationType", "eventType", "mail", detail_key}),
        "mail": mail_rest,
        detail_key or "details": _leftover(detail, {*fields.values(), "timestamp", recipients_key}),
    }
    summary["other"] = {section: rest for section, rest in other.items() if rest}
    return summary


def _status(recipient: dict) -> str:
    """The enhanced status code, from ``status`` or else from the diagnostic text."""
    status = recipient.get("status") or ""
    if status:
        return status
    words = (recipient.get("diagnostic_code") or "").replace(";", " ").split()
    return next((word for word in words if word[:2] in ("5.", "4.") and word.count(".") == 2), "")


def bounce_diagnosis(bounce_type: str, sub_type: str, recipient: dict) -> str:
    """What to do about one bounced recipient."""
    if (bounce_type, sub_type) in BOUNCES:
        return BOUNCES[bounce_type, sub_type]
    if bounce_type != "Permanent":
        kinds = f"{bounce_type or 'unknown'} bounce ({sub_type or 'no sub-type'})"
        return f"{kinds}: read the diagnostic code"
    status = _status(recipient)
    if status in PERMANENT_STATUSES:
        return PERMANENT_STATUSES[status]
    if status.startswith("5.7."):
        return POLICY_REJECT
    return PERMANENT_GENERAL


def _recipient_diagnosis(kind: str, summary: dict, recipient: dict) -> str:
    if kind == "Bounce":
        return bounce_diagnosis(
            summary.get("bounce_type", ""), summary.get("bounce_sub_type", ""), recipient
        )
    if kind == "DeliveryDelay":
        return DELAYS.get(summary.get("delay_type"), "delayed: SES keeps retrying")
    return ""


def _complaint_diagnosis(summary: dict) -> str:
    feedback = summary.get("feedback_type")
    if feedback == "not-spam":
        return "the recipient's provider says the message is not spam: nothing to do"
    said = f" (feedback type {feedback})" if feedback else ""
    return f"the recipient complained{said}: stop mailing them, and check how they were added"


def _diagnosis(kind: str, summary: dict) -> str:
    if kind == "Bounce":
        return _bounce_overall(summary)
    if kind == "Complaint":
        return _complaint_diagnosis(summary)
    if kind == "Delivery":
        return "delivered: the receiving server accepted it; nothing to do"
    if kind == "DeliveryDelay":
        return f"delayed; SES gives up at {summary.get('expiration_time', 'its expiration time')}"
    if kind == "Reject":
        reason = summary.get("reason", "no reason given")
        return f"SES rejected the message and sent nothing ({reason}): remove the virus or cause"
    if kind == "Rendering Failure":
        template = summary.get("template_name", "the template")
        return f"{template} could not be rendered: fix the template or the data sent with it"
    return f"no diagnosis for {kind}: see the fields"


def _bounce_overall(summary: dict) -> str:
    kinds = f"{summary.get('bounce_type', '?')}/{summary.get('bounce_sub_type', '?')}"
    count = len(summary["recipients"])
    return f"{kinds} bounce for {count} recipient{'s' if count != 1 else ''}: see each recipient"


def lines(summary: dict) -> list[str]:
    """``summary`` as short lines of text, for a terminal or an email."""
    head = [f"{summary['type']} at {summary.get('time') or 'an unknown time'}"]
    labels = (
        ("from", "source"),
        ("to", "destination"),
        ("subject", "subject"),
        ("message-id", "message_id"),
        ("bounce", "bounce_type"),
        ("sub-type", "bounce_sub_type"),
        ("feedback type", "feedback_type"),
        ("user agent", "user_agent"),
        ("delay type", "delay_type"),
        ("expires", "expiration_time"),
        ("reason", "reason"),
        ("error", "error_message"),
        ("reporting MTA", "reporting_mta"),
        ("SMTP response", "smtp_response"),
    )
    head += [
        f"  {label}: {_text(summary[key])}" for label, key in labels if summary.get(key) is not None
    ]
    head += [f"  diagnosis: {summary['diagnosis']}"]
    for recipient in summary["recipients"]:
        head += _recipient_lines(recipient)
    if summary.get("other"):
        head.append(f"  other fields: {', '.join(_other_names(summary['other']))}")
    return head


def _recipient_lines(recipient: dict) -> list[str]:
    said = " ".join(
        str(recipient[key]) for key in ("status", "action") if recipient.get(key) is not None
    )
    found = [f"  - {recipient.get('address', '(no address)')}{' ' + said if said else ''}"]
    if recipient.get("diagnostic_code"):
        found.append(f"      {recipient['diagnostic_code']}")
    if recipient.get("diagnosis"):
        found.append(f"      -> {recipient['diagnosis']}")
    return found


def _text(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _other_names(other: dict) -> list[str]:
    return [f"{section}.{key}" for section, rest in other.items() for key in rest]
