"""awsrunbook.dnscheck: per-record verdicts and the DMARC alignment check, over DNS answers
and SES's view of an identity given as data."""

import pytest
from awsrunbook import dmarcrecord
from awsrunbook import dnscheck as check

DOMAIN = "example.org"
TOKENS = ["tok1", "tok2", "tok3"]
MX = "10 feedback-smtp.eu-west-1.amazonses.com"


def found(*values):
    return {"status": "found", "values": list(values), "detail": ""}


MISSING = {"status": "missing", "values": [], "detail": "NXDOMAIN"}
TIMEOUT = {"status": "timeout", "values": [], "detail": "no answer in 5 s"}


def identity(
    dkim="SUCCESS", mail_from="bounce.example.org", behavior="USE_DEFAULT_VALUE", status="SUCCESS"
):
    return {
        "dkim": {"signing_enabled": True, "status": dkim, "tokens": TOKENS},
        "mail_from": {"domain": mail_from, "status": status, "behavior_on_mx_failure": behavior}
        if mail_from
        else None,
    }


def cname_entries(status="ok"):
    return [{"name": f"{t}._domainkey.{DOMAIN}", "type": "CNAME", "status": status} for t in TOKENS]


MX_OK = {"name": "bounce.example.org", "type": "MX", "status": "ok"}
MX_MISSING = {**MX_OK, "status": "missing"}


def dmarc_of(text, domain=DOMAIN):
    return check.dmarc_record(domain, found(text))


def test_organizational_domain_uses_the_public_suffix_list():
    assert check.organizational_domain("bounce.mail.example.org") == "example.org"
    assert check.organizational_domain("mail.example.co.uk") == "example.co.uk"
    assert check.organizational_domain("example.co.uk") == "example.co.uk"


def policy_of(text, domain=DOMAIN):
    return dmarcrecord.discover(domain, {domain: found(text), "org": MISSING})


def spf_pass(domain="bounce.example.org", result="pass"):
    return {
        "domain": domain,
        "ip": "54.240.0.1",
        "result": result,
        "reason": "include:amazonses.com matched",
        "plus_all": False,
    }


def report_of(text, ident=None, cnames=None, mx=MX_OK, evaluation=None):
    ident = ident or identity()
    evaluation = evaluation if evaluation is not None else spf_pass()
    return check.dmarc_report(
        DOMAIN, ident, policy_of(text), cnames or cname_entries(), mx, evaluation
    )


def test_aligned():
    report = report_of("v=DMARC1; p=none;")
    assert report["verdict"] == "pass" and report["via"] == ["dkim", "spf"]
    assert report["lines"][0] == "verdict: pass via DKIM and SPF"
    assert any("d=amazonses.com" in r for r in report["reasons"])


def test_dkim_only_without_a_custom_mail_from():
    report = report_of("v=DMARC1; p=reject", identity(mail_from=None), mx=None)
    assert report["verdict"] == "pass" and report["via"] == ["dkim"]
    assert report["lines"][0] == "verdict: pass via DKIM"
    assert "no custom MAIL FROM" in report["spf"]["reasons"][0]


def test_spf_unaligned_by_use_default_value_when_the_mx_fails():
    report = report_of("v=DMARC1; p=none", mx=MX_MISSING)
    assert report["verdict"] == "pass" and report["via"] == ["dkim"]
    assert "USE_DEFAULT_VALUE" in report["spf"]["reasons"][0]
    assert "silently" in report["spf"]["reasons"][0]


def test_reject_message_says_mail_is_rejected():
    spf = check.spf_alignment(DOMAIN, identity(behavior="REJECT_MESSAGE"), MX_MISSING)
    assert spf["aligned"] is False and "REJECT_MESSAGE" in spf["reasons"][0]


def test_no_dmarc_record_is_none_not_a_policy():
    # RFC 7489 6.6.3: no record, no DMARC processing: "none", with alignment still shown.
    policy = dmarcrecord.discover(
        "mail.example.org", {"mail.example.org": MISSING, "example.org": MISSING, "org": MISSING}
    )
    assert policy["status"] == "missing"
    assert "_dmarc.example.org: missing" in policy["walked"]
    report = check.dmarc_report(
        "mail.example.org",
        identity(mail_from="b.mail.example.org"),
        policy,
        cname_entries(),
        MX_OK,
        spf_pass("b.mail.example.org"),
    )
    assert report["verdict"] == "none" and report["via"] == ["dkim", "spf"]


