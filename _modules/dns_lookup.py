"""Live DNS lookups for the checks (``aws_ses.check_dns``, ``aws_ses.check_dmarc``): ask the
zone's authoritative nameservers (found through NS lookups), or the resolvers given, so an
answer is what the world sees now and not a cached copy.

Every answer is ``{"status": "found" | "missing" | "timeout" | "error", "values": [...],
"detail": str}`` with values in canonical form (see ``awsrunbook.dnsrecords``). A lookup
that timed out is ``timeout``, never ``missing``; a SERVFAIL or REFUSED is ``error`` with
the rcode in ``detail`` (the checks take both for a temporary error). A CNAME met on the way
to another type is followed, out of the zone too (a resolver would follow it; an
authoritative server answers only the CNAME): the answer then also holds ``cnames``, the
chain from the name asked to the name that answered.

CLI examples::

    salt-call dns_lookup.lookup _dmarc.example.org TXT
    salt-call dns_lookup.lookup _dmarc.example.org TXT resolvers='["127.0.0.1:5353"]'
    salt-call dns_lookup.authoritative_servers example.org
"""

import logging
import socket
from typing import TYPE_CHECKING

import dns.exception
import dns.nameserver
import dns.resolver
from awsrunbook import dnsrecords as records
from salt.exceptions import CommandExecutionError

log = logging.getLogger(__name__)

__virtualname__ = "dns_lookup"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __context__

DEFAULT_TIMEOUT = 5.0


def __virtual__():
    return __virtualname__


def _address(host):
    try:
        return socket.getaddrinfo(host, None, proto=socket.IPPROTO_UDP)[0][4][0]
    except OSError as exc:
        raise CommandExecutionError(f"resolvers: cannot resolve {host}: {exc}") from None


def _resolver(servers, timeout):
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [
        dns.nameserver.Do53Nameserver(_address(host), port) for host, port in servers
    ]
    resolver.lifetime = float(timeout)
    resolver.timeout = min(2.0, float(timeout))
    return resolver


def _answer(status, values=(), detail=""):
    return {"status": status, "values": list(values), "detail": detail}


MAX_CNAME_HOPS = 8


def _ask(resolver, name, rtype):
    try:
        found = resolver.resolve(name, rtype, raise_on_no_answer=False, search=False)
    except dns.resolver.NXDOMAIN:
        return _answer("missing", detail="NXDOMAIN")
    except dns.exception.Timeout:
        return _answer("timeout", detail=f"timed out: no answer within {resolver.lifetime:g} s")
    except dns.resolver.NoNameservers as exc:
        return _answer("error", detail=str(exc))
    except dns.exception.DNSException as exc:
        return _answer("error", detail=f"{type(exc).__name__}: {exc}")
    if found.rrset is None:
        target = found.canonical_name.to_text().rstrip(".").lower()
        if rtype != "CNAME" and target != name:
            return {**_answer("cname", detail=target), "target": target}
        return _answer("missing", detail="no record of this type")
    values = sorted({records.from_presentation(rtype, rdata.to_text()) for rdata in found.rrset})
    return _answer("found", values)


def authoritative_servers(domain, timeout=DEFAULT_TIMEOUT):
    """``[(address, 53)]`` of the nameservers authoritative for the zone holding ``domain``,
    found through this machine's resolver (the zone's SOA, its NS records, their addresses).

    CLI example::

        salt-call dns_lookup.authoritative_servers example.org
    """
    domain = records.canonical_name(domain, "domain")
    try:
        return _authoritative(domain, timeout)
    except dns.exception.DNSException as exc:
        raise CommandExecutionError(_no_servers(domain, exc)) from None


def _no_servers(domain, exc):
    return f"finding the authoritative nameservers of {domain} failed: {exc}"


def _authoritative(domain, timeout):
    """``authoritative_servers`` of the canonical name ``domain``; dnspython's errors raised as
    they are, so that a caller can tell a timeout by its class."""
    cache = __context__.setdefault("dns_lookup.authoritative", {})
    if domain in cache:
        return cache[domain]
    system = dns.resolver.Resolver()
    system.lifetime = float(timeout)
    zone = dns.resolver.zone_for_name(domain, resolver=system)
    hosts = [rdata.target.to_text() for rdata in system.resolve(zone, "NS")]
    addresses = sorted({rdata.address for host in hosts for rdata in system.resolve(host, "A")})
    log.debug("authoritative nameservers of %s (zone %s): %s", domain, zone, addresses)
    cache[domain] = [(address, 53) for address in addresses]
    return cache[domain]


def lookup(name, rtype, resolvers=None, timeout=DEFAULT_TIMEOUT):
    """The ``rtype`` records at ``name``, asked of ``resolvers`` (``HOST`` or ``HOST:PORT``
    strings) or, without them, of the zone's authoritative nameservers.

    CLI example::

        salt-call dns_lookup.lookup _dmarc.example.org TXT resolvers='["127.0.0.1:5353"]'
    """
    name = records.canonical_name(name)
    rtype = records.record_type(rtype)
    given = records.resolver_addresses(resolvers)
    chain = []
    for _ in range(MAX_CNAME_HOPS):
        answer = _ask_once(name, rtype, given, timeout)
        if answer["status"] != "cname":
            return {**answer, "cnames": chain} if chain else answer
        chain.append(name)
        name = answer.pop("target")
    return _answer("error", detail=f"more than {MAX_CNAME_HOPS} CNAMEs from {chain[0]}")


def _ask_once(name, rtype, servers, timeout):
    if servers is None:
        try:
            servers = _authoritative(name, timeout)
        except dns.exception.DNSException as exc:
            status = "timeout" if _timed_out(exc) else "error"
            return _answer(status, detail=_no_servers(name, exc))
    return _ask(_resolver(servers, timeout), name, rtype)


def _timed_out(exc):
    """Whether the dnspython error ``exc`` is a timeout, or all nameservers failed and one of
    them by a timeout."""
    if isinstance(exc, dns.exception.Timeout):
        return True
    failures = exc.kwargs.get("errors", []) if isinstance(exc, dns.resolver.NoNameservers) else []
    # Each failure is (server, tcp, port, exception or None, answer).
    return any(isinstance(failure[3], dns.exception.Timeout) for failure in failures)
