"""How a received message authenticates, pure: SPF, each DKIM signature and the DMARC result
(RFC 7489), from the raw message as the receiving side stored it. Used by
``aws_ses.check_delivery``.

Two sources are kept side by side: what the receiving side wrote in its
``Authentication-Results`` (RFC 8601) header, and our own verification of each
``DKIM-Signature`` (dkimpy, with a TXT lookup function handed in: no DNS here). The DMARC
result is computed from our DKIM results and the receiver's SPF result (we cannot redo SPF:
it depends on the connecting IP), and the receiver's own ``dmarc=`` is shown next to it.

Everything but ``verify_signatures`` is pure; that one only calls the lookup it is given.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re

import dkim

from awsrunbook import dnscheck

SES_SIGNING_DOMAIN = "amazonses.com"  # SES's own second signature: expected, never aligned
# Methods an Authentication-Results header may report (IANA registry, the ones mail carries);
# any other "name=value" is a property of the result before it (SES writes
# "spf=pass (...) client-ip=...; envelope-from=...; helo=...;", breaking RFC 8601's grammar).
METHODS = ("spf", "dkim", "dmarc", "arc", "iprev", "auth", "dkim-atps", "sender-id", "bimi")
_COMMENT_RE = re.compile(r"\([^()]*\)")
_TOKEN_RE = re.compile(r'([A-Za-z0-9._-]+)=("[^"]*"|[^\s;]+)')


# --- the message ----------------------------------------------------------------------------


def parse_message(raw):
    """``raw`` (bytes or text) as an ``email.message.Message``; raw header values kept."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return email.message_from_bytes(raw, policy=email.policy.compat32)


def _unfold(value):
    return re.sub(r"\s+", " ", str(value)).strip()


def address_domain(address):
    """The domain of ``user@domain`` (or of a ``Name <user@domain>`` header), lower case."""
    _, addr = email.utils.parseaddr(str(address or ""))
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"{address!r} holds no address with a domain")
    return domain.lower().rstrip(".")


def from_domain(message):
    """The RFC5322.From domain DMARC is about. A message without exactly one From address
    cannot pass DMARC (RFC 7489 6.6.1): that is an error here."""
    values = message.get_all("From") or []
    addresses = [addr for _, addr in email.utils.getaddresses([str(v) for v in values]) if addr]
    if len(addresses) != 1:
        raise ValueError(f"the message has {len(addresses)} From addresses, DMARC needs one")
    return address_domain(addresses[0])


def tag_list(value):
    """A DKIM tag list (RFC 6376 3.2: ``tag=value; ...``) as a dict; whitespace removed from
    values (folding), tag names lower case."""
    tags = {}
    for part in _unfold(value).split(";"):
        name, sep, text = part.partition("=")
        if sep:
            tags[name.strip().lower()] = re.sub(r"\s+", "", text)
    return tags


def dkim_signatures(message):
    """One entry per ``DKIM-Signature`` header, in header order (the index dkimpy takes)."""
    signatures = []
    for index, value in enumerate(message.get_all("DKIM-Signature") or []):
        tags = tag_list(value)
        signatures.append(
            {
                "index": index,
                "domain": tags.get("d", "").lower().rstrip("."),
                "selector": tags.get("s", ""),
                "algorithm": tags.get("a", ""),
                "identity": tags.get("i") or None,
                "signed_headers": [h.strip().lower() for h in tags.get("h", "").split(":") if h],
                "b_prefix": tags.get("b", "")[:8],
            }
        )
    return signatures


# --- Authentication-Results -----------------------------------------------------------------


def _results_of(body):
    """The results in one header's text after its authserv-id."""
    results = []
    for name, value in _TOKEN_RE.findall(_COMMENT_RE.sub(" ", body)):
        key, value = name.lower(), value.strip('"')
        if key in METHODS:
            results.append({"method": key, "result": value.lower(), "properties": {}})
        elif results:
            results[-1]["properties"][key] = value
    return results


