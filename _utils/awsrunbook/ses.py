"""Amazon SES, pure: constants of the API, the SMTP endpoint and password, identity
statuses and what an identity still needs before it can send."""

from __future__ import annotations

import base64
import hashlib
import hmac

from awsrunbook import dns
from awsrunbook import validate as valid

KEY_LENGTHS = ("RSA_2048_BIT", "RSA_1024_BIT")
MX_FAILURE_BEHAVIORS = ("USE_DEFAULT_VALUE", "REJECT_MESSAGE")
NOTIFICATION_TYPES = ("Bounce", "Complaint", "Delivery")
NOTIFICATION_DEFAULTS = {
    "subscribers": [],
    "queue": None,
    "bounce": True,
    "complaint": True,
    "delivery": False,
    "include_headers": True,
    "feedback_forwarding": True,
}
NOTIFICATION_KEYS = ("topic", *NOTIFICATION_DEFAULTS)
SMTP_PORT = 587


def smtp_host(region: str) -> str:
    """The SES SMTP endpoint of ``region``."""
    return f"email-smtp.{region}.amazonaws.com"


def smtp_password(secret_access_key: str, region: str) -> str:
    """The SES SMTP password for ``secret_access_key`` in ``region`` (SigV4, version 4)."""

    def sign(key, message):
        return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()

    signature = sign(("AWS4" + secret_access_key).encode("utf-8"), "11111111")
    for part in (region, "ses", "aws4_request", "SendRawEmail"):
        signature = sign(signature, part)
    return base64.b64encode(bytes([0x04]) + signature).decode("utf-8")


# --- what an identity should look like (validated arguments of ses_identity) ----------------


def _notifications(value):
    if value is None:
        return None
    valid.known_keys(value, "notifications", NOTIFICATION_KEYS)
    merged = {**NOTIFICATION_DEFAULTS, **value}
    valid.sns_topic_name(merged.get("topic"), "notifications:topic")
    merged["subscribers"] = valid.email_addresses(
        merged["subscribers"], "notifications:subscribers"
    )
    if merged["queue"] is not None:
        valid.sqs_queue_name(merged["queue"], "notifications:queue")
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


IDENTITY_ARGUMENTS = {
    "dkim": None,
    "mail_from_domain": None,
    "behavior_on_mx_failure": "USE_DEFAULT_VALUE",
    "notifications": None,
    "configuration_set": None,
    "tags": None,
    "dmarc": None,
}


def _dkim(value, kind):
    if kind == "EMAIL_ADDRESS":
        if value is not None:
            valid.fail("dkim", "Easy DKIM applies to domain identities only", value)
        return None
    if value is False:
        valid.fail(
            "dkim",
            "Easy DKIM cannot be switched off here (its CNAMEs are what verify the domain): "
            f"give one of {list(KEY_LENGTHS)}, or leave it out for RSA_2048_BIT",
            value,
        )
    return valid.one_of(value or "RSA_2048_BIT", "dkim", KEY_LENGTHS)


def _dmarc(value, kind):
    if kind == "EMAIL_ADDRESS" and value not in (None, False):
        valid.fail("dmarc", "applies to domain identities only", value)
    if value is None:
        value = dns.DEFAULT_DMARC if kind == "DOMAIN" else False
    if value is not False and (not isinstance(value, str) or not value.startswith("v=DMARC1")):
        valid.fail(
            "dmarc", "must be a DMARC record value starting with 'v=DMARC1', or false", value
        )
    return value or None


def desired_identity(name, **arguments):
    """Validate ``ses_identity.present``'s arguments (those of ``IDENTITY_ARGUMENTS``); return
    what the identity should look like. Raises ``SaltInvocationError`` naming the argument."""
    args = {**IDENTITY_ARGUMENTS, **valid.known_keys(arguments, "arguments", IDENTITY_ARGUMENTS)}
    identity, kind = valid.ses_identity(name)
    configuration_set = args["configuration_set"]
    if configuration_set not in (None, False):
        valid.ses_name(configuration_set, "configuration_set")
    return {
        "identity": identity,
        "type": kind,
        "dkim": _dkim(args["dkim"], kind),
        "mail_from": _mail_from(args["mail_from_domain"], args["behavior_on_mx_failure"], identity),
        "notifications": _notifications(args["notifications"]),
        "configuration_set": None if configuration_set is None else (configuration_set or ""),
        "tags": _tags(args["tags"]),
        "dmarc": _dmarc(args["dmarc"], kind),
    }


# --- statuses and records -------------------------------------------------------------------


def status_of(found: dict) -> dict:
    """``{"identity", "dkim", "mail_from"}`` statuses of an ``aws_ses.get_identity`` answer
    (``None`` where not applicable)."""
    return {
        "identity": found["verification_status"],
        "dkim": found["dkim"]["status"] if found["type"] != "EMAIL_ADDRESS" else None,
        "mail_from": found["mail_from"]["status"] if found["mail_from"] else None,
    }


def is_verified(found: dict) -> bool:
    """True when the identity, its DKIM (domains) and its MAIL FROM (if any) all succeeded."""
    return all(value in (None, "SUCCESS") for value in status_of(found).values())


def records_for(desired: dict, found: dict | None, region: str) -> list[dict]:
    """The DNS records the identity needs once ``desired`` (``ses_identity``'s validated
    arguments) is applied to ``found`` (``None``: not created yet, so the DKIM tokens are
    placeholders)."""
    zone = None  # the DKIM zone SES names once the identity exists
    if found is None:
        tokens = dns.dkim_placeholders() if desired["type"] == "DOMAIN" else []
        mail_from = None
    else:
        tokens = found["dkim"]["tokens"] if found["dkim"].get("signing_enabled") else []
        mail_from = (found.get("mail_from") or {}).get("domain")
        zone = found["dkim"].get("signing_zone")
    if desired["mail_from"] is not None:
        mail_from = desired["mail_from"]["domain"]
    return dns.build_dns_records(
        desired["identity"], region, tokens, mail_from, desired["dmarc"], dkim_zone=zone
    )


def status_lines(found: dict | None, identity: str) -> list[str]:
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


def missing_records(found: dict, records: list[dict]) -> list[dict]:
    """The records still outstanding for ``found``: what a timed-out wait lists."""
    missing = []
    if found["type"] != "EMAIL_ADDRESS" and found["dkim"]["status"] != "SUCCESS":
        missing += [r for r in records if r["type"] == "CNAME"]
    if found.get("mail_from") and found["mail_from"]["status"] != "SUCCESS":
        missing += [r for r in records if r["name"] == found["mail_from"]["domain"]]
    return missing


def production_access_status(enabled: bool, review_status: str | None) -> str:
    """``sandbox``, ``pending review``, ``granted`` or ``denied``."""
    if enabled:
        return "granted"
    if review_status == "PENDING":
        return "pending review"
    if review_status in ("DENIED", "FAILED"):
        return "denied"
    return "sandbox"
