"""The account-level suppression list of SES v2, as the SES v2 API reference documents it,
for moto, which lacks it (moto 5.2.6: no handler and no server route for any of these; each
gap ``sesv2-suppression-list`` is filled only where moto still lacks a handler, so a moto that
closes it wins):

- ``ListSuppressedDestinations`` (``GET /v2/email/suppression/addresses``): ``Reasons``
  (BOUNCE, COMPLAINT), ``StartDate``/``EndDate`` on ``LastUpdateTime``, ``PageSize``
  (1-1000, default 1000) and ``NextToken``; answers ``SuppressedDestinationSummaries``
  (``EmailAddress``, ``Reason``, ``LastUpdateTime``), newest first, and ``NextToken``.
- ``GetSuppressedDestination`` (``GET .../addresses/ADDRESS``): ``SuppressedDestination``
  with ``Attributes`` (``MessageId``, ``FeedbackId`` of the bounce or complaint that put it
  there); ``NotFoundException`` when the address is not on the list.
- ``PutSuppressedDestination`` (``PUT .../addresses``): adds or updates an address.
- ``DeleteSuppressedDestination`` (``DELETE .../addresses/ADDRESS``): ``NotFoundException``
  when it is not on the list.

``suppress`` plays SES adding an address after a bounce or complaint (with the date and the
feedback that caused it, which ``PutSuppressedDestination`` cannot set).
"""

import datetime
import json
from urllib.parse import unquote

from moto.sesv2 import urls as sesv2_urls
from moto.sesv2.models import sesv2_backends
from moto.sesv2.responses import SESV2Response

from tests.support import moto_errors, moto_gaps

REASONS = ("BOUNCE", "COMPLAINT")
MAX_PAGE = 1000


def _store(backend):
    if not hasattr(backend, "_runbook_suppressed"):
        backend._runbook_suppressed = {}
    return backend._runbook_suppressed


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _entry(address, reason, when, message_id=None, feedback_id=None):
    entry = {"EmailAddress": address, "Reason": reason, "LastUpdateTime": when.timestamp()}
    attributes = {"MessageId": message_id, "FeedbackId": feedback_id}
    if message_id or feedback_id:
        entry["Attributes"] = {key: value for key, value in attributes.items() if value}
    return entry


def suppress(
    address,
    reason,
    when=None,
    message_id=None,
    feedback_id=None,
    account_id="123456789012",
    region="us-east-1",
):
    """Play SES: put ``address`` on the account's list for ``reason`` at ``when``."""
    store = _store(sesv2_backends[account_id][region])
    store[address.lower()] = _entry(address, reason, when or _now(), message_id, feedback_id)


def _query(response, name):
    return response.querystring.get(name) or []


def _date(response, name):
    values = _query(response, name)
    if not values:
        return None
    text = values[0]
    try:
        return float(text)
    except ValueError:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _address(response):
    return unquote(response.path.split("?")[0].rstrip("/").split("/")[-1])


def list_suppressed_destinations(self):
    reasons = _query(self, "Reason")
    if any(reason not in REASONS for reason in reasons):
        raise moto_errors.bad_request(f"Reason must be one of {', '.join(REASONS)}.")
    start, end = _date(self, "StartDate"), _date(self, "EndDate")
    size = int((_query(self, "PageSize") or [MAX_PAGE])[0])
    if not 1 <= size <= MAX_PAGE:
        raise moto_errors.bad_request(f"PageSize must be between 1 and {MAX_PAGE}.")
    entries = sorted(
        _store(self.sesv2_backend).values(), key=lambda e: (-e["LastUpdateTime"], e["EmailAddress"])
    )
    entries = [
        e
        for e in entries
        if (not reasons or e["Reason"] in reasons)
        and (start is None or e["LastUpdateTime"] >= start)
        and (end is None or e["LastUpdateTime"] <= end)
    ]
    offset = int((_query(self, "NextToken") or ["0"])[0])
    page = entries[offset : offset + size]
    answer = {
        "SuppressedDestinationSummaries": [
            {key: e[key] for key in ("EmailAddress", "Reason", "LastUpdateTime")} for e in page
        ]
    }
    if offset + size < len(entries):
        answer["NextToken"] = str(offset + size)
    return json.dumps(answer)


def _found(response, address):
    entry = _store(response.sesv2_backend).get(address.lower())
    if entry is None:
        raise moto_errors.not_found(
            f"Email address {address} does not exist on your suppression list."
        )
    return entry


def get_suppressed_destination(self):
    return json.dumps({"SuppressedDestination": _found(self, _address(self))})


def put_suppressed_destination(self):
    body = json.loads(self.body or "{}")
    address, reason = body.get("EmailAddress"), body.get("Reason")
    if not address or reason not in REASONS:
        raise moto_errors.bad_request(f"EmailAddress and a Reason of {', '.join(REASONS)} needed.")
    _store(self.sesv2_backend)[address.lower()] = _entry(address, reason, _now())
    return json.dumps({})


def delete_suppressed_destination(self):
    address = _address(self)
    _found(self, address)
    del _store(self.sesv2_backend)[address.lower()]
    return json.dumps({})


_HANDLERS = {
    "list_suppressed_destinations": list_suppressed_destinations,
    "get_suppressed_destination": get_suppressed_destination,
    "put_suppressed_destination": put_suppressed_destination,
    "delete_suppressed_destination": delete_suppressed_destination,
}
_URL_PATHS = (
    "{0}/v2/email/suppression/addresses$",
    "{0}/v2/email/suppression/addresses/(?P<EmailAddress>[^/]+)$",
)


def _install():
    routes = dict.fromkeys(_URL_PATHS, SESV2Response.dispatch)
    sesv2_urls.url_paths.update({k: v for k, v in routes.items() if k not in sesv2_urls.url_paths})
    for name, handler in _HANDLERS.items():
        setattr(SESV2Response, name, handler)


FILLS = {"sesv2-suppression-list": (moto_gaps.lacks(SESV2Response, *_HANDLERS), _install)}


def apply():
    """Install the handlers and their server routes where moto lacks them (idempotent)."""
    moto_gaps.fill(FILLS)
