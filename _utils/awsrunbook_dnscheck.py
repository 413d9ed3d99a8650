"""What DNS answers mean for SES: the per-record verdicts of ``check_dns`` and the DMARC,
DKIM and SPF alignment of ``check_dmarc``. Pure: the answers come in as data.

A DNS answer is ``{"status": "found" | "missing" | "timeout" | "error", "values": [...],
"detail": str}`` with values in the canonical form of ``awsrunbook_dnsrecords``; a timeout
or an error is never taken for a missing record.
"""

import functools
import re

import awsrunbook_dnsrecords as records
import publicsuffixlist

LEGACY_TOKEN_PREFIX = "_amazonses"  # VerifyDomainIdentity's TXT, unused by Easy DKIM
# A CNAME target of an Easy DKIM token, in dkim.amazonses.com or a regional DKIM zone.
DKIM_TARGET_RE = re.compile(r"^([a-z0-9]+)\.dkim(?:\.[a-z0-9-]+)?\.amazonses\.com$")
DMARC_POLICIES = ("none", "quarantine", "reject")
ALIGNMENT_MODES = ("r", "s")
_MAILTO_RE = re.compile(r"^mailto:[^@\s,!]+@[^@\s,!]+\.[^@\s,!]+(![0-9]+[kmgt]?)?$", re.I)
_STATUS_WORDS = {
    "ok": "OK",
    "missing": "MISSING",
    "different": "DIFFERENT",
    "timeout": "TIMEOUT",
    "error": "ERROR",
}


@functools.lru_cache(maxsize=1)
def _suffix_list():
    # The snapshot bundled with the package (no download at run time), parsed once.
    return publicsuffixlist.PublicSuffixList()


def organizational_domain(domain):
    """The organisational domain of ``domain`` (RFC 7489 3.2): its public suffix (from the
    Public Suffix List) plus one label. ``mail.example.co.uk`` → ``example.co.uk``."""
    domain = records.canonical_name(domain, "domain")
    return _suffix_list().privatesuffix(domain) or domain


def identifiers_aligned(domain, author_domain, mode="r"):
    """Identifier alignment (RFC 7489 3.1): strict: the same domain; relaxed: the same
    organisational domain (Public Suffix List)."""
    if not domain:
        return False
    if mode == "s":
        return domain == author_domain
    return organizational_domain(domain) == organizational_domain(author_domain)


# --- check_dns ------------------------------------------------------------------------------


def _dkim_note(expected, found):
    token, zone = expected.split(".", 1)
    for value in found:
        if value != expected and value.startswith(f"{token}."):
            return f"points into {value.split('.', 1)[1]}, not the zone SES names ({zone})"
    if any(DKIM_TARGET_RE.match(v) for v in found):
        return "points at another DKIM token (left from an earlier key?)"
    return None


def _record_note(rtype, expected, found):
    if rtype == "CNAME" and DKIM_TARGET_RE.match(expected):
        return _dkim_note(expected, found)
    if rtype == "MX":
        others = [v for v in found if v != expected]
        if others:
            return f"MX also points elsewhere: {', '.join(others)}"
    return None


def _verdict(rtype, expected, answer, any_policy):
    status = answer["status"]
    if status in ("timeout", "error", "missing"):
        return status, []
    found = answer["values"]
    kind = records.policy_kind(rtype, expected)
    if kind:  # other TXT values at the name (site verification) do not matter
        found = [v for v in found if records.policy_kind(rtype, v) == kind]
        if not found:
            return "missing", []
        if any_policy and len(found) == 1:
            return "ok", found
    return ("ok" if expected in found else "different"), found


def check_records(groups, answers, any_policy=("DMARC",)):
    """Per expected record: ``{"name", "type", "expected", "status", "found", "note"}``.
    ``groups`` is ``awsrunbook_dnsrecords.group_records``'s answer, ``answers`` a DNS answer
    per ``(name, type)``. A policy kind in ``any_policy`` is ``ok`` when exactly one record
    of that kind is published, whatever its policy (a domain's own DMARC policy)."""
    report = []
    for (name, rtype), values in groups.items():
        answer = answers[(name, rtype)]
        for expected in values:
            status, found = _verdict(
                rtype, expected, answer, records.policy_kind(rtype, expected) in any_policy
            )
            entry = {"name": name, "type": rtype, "expected": expected, "status": status}
            entry["found"] = found
            entry["note"] = answer.get("detail") if status in ("timeout", "error") else None
            if status in ("ok", "different"):
                entry["note"] = _record_note(rtype, expected, answer["values"])
            report.append(entry)
    return report


def legacy_token(domain, answer):
    """The obsolete ``_amazonses`` TXT token of an identity verified the old way
    (``VerifyDomainIdentity``), or ``None``."""
    if answer["status"] != "found" or not answer["values"]:
        return None
    return {
        "name": f"{LEGACY_TOKEN_PREFIX}.{domain}",
        "type": "TXT",
        "found": answer["values"],
        "note": "obsolete: left from the old domain verification; Easy DKIM does not use it",
    }


