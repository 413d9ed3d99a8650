"""SPF evaluated as RFC 7208 does it (``check_host()``, section 4) for one domain and one
sending address: the result a receiver would reach, not a pattern match on the record.
Pure: DNS comes in as ``lookup(name, rtype)``, answering as ``dns_lookup.lookup`` does
(``{"status": "found" | "missing" | "timeout" | "error", "values": [...]}``). A timeout or
any DNS error is ``temperror`` (4.4, 5); two SPF records, a syntax error or more than 10
DNS-querying terms during the evaluation are ``permerror`` (4.5, 4.6, 4.6.4).

Own evaluator rather than pyspf: pyspf does its own DNS (a module-global lookup function,
the system resolver), so it can ask neither the zone's authoritative servers nor the
``resolvers`` given, nor share the checks' bounded concurrent lookups; and it would be a
new dependency for salt-ssh's thin. The results were checked against pyspf 2.0.14 on the
cases of tests/unit/utils/test_awsrunbook_spf.py.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field

Lookup = Callable[[str, str], dict]

RESULTS = ("none", "neutral", "pass", "fail", "softfail", "permerror", "temperror")
MAX_DNS_TERMS = 10  # 4.6.4: include, a, mx, ptr, exists and redirect count
MAX_VOID_LOOKUPS = 2  # 4.6.4: lookups answering NXDOMAIN or no records
MAX_MX_NAMES = 10  # 4.6.4: per mx mechanism
QUALIFIERS = {"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}
MECHANISMS = ("all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists")
DNS_TERMS = ("include", "a", "mx", "ptr", "exists", "redirect")
_VERSION_RE = re.compile(r"^v=spf1(\s|$)", re.I)
_TERM_RE = re.compile(r"^([+\-~?]?)([a-z][a-z0-9_.-]*)(?:([:=/])(.*))?$", re.I)
_CIDR_RE = re.compile(r"^(.*?)(?:/(\d+))?(?://(\d+))?$")
_MACRO_RE = re.compile(r"%\{([slodiphcrtv])(\d*)(r?)([.\-+,/_=]*)\}|%%|%_|%-|%", re.I)


class SpfError(Exception):
    """Ends the evaluation with ``result`` (``permerror`` or ``temperror``)."""

    def __init__(self, result: str, reason: str):
        super().__init__(reason)
        self.result = result
        self.reason = reason


@dataclass
class _Run:
    """One evaluation's state: the address, the sender and the limits' counters."""

    ip: ipaddress.IPv4Address | ipaddress.IPv6Address
    sender: str
    lookup: Lookup
    dns_terms: int = 0
    void_lookups: int = 0
    trace: list[str] = field(default_factory=list)

    def count_term(self, term: str) -> None:
        self.dns_terms += 1
        if self.dns_terms > MAX_DNS_TERMS:
            raise SpfError(
                "permerror",
                f"more than {MAX_DNS_TERMS} DNS-querying terms (at {term}): RFC 7208 4.6.4",
            )

    def ask(self, name: str, rtype: str) -> list[str]:
        answer = self.lookup(name, rtype)
        status = answer["status"]
        if status in ("timeout", "error"):
            detail = answer.get("detail") or status
            raise SpfError("temperror", f"{rtype} {name}: {detail} (RFC 7208 5)")
        if status != "found" or not answer["values"]:
            self.void_lookups += 1
            if self.void_lookups > MAX_VOID_LOOKUPS:
                raise SpfError(
                    "permerror",
                    f"more than {MAX_VOID_LOOKUPS} lookups found nothing: RFC 7208 4.6.4",
                )
            return []
        return list(answer["values"])


def spf_records(values: list[str]) -> list[str]:
    """The SPF records among a name's TXT values (4.5: ``v=spf1`` then a space or the end,
    case-insensitive)."""
    return [v for v in values if _VERSION_RE.match(v.strip())]


def _expand(spec: str, run: _Run, domain: str) -> str:
    """Macro expansion (7.3) of a domain-spec."""
    local, _, sender_domain = run.sender.rpartition("@")
    letters = {
        "s": run.sender,
        "l": local or "postmaster",
        "o": sender_domain,
        "d": domain,
        "i": _ip_macro(run.ip),
        "v": "in-addr" if run.ip.version == 4 else "ip6",
        "h": sender_domain,
        "p": "unknown",
    }

    def replace(match: re.Match) -> str:
        text = match.group(0)
        if text in ("%%", "%_", "%-"):
            return {"%%": "%", "%_": " ", "%-": "%20"}[text]
        if text == "%":
            raise SpfError("permerror", f"bad macro in {spec!r}: RFC 7208 7.1")
        letter, digits, reverse, delimiters = match.groups()
        if letter.lower() not in letters:
            raise SpfError("permerror", f"macro %{{{letter}}} not allowed here: RFC 7208 7.2")
        parts = re.split("[" + re.escape(delimiters or ".") + "]", letters[letter.lower()])
        if reverse:
            parts.reverse()
        if digits:
            if int(digits) == 0:
                raise SpfError("permerror", f"macro with 0 labels in {spec!r}: RFC 7208 7.1")
            parts = parts[-int(digits) :]
        return ".".join(parts)

    return _MACRO_RE.sub(replace, spec).rstrip(".").lower()


def _ip_macro(ip) -> str:
    if ip.version == 4:
        return str(ip)
    return ".".join(ip.exploded.replace(":", ""))


def _target(value: str | None, run: _Run, domain: str, term: str) -> tuple[str, int, int]:
    """``(domain, ip4 prefix, ip6 prefix)`` of an a/mx term's ``:domain/cidr//cidr6``."""
    match = _CIDR_RE.match(value or "")
    spec, cidr4, cidr6 = match.groups() if match else (value, None, None)
    prefix4 = int(cidr4) if cidr4 is not None else 32
    prefix6 = int(cidr6) if cidr6 is not None else 128
    if prefix4 > 32 or prefix6 > 128:
        raise SpfError("permerror", f"bad CIDR length in {term!r}: RFC 7208 5.6")
    target = _expand(spec, run, domain) if spec else domain
    if not target or "." not in target:
        raise SpfError("permerror", f"bad domain in {term!r}: RFC 7208 4.6.1")
    return target, prefix4, prefix6


