"""The DNS side of an SES identity state, pure: its records to publish at a DNS host (or list
for the operator to publish), what a wait for verification that timed out says, and the
comment lines. The state reads the DNS host and SES and applies the plans.
"""

from typing import Any

from awsrunbook import dns, dnsrecords, ses
from awsrunbook import validate as valid

# (execution-module prefix, zone, provider settings), as dnsrecords.provider_settings returns.
Target = tuple[str, str | None, dict[str, Any]]


def target(dns_settings, desired, pillar=None) -> Target | None:
    """The validated ``dns`` argument of an identity state (``None`` when not given);
    ``pillar``: the minion's, to check a secret the settings read from it."""
    if dns_settings is None:
        return None
    found = dnsrecords.provider_settings(dns_settings, "dns", pillar)
    if desired["type"] != "DOMAIN":
        valid.fail("dns", "applies to domain identities only")
    zone = found[1]
    if zone and not dnsrecords.in_zone(desired["identity"], zone):
        valid.fail("dns:zone", f"does not hold {desired['identity']}", zone)
    return found


def check_args(check_dns, resolvers, desired):
    """``{"resolvers": ...}`` when the records are to be checked live, else ``None``."""
    valid.boolean(check_dns, "check_dns")
    dnsrecords.resolver_addresses(resolvers)
    if check_dns and desired["type"] != "DOMAIN":
        valid.fail("check_dns", "applies to domain identities only (an address has no records)")
    return {"resolvers": resolvers} if check_dns else None


def publish_groups(records):
    """``(groups, pending)``: the record sets (``dnsrecords.group_records``) to publish now,
    and the comment line for the DKIM CNAMEs that wait for SES's tokens (a test run)."""
    ready = [r for r in records if "<" not in r["name"]]
    pending = (
        []
        if len(ready) == len(records)
        else ["DKIM CNAMEs: published once SES has assigned the tokens (on the real run)."]
    )
    return dnsrecords.group_records(ready), pending


def plan_publish(where: Target, groups, found, dmarc):
    """``(steps, conflicts, kept)`` publishing ``groups`` over what the DNS host holds
    (``found``): a DMARC record already there is kept unless ``dmarc`` was given; any other
    rival SPF or DMARC value is a conflict, left alone."""
    return dnsrecords.plan_publish(
        where,
        groups,
        found,
        replace_kinds=("DMARC",) if dmarc else (),
        keep_kinds=("DMARC",) if dmarc is None else (),
    )


def add_published(ret, published, steps, done, conflicts):
    """Fold the DNS plan's outcome (its own ``ret``, ``published``) into the identity's ``ret``
    (``changes``: ``dns_records``, one entry per record set written)."""
    ret["changes"].update(dnsrecords.nest_changes(published["changes"], steps))
    if not done or conflicts:
        ret["result"] = False
    elif published["result"] is None and ret["result"] is True:
        ret["result"] = None


def unpublish_groups(where: Target | None, desired, current, region):
    """The record sets the identity published (its DKIM CNAMEs, MAIL FROM MX and SPF, the
    DMARC value), to take out of DNS; none without ``dns`` or an identity."""
    if where is None or current is None:
        return {}
    return dnsrecords.group_records(ses.records_for(desired, current, region))


def not_verified_lines(after, records, seconds):
    """The comment lines for a wait that timed out (none when ``after`` is verified)."""
    if after is None or ses.is_verified(after):
        return []
    missing = ses.missing_records(after, records)
    return [
        f"Not verified after {seconds} s. Records SES has not seen yet:",
        dns.zone_file(missing) if missing else "(none: see status)",
    ]


def records_lines(records):
    """The comment's closing lines: the records in zone-file form."""
    if not records:
        return ["No DNS records to publish."]
    return ["DNS records to publish (zone-file form):", dns.zone_file(records)]
