"""DNS records, pure: the records an SES identity needs, and their zone-file form."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from awsrunbook import dnsrecords

# A DNS record: {"name", "type", "value"}, and "priority" for MX.
Record = dict[str, Any]

SPF_VALUE = "v=spf1 include:amazonses.com ~all"
DEFAULT_DMARC = "v=DMARC1; p=none;"
DEFAULT_TTL = dnsrecords.DEFAULT_TTL
# Where Easy DKIM CNAMEs point when SES's answer names no zone (most regions use it).
DEFAULT_DKIM_ZONE = "dkim.amazonses.com"


def dkim_placeholders() -> list[str]:
    """Stand-ins for the three Easy DKIM tokens SES assigns when it creates the identity
    (``<`` and ``>`` make a zone import fail loudly if they are pasted by mistake)."""
    return [f"<dkim-token-{i}>" for i in (1, 2, 3)]


def dkim_target(token: str, signing_zone: str | None = None) -> str:
    """The CNAME target of the Easy DKIM token ``token``: ``TOKEN.<SigningHostedZone>``, the
    zone SES's ``GetEmailIdentity`` names (it varies by region: ``dkim.af-south-1.amazonses.com``
    in af-south-1), or ``dkim.amazonses.com`` when the answer names none. Every DKIM record we
    build, show, check or publish takes its target from here."""
    zone = (signing_zone or DEFAULT_DKIM_ZONE).strip().rstrip(".").lower()
    return f"{token}.{zone}"


def build_dns_records(
    identity: str,
    region: str,
    dkim_tokens: Iterable[str] | None = None,
    mail_from_domain: str | None = None,
    dmarc: str | Literal[False] | None = None,
    dkim_zone: str | None = None,
) -> list[Record]:
    """The DNS records an identity needs, as a list of ``{"name", "type", "value"}`` (and
    ``"priority"`` for MX).

    identity
        A domain, or an email address (which needs no records of its own).
    region
        The SES region (the MAIL FROM MX points to its feedback endpoint).
    dkim_tokens
        The Easy DKIM tokens: one CNAME each, ``TOKEN._domainkey.DOMAIN`` →
        ``TOKEN.<dkim_zone>`` (``dkim_target``).
    mail_from_domain
        The custom MAIL FROM domain: an MX (priority 10) to
        ``feedback-smtp.REGION.amazonses.com`` and the SPF TXT record.
    dmarc
        The DMARC TXT value at ``_dmarc.DOMAIN`` (domains only); ``None`` or ``False``: none.
    dkim_zone
        ``DkimAttributes.SigningHostedZone`` of SES's answer (``None``: dkim.amazonses.com).
    """
    records: list[Record] = [
        {
            "name": f"{token}._domainkey.{identity}",
            "type": "CNAME",
            "value": dkim_target(token, dkim_zone),
        }
        for token in dkim_tokens or []
    ]
    if mail_from_domain:
        records.append(
            {
                "name": mail_from_domain,
                "type": "MX",
                "priority": 10,
                "value": f"feedback-smtp.{region}.amazonses.com",
            }
        )
        records.append({"name": mail_from_domain, "type": "TXT", "value": SPF_VALUE})
    if dmarc and "@" not in identity:
        records.append({"name": f"_dmarc.{identity}", "type": "TXT", "value": dmarc})
    return records


def zone_file(records: Iterable[Record], ttl: int = DEFAULT_TTL) -> str:
    """``records`` in zone-file form (RFC 1035 master file lines with absolute names), ready
    for a DNS host's import."""
    lines = []
    for rec in records:
        if rec["type"] == "MX":
            data = f"{rec['priority']} {rec['value']}."
        elif rec["type"] == "TXT":
            data = dnsrecords.txt_presentation(rec["value"])  # quoted, split at 255 bytes
        else:
            data = f"{rec['value']}."
        lines.append(f"{rec['name']}. {ttl} IN {rec['type']} {data}")
    return "\n".join(lines)