def test_the_organizational_domains_record_applies_when_the_domain_has_none():
    answers = {"mail.example.org": MISSING, "example.org": found("v=DMARC1; p=quarantine")}
    policy = dmarcrecord.discover("mail.example.org", {**answers, "org": MISSING})
    assert policy["status"] == "found" and policy["name"] == "_dmarc.example.org"
    assert policy["applies"] == "quarantine"  # sp= defaults to p= (RFC 7489 6.3)


def test_two_dmarc_records_are_a_permerror():
    policy = dmarcrecord.discover(
        DOMAIN, {DOMAIN: found("v=DMARC1; p=none", "v=DMARC1; p=reject", "other"), "org": MISSING}
    )
    assert policy["status"] == "several"
    report = check.dmarc_report(DOMAIN, identity(), policy, cname_entries(), MX_OK, spf_pass())
    assert report["verdict"] == "permerror"
    assert "RFC 7489 6.6.3" in report["reasons"][0]


def test_a_dmarc_timeout_is_a_temperror_never_missing():
    policy = dmarcrecord.discover(DOMAIN, {DOMAIN: TIMEOUT, "org": MISSING})
    assert policy["status"] == "temperror" and "5 s" in policy["detail"]
    report = check.dmarc_report(DOMAIN, identity(), policy, cname_entries(), MX_OK, spf_pass())
    assert report["verdict"] == "temperror"


def test_strict_spf_alignment_fails_with_a_mail_from_subdomain():
    report = report_of("v=DMARC1; p=reject; aspf=s")
    assert report["verdict"] == "pass" and report["via"] == ["dkim"]
    assert "is not exactly example.org (aspf=s)" in report["spf"]["reasons"][1]


def test_spf_counts_only_when_it_passes():
    # RFC 7489 4.2: an aligned MAIL FROM whose SPF does not pass does not count.
    for result in ("none", "permerror", "softfail", "fail", "neutral"):
        report = report_of("v=DMARC1; p=reject", evaluation=spf_pass(result=result))
        assert report["via"] == ["dkim"], result
        assert "RFC 7489 4.2" in " ".join(report["spf"]["reasons"])


def test_a_temporary_error_is_never_a_fail():
    cnames = cname_entries("temperror")
    report = report_of("v=DMARC1; p=reject", cnames=cnames, evaluation=spf_pass(result="temperror"))
    assert report["verdict"] == "temperror"
    mx = {**MX_OK, "status": "temperror"}
    report = report_of("v=DMARC1; p=reject", cnames=cnames, mx=mx)
    assert report["verdict"] == "temperror"
    assert "unknown" in report["spf"]["reasons"][0]


def test_multi_label_public_suffix():
    domain = "example.co.uk"
    ident = identity(mail_from="mail.example.co.uk")
    aligned = check.spf_alignment(domain, ident, MX_OK, spf_pass("mail.example.co.uk"))
    assert aligned["aligned"] is True
    # A naive "last two labels" rule would call co.uk the organisational domain of both.
    ident = identity(mail_from="mail.other.co.uk")
    other = check.spf_alignment("shop.example.co.uk", ident, MX_OK, spf_pass("mail.other.co.uk"))
    assert other["aligned"] is False


def test_dkim_not_aligned_until_ses_and_dns_agree():
    pending = check.dkim_alignment(DOMAIN, identity(dkim="PENDING"), cname_entries())
    assert pending["aligned"] is False and "PENDING" in pending["reasons"][0]
    missing = check.dkim_alignment(DOMAIN, identity(), cname_entries("missing"))
    assert missing["aligned"] is False and missing["result"] == "fail"
    report = report_of("v=DMARC1; p=none", identity(dkim="PENDING"))
    assert report["verdict"] == "pass" and report["via"] == ["spf"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("p=none; v=DMARC1", "must start with v=DMARC1"),
        ("v=DMARC1; p=maybe", "p= must be one of"),
        ("v=DMARC1; p=none; adkim=x", "adkim= must be r"),
        ("v=DMARC1; p=none; rua=dmarc@example.org", "rua= 'dmarc@example.org' is not a mailto"),
        ("v=DMARC1; p=none; ruf=mailto:a@example.org,mailto:nope", "ruf= 'mailto:nope'"),
    ],
)
def test_dmarc_syntax_problems(text, problem):
    _, problems = check.parse_dmarc(text)
    assert any(problem in p for p in problems), problems


def test_valid_dmarc_has_no_problems():
    tags, problems = check.parse_dmarc(
        "v=DMARC1; p=quarantine; rua=mailto:d@example.org!10m; aspf=s"
    )
    assert problems == [] and tags["aspf"] == "s"


