"""DMARC records as a receiver reads them, pure: the tags with the RFC's defaults (RFC 7489 6.3,
RFC 9989), policy discovery and the organisational domain by the DNS tree walk (RFC 9989),
next to RFC 7489's Public Suffix List answer, and the external report destinations that
need an authorization record (RFC 7489 7.1).

Pure: DNS answers come in as data (``{"status", "values", "detail"}`` per name asked, as
``dns_lookup.lookup`` gives them).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import publicsuffixlist

POLICIES = ("none", "quarantine", "reject")
DEFAULTS = {"adkim": "r", "aspf": "r", "fo": "0", "psd": "u", "t": "n"}
REMOVED_TAGS = ("pct", "rf", "ri")  # RFC 9989 removed them; receivers ignore them
KNOWN_TAGS = ("v", "p", "sp", "np", "adkim", "aspf", "fo", "rua", "ruf", "psd", "t", *REMOVED_TAGS)
MAX_WALK_QUERIES = 8  # RFC 9989 4.10: a long name is cut to 7 labels after the first query
_URI_RE = re.compile(
    r"^(?:mailto:[^@\s,!]+@(?P<domain>[^@\s,!/]+\.[^@\s,!/]+)|https://(?P<host>[^/\s,!]+)"
    r"[^\s,!]*)(![0-9]+[kmgt]?)?$",
    re.I,
)
# The tag name is case-insensitive, its value exact (RFC 7489 6.4: %x44 %x4d %x41 ...).
_VERSION_RE = re.compile(r"^[vV]\s*=\s*DMARC1\s*(;|$)")
_TEMPORARY = ("timeout", "error")


@functools.lru_cache(maxsize=1)
def _suffix_list():
    # The snapshot bundled with the package (no download at run time), parsed once.
    return publicsuffixlist.PublicSuffixList()


def psl_organizational_domain(domain: str) -> str:
    """RFC 7489 3.2: the public suffix (Public Suffix List) plus one label."""
    return _suffix_list().privatesuffix(domain) or domain


def is_dmarc(text: str) -> bool:
    """A TXT value that is a DMARC record: starts with ``v=DMARC1`` (RFC 7489 6.6.3)."""
    return bool(_VERSION_RE.match(text.strip()))


def report_uris(value: str) -> tuple[list[dict], list[str]]:
    """``([{"uri", "domain"}], problems)`` of a ``rua``/``ruf`` value: ``mailto:`` and
    ``https:`` URIs (RFC 7489 6.2 allows any URI; those are the ones reporters send to)."""
    uris, problems = [], []
    for uri in filter(None, (u.strip() for u in value.split(","))):
        match = _URI_RE.match(uri)
        if not match:
            problems.append(f"{uri!r} is not a mailto: or https: report URI")
            continue
        domain = (match.group("domain") or match.group("host") or "").lower().rstrip(".")
        uris.append({"uri": uri, "domain": domain.split(":")[0]})
    return uris, problems


def _split(text: str) -> tuple[dict, list[str]]:
    tags, problems = {}, []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep:
            problems.append(f"'{part}' is not a tag=value pair (ignored)")
            continue
        tags[key.strip().lower()] = value.strip()
    return tags, problems


def _policy_tag(
    tags: dict, key: str, fallback: str | None, has_reports: bool, problems: list[str]
) -> str | None:
    value = tags.get(key)
    if value is None:
        return fallback
    if value.lower() in POLICIES:
        return value.lower()
    problems.append(f"{key}={value} is not one of {', '.join(POLICIES)}")
    return "none" if has_reports else None


def _choice(tags: dict, key: str, allowed: tuple[str, ...], warnings: list[str]) -> str:
    value = tags.get(key, DEFAULTS[key]).lower()
    if value not in allowed:
        warnings.append(f"{key}={tags[key]} is not one of {'/'.join(allowed)}: default used")
        return DEFAULTS[key]
    return value


def _reports(tags: dict, warnings: list[str]) -> dict[str, list[dict]]:
    found = {}
    for key in ("rua", "ruf"):
        uris, problems = report_uris(tags.get(key, ""))
        found[key] = uris
        warnings += [f"{key}: {p}" for p in problems]
    return found


def _removed_tag_warnings(tags: dict) -> list[str]:
    return [
        f"{key}={tags[key]}: removed by RFC 9989 (receivers following it ignore it)"
        + (
            "; under RFC 7489 the policy applies to that share of failing mail"
            if key == "pct"
            else ""
        )
        for key in REMOVED_TAGS
        if key in tags
    ]


def parse(text: str) -> dict:
    """A DMARC record with the RFC's defaults: ``{"usable", "errors", "warnings", "tags",
    "policy", "subdomain_policy", "nonexistent_policy", "adkim", "aspf", "psd", "testing",
    "rua", "ruf"}``. ``usable`` is false when no policy can be taken from it: no ``p=``
    (or an invalid one) and no valid ``rua``; with a valid ``rua`` the record counts as
    ``p=none`` (RFC 7489 6.6.3)."""
    tags, warnings = _split(text)
    errors = [] if is_dmarc(text) else ["the record must start with v=DMARC1"]
    reports = _reports(tags, warnings)
    has_reports = bool(reports["rua"])
    policy_problems = []
    policy = _policy_tag(tags, "p", None, has_reports, policy_problems)
    if policy is None and not policy_problems:
        policy_problems.append("no p= tag")
    if policy is None and has_reports:
        policy = "none"
        warnings.append(
            f"{policy_problems[0]}: with a valid rua= this counts as p=none (RFC 7489 6.6.3)"
        )
    elif policy is None:
        errors.append(f"{policy_problems[0]} and no valid rua=: no DMARC policy (RFC 7489 6.6.3)")
    sub_problems = []
    subdomain = _policy_tag(tags, "sp", policy, has_reports, sub_problems)
    nonexistent = _policy_tag(tags, "np", subdomain, has_reports, sub_problems)
    errors += [] if has_reports else sub_problems
    warnings += sub_problems if has_reports else []
    warnings += _removed_tag_warnings(tags)
    warnings += [f"unknown tag {key}= (ignored)" for key in tags if key not in KNOWN_TAGS]
    return {
        "usable": not errors,
        "errors": errors,
        "warnings": warnings,
        "tags": tags,
        "policy": policy,
        "subdomain_policy": subdomain,
        "nonexistent_policy": nonexistent,
        "adkim": _choice(tags, "adkim", ("r", "s"), warnings),
        "aspf": _choice(tags, "aspf", ("r", "s"), warnings),
        "psd": _choice(tags, "psd", ("y", "n", "u"), warnings),
        "testing": _choice(tags, "t", ("y", "n"), warnings) == "y",
        **reports,
    }


# --- where the record is: the DNS tree walk -------------------------------------------------


def walk_names(domain: str) -> list[str]:
    """The domains whose ``_dmarc`` a receiver asks, in order (RFC 9989 4.10): the domain
    itself, then, cut to at most 7 labels, each parent down to the top-level domain; never
    more than 8 queries."""
    labels = domain.split(".")
    names = [domain]
    start = max(1, len(labels) - 7)
    names += [".".join(labels[i:]) for i in range(start, len(labels))]
    return names[:MAX_WALK_QUERIES]


def records_at(answer: dict) -> list[str]:
    """The DMARC records among the TXT values of an answer."""
    return [v for v in answer.get("values") or [] if is_dmarc(v)]


def _found(name: str, answer: dict | None, status: str, **extra) -> dict:
    return {"domain": name, "name": f"_dmarc.{name}", "status": status, "answer": answer, **extra}


def record_at(name: str, answer: dict) -> dict:
    """What ``_dmarc.NAME`` holds: status ``found`` (``record``, ``parsed``), ``missing``,
    ``several`` (RFC 7489 6.6.3: receivers then apply no policy), ``temperror``, or
    ``permerror`` (a record no policy can be taken from)."""
    if answer["status"] in _TEMPORARY:
        return _found(name, answer, "temperror", detail=answer.get("detail") or "no answer")
    found = records_at(answer)
    if len(found) > 1:
        return _found(name, answer, "several", records=found)
    if not found:
        return _found(name, answer, "missing")
    parsed = parse(found[0])
    status = "found" if parsed["usable"] else "permerror"
    return _found(name, answer, status, record=found[0], parsed=parsed)


def discover(domain: str, answers: dict) -> dict:
    """The DMARC record that applies to mail from ``domain`` by the tree walk (RFC 9989
    4.10): ``answers`` holds the answer at ``_dmarc.NAME`` per ``NAME`` of ``walk_names``.
    The first name with a record (or an error) ends the walk. Adds ``applies`` (the policy
    for ``domain``: ``p``, else ``sp``/``np`` for a subdomain) and ``walked``."""
    walked = []
    for name in walk_names(domain):
        entry = record_at(name, answers[name])
        walked.append(f"_dmarc.{name}: {entry['status']}")
        if entry["status"] == "missing":
            continue
        entry["walked"] = walked
        entry["walked_from"] = domain
        if entry["status"] == "found":
            parsed = entry["parsed"]
            entry["applies"] = parsed["policy"] if name == domain else parsed["subdomain_policy"]
        return entry
    return {**_found(domain, None, "missing"), "walked": walked}


def walk_organizational_domain(domain: str, answers: dict) -> dict:
    """The organisational domain by the tree walk (RFC 9989 4.10.2): the first record up
    the tree with ``psd=n`` marks it, ``psd=y`` marks the name below it; otherwise the
    record with the fewest labels. ``{"domain", "status", "reason"}``; status
    ``temperror`` when a lookup the answer depends on failed, ``none`` when the tree holds
    no DMARC record at all."""
    names = walk_names(domain)
    best = None
    for position, name in enumerate(names):
        entry = record_at(name, answers[name])
        if entry["status"] == "temperror":
            return {
                "domain": None,
                "status": "temperror",
                "reason": f"_dmarc.{name}: {entry['detail']}",
            }
        if entry["status"] != "found":
            continue
        psd = entry["parsed"]["psd"]
        if psd == "n":
            return {"domain": name, "status": "found", "reason": f"_dmarc.{name} has psd=n"}
        if psd == "y":
            below = names[position - 1] if position else name
            return {"domain": below, "status": "found", "reason": f"_dmarc.{name} has psd=y"}
        best = name
    if best:
        return {
            "domain": best,
            "status": "found",
            "reason": f"_dmarc.{best}: the record with the fewest labels",
        }
    # Nothing to learn from the tree: the Public Suffix List's answer stands.
    return {"domain": None, "status": "none", "reason": "no DMARC record up the tree"}


def organizational_domains(domain: str, answers: dict) -> dict:
    """Both answers: ``{"walk": walk_organizational_domain(...), "psl": str, "differ"}``."""
    walk = walk_organizational_domain(domain, answers)
    psl = psl_organizational_domain(domain)
    return {"walk": walk, "psl": psl, "differ": walk["domain"] not in (None, psl)}


def aligned(domain: str | None, author: str, mode: str, org_of: Callable[[str], str]) -> bool:
    """Identifier alignment: strict: the same name; relaxed: the same organisational domain
    (``org_of(name)``)."""
    if not domain:
        return False
    if mode == "s":
        return domain == author
    return org_of(domain) == org_of(author)


# --- external report destinations (RFC 7489 7.1) --------------------------------------------


def external_destinations(domain: str, parsed: dict, org_of: Callable[[str], str]) -> list[dict]:
    """Each ``rua``/``ruf`` destination at another organisational domain, with the name of
    its authorization record: ``DOMAIN._report._dmarc.DESTINATION``."""
    wanted = []
    for key in ("rua", "ruf"):
        for uri in parsed.get(key) or []:
            if uri["domain"] and org_of(uri["domain"]) != org_of(domain):
                name = f"{domain}._report._dmarc.{uri['domain']}"
                wanted.append({"tag": key, "uri": uri["uri"], "name": name})
    return wanted


def authorization(destination: dict, answer: dict) -> dict:
    """Whether the destination authorized reports for the domain: a TXT record starting
    ``v=DMARC1`` at its authorization name. ``status``: ``ok``, ``missing``, ``temperror``."""
    if answer["status"] in _TEMPORARY:
        status = "temperror"
    else:
        status = "ok" if records_at(answer) else "missing"
    return {**destination, "status": status}