def authentication_results(message, authserv_id=None):
    """Each result of the ``Authentication-Results`` headers, topmost header first:
    ``{"authserv_id", "method", "result", "reason", "properties"}``. With ``authserv_id``,
    only the topmost header of that receiver: it prepends its own, and anyone upstream can
    add one naming it (RFC 8601 5)."""
    found = []
    for value in message.get_all("Authentication-Results") or []:
        server, _, body = _unfold(value).partition(";")
        server = _COMMENT_RE.sub("", server).split()[0].lower() if server.strip() else ""
        if authserv_id and server != authserv_id.lower():
            continue
        for result in _results_of(body):
            reason = result["properties"].pop("reason", None)
            found.append({"authserv_id": server, **result, "reason": reason})
        if authserv_id:
            break
    return found


def _result_domain(result):
    """The domain a DKIM result is about: ``header.d``, else the domain of ``header.i``."""
    props = result["properties"]
    if props.get("header.d"):
        return props["header.d"].lower().rstrip(".")
    identity = props.get("header.i") or ""
    return identity.rpartition("@")[2].lower().rstrip(".") or None


# --- alignment and the DMARC result ---------------------------------------------------------


def _receiver_dkim(signature, receiver, used):
    """The receiver's result for ``signature``: the first unused DKIM result for its domain
    (``header.b`` decides between several signatures of one domain, when given)."""
    for position, result in enumerate(receiver):
        if position in used or result["method"] != "dkim":
            continue
        if _result_domain(result) != signature["domain"]:
            continue
        b_prefix = result["properties"].get("header.b")
        if b_prefix and not signature["b_prefix"].startswith(b_prefix[:8]):
            continue
        used.add(position)
        return result["result"]
    return None


def dkim_report(signatures, verifications, receiver, author_domain, adkim="r"):
    """Per signature: its ``domain``, ``selector``, ``algorithm``, ``verified`` (ours),
    ``error`` (why not), ``aligned``, ``receiver_result`` and a ``note``."""
    used = set()
    report = []
    for signature in signatures:
        verdict = verifications[signature["index"]]
        is_ses = signature["domain"] == SES_SIGNING_DOMAIN
        report.append(
            {
                "domain": signature["domain"],
                "selector": signature["selector"],
                "algorithm": signature["algorithm"],
                "verified": verdict["verified"],
                "error": verdict["error"],
                "aligned": dnscheck.identifiers_aligned(signature["domain"], author_domain, adkim),
                "receiver_result": _receiver_dkim(signature, receiver, used),
                "note": "SES's own signature: expected, never aligned" if is_ses else None,
            }
        )
    return report


def spf_report(receiver, return_path, author_domain, aspf="r"):
    """SPF as the receiver saw it (its ``spf=`` result) and whether the domain it checked
    (``smtp.mailfrom``/``envelope-from``, else ``Return-Path``) aligns with the From domain."""
    result = next((r for r in receiver if r["method"] == "spf"), None)
    props = result["properties"] if result else {}
    checked = props.get("smtp.mailfrom") or props.get("envelope-from") or return_path or ""
    try:
        domain = address_domain(checked) if "@" in checked else checked.lower().strip("<>.")
    except ValueError:
        domain = ""
    return {
        "result": result["result"] if result else "none",
        "domain": domain or None,
        "aligned": dnscheck.identifiers_aligned(domain, author_domain, aspf),
    }


def _policy_tags(policy, author_domain):
    """``(p, pct)`` that applies to ``author_domain``: ``sp=`` when the record found is the
    organisational domain's and the author domain is a subdomain of it (RFC 7489 6.3)."""
    tags = policy["tags"]
    p = tags.get("p", "none").lower()
    if policy["name"] != f"_dmarc.{author_domain}" and tags.get("sp"):
        p = tags["sp"].lower()
    pct = tags.get("pct", "100")
    return p, int(pct) if pct.isdigit() else 100


def dmarc_result(policy, spf, dkim_entries, author_domain):
    """``{"result", "via", "policy", "pct", "disposition"}``: ``pass`` when a verified DKIM
    signature aligns or SPF passed for an aligned domain; ``fail`` otherwise; ``none``
    without a DMARC record (receivers then apply no policy), ``temperror`` when its lookup
    timed out or failed (RFC 7489 6.6.3, 11.2)."""
    via = [f"dkim d={e['domain']}" for e in dkim_entries if e["verified"] and e["aligned"]]
    if spf["result"] == "pass" and spf["aligned"]:
        via.append(f"spf {spf['domain']}")
    outcome = "pass" if via else "fail"
    if policy["status"] in ("timeout", "error"):
        return {"result": "temperror", "via": via, "policy": None, "pct": None, "disposition": None}
    if policy["status"] != "found":
        return {"result": "none", "via": via, "policy": None, "pct": None, "disposition": "none"}
    p, pct = _policy_tags(policy, author_domain)
    disposition = "none" if outcome == "pass" else p
    return {"result": outcome, "via": via, "policy": p, "pct": pct, "disposition": disposition}