def _address_in(run: _Run, name: str, prefix4: int, prefix6: int) -> bool:
    rtype = "A" if run.ip.version == 4 else "AAAA"
    prefix = prefix4 if run.ip.version == 4 else prefix6
    for address in run.ask(name, rtype):
        network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
        if run.ip in network:
            return True
    return False


def _mx_match(run: _Run, value, domain, term) -> bool:
    target, prefix4, prefix6 = _target(value, run, domain, term)
    hosts = [v.split()[-1].rstrip(".") for v in run.ask(target, "MX")]
    if len(hosts) > MAX_MX_NAMES:
        raise SpfError("permerror", f"{target} has more than {MAX_MX_NAMES} MX: RFC 7208 4.6.4")
    return any(_address_in(run, host, prefix4, prefix6) for host in hosts)


def _ip_match(run: _Run, value, version, term) -> bool:
    try:
        network = ipaddress.ip_network(value or "", strict=False)
    except ValueError:
        raise SpfError("permerror", f"bad network in {term!r}: RFC 7208 5.6") from None
    if network.version != version:
        raise SpfError("permerror", f"bad network in {term!r}: RFC 7208 5.6")
    return run.ip.version == version and run.ip in network


def _include_match(run: _Run, value, domain, term) -> bool:
    if not value:
        raise SpfError("permerror", f"{term!r} has no domain: RFC 7208 5.2")
    result, reason = _check_host(run, _expand(value, run, domain))
    if result in ("temperror",):
        raise SpfError("temperror", reason)
    if result in ("permerror", "none"):
        raise SpfError("permerror", f"{term}: the included domain gives {result} ({reason})")
    return result == "pass"


def _exists_match(run: _Run, value, domain, term) -> bool:
    if not value:
        raise SpfError("permerror", f"{term!r} has no domain: RFC 7208 5.7")
    return bool(run.ask(_expand(value, run, domain), "A"))