def record_line(entry):
    """One readable line for a ``check_records`` entry."""
    head = f"{_STATUS_WORDS[entry['status']]:<9} {entry['name']} {entry['type']}"
    status = entry["status"]
    if status == "ok":
        line = f"{head} {records.presentation(entry['type'], entry['found'][0])}"
        if entry["type"] != "TXT" or entry["expected"] in entry["found"]:
            line = f"{head} {records.presentation(entry['type'], entry['expected'])}"
    elif status == "different":
        shown = ", ".join(records.presentation(entry["type"], v) for v in entry["found"])
        line = (
            f"{head}: expected {records.presentation(entry['type'], entry['expected'])}, "
            f"found {shown}"
        )
    elif status == "missing":
        line = f"{head}: not published: {records.presentation(entry['type'], entry['expected'])}"
    else:
        line = f"{head}: lookup {'timed out' if status == 'timeout' else 'failed'}, state unknown"
        if entry.get("note"):
            line += f" ({entry['note']})"
        return line
    return f"{line} ({entry['note']})" if entry.get("note") else line


def report_lines(report, obsolete=None):
    lines = [record_line(entry) for entry in report]
    if obsolete:
        lines.append(f"OBSOLETE  {obsolete['name']} TXT: {obsolete['note']}")
    return lines


# --- check_dmarc ----------------------------------------------------------------------------


def parse_dmarc(text):
    """The tags of a DMARC record and the problems in it: ``(tags, problems)``."""
    tags, problems = {}, []
    parts = [part.strip() for part in text.split(";") if part.strip()]
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep:
            problems.append(f"'{part}' is not a tag=value pair")
            continue
        tags[key.strip().lower()] = value.strip()
    if not parts or parts[0].replace(" ", "") != "v=DMARC1":
        problems.append("the record must start with v=DMARC1")
    if tags.get("p", "").lower() not in DMARC_POLICIES:
        problems.append(f"p= must be one of {', '.join(DMARC_POLICIES)}")
    for key in ("adkim", "aspf"):
        if tags.get(key, "r").lower() not in ALIGNMENT_MODES:
            problems.append(f"{key}= must be r (relaxed) or s (strict)")
    for key in ("rua", "ruf"):
        for uri in filter(None, (u.strip() for u in tags.get(key, "").split(","))):
            if not _MAILTO_RE.match(uri):
                problems.append(f"{key}= {uri!r} is not a mailto: address")
    return tags, problems


def _dmarc(name, status, problems=(), record=None, tags=None):
    return {
        "name": f"_dmarc.{name}",
        "status": status,
        "record": record,
        "tags": tags or {},
        "problems": list(problems),
    }


def dmarc_record(domain, own, organizational=None):
    """The DMARC policy that applies to mail from ``domain``: ``own`` is the TXT answer at
    ``_dmarc.DOMAIN``, ``organizational`` the one at ``_dmarc.ORGDOMAIN`` (``None`` when
    the domain is its own organisational domain), consulted only when ``own`` has no DMARC
    record (RFC 7489 6.6.3). Returns ``{"name", "status", "record", "tags", "problems"}``
    with status ``found``, ``missing``, ``several``, ``timeout`` or ``error``."""
    org = organizational_domain(domain)
    for name, answer in ((domain, own), (org, organizational)):
        if answer is None:
            continue
        if answer["status"] in ("timeout", "error"):
            detail = answer.get("detail") or "no answer"
            return _dmarc(
                name, answer["status"], [f"_dmarc.{name}: lookup {answer['status']}: {detail}"]
            )
        found = [v for v in answer["values"] if records.policy_kind("TXT", v) == "DMARC"]
        if len(found) > 1:
            problem = (
                f"_dmarc.{name} holds {len(found)} DMARC records: receivers then apply no "
                "DMARC policy at all (RFC 7489 6.6.3)"
            )
            return _dmarc(name, "several", [problem], record=found)
        if found:
            tags, problems = parse_dmarc(found[0])
            return _dmarc(name, "found", problems, record=found[0], tags=tags)
    where = f"_dmarc.{domain}" + (f" nor at _dmarc.{org}" if org != domain else "")
    return _dmarc(domain, "missing", [f"no DMARC record at {where}"])


