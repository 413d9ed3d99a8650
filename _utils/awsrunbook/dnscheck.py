"""What DNS answers mean for SES: the per-record verdicts of ``check_dns`` and the DMARC,
DKIM and SPF alignment of ``check_dmarc``. Pure: the answers come in as data.

A DNS answer is ``{"status": "found" | "missing" | "timeout" | "error", "values": [...],
"detail": str}`` with values in the canonical form of ``awsrunbook.dnsrecords``; a timeout
or an error (SERVFAIL, REFUSED) is ``temperror``: never taken for a missing record, never
the basis of a conclusion.
"""

import re

from awsrunbook import dmarcrecord, spf
from awsrunbook import dnsrecords as records

LEGACY_TOKEN_PREFIX = "_amazonses"  # VerifyDomainIdentity's TXT, unused by Easy DKIM
# A CNAME target of an Easy DKIM token, in dkim.amazonses.com or a regional DKIM zone.
DKIM_TARGET_RE = re.compile(r"^([a-z0-9]+)\.dkim(?:\.[a-z0-9-]+)?\.amazonses\.com$")
DMARC_POLICIES = ("none", "quarantine", "reject")
ALIGNMENT_MODES = ("r", "s")
TEMPORARY = ("timeout", "error")  # dns_lookup's statuses for timeout, SERVFAIL, REFUSED
SES_SPF_INCLUDE = "amazonses.com"
_STATUS_WORDS = {
    "ok": "OK",
    "missing": "MISSING",
    "different": "DIFFERENT",
    "several": "SEVERAL",
    "temperror": "TEMPERROR",
}


def organizational_domain(domain):
    """The organisational domain of ``domain`` (RFC 7489 3.2): its public suffix (from the
    Public Suffix List) plus one label. ``mail.example.co.uk`` → ``example.co.uk``."""
    return dmarcrecord.psl_organizational_domain(records.canonical_name(domain, "domain"))


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
    if any(DKIM_TARGET_RE.match(v) and v != expected for v in found):
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


def spf_meaning(record):
    """``(ok, note)``: whether an SPF record lets SES send (``include:amazonses.com`` before
    any ``all``, domain names compared case-insensitively) and ends as SES advises (``-all``
    or ``~all``: both fine). ``+all`` lets every host on the internet pass."""
    try:
        mechanisms, modifiers = spf.parse_terms(record)
    except spf.SpfError as exc:
        return False, f"permerror: {exc.reason}"
    includes_ses, ending = False, None
    for result, name, value, _ in mechanisms:
        if name == "all":
            ending = result
            break
        if name == "include" and (value or "").lower().rstrip(".") == SES_SPF_INCLUDE:
            includes_ses = includes_ses or result == "pass"
    if ending == "pass":
        return False, "+all: every host on the internet passes SPF for this domain"
    if not includes_ses:
        return False, f"does not include:{SES_SPF_INCLUDE} before its end"
    if ending == "neutral" or (ending is None and "redirect" not in modifiers):
        return True, "other hosts get neutral, not fail or softfail (-all or ~all advised)"
    return True, None


def _policy_verdict(kind, expected, found, any_policy):
    if not found:
        return "missing", [], None
    if len(found) > 1:  # RFC 7208 4.5, RFC 7489 6.6.3: receivers use neither
        return "several", found, None
    if kind == "SPF":
        ok, note = spf_meaning(found[0])
        return ("ok" if ok else "different"), found, note
    if any_policy or expected == found[0]:
        return "ok", found, None
    return "different", found, None


def _verdict(rtype, expected, answer, any_policy):
    """``(status, found, note)`` of one expected record."""
    status = answer["status"]
    if status in TEMPORARY:
        return "temperror", [], answer.get("detail") or status
    if status == "missing":
        return "missing", [], None
    found = answer["values"]
    kind = records.policy_kind(rtype, expected)
    if kind:  # other TXT values at the name (site verification) do not matter
        found = [v for v in found if records.policy_kind(rtype, v) == kind]
        return _policy_verdict(kind, expected, found, any_policy)
    status = "ok" if expected in found else "different"
    return status, found, _record_note(rtype, expected, answer["values"])


def _cname_note(answer):
    chain = answer.get("cnames")
    return f"through CNAME {' -> '.join(chain)}" if chain else None


