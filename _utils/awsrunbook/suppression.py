"""The account's SES suppression list, explained: arguments checked before any AWS call,
SES v2's suppressed-destination answers as plain data, and why mail to one address does not
arrive (suppressed since when and by which bounce or complaint, sandbox, unverified
recipient, the sending identity's status). Pure: the answers come in as data.
"""

from __future__ import annotations

import datetime
import re

from salt.exceptions import SaltInvocationError

REASONS = ("BOUNCE", "COMPLAINT")
MAX_PAGE = 1000  # ListSuppressedDestinations' largest PageSize
_ADDRESS_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def address_arg(value, arg="address") -> str:
    """An email address, as given (SES compares them case-insensitively)."""
    if not isinstance(value, str) or not _ADDRESS_RE.match(value.strip()):
        raise SaltInvocationError(f"{arg}: must be an email address (got {value!r})")
    return value.strip()


def reasons_arg(value, arg="reason") -> list[str]:
    """``BOUNCE``, ``COMPLAINT``, a list of them, or ``None`` (both)."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(",")
    reasons = [str(item).strip().upper() for item in items if str(item).strip()]
    bad = [r for r in reasons if r not in REASONS]
    if bad:
        raise SaltInvocationError(f"{arg}: must be BOUNCE or COMPLAINT (got {', '.join(bad)})")
    return reasons


def date_arg(value, arg) -> datetime.datetime | None:
    """An ISO 8601 date or time (``2026-12-01``, ``2026-12-01T08:00:00Z``), UTC unless
    stated; ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    text = str(value).strip().replace("Z", "+00:00")
    try:
        when = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise SaltInvocationError(
            f"{arg}: must be an ISO 8601 date or time such as 2026-12-01 (got {value!r})"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)


def count_arg(value, arg="max") -> int:
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = 0
    if count < 1:
        raise SaltInvocationError(f"{arg}: must be a whole number of 1 or more (got {value!r})")
    return count


def _iso(when: datetime.datetime | float | None) -> str | None:
    if when is None:
        return None
    if not isinstance(when, datetime.datetime):
        when = datetime.datetime.fromtimestamp(float(when), datetime.timezone.utc)
    return when.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def summary(entry: dict) -> dict:
    """A ``SuppressedDestinationSummary`` or ``SuppressedDestination`` as plain data:
    ``{"address", "reason", "since", "message_id", "feedback_id"}``."""
    attributes = entry.get("Attributes") or {}
    return {
        "address": entry["EmailAddress"],
        "reason": entry["Reason"],
        "since": _iso(entry.get("LastUpdateTime")),
        "message_id": attributes.get("MessageId"),
        "feedback_id": attributes.get("FeedbackId"),
    }


def list_params(
    reasons: list[str],
    since: datetime.datetime | None,
    until: datetime.datetime | None,
    page_size: int,
    next_token: str | None,
) -> dict:
    """The ``ListSuppressedDestinations`` parameters."""
    params = {"PageSize": min(page_size, MAX_PAGE)}
    if reasons:
        params["Reasons"] = reasons
    if since:
        params["StartDate"] = since
    if until:
        params["EndDate"] = until
    if next_token:
        params["NextToken"] = next_token
    return params


def matching_feedback(address: str, suppressed: dict | None, notifications: list[dict]) -> list:
    """The bounce and complaint notifications (``aws_ses.feedback`` summaries) about
    ``address``: the one whose feedback ID SES recorded first."""
    wanted = address.lower()
    feedback_id = (suppressed or {}).get("feedback_id")
    found = [
        n
        for n in notifications
        if n.get("type") in ("Bounce", "Complaint")
        and any((r.get("address") or "").lower() == wanted for r in n.get("recipients") or [])
    ]
    return sorted(found, key=lambda n: n.get("feedback_id") != feedback_id)


def _suppression_lines(address: str, suppressed: dict | None, feedback: list[dict]) -> list:
    if not suppressed:
        return [f"{address} is not on the account's suppression list"]
    lines = [
        f"{address} is on the account's suppression list since {suppressed['since']} "
        f"({suppressed['reason']}): SES drops mail to it without trying "
        "(aws_ses.unsuppress removes it)"
    ]
    if suppressed.get("feedback_id"):
        lines.append(
            f"put there by feedback {suppressed['feedback_id']} of message "
            f"{suppressed.get('message_id') or '(unknown)'}"
        )
    for notification in feedback[:1]:
        lines += [f"  {line}" for line in notification.get("text") or []]
    return lines


def _sandbox_lines(address: str, account: dict | None, recipient_verified: bool) -> list:
    if account is None:
        return []
    lines = []
    if not account.get("sending_enabled", True):
        lines.append("sending is paused for the whole account (SendingEnabled false)")
    if account.get("production_access") != "granted":
        if recipient_verified:
            lines.append("the account is in the SES sandbox; the recipient is verified, so allowed")
        else:
            lines.append(
                f"the account is in the SES sandbox ({account.get('production_access')}): it "
                f"sends only to verified identities, and neither {address} nor its domain is one"
            )
    return lines


def _sender_lines(sender: str | None, identity: dict | None) -> list[str]:
    if not sender:
        return []
    if identity is None:
        return [f"the sending identity {sender} does not exist in SES: sending is refused"]
    status = identity.get("verification_status")
    if status != "SUCCESS":
        return [f"the sending identity {sender} is {status}: SES refuses to send from it"]
    return [f"the sending identity {sender} is verified"]


def explain(
    address: str,
    suppressed: dict | None,
    feedback: list[dict],
    account: dict | None,
    recipient_verified: bool,
    sender: str | None,
    identity: dict | None,
) -> dict:
    """Everything standing between SES and ``address``: ``{"address", "suppressed",
    "feedback", "sandbox", "recipient_verified", "sender", "lines"}``."""
    return {
        "address": address,
        "suppressed": suppressed,
        "feedback": feedback,
        "sandbox": None if account is None else account.get("production_access") != "granted",
        "recipient_verified": recipient_verified,
        "sender": {"identity": sender, "status": (identity or {}).get("verification_status")}
        if sender
        else None,
        "lines": [
            *_suppression_lines(address, suppressed, feedback),
            *_sandbox_lines(address, account, recipient_verified),
            *_sender_lines(sender, identity),
        ],
    }
