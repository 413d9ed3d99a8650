"""The DNS side of an SES identity state: its records published at a DNS host (or listed for
the operator to publish), checked live, waited for, and reported in the state's comment.

The functions that read or write take ``salt_funcs`` (the state's ``__salt__``) for their I/O,
as ``awsrunbook.state.run_plan`` does.
"""

from typing import Any

from awsrunbook import dns, dnsrecords, ses
from awsrunbook import state as st
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


def record_sets(salt_funcs, where: Target, groups):
    """The provider's record set per ``(name, type)`` of ``groups``."""
    module, zone, settings = where
    return {key: salt_funcs[f"{module}.get_records"](zone, *key, **settings) for key in groups}


def publish(ret, salt_funcs, where: Target, records, dmarc, test):
    """Publish ``records`` at the DNS host (``changes``: ``dns_records``, one entry per record
    set written); the comment lines. A DMARC record already there is kept unless ``dmarc``
    was given; any other rival SPF or DMARC value fails the state and is left alone."""
    ready = [r for r in records if "<" not in r["name"]]
    pending = (
        []
        if len(ready) == len(records)
        else ["DKIM CNAMEs: published once SES has assigned the tokens (on the real run)."]
    )
    groups = dnsrecords.group_records(ready)
    steps, conflicts, kept = dnsrecords.plan_publish(
        where,
        groups,
        record_sets(salt_funcs, where, groups),
        replace_kinds=("DMARC",) if dmarc else (),
        keep_kinds=("DMARC",) if dmarc is None else (),
    )
    published = st.new_ret(ret["name"])
    done = st.run_plan(published, steps, salt_funcs, {}, test, "DNS records")
    ret["changes"].update(dnsrecords.nest_changes(published["changes"], steps))
    if not done or conflicts:
        ret["result"] = False
    elif published["result"] is None and ret["result"] is True:
        ret["result"] = None
    return [published["comment"], *conflicts, *kept, *pending]


def unpublish_steps(salt_funcs, where: Target | None, desired, current, region):
    """The steps taking the identity's records out of DNS: exactly the values it published
    (its DKIM CNAMEs, MAIL FROM MX and SPF, the DMARC value), other values stay."""
    if where is None or current is None:
        return []
    groups = dnsrecords.group_records(ses.records_for(desired, current, region))
    return dnsrecords.plan_unpublish(where, groups, record_sets(salt_funcs, where, groups))


def wait(salt_funcs, identity, after, records, seconds, conn, dns_check):
    """Wait for verification (polling DNS too with ``dns_check``: ``{"resolvers": ...}``);
    ``(identity as found last, comment lines for a wait that timed out, else none)``."""
    if ses.is_verified(after):
        return after, []
    checks = {"check_dns": True, **dns_check} if dns_check else {}
    after = salt_funcs["aws_ses.wait_verified"](identity, seconds, **checks, **conn)
    if after is None or ses.is_verified(after):
        return after, []
    missing = ses.missing_records(after, records)
    return after, [
        f"Not verified after {seconds} s. Records SES has not seen yet:",
        dns.zone_file(missing) if missing else "(none: see status)",
    ]


def checked_lines(salt_funcs, identity, found, conn, dns_check, dmarc):
    """The live DNS check's comment lines."""
    report = salt_funcs["ses_dns.records_report"](
        identity, found, conn, dns_check["resolvers"], dmarc
    )
    return ["DNS check (what DNS shows now):", *report["lines"]]


def records_lines(records):
    """The comment's closing lines: the records in zone-file form."""
    if not records:
        return ["No DNS records to publish."]
    return ["DNS records to publish (zone-file form):", dns.zone_file(records)]