def check_records(groups, answers, any_policy=("DMARC",)):
    """Per expected record: ``{"name", "type", "expected", "status", "found", "note"}``.
    ``groups`` is ``awsrunbook.dnsrecords.group_records``'s answer, ``answers`` a DNS answer
    per ``(name, type)``. A policy kind in ``any_policy`` is ``ok`` when exactly one record
    of that kind is published, whatever its policy (a domain's own DMARC policy)."""
    report = []
    for (name, rtype), values in groups.items():
        answer = answers[(name, rtype)]
        for expected in values:
            status, found, note = _verdict(
                rtype, expected, answer, records.policy_kind(rtype, expected) in any_policy
            )
            notes = [n for n in (_cname_note(answer), note) if n]
            entry = {"name": name, "type": rtype, "expected": expected, "status": status}
            entry["found"] = found
            entry["note"] = "; ".join(notes) or None
            report.append(entry)
    return report


def inherit_dmarc(report, domain, policy):
    """A subdomain without a DMARC record of its own is covered by the one found up the
    tree (``policy``: ``awsrunbook.dmarcrecord.discover``'s answer): its entry is ``ok``,
    noting which record applies and with which policy (``sp=``)."""
    name = f"_dmarc.{domain}"
    for entry in report:
        inherited = entry["name"] == name and entry["status"] == "missing"
        if inherited and policy["status"] == "found" and policy["name"] != name:
            entry.update(status="ok", found=[policy["record"]])
            entry["note"] = (
                f"no record of its own: {policy['name']} applies to it "
                f"(policy {policy['applies']} for subdomains)"
            )
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
    elif status == "several":
        line = (
            f"{head}: {len(entry['found'])} records of one kind where one is allowed: receivers "
            "use none of them (RFC 7208 4.5 permerror, RFC 7489 6.6.3)"
        )
    else:
        line = f"{head}: lookup failed temporarily, state unknown: try again"
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
    # RFC 7489 6.6.3: without a valid p=, a valid rua= makes the record count as p=none.
    has_reports = bool(dmarcrecord.report_uris(tags.get("rua", ""))[0])
    if tags.get("p", "").lower() not in DMARC_POLICIES and not has_reports:
        problems.append(f"p= must be one of {', '.join(DMARC_POLICIES)}")
    for key in ("adkim", "aspf"):
        if tags.get(key, "r").lower() not in ALIGNMENT_MODES:
            problems.append(f"{key}= must be r (relaxed) or s (strict)")
    for key in ("rua", "ruf"):
        bad = dmarcrecord.report_uris(tags.get(key, ""))[1]
        problems += [f"{key}= {problem}" for problem in bad]
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
    """``{"result", "aligned", "reasons"}`` for Easy DKIM: SES signs with ``d=DOMAIN``
    (aligned in relaxed and strict mode alike) once its DKIM status is SUCCESS and the
    CNAMEs resolve. ``result``: ``pass``, ``fail``, or ``temperror`` when a CNAME lookup
    failed temporarily (the key may well be there)."""
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
    temporary = any(entry["status"] == "temperror" for entry in cname_entries)
    result = "pass" if not problems else "temperror" if temporary else "fail"
    return {"result": result, "aligned": not problems, "reasons": reasons}


def _mail_from_failure(mail_from, mx_entry):
    """Why the custom MAIL FROM is not in use right now, or None."""
    status = mail_from.get("status")
    if status != "SUCCESS":
        return f"SES reports the MAIL FROM status {status}"
    if mx_entry is None or mx_entry["status"] != "ok":
        state = mx_entry["status"] if mx_entry else "not checked"
        return f"the MX of {mail_from['domain']} is {state}"
    return None


def _spf(result, aligned, domain, reasons, evaluation=None):
    return {
        "result": result,
        "aligned": aligned,
        "domain": domain,
        "reasons": reasons,
        "evaluation": evaluation,
    }


def _alignment_reason(name, domain, aspf, org_of):
    aligned = dmarcrecord.aligned(name, domain, aspf, org_of)
    if aspf == "s":
        verb = "equals" if aligned else "is not exactly"
        return aligned, f"MAIL FROM {name} {verb} {domain} (aspf=s)"
    return aligned, (
        f"MAIL FROM {name} and {domain} {'share' if aligned else 'do not share'} the "
        f"organisational domain {org_of(domain)} (aspf=r)"
    )


