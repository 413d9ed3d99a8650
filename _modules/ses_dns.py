"""The live DNS checks of an SES domain identity: what DNS shows against what SES needs
(``check_dns``), and whether mail from the domain passes DMARC (``check_dmarc``). Both read
the identity from SES and ask DNS (the zone's authoritative nameservers, or ``resolvers``:
``HOST`` or ``HOST:PORT`` strings); they write nothing.

CLI examples::

    salt-call ses_dns.check_dns example.org region=eu-west-1
    salt-call ses_dns.check_dmarc example.org resolvers='["127.0.0.1:5353"]' --out=json
"""

from typing import TYPE_CHECKING

import awsrunbook_client as aws
import awsrunbook_dns as ses_records
import awsrunbook_dnscheck as check
import awsrunbook_dnsrecords as records
import awsrunbook_validate as valid
from salt.exceptions import CommandExecutionError

__virtualname__ = "ses_dns"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook_typing import __salt__

DEFAULT_TIMEOUT = 5.0


def __virtual__():
    return __virtualname__


def _identity(domain, conn):
    found = __salt__["aws_ses.get_identity"](domain, **conn)
    if found is None:
        raise CommandExecutionError(f"SES identity {domain} does not exist")
    if found["type"] == "EMAIL_ADDRESS":
        raise CommandExecutionError(f"{domain} is an email address: only domains have records")
    return found


def _expected(domain, found, conn, dmarc):
    region = aws.region_of(conn, __salt__.get("config.option"))
    tokens = found["dkim"]["tokens"] if found["dkim"].get("signing_enabled") else []
    mail_from = (found.get("mail_from") or {}).get("domain")
    zone = found["dkim"].get("signing_zone")
    return records.group_records(
        ses_records.build_dns_records(domain, region, tokens, mail_from, dmarc, dkim_zone=zone)
    )


def _lookups(keys, resolvers, timeout):
    return {
        (name, rtype): __salt__["dns_lookup.lookup"](name, rtype, resolvers, timeout)
        for name, rtype in keys
    }


def records_report(domain, found, conn, resolvers=None, dmarc=None, timeout=DEFAULT_TIMEOUT):
    """``check_dns``'s answer for an identity already read (``found``: ``aws_ses.get_identity``);
    the state calls this after its own read."""
    expected_dmarc = ses_records.DEFAULT_DMARC if dmarc is None else dmarc
    groups = _expected(domain, found, conn, expected_dmarc)
    answers = _lookups(
        [*groups, (f"{check.LEGACY_TOKEN_PREFIX}.{domain}", "TXT")], resolvers, timeout
    )
    report = check.check_records(groups, answers, any_policy=("DMARC",) if dmarc is None else ())
    obsolete = check.legacy_token(domain, answers[(f"{check.LEGACY_TOKEN_PREFIX}.{domain}", "TXT")])
    return {
        "domain": domain,
        "ok": all(entry["status"] == "ok" for entry in report),
        "records": report,
        "obsolete": [obsolete] if obsolete else [],
        "lines": check.report_lines(report, obsolete),
    }


def check_dns(domain, resolvers=None, dmarc=None, timeout=DEFAULT_TIMEOUT, **kwargs):
    """Resolve each record the SES identity ``domain`` needs (DKIM CNAMEs, MAIL FROM MX and
    SPF, DMARC) and report per record ``ok`` / ``missing`` / ``different`` (with what was
    found) / ``timeout`` / ``error``, plus an obsolete ``_amazonses`` token if one is left.

    dmarc
        The DMARC value expected; by default any one DMARC record passes; ``false``: not
        checked.
    resolvers
        ``HOST`` or ``HOST:PORT`` strings to ask instead of the authoritative nameservers.

    CLI example::

        salt-call ses_dns.check_dns example.org region=eu-west-1
    """
    conn = aws.split_connection_args(kwargs)
    valid.no_unknown(kwargs, "check_dns")
    domain = valid.domain(domain, "domain")
    records.resolver_addresses(resolvers)
    found = _identity(domain, conn)
    return records_report(domain, found, conn, resolvers, dmarc, timeout)


def _dmarc_answers(domain, resolvers, timeout):
    own = __salt__["dns_lookup.lookup"](f"_dmarc.{domain}", "TXT", resolvers, timeout)
    org = check.organizational_domain(domain)
    has_record = any(records.policy_kind("TXT", v) == "DMARC" for v in own["values"])
    if org == domain or has_record or own["status"] in ("timeout", "error"):
        return own, None
    return own, __salt__["dns_lookup.lookup"](f"_dmarc.{org}", "TXT", resolvers, timeout)


def dmarc_policy(domain, resolvers=None, timeout=DEFAULT_TIMEOUT):
    """The DMARC record that applies to mail from ``domain`` (its own, else its
    organisational domain's): ``awsrunbook_dnscheck.dmarc_record``'s answer."""
    return check.dmarc_record(domain, *_dmarc_answers(domain, resolvers, timeout))


def check_dmarc(domain, resolvers=None, timeout=DEFAULT_TIMEOUT, **kwargs):
    """Whether mail SES sends for ``domain`` passes DMARC, from DNS and SES's view of the
    identity: the DMARC record (one only, its policy, ``adkim``/``aspf``, ``rua``/``ruf``),
    DKIM alignment (Easy DKIM signs with ``d=DOMAIN``), SPF alignment (the MAIL FROM domain,
    and SES's fallback to amazonses.com when its MX fails). Answers ``verdict`` (``pass``,
    ``pass via DKIM only``, ``pass via SPF only``, ``fail``), ``reasons`` and readable
    ``lines``.

    CLI example::

        salt-call ses_dns.check_dmarc example.org --out=json
    """
    conn = aws.split_connection_args(kwargs)
    valid.no_unknown(kwargs, "check_dmarc")
    domain = valid.domain(domain, "domain")
    records.resolver_addresses(resolvers)
    found = _identity(domain, conn)
    groups = _expected(domain, found, conn, None)
    answers = _lookups(groups, resolvers, timeout)
    entries = check.check_records(groups, answers)
    cnames = [e for e in entries if e["type"] == "CNAME"]
    mx_entry = next((e for e in entries if e["type"] == "MX"), None)
    dmarc = dmarc_policy(domain, resolvers, timeout)
    return check.dmarc_report(domain, found, dmarc, cnames, mx_entry)