def test_check_records_verdicts():
    groups = {
        ("tok1._domainkey.example.org", "CNAME"): ["tok1.dkim.amazonses.com"],
        ("bounce.example.org", "MX"): [MX],
        ("bounce.example.org", "TXT"): ["v=spf1 include:amazonses.com ~all"],
        ("_dmarc.example.org", "TXT"): ["v=DMARC1; p=none;"],
    }
    answers = {
        ("tok1._domainkey.example.org", "CNAME"): found("old.dkim.amazonses.com"),
        ("bounce.example.org", "MX"): found(MX, "10 mx.elsewhere.net"),
        ("bounce.example.org", "TXT"): TIMEOUT,
        ("_dmarc.example.org", "TXT"): found("v=DMARC1; p=reject;", "unrelated"),
    }
    report = {(e["name"], e["type"]): e for e in check.check_records(groups, answers)}
    assert report[("tok1._domainkey.example.org", "CNAME")]["status"] == "different"
    mx = report[("bounce.example.org", "MX")]
    assert mx["status"] == "ok" and "mx.elsewhere.net" in mx["note"]
    assert report[("bounce.example.org", "TXT")]["status"] == "temperror"
    assert report[("_dmarc.example.org", "TXT")]["status"] == "ok"
    lines = check.report_lines(check.check_records(groups, answers))
    assert any(line.startswith("TEMPERROR") and "state unknown" in line for line in lines)
    assert any(
        "expected tok1.dkim.amazonses.com., found old.dkim.amazonses.com." in line for line in lines
    )


def test_own_dmarc_policy_is_ok_unless_a_value_is_required():
    groups = {("_dmarc.example.org", "TXT"): ["v=DMARC1; p=none;"]}
    answers = {("_dmarc.example.org", "TXT"): found("v=DMARC1; p=reject;")}
    assert check.check_records(groups, answers)[0]["status"] == "ok"
    assert check.check_records(groups, answers, any_policy=())[0]["status"] == "different"


def test_legacy_token_is_obsolete_not_an_error():
    assert check.legacy_token(DOMAIN, MISSING) is None
    entry = check.legacy_token(DOMAIN, found("abc="))
    assert entry["name"] == "_amazonses.example.org" and "obsolete" in entry["note"]


def test_strict_alignment_needs_the_exact_domain_relaxed_the_organisational_one():
    assert check.identifiers_aligned("mail.example.org", DOMAIN, "r")
    assert not check.identifiers_aligned("mail.example.org", DOMAIN, "s")
    assert check.identifiers_aligned("example.co.uk", "news.example.co.uk", "r")
    assert not check.identifiers_aligned("other.co.uk", "example.co.uk", "r")
    assert not check.identifiers_aligned(None, DOMAIN)


def test_an_unknown_organisational_domain_matters_only_for_relaxed_spf():
    orgs_unknown = {
        "bounce.example.org": dmarcrecord.organizational_domains(
            "bounce.example.org",
            {"bounce.example.org": MISSING, "example.org": MISSING, "org": TIMEOUT},
        )
    }
    policy = policy_of("v=DMARC1; p=reject")
    # No custom MAIL FROM: the tree's answer cannot change anything: a plain fail.
    report = check.dmarc_report(
        DOMAIN, identity(mail_from=None), policy, cname_entries("missing"), None, None, orgs_unknown
    )
    assert report["verdict"] == "fail"
    # SPF passes at bounce.example.org, but whether it aligns depends on the walk: unknown.
    report = check.dmarc_report(
        DOMAIN, identity(), policy, cname_entries("missing"), MX_OK, spf_pass(), orgs_unknown
    )
    assert report["verdict"] == "temperror"
    report = check.dmarc_report(
        DOMAIN, identity(), policy, cname_entries(), MX_OK, spf_pass(), orgs_unknown
    )
    assert (report["verdict"], report["via"]) == ("pass", ["dkim"])


def test_np_is_shown_for_a_subdomain_when_it_differs():
    answers = {"news.example.org": MISSING, "example.org": found("v=DMARC1; p=reject; np=none")}
    policy = dmarcrecord.discover("news.example.org", {**answers, "org": MISSING})
    report = check.dmarc_report(
        "news.example.org", identity(mail_from=None), policy, cname_entries(), None
    )
    assert "policy for this domain: reject" in report["reasons"]
    assert any(r.startswith("np=none: applies instead") for r in report["reasons"])