def _evaluated_spf(domain, mail_from, evaluation, aspf, org_of):
    name = mail_from["domain"]
    aligned, reason = _alignment_reason(name, domain, aspf, org_of)
    result = evaluation["result"]
    counts = result == "pass" and aligned
    head = f"SPF {result} for {name} from an SES address ({evaluation['ip']})"
    head += f": {evaluation['reason']}"
    reasons = [head, f"SPF {'aligned' if aligned else 'not aligned'}: {reason}"]
    if not counts:
        reasons.append("SPF counts for DMARC only when it passes and aligns (RFC 7489 4.2)")
    if evaluation["plus_all"]:
        reasons.append(f"{name}'s SPF record allows every host on the internet (+all)")
    behavior = mail_from.get("behavior_on_mx_failure") or "USE_DEFAULT_VALUE"
    if counts and behavior == "USE_DEFAULT_VALUE":
        reasons.append(
            "if that MX ever fails, SES falls back to amazonses.com and SPF stops aligning "
            "(behavior_on_mx_failure USE_DEFAULT_VALUE)"
        )
    return _spf(result, aligned, name, reasons, evaluation)


def spf_alignment(domain, identity, mx_entry, evaluation=None, aspf="r", org_of=None):
    """``{"result", "aligned", "domain", "reasons", "evaluation"}`` for SPF: SES's MAIL FROM
    domain must pass SPF (``evaluation``: ``awsrunbook.spf.evaluate`` at that domain for an
    SES address) and share the From domain's organisational domain (``aspf=r``) or equal it
    (``aspf=s``). Without a custom MAIL FROM, or when its MX fails under
    ``USE_DEFAULT_VALUE``, SES uses amazonses.com, which never aligns."""
    org_of = org_of or organizational_domain
    mail_from = identity.get("mail_from")
    if not mail_from:
        reason = "SPF not aligned: no custom MAIL FROM domain, so SES sends from amazonses.com"
        return _spf("pass", False, "amazonses.com", [reason])
    if mx_entry is not None and mx_entry["status"] == "temperror":
        reason = (
            f"the MX of {mail_from['domain']} could not be looked up: whether SES uses it "
            "is unknown"
        )
        return _spf("temperror", False, mail_from["domain"], [reason])
    failure = _mail_from_failure(mail_from, mx_entry)
    if failure:
        behavior = mail_from.get("behavior_on_mx_failure") or "USE_DEFAULT_VALUE"
        outcome = (
            "SES falls back to amazonses.com (USE_DEFAULT_VALUE), so SPF silently does not align"
            if behavior == "USE_DEFAULT_VALUE"
            else "SES rejects mail until it is fixed (REJECT_MESSAGE)"
        )
        return _spf("none", False, "amazonses.com", [f"SPF not aligned: {failure}; {outcome}"])
    if evaluation is None:
        return _spf("none", False, mail_from["domain"], ["SPF not evaluated: no answer given"])
    return _evaluated_spf(domain, mail_from, evaluation, aspf, org_of)


def verdict(policy, dkim, spf_result, org_status="found"):
    """``(verdict, via)``: ``pass`` (``via``: the aligned mechanisms that pass), ``fail``,
    ``none`` (no DMARC record: receivers apply no policy), ``temperror`` (a lookup the
    answer depends on failed), ``permerror`` (several records, or one without a policy)."""
    if policy["status"] == "temperror":
        return "temperror", []
    if policy["status"] in ("several", "permerror"):
        return "permerror", []
    via = ["dkim"] if dkim["result"] == "pass" else []
    if spf_result["result"] == "pass" and spf_result["aligned"] and org_status == "found":
        via.append("spf")
    if policy["status"] == "missing":
        return "none", via
    if via:
        return "pass", via
    unknown = "temperror" in (dkim["result"], spf_result["result"], org_status)
    return ("temperror" if unknown else "fail"), via


def _policy_reasons(policy):
    if policy["status"] == "found":
        parsed = policy["parsed"]
        head = [f"DMARC record at {policy['name']}: {policy['record']}"]
        head.append(f"policy for this domain: {policy['applies']}")
        inherited = policy["name"] != f"_dmarc.{policy['walked_from']}"
        if inherited and parsed["nonexistent_policy"] != parsed["subdomain_policy"]:
            head.append(
                f"np={parsed['nonexistent_policy']}: applies instead while the domain does "
                "not exist in DNS (RFC 9989)"
            )
        if parsed["testing"]:
            head.append("t=y: testing mode, receivers apply one policy level less (RFC 9989)")
        return head + parsed["warnings"]
    if policy["status"] == "several":
        return [
            f"{policy['name']} holds {len(policy['records'])} DMARC records: receivers then apply "
            "no DMARC policy at all (RFC 7489 6.6.3): permerror"
        ]
    if policy["status"] == "permerror":
        record = f"DMARC record at {policy['name']}: {policy['record']}"
        return [record, *policy["parsed"]["errors"]]
    if policy["status"] == "temperror":
        return [f"{policy['name']}: lookup failed temporarily ({policy['detail']}): try again"]
    return [f"no DMARC record: asked {', '.join(policy['walked'])}"]