# --- what to do about it --------------------------------------------------------------------


def _dkim_advice(entry):
    name = f"{entry['selector']}._domainkey.{entry['domain']}"
    error = entry["error"] or "the signature does not match"
    if "body hash" in error:
        return f"DKIM d={entry['domain']}: the body changed after signing (a relay or footer?)"
    if "missing public key" in error or "no TXT" in error:
        return f"DKIM d={entry['domain']}: no key at {name}: publish the DKIM CNAMEs (check_dns)"
    if "timed out" in error.lower() or "timeout" in error.lower():
        return f"DKIM d={entry['domain']}: DNS timed out looking up {name}: try again"
    return f"DKIM d={entry['domain']} does not verify: {error}"


def _dkim_diagnosis(dkim_entries, author_domain):
    lines = [
        _dkim_advice(e)
        for e in dkim_entries
        if not e["verified"] and e["domain"] != SES_SIGNING_DOMAIN
    ]
    if not any(e["aligned"] for e in dkim_entries):
        lines.append(
            f"no DKIM signature with d={author_domain}: SES signed only as "
            f"{', '.join(e['domain'] for e in dkim_entries) or 'nobody'}; enable Easy DKIM for "
            f"{author_domain} and publish its CNAMEs (aws_ses.dns_records, check_dns)"
        )
    lines += [
        f"DKIM d={e['domain']}: the receiver says {e['receiver_result']}, our check says "
        f"{'pass' if e['verified'] else 'fail'} (DNS changed between the two, or resolvers differ)"
        for e in dkim_entries
        if e["receiver_result"]
        and e["receiver_result"] in ("pass", "fail")
        and (e["receiver_result"] == "pass") != e["verified"]
    ]
    return lines


def _spf_diagnosis(spf, author_domain):
    if spf["result"] not in ("pass", "none"):
        return [
            f"SPF {spf['result']} for {spf['domain']}: its TXT record must include "
            "amazonses.com (v=spf1 include:amazonses.com ~all)"
        ]
    if spf["result"] == "pass" and not spf["aligned"]:
        return [
            f"SPF passed for {spf['domain']}, which does not align with {author_domain}: set a "
            f"custom MAIL FROM domain under {author_domain} (mail_from_domain) to align SPF too"
        ]
    return []


def _dmarc_diagnosis(policy, dmarc, author_domain):
    lines = list(policy.get("problems") or [])
    if dmarc["result"] == "none":
        lines.append(
            f"no DMARC policy applies: publish TXT _dmarc.{author_domain} "
            '"v=DMARC1; p=none; rua=mailto:..." and tighten p= once reports are clean'
        )
    elif dmarc["result"] == "fail":
        lines.append(f"DMARC fails: receivers apply p={dmarc['policy']} to this mail")
    elif dmarc["result"] == "pass" and dmarc["policy"] == "none":
        lines.append("DMARC passes under p=none: quarantine or reject would now be safe to try")
    return lines


def diagnosis(policy, spf, dkim_entries, dmarc, author_domain):
    """Short lines an operator can act on, the most important first."""
    return [
        *_dmarc_diagnosis(policy, dmarc, author_domain),
        *_dkim_diagnosis(dkim_entries, author_domain),
        *_spf_diagnosis(spf, author_domain),
    ]


def _dkim_line(entry):
    verified = "verified" if entry["verified"] else f"NOT verified ({entry['error']})"
    line = (
        f"DKIM d={entry['domain']} s={entry['selector']}: {verified}, "
        f"{'aligned' if entry['aligned'] else 'not aligned'}, "
        f"receiver: {entry['receiver_result'] or 'no result'}"
    )
    return f"{line} ({entry['note']})" if entry["note"] else line