def dkim_alignment(domain, identity, cname_entries, adkim="r"):
    """``{"aligned", "reasons"}`` for Easy DKIM: SES signs with ``d=DOMAIN`` (aligned in
    relaxed and strict mode alike) once its DKIM status is SUCCESS and the CNAMEs resolve."""
    dkim = identity["dkim"]
    problems = []
    if not dkim.get("signing_enabled"):
        problems.append("DKIM signing is turned off for the identity")
    if dkim.get("status") != "SUCCESS":
        problems.append(f"SES reports the DKIM status {dkim.get('status')}")
    for entry in cname_entries:
        if entry["status"] != "ok":
            problems.append(f"DKIM CNAME {entry['name']}: {entry['status']}")
    if not cname_entries:
        problems.append("SES has no DKIM tokens for the identity")
    mode = "strict" if adkim == "s" else "relaxed"
    reasons = problems or [f"DKIM aligned: Easy DKIM signs with d={domain} (adkim {mode})"]
    reasons.append(
        "SES also signs with d=amazonses.com: never aligned, and harmless (RFC 7489: one "
        "aligned signature that verifies is enough)"
    )
    return {"aligned": not problems, "reasons": reasons}


def _mail_from_failure(mail_from, mx_entry):
    """Why the custom MAIL FROM is not in use right now, or None."""
    status = mail_from.get("status")
    if status != "SUCCESS":
        return f"SES reports the MAIL FROM status {status}"
    if mx_entry is None or mx_entry["status"] != "ok":
        state = mx_entry["status"] if mx_entry else "not checked"
        return f"the MX of {mail_from['domain']} is {state}"
    return None


def spf_alignment(domain, identity, mx_entry, aspf="r"):
    """``{"aligned", "reasons"}`` for SPF: the MAIL FROM domain SES uses must share the From
    domain's organisational domain (``aspf=r``) or equal it (``aspf=s``). Without a custom
    MAIL FROM, or when its MX fails under ``USE_DEFAULT_VALUE``, SES uses amazonses.com."""
    mail_from = identity.get("mail_from")
    if not mail_from:
        return {
            "aligned": False,
            "reasons": [
                "SPF not aligned: no custom MAIL FROM domain, so SES sends from amazonses.com"
            ],
        }
    name = mail_from["domain"]
    behavior = mail_from.get("behavior_on_mx_failure") or "USE_DEFAULT_VALUE"
    failure = _mail_from_failure(mail_from, mx_entry)
    if failure:
        outcome = (
            "SES falls back to amazonses.com (USE_DEFAULT_VALUE), so SPF silently does not align"
            if behavior == "USE_DEFAULT_VALUE"
            else "SES rejects mail until it is fixed (REJECT_MESSAGE)"
        )
        return {"aligned": False, "reasons": [f"SPF not aligned: {failure}; {outcome}"]}
    aligned = identifiers_aligned(name, domain, aspf)
    if aspf == "s":
        reason = f"MAIL FROM {name} {'equals' if aligned else 'is not exactly'} {domain} (aspf=s)"
    else:
        reason = (
            f"MAIL FROM {name} and {domain} "
            f"{'share' if aligned else 'do not share'} the organisational domain "
            f"{organizational_domain(domain)} (aspf=r)"
        )
    reasons = [f"SPF {'aligned' if aligned else 'not aligned'}: {reason}"]
    if aligned and behavior == "USE_DEFAULT_VALUE":
        reasons.append(
            "if that MX ever fails, SES falls back to amazonses.com and SPF stops aligning "
            "(behavior_on_mx_failure USE_DEFAULT_VALUE)"
        )
    return {"aligned": aligned, "reasons": reasons}


def verdict(dmarc, dkim, spf):
    """``pass`` (DKIM and SPF aligned), ``pass via DKIM only``, ``pass via SPF only`` or
    ``fail`` (no usable DMARC record, or nothing aligned)."""
    if dmarc["status"] != "found" or dmarc["problems"]:
        return "fail"
    if dkim["aligned"] and spf["aligned"]:
        return "pass"
    if dkim["aligned"]:
        return "pass via DKIM only"
    return "pass via SPF only" if spf["aligned"] else "fail"


def dmarc_report(domain, identity, dmarc, cname_entries, mx_entry):
    """The whole ``check_dmarc`` answer: ``{"domain", "verdict", "reasons", "dmarc", "dkim",
    "spf", "lines"}``."""
    tags = dmarc["tags"]
    dkim = dkim_alignment(domain, identity, cname_entries, tags.get("adkim", "r").lower())
    spf = spf_alignment(domain, identity, mx_entry, tags.get("aspf", "r").lower())
    outcome = verdict(dmarc, dkim, spf)
    if dmarc["status"] == "found":
        policy = f"DMARC record at {dmarc['name']}: {dmarc['record']}"
    else:
        policy = f"DMARC record at {dmarc['name']}: {dmarc['status']}"
    reasons = [policy, *dmarc["problems"], *dkim["reasons"], *spf["reasons"]]
    return {
        "domain": domain,
        "verdict": outcome,
        "reasons": reasons,
        "dmarc": dmarc,
        "dkim": dkim,
        "spf": spf,
        "lines": [f"verdict: {outcome}", *(f"- {reason}" for reason in reasons)],
    }