def _org_reasons(domain, orgs):
    walk = orgs["walk"]
    if walk["status"] == "none":
        return [
            f"organisational domain of {domain}: {orgs['psl']} "
            f"(Public Suffix List: {walk['reason']})"
        ]
    if walk["status"] != "found":
        return [
            f"organisational domain of {domain} by the tree walk unknown ({walk['reason']}): "
            f"the Public Suffix List's {orgs['psl']} used"
        ]
    line = f"organisational domain of {domain}: {walk['domain']}"
    line += f" (RFC 9989 tree walk: {walk['reason']})"
    if orgs["differ"]:
        line += f"; RFC 7489's Public Suffix List says {orgs['psl']}"
    return [line]


def _authorization_reason(entry):
    if entry["status"] == "temperror":
        return f"{entry['name']}: lookup failed temporarily: authorization unknown"
    return (
        f"{entry['tag']}={entry['uri']} is at another domain and {entry['name']} has no "
        "TXT 'v=DMARC1': reporters send it no reports (RFC 7489 7.1)"
    )


def _authorization_reasons(authorizations):
    return [_authorization_reason(e) for e in authorizations if e["status"] != "ok"]


def org_lookup(orgs_by_domain):
    """``org_of(name)`` over ``{name: organizational_domains(...)}``: the tree walk's answer,
    the Public Suffix List's when the walk failed or the name was not walked."""

    def org_of(name):
        orgs = orgs_by_domain.get(name)
        if orgs and orgs["walk"]["status"] == "found":
            return orgs["walk"]["domain"]
        return organizational_domain(name)

    return org_of


def dmarc_report(
    domain, identity, policy, cname_entries, mx_entry, evaluation=None, orgs=None, authorizations=()
):
    """The whole ``check_dmarc`` answer: ``{"domain", "verdict", "via", "reasons", "dmarc",
    "dkim", "spf", "organizational_domain", "lines"}``. ``policy`` is
    ``awsrunbook.dmarcrecord.discover``'s answer, ``evaluation`` the SPF evaluation at the
    MAIL FROM domain, ``orgs`` ``{name: organizational_domains(...)}`` for the From and the
    MAIL FROM domains, ``authorizations`` the external report destinations checked."""
    orgs = orgs or {}
    parsed = policy.get("parsed") or {"adkim": "r", "aspf": "r"}
    org_of = org_lookup(orgs)
    dkim = dkim_alignment(domain, identity, cname_entries, parsed["adkim"])
    spf_result = spf_alignment(domain, identity, mx_entry, evaluation, parsed["aspf"], org_of)
    # Only relaxed SPF alignment of a MAIL FROM other than the From domain needs the
    # organisational domains; DKIM signs with d= the From domain itself.
    evaluated = spf_result["evaluation"] is not None  # SES uses the custom MAIL FROM
    needs_orgs = evaluated and parsed["aspf"] == "r" and spf_result["domain"] != domain
    unknown = any(o["walk"]["status"] == "temperror" for o in orgs.values())
    org_status = (
        "temperror" if needs_orgs and unknown and spf_result["result"] == "pass" else "found"
    )
    outcome, via = verdict(policy, dkim, spf_result, org_status)
    reasons = [*_policy_reasons(policy), *dkim["reasons"], *spf_result["reasons"]]
    for name, found in orgs.items():
        reasons += _org_reasons(name, found)
    reasons += _authorization_reasons(authorizations)
    shown = outcome + (f" via {' and '.join(v.upper() for v in via)}" if outcome == "pass" else "")
    return {
        "domain": domain,
        "verdict": outcome,
        "via": via,
        "reasons": reasons,
        "dmarc": policy,
        "dkim": dkim,
        "spf": spf_result,
        "organizational_domain": orgs.get(domain),
        "authorizations": list(authorizations),
        "lines": [f"verdict: {shown}", *(f"- {reason}" for reason in reasons)],
    }