def report_lines(report):
    """The report as readable lines (the ``lines`` of ``check_delivery``)."""
    dmarc, spf = report["dmarc"], report["spf"]
    via = f" via {', '.join(dmarc['via'])}" if dmarc["via"] else ""
    lines = [
        f"DMARC: {dmarc['result']}{via} (receiver: {dmarc['receiver_result'] or 'no result'}); "
        f"policy {dmarc['policy'] or '-'}, disposition {dmarc['disposition'] or '-'}",
        f"SPF: {spf['result']} for {spf['domain'] or '(unknown)'}, "
        f"{'aligned' if spf['aligned'] else 'not aligned'} with {report['from_domain']}",
        *(_dkim_line(entry) for entry in report["dkim"]),
    ]
    return lines + [f"- {line}" for line in report["diagnosis"]]


def analyse(raw, verifications, policy, authserv_id=None):
    """The whole analysis of a received message: ``raw`` the message, ``verifications`` our
    ``verify_signatures`` answer for it, ``policy`` the DMARC record
    (``awsrunbook.dnscheck.dmarc_record``), ``authserv_id`` the receiver whose
    ``Authentication-Results`` count."""
    message = parse_message(raw)
    author_domain = from_domain(message)
    tags = policy.get("tags") or {}
    receiver = authentication_results(message, authserv_id)
    signatures = dkim_signatures(message)
    dkim_entries = dkim_report(
        signatures, verifications, receiver, author_domain, tags.get("adkim", "r").lower()
    )
    spf = spf_report(
        receiver, message.get("Return-Path"), author_domain, tags.get("aspf", "r").lower()
    )
    dmarc = dmarc_result(policy, spf, dkim_entries, author_domain)
    receiver_dmarc = next((r["result"] for r in receiver if r["method"] == "dmarc"), None)
    dmarc.update(record=policy.get("record"), record_name=policy["name"])
    dmarc["receiver_result"] = receiver_dmarc
    report = {
        "from_domain": author_domain,
        "subject": _unfold(message.get("Subject", "")),
        "spf": spf,
        "dkim": dkim_entries,
        "dmarc": dmarc,
        "authentication_results": receiver,
        "diagnosis": diagnosis(policy, spf, dkim_entries, dmarc, author_domain),
    }
    report["lines"] = report_lines(report)
    return report


# --- our own DKIM verification (dkimpy) -----------------------------------------------------


class _ErrorLog:
    """The logger dkimpy is given: keeps its error messages (the reason a verification
    failed), drops its debug output."""

    def __init__(self):
        self.errors = []

    def error(self, message, *args):
        self.errors.append(message % args if args else message)

    warning = error

    def debug(self, *args):
        pass

    info = debug

    def isEnabledFor(self, level):
        return False


def verify_signatures(raw, txt_lookup, timeout=5.0):
    """Verify each DKIM signature of ``raw`` (bytes): ``{index: {"verified", "error"}}``.
    ``txt_lookup(name)`` answers the key record's joined TXT text, ``None`` when there is
    none, or raises ``TimeoutError``."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")

    def dnsfunc(name, timeout=timeout):
        try:
            return txt_lookup(name.decode("ascii").rstrip("."))
        except TimeoutError as exc:
            raise dkim.DnsTimeoutError(f"timed out: {exc}") from None

    count = len(parse_message(raw).get_all("DKIM-Signature") or [])
    results = {}
    for index in range(count):
        log = _ErrorLog()
        try:
            ok = bool(dkim.DKIM(raw, logger=log, timeout=timeout).verify(index, dnsfunc))
        except dkim.DKIMException as exc:
            ok, log.errors = False, [str(exc)]
        error = None if ok else "; ".join(log.errors) or "the signature does not match"
        results[index] = {"verified": ok, "error": error}
    return results


def key_lookup(lookup, max_hops=8):
    """A ``txt_lookup`` for ``verify_signatures`` over ``lookup(name, rtype)`` (a DNS answer
    as ``dns_lookup.lookup`` gives it), following CNAMEs itself: Easy DKIM's
    ``TOKEN._domainkey.DOMAIN`` is a CNAME into amazonses.com, which an authoritative
    server of DOMAIN does not resolve."""

    def txt(name):
        for _ in range(max_hops):
            answer = lookup(name, "TXT")
            if answer["status"] == "timeout":
                raise TimeoutError(answer.get("detail") or name)
            if answer["status"] == "found":
                return answer["values"][0]
            cname = lookup(name, "CNAME")
            if cname["status"] != "found":
                return None
            name = cname["values"][0].rstrip(".")
        return None

    return txt
