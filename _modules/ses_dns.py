"""The live DNS checks of an SES domain identity: what DNS shows against what SES needs
(``check_dns``), and whether mail from the domain passes DMARC (``check_dmarc``). Both read
the identity from SES and ask DNS (the zone's authoritative nameservers, or ``resolvers``:
``HOST`` or ``HOST:PORT`` strings); they write nothing.

CLI examples::

    salt-call ses_dns.check_dns example.org region=eu-west-1
    salt-call ses_dns.check_dmarc example.org resolvers='["127.0.0.1:5353"]' --out=json
"""

import contextvars
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from awsrunbook import client as aws
from awsrunbook import dmarcrecord, spf
from awsrunbook import dns as ses_records
from awsrunbook import dnscheck as check
from awsrunbook import dnsrecords as records
from awsrunbook import validate as valid
from salt.exceptions import CommandExecutionError

__virtualname__ = "ses_dns"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__

DEFAULT_TIMEOUT = 5.0
# Lookups in flight at once: a dead nameserver then costs one timeout, not one per record.
LOOKUP_WORKERS = 16
# An address SES sends from: in 54.240.0.0/18, published in amazonses.com's SPF record.
SES_SENDING_ADDRESS = "54.240.0.1"


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
    """``{(name, rtype): answer}``, asked concurrently (at most ``LOOKUP_WORKERS`` at once)."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    lookup = __salt__["dns_lookup.lookup"]
    with ThreadPoolExecutor(max_workers=min(LOOKUP_WORKERS, len(keys))) as pool:
        # Each task runs in a copy of this context: Salt's loader keeps its dunders there.
        futures = {
            key: pool.submit(contextvars.copy_context().run, lookup, *key, resolvers, timeout)
            for key in keys
        }
    return {key: future.result() for key, future in futures.items()}


def _walk_keys(*domains):
    return [(f"_dmarc.{n}", "TXT") for d in domains if d for n in dmarcrecord.walk_names(d)]


def _by_domain(answers, domain):
    """The tree walk's answers for ``domain``: ``{name: answer at _dmarc.NAME}``."""
    return {n: answers[(f"_dmarc.{n}", "TXT")] for n in dmarcrecord.walk_names(domain)}


def _cached_lookup(answers, resolvers, timeout):
    """A ``lookup(name, rtype)`` for the SPF evaluation: answers already asked first."""
    cache = dict(answers)
    lookup = __salt__["dns_lookup.lookup"]

    def ask(name, rtype):
        key = (name.lower().rstrip("."), rtype)
        if key not in cache:
            cache[key] = lookup(key[0], rtype, resolvers, timeout)
        return cache[key]

    return ask


def records_report(domain, found, conn, resolvers=None, dmarc=None, timeout=DEFAULT_TIMEOUT):
    """``check_dns``'s answer for an identity already read (``found``: ``aws_ses.get_identity``);
    the state calls this after its own read."""
    expected_dmarc = ses_records.DEFAULT_DMARC if dmarc is None else dmarc
    groups = _expected(domain, found, conn, expected_dmarc)
    walk = _walk_keys(domain) if dmarc is None else []
    answers = _lookups(
        [*groups, (f"{check.LEGACY_TOKEN_PREFIX}.{domain}", "TXT"), *walk], resolvers, timeout
    )
    report = check.check_records(groups, answers, any_policy=("DMARC",) if dmarc is None else ())
    if walk:
        policy = dmarcrecord.discover(domain, _by_domain(answers, domain))
        check.inherit_dmarc(report, domain, policy)
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
    found) / ``several`` (two SPF or DMARC records: receivers use neither) / ``temperror``
    (a timeout, SERVFAIL or REFUSED: try again), plus an obsolete ``_amazonses`` token if
    one is left. SPF is compared by meaning (``include:amazonses.com`` before ``-all`` or
    ``~all``). Lookups run concurrently, each waiting at most ``timeout`` seconds.

    dmarc
        The DMARC value expected; by default any one DMARC record passes, or, for a
        subdomain without one, the record up the tree that covers it; ``false``: not
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
    organisational domain's): ``awsrunbook.dnscheck.dmarc_record``'s answer."""
    return check.dmarc_record(domain, *_dmarc_answers(domain, resolvers, timeout))


def check_dmarc(domain, resolvers=None, timeout=DEFAULT_TIMEOUT, **kwargs):
    """Whether mail SES sends for ``domain`` passes DMARC, from DNS and SES's view of the
    identity: the DMARC record found by RFC 9989's tree walk (one only, its policy with the
    RFC's defaults, ``adkim``/``aspf``, ``rua``/``ruf`` and their authorization at another
    domain), DKIM alignment (Easy DKIM signs with ``d=DOMAIN``), SPF evaluated (RFC 7208)
    at the MAIL FROM domain for an SES address, counted only when it passes and aligns
    (RFC 7489 4.2), and SES's fallback to amazonses.com when the MX fails. Answers
    ``verdict``: ``pass`` (``via``: ``dkim``, ``spf``), ``fail``, ``none`` (no DMARC
    record), ``temperror`` (a lookup it depends on timed out or failed: try again),
    ``permerror`` (several records, or one without a policy); ``reasons``, the
    organisational domain (tree walk, and the Public Suffix List's where they differ) and
    readable ``lines``. Lookups run concurrently; each waits at most ``timeout`` seconds.

    CLI example::

        salt-call ses_dns.check_dmarc example.org --out=json
    """
    conn = aws.split_connection_args(kwargs)
    valid.no_unknown(kwargs, "check_dmarc")
    domain = valid.domain(domain, "domain")
    records.resolver_addresses(resolvers)
    found = _identity(domain, conn)
    groups = _expected(domain, found, conn, None)
    mail_from = (found.get("mail_from") or {}).get("domain")
    answers = _lookups([*groups, *_walk_keys(domain, mail_from)], resolvers, timeout)
    entries = check.check_records(groups, answers)
    cnames = [e for e in entries if e["type"] == "CNAME"]
    mx_entry = next((e for e in entries if e["type"] == "MX"), None)
    policy = dmarcrecord.discover(domain, _by_domain(answers, domain))
    orgs = {
        name: dmarcrecord.organizational_domains(name, _by_domain(answers, name))
        for name in dict.fromkeys(filter(None, (domain, mail_from)))
    }
    evaluation = None
    if mail_from and mx_entry and mx_entry["status"] == "ok":
        lookup = _cached_lookup(answers, resolvers, timeout)
        evaluation = spf.evaluate(mail_from, SES_SENDING_ADDRESS, lookup, f"bounce@{mail_from}")
    authorizations = _authorizations(domain, policy, orgs, resolvers, timeout)
    return check.dmarc_report(
        domain, found, policy, cnames, mx_entry, evaluation, orgs, authorizations
    )


def _authorizations(domain, policy, orgs, resolvers, timeout):
    """The external report destinations of the record that applies, each with whether its
    authorization record is there (RFC 7489 7.1)."""
    if policy["status"] != "found":
        return []
    wanted = dmarcrecord.external_destinations(domain, policy["parsed"], check.org_lookup(orgs))
    answers = _lookups([(w["name"], "TXT") for w in wanted], resolvers, timeout)
    return [dmarcrecord.authorization(w, answers[(w["name"], "TXT")]) for w in wanted]