def _matches(run: _Run, name: str, value, domain: str, term: str) -> bool:
    if name in DNS_TERMS:
        run.count_term(term)
    if name == "all":
        return True
    if name == "ip4":
        return _ip_match(run, value, 4, term)
    if name == "ip6":
        return _ip_match(run, value, 6, term)
    if name == "a":
        return _address_in(run, *_target(value, run, domain, term))
    if name == "mx":
        return _mx_match(run, value, domain, term)
    if name == "include":
        return _include_match(run, value, domain, term)
    if name == "exists":
        return _exists_match(run, value, domain, term)
    # ptr (5.5, "do not use"): counted; its reverse lookups are not made, it never matches.
    return False


def parse_terms(record: str) -> tuple[list[tuple[str, str, str | None, str]], dict[str, str]]:
    """``(mechanisms, modifiers)`` of an SPF record: ``(qualifier, name, value, term)`` per
    mechanism in order; ``{name: value}`` of modifiers. Raises ``SpfError`` (permerror) on
    a syntax error, an unknown mechanism or a repeated ``redirect``/``exp`` (4.6, 6)."""
    mechanisms, modifiers = [], {}
    for term in record.split()[1:]:
        match = _TERM_RE.match(term)
        if not match:
            raise SpfError("permerror", f"syntax error at {term!r}: RFC 7208 4.6")
        qualifier, name, separator, value = match.groups()
        name = name.lower()
        if separator == "/":  # a/24, mx//64: a CIDR length on the current domain
            if name not in ("a", "mx"):
                raise SpfError("permerror", f"syntax error at {term!r}: RFC 7208 5.6")
            separator, value = ":", "/" + value
        if separator == "=":
            if qualifier or (name in modifiers and name in ("redirect", "exp")):
                raise SpfError("permerror", f"bad or repeated modifier {term!r}: RFC 7208 6")
            modifiers[name] = value
            continue
        if name not in MECHANISMS:
            raise SpfError("permerror", f"unknown mechanism {term!r}: RFC 7208 4.6.1")
        if name == "all" and separator:
            raise SpfError("permerror", f"syntax error at {term!r}: RFC 7208 5.1")
        mechanisms.append((QUALIFIERS[qualifier or "+"], name, value, term))
    return mechanisms, modifiers


def _record_of(run: _Run, domain: str) -> str | None:
    found = spf_records(run.ask(domain, "TXT"))
    if len(found) > 1:
        raise SpfError("permerror", f"{domain} has {len(found)} SPF records: RFC 7208 4.5")
    return found[0] if found else None


def _check_host(run: _Run, domain: str, record: str | None = None) -> tuple[str, str]:
    record = record or _record_of(run, domain)
    if record is None:
        return "none", f"no SPF record at {domain}"
    run.trace.append(f"{domain}: {record}")
    mechanisms, modifiers = parse_terms(record)
    for result, name, value, term in mechanisms:
        if _matches(run, name, value, domain, term):
            return result, f"{term} matched at {domain}"
    if "redirect" in modifiers:
        run.count_term("redirect=" + modifiers["redirect"])
        result, reason = _check_host(run, _expand(modifiers["redirect"], run, domain))
        return ("permerror", f"redirect: {reason}") if result == "none" else (result, reason)
    return "neutral", f"nothing matched at {domain} (RFC 7208 4.7)"


def evaluate(domain: str, ip: str, lookup: Lookup, sender: str | None = None) -> dict:
    """``check_host(ip, domain, sender)``: ``{"result", "reason", "record", "dns_terms",
    "trace", "plus_all"}``. ``plus_all``: the record ends in ``+all``/``all`` (every host on
    the internet passes)."""
    run = _Run(ipaddress.ip_address(ip), sender or f"postmaster@{domain}", lookup)
    record = None
    try:
        record = _record_of(run, domain)
        result, reason = (
            _check_host(run, domain, record) if record else ("none", f"no SPF record at {domain}")
        )
    except SpfError as exc:
        result, reason = exc.result, exc.reason
    return {
        "domain": domain,
        "ip": ip,
        "result": result,
        "reason": reason,
        "record": record,
        "dns_terms": run.dns_terms,
        "trace": run.trace,
        "plus_all": bool(record) and _has_plus_all(record),
    }


def _has_plus_all(record: str) -> bool:
    return any(term.lower() in ("all", "+all") for term in record.split()[1:])
