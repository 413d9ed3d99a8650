"""Cloudflare DNS records through Cloudflare's REST API v4 (called directly with
``requests``: the Python SDK changed incompatibly across major versions). One of the ``dns``
providers of ``dns_record`` and ``ses_identity``, with the same functions as
``aws_route53`` and ``rfc2136``.

Settings: ``api_token`` or ``api_token_pillar`` (a pillar key holding the token, e.g.
``cloudflare:api_token``), ``base_url`` (default: the minion config option
``cloudflare.base_url``, else ``https://api.cloudflare.com/client/v4``), ``timeout``
(seconds, 30). The token travels only in the ``Authorization`` header: it is never in a URL
(urllib3 logs those at debug level), a log line, an error or the output. Records are
created unproxied; the TTL defaults to 1 (automatic).

CLI example::

    salt-call cloudflare_dns.get_records example.org _dmarc.example.org TXT \\
        api_token_pillar=cloudflare:api_token
"""

import logging
import time
from typing import TYPE_CHECKING

import requests
from awsrunbook import dnsrecords as records
from salt.exceptions import CommandExecutionError

log = logging.getLogger(__name__)

__virtualname__ = "cloudflare_dns"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __context__, __pillar__, __salt__

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
DEFAULT_TIMEOUT = 30.0
AUTOMATIC_TTL = 1
PER_PAGE = 100
RETRIED_STATUSES = (429, 500, 502, 503, 504)
ATTEMPTS = 5


def __virtual__():
    return __virtualname__


def _api(settings):
    """``{"base", "headers", "timeout"}`` from the provider settings."""
    base = settings.get("base_url") or __salt__["config.option"](
        "cloudflare.base_url", DEFAULT_BASE_URL
    )
    token = records.secret_setting(
        settings.get("api_token"), settings.get("api_token_pillar"), __pillar__, "api_token"
    )
    return {
        "base": base.rstrip("/"),
        "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        "timeout": records.timeout_seconds(settings.get("timeout"), "timeout", DEFAULT_TIMEOUT),
    }


def _errors(body, status):
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors:
        return f"HTTP {status}"
    return "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)


def _send(api, method, path, what, params, payload):
    try:
        response = requests.request(
            method,
            api["base"] + path,
            headers=api["headers"],
            params=params,
            json=payload,
            timeout=api["timeout"],
        )
    except requests.RequestException as exc:
        # The exception text names the URL only; the token is in a header.
        raise CommandExecutionError(f"Cloudflare {what} failed: {type(exc).__name__}") from None
    try:
        body = response.json()
    except ValueError:
        body = None
    return response.status_code, body


def _request(api, method, path, what, params=None, payload=None):
    """Cloudflare's answer ``body`` for one call; ``{"success": false, "errors": [...]}``
    becomes CommandExecutionError. Rate limits and server errors are retried with backoff
    for every method but POST, which is never repeated blindly (the caller reconciles)."""
    delay = 1.0
    for attempt in range(ATTEMPTS):
        status, body = _send(api, method, path, what, params, payload)
        retry = status in RETRIED_STATUSES and (method != "POST" or status == 429)
        if not retry or attempt == ATTEMPTS - 1:
            break
        log.info("Cloudflare %s: HTTP %s, retrying in %.0f s", what, status, delay)
        time.sleep(delay)
        delay *= 2
    if not isinstance(body, dict) or not body.get("success"):
        raise CommandExecutionError(f"Cloudflare {what} failed: {_errors(body, status)}")
    return body


def _zone_id(api, zone):
    """The zone's ID, looked up once per run (a zone's ID never changes)."""
    cache = __context__.setdefault("cloudflare_dns.zone_ids", {})
    if (api["base"], zone) in cache:
        return cache[(api["base"], zone)]
    body = _request(api, "GET", "/zones", f"zone lookup of {zone}", params={"name": zone})
    found = [z["id"] for z in body.get("result") or [] if z.get("name", "").lower() == zone]
    if not found:
        raise CommandExecutionError(f"Cloudflare has no zone named {zone} for this token")
    cache[(api["base"], zone)] = found[0]
    return found[0]


def _list(api, zone_id, name, rtype):
    """Every record of ``rtype`` at ``name``, following ``result_info`` pagination."""
    found, page = [], 1
    while True:
        params = {"name": name, "type": rtype, "page": page, "per_page": PER_PAGE}
        body = _request(
            api, "GET", f"/zones/{zone_id}/dns_records", f"listing {name} {rtype}", params=params
        )
        found.extend(body.get("result") or [])
        info = body.get("result_info") or {}
        if page >= int(info.get("total_pages") or 1):
            return found
        page += 1


def _canonical(rtype, record):
    if rtype == "MX":
        return records.canonical_value("MX", f"{record.get('priority', 0)} {record['content']}")
    return records.from_presentation(rtype, record["content"])


def get_records(zone, name, rtype, **settings):
    """The ``rtype`` records at ``name``: ``{"values": [...], "ttl": N}`` (no values when
    there are none).

    CLI example::

        salt-call cloudflare_dns.get_records example.org _dmarc.example.org TXT \\
            api_token_pillar=cloudflare:api_token
    """
    api = _api(settings)
    found = _list(api, _zone_id(api, zone), name, rtype)
    values = sorted({_canonical(rtype, record) for record in found})
    return {"values": values, "ttl": min((r["ttl"] for r in found), default=None)}


def _payload(name, rtype, value, ttl):
    payload = {"type": rtype, "name": name, "ttl": ttl}
    if rtype == "MX":
        priority, host = value.split(" ", 1)
        payload.update(content=host, priority=int(priority))
    elif rtype == "TXT":
        payload["content"] = records.txt_presentation(value)
    else:
        payload["content"] = value
    if rtype in ("A", "AAAA", "CNAME"):
        payload["proxied"] = False  # DNS only: SES must see the records as they are
    return payload


def _create(api, zone_id, name, rtype, value, ttl):
    path = f"/zones/{zone_id}/dns_records"
    try:
        _request(
            api, "POST", path, f"creating {name} {rtype}", payload=_payload(name, rtype, value, ttl)
        )
    except CommandExecutionError:
        # The create may have happened before the error: look before reporting it.
        if value not in {_canonical(rtype, r) for r in _list(api, zone_id, name, rtype)}:
            raise


def set_records(zone, name, rtype, values, ttl=None, current=None, **settings):
    """Make ``values`` the whole set of ``rtype`` records at ``name``: create the missing
    ones, delete the others, correct the TTL of the rest.

    CLI example::

        salt-call cloudflare_dns.set_records example.org www.example.org A '["192.0.2.10"]' \\
            api_token_pillar=cloudflare:api_token
    """
    api = _api(settings)
    zone_id = _zone_id(api, zone)
    ttl = ttl or AUTOMATIC_TTL
    existing = {_canonical(rtype, r): r for r in _list(api, zone_id, name, rtype)}
    for value, record in existing.items():
        path = f"/zones/{zone_id}/dns_records/{record['id']}"
        if value not in values:
            _request(api, "DELETE", path, f"deleting {name} {rtype}")
        elif record.get("ttl") != ttl:
            _request(api, "PATCH", path, f"updating {name} {rtype}", payload={"ttl": ttl})
    for value in values:
        if value not in existing:
            _create(api, zone_id, name, rtype, value, ttl)
    return True
