"""check_dmarc and check_dns case by case, against zones served by a real BIND 9 (one server,
the root zone holding every case, so any other name is NXDOMAIN as on the internet), with the
identities made by ``ses_identity.present`` against moto in-process (patched as documented:
tests/support/moto_ses_patches.py). Each case
states the verdict a receiver reaches and the RFC that says so."""

import socket

import pytest

from tests.support import moto_ses_patches
from tests.support.bind_server import BindServer
from tests.support.dns_zones import AMAZONSES_SPF

REGION = "us-east-1"
MX = f"10 feedback-smtp.{REGION}.amazonses.com."
SES_SPF = '"v=spf1 include:amazonses.com -all"'
TEN_INCLUDES = " ".join(f"include:i{n}.spf.test" for n in range(10))
LONG_RUA = ",".join(f"mailto:dmarc-reports-mailbox-number-{n}@long.test" for n in range(6))


def dkim(domain, kind="ok"):
    lines = []
    for position, token in enumerate(moto_ses_patches.dkim_tokens(domain)):
        target = f"{token}.dkim.amazonses.com."
        if position == 0 and kind == "old":
            target = "0ldt0ken0ldt0ken0ldt0ken0ldt0ken.dkim.amazonses.com."
        if position == 0 and kind == "wrong":
            target = f"{token}.dkim.example.net."
        if position == 0 and kind == "missing":
            continue
        lines.append(f"{token}._domainkey.{domain}. IN CNAME {target}")
    return lines


def ses(domain, mail_from="bounce", spf=SES_SPF, dmarc='"v=DMARC1; p=reject"', kind="ok"):
    lines = dkim(domain, kind)
    if mail_from:
        lines.append(f"{mail_from}.{domain}. IN MX {MX}")
        lines += [f"{mail_from}.{domain}. IN TXT {value}" for value in filter(None, [spf])]
    if dmarc:
        lines.append(f"_dmarc.{domain}. IN TXT {dmarc}")
    return lines


# name: (identity domain, MAIL FROM label or None, zone lines, verdict, via, RFC reason)
CASES = {
    "aligned": (
        "aligned.test",
        "bounce",
        ses("aligned.test"),
        "pass",
        ["dkim", "spf"],
        "RFC 7489 4.2: aligned DKIM pass and aligned SPF pass",
    ),
    "no MAIL FROM": (
        "nomailfrom.test",
        None,
        ses("nomailfrom.test", mail_from=None),
        "pass",
        ["dkim"],
        "RFC 7489 3.1.2: SES's MAIL FROM amazonses.com never aligns; DKIM does",
    ),
    "wrong DKIM CNAME": (
        "wrongdkim.test",
        "bounce",
        ses("wrongdkim.test", kind="wrong"),
        "pass",
        ["spf"],
        "RFC 7489 4.2: DKIM cannot verify without the key; aligned SPF passes alone",
    ),
    "old DKIM CNAME": (
        "olddkim.test",
        "bounce",
        ses("olddkim.test", kind="old"),
        "pass",
        ["spf"],
        "RFC 7489 4.2: a key of an earlier token does not verify today's signature",
    ),
    "missing DKIM CNAME, no MAIL FROM": (
        "nodkim.test",
        None,
        ses("nodkim.test", mail_from=None, kind="missing"),
        "fail",
        [],
        "RFC 7489 4.2: neither identifier passes aligned",
    ),
    "two DMARC records": (
        "twodmarc.test",
        "bounce",
        [*ses("twodmarc.test"), '_dmarc.twodmarc.test. IN TXT "v=DMARC1; p=none"'],
        "permerror",
        [],
        "RFC 7489 6.6.3: several records: no DMARC policy is applied",
    ),
    "organisational sp=": (
        "news.orgsp.test",
        "bounce",
        [
            *ses("news.orgsp.test", dmarc=None),
            '_dmarc.orgsp.test. IN TXT "v=DMARC1; p=reject; sp=quarantine"',
        ],
        "pass",
        ["dkim", "spf"],
        "RFC 7489 6.6.3 / RFC 9989 4.10: the organisational domain's record, with sp=",
    ),
    "multi-label public suffix": (
        "example.co.uk",
        "mail",
        ses("example.co.uk", mail_from="mail"),
        "pass",
        ["dkim", "spf"],
        "RFC 7489 3.2: example.co.uk, not co.uk, is the organisational domain",
    ),
    "private-section suffix": (
        "site.github.io",
        "bounce",
        [*ses("site.github.io"), '_dmarc.github.io. IN TXT "v=DMARC1; p=none"'],
        "pass",
        ["dkim", "spf"],
        "RFC 9989 4.10.2: walk says github.io, the PSL site.github.io: both shown",
    ),
    "more than 10 SPF lookups before SES's include": (
        "manybefore.test",
        "bounce",
        ses("manybefore.test", spf=f'"v=spf1 {TEN_INCLUDES} include:amazonses.com -all"'),
        "pass",
        ["dkim"],
        "RFC 7208 4.6.4: permerror; RFC 7489 4.2: SPF then does not count",
    ),
    "more than 10 SPF lookups after SES's include": (
        "manyafter.test",
        "bounce",
        ses("manyafter.test", spf=f'"v=spf1 include:amazonses.com {TEN_INCLUDES} -all"'),
        "pass",
        ["dkim", "spf"],
        "RFC 7208 4.6.4: terms are counted as evaluated; SES's address matches first",
    ),
    "two SPF records": (
        "twospf.test",
        "bounce",
        [*ses("twospf.test"), 'bounce.twospf.test. IN TXT "v=spf1 -all"'],
        "pass",
        ["dkim"],
        "RFC 7208 4.5: two SPF records are a permerror",
    ),
    "SPF split into strings": (
        "split.test",
        "bounce",
        ses("split.test", spf='"v=spf1 include:amazon" "ses.com -all"'),
        "pass",
        ["dkim", "spf"],
        "RFC 7208 3.3: the strings are joined without spaces",
    ),
    "~all": (
        "softall.test",
        "bounce",
        ses("softall.test", spf='"v=spf1 include:amazonses.com ~all"'),
        "pass",
        ["dkim", "spf"],
        "RFC 7208 5.1: ~all only decides for other hosts",
    ),
    "+all": (
        "plusall.test",
        "bounce",
        ses("plusall.test", spf='"v=spf1 include:amazonses.com +all"'),
        "pass",
        ["dkim", "spf"],
        "RFC 7208 5.1: +all passes every host (flagged)",
    ),
    "strict adkim and aspf": (
        "strict.test",
        "bounce",
        ses("strict.test", dmarc='"v=DMARC1; p=reject; adkim=s; aspf=s"'),
        "pass",
        ["dkim"],
        "RFC 7489 3.1: d=strict.test equals the From domain; bounce.strict.test does not",
    ),
    "external rua without authorization": (
        "extrua.test",
        "bounce",
        ses("extrua.test", dmarc='"v=DMARC1; p=none; rua=mailto:d@reports.example.net"'),
        "pass",
        ["dkim", "spf"],
        "RFC 7489 7.1: reports to another domain need its authorization record (warned)",
    ),
    "external rua with authorization": (
        "extauth.test",
        "bounce",
        [
            *ses("extauth.test", dmarc='"v=DMARC1; p=none; rua=mailto:d@authorized.example.net"'),
            'extauth.test._report._dmarc.authorized.example.net. IN TXT "v=DMARC1"',
        ],
        "pass",
        ["dkim", "spf"],
        "RFC 7489 7.1: the destination authorized the reports",
    ),
    "DMARC record over 255 characters": (
        "long.test",
        "bounce",
        ses("long.test", dmarc=f'"v=DMARC1; p=reject; rua={LONG_RUA[:200]}" "{LONG_RUA[200:]}"'),
        "pass",
        ["dkim", "spf"],
        "RFC 7489 6.1 / RFC 7208 3.3: a TXT record's strings are one text",
    ),
    "CNAME at _dmarc": (
        "cname.test",
        "bounce",
        [
            *ses("cname.test", dmarc=None),
            "_dmarc.cname.test. IN CNAME cname.test.dmarc.provider.test.",
        ],
        "pass",
        ["dkim", "spf"],
        "RFC 7489 6.6.3: the record is found as a resolver finds it, through the CNAME",
    ),
    "upper case and trailing dots": (
        "upper.test",
        "bounce",
        ses("upper.test", spf='"v=spf1 Include:AmazonSES.com. -ALL"', dmarc='"V=DMARC1; P=Reject"'),
        "pass",
        ["dkim", "spf"],
        "RFC 7208 4.3 / RFC 7489 6.4: domain names and tag names are case-insensitive",
    ),
    "no SPF at all": (
        "nospf.test",
        "bounce",
        ses("nospf.test", spf=None),
        "pass",
        ["dkim"],
        "RFC 7208 4.5: SPF none; RFC 7489 4.2: only a pass counts",
    ),
    "no p= with rua": (
        "norp.test",
        "bounce",
        ses("norp.test", dmarc='"v=DMARC1; rua=mailto:d@norp.test"'),
        "pass",
        ["dkim", "spf"],
        "RFC 7489 6.6.3: no p= with a valid rua= is p=none",
    ),
    "https rua": (
        "httpsrua.test",
        "bounce",
        ses("httpsrua.test", dmarc='"v=DMARC1; p=none; rua=https://httpsrua.test/dmarc"'),
        "pass",
        ["dkim", "spf"],
        "RFC 7489 6.2: a report URI may be https:",
    ),
    "no DMARC record": (
        "nodmarc.test",
        "bounce",
        ses("nodmarc.test", dmarc=None),
        "none",
        ["dkim", "spf"],
        "RFC 7489 6.6.3: no record, no policy",
    ),
    "NXDOMAIN": (
        "nxdomain.test",
        "bounce",
        [],
        "none",
        [],
        "RFC 7489 6.6.3: nothing published: no policy; no key, no SPF record",
    ),
}
SPF_INCLUDES = [f'i{n}.spf.test. IN TXT "v=spf1 ip4:198.51.100.{n} -all"' for n in range(10)]


@pytest.fixture(scope="module")
def bind(tmp_path_factory):
    root = "\n".join(
        [
            f'amazonses.com. IN TXT "{AMAZONSES_SPF}"',
            *SPF_INCLUDES,
            *(line for case in CASES.values() for line in case[2]),
        ]
    )
    directory = tmp_path_factory.mktemp("bind")
    # The CNAME's target in a zone of its own: a DMARC reporting provider's.
    provider = 'cname.test.dmarc IN TXT "v=DMARC1; p=reject"\n'
    zones = {".": root + "\n", "provider.test": provider}
    server = BindServer(directory, "bind.test", "", extra_zones=zones)
    with server:
        yield server


@pytest.fixture
def identity(states):
    """Makes the identity as an operator would: ``ses_identity.present``."""
    moto_ses_patches.apply()
    made = set()

    def make(domain, mail_from):
        if domain in made:
            return
        made.add(domain)
        mail_from_domain = f"{mail_from}.{domain}" if mail_from else None
        applied = states.ses_identity.present(
            domain, mail_from_domain=mail_from_domain, region=REGION
        )
        assert applied.result is True, applied.comment

    return make


@pytest.mark.parametrize("case", list(CASES))
def test_verdict(modules, identity, bind, case):
    domain, mail_from, _, verdict, via, reason = CASES[case]
    identity(domain, mail_from)
    report = modules.ses_dns.check_dmarc(domain, resolvers=[bind.resolver], region=REGION)
    assert (report["verdict"], report["via"]) == (verdict, via), (reason, report["lines"])


def check_dmarc(modules, identity, bind, case):
    domain, mail_from = CASES[case][:2]
    identity(domain, mail_from)
    return modules.ses_dns.check_dmarc(domain, resolvers=[bind.resolver], region=REGION)


def check_dns(modules, identity, bind, case):
    domain, mail_from = CASES[case][:2]
    identity(domain, mail_from)
    report = modules.ses_dns.check_dns(domain, resolvers=[bind.resolver], region=REGION)
    return {(e["name"], e["type"]): e for e in report["records"]}, report


def test_evidence_of_spf_permerror(modules, identity, bind):
    report = check_dmarc(modules, identity, bind, "more than 10 SPF lookups before SES's include")
    assert report["spf"]["result"] == "permerror"
    assert "RFC 7208 4.6.4" in report["spf"]["reasons"][0]
    assert "RFC 7489 4.2" in " ".join(report["spf"]["reasons"])


def test_plus_all_is_flagged(modules, identity, bind):
    report = check_dmarc(modules, identity, bind, "+all")
    assert any("+all" in reason for reason in report["reasons"])
    entries, _ = check_dns(modules, identity, bind, "+all")
    spf = entries[("bounce.plusall.test", "TXT")]
    assert spf["status"] == "different" and "every host" in spf["note"]


def test_check_dns_reads_spf_by_meaning(modules, identity, bind):
    for case, domain in (("~all", "softall.test"), ("upper case and trailing dots", "upper.test")):
        entries, _ = check_dns(modules, identity, bind, case)
        assert entries[(f"bounce.{domain}", "TXT")]["status"] == "ok", case
    entries, report = check_dns(modules, identity, bind, "two SPF records")
    assert entries[("bounce.twospf.test", "TXT")]["status"] == "several"
    assert report["ok"] is False


def test_check_dns_dkim_states_and_notes(modules, identity, bind):
    entries, report = check_dns(modules, identity, bind, "aligned")
    assert report["ok"] is True and all(e["note"] is None for e in entries.values())
    tokens = {name: moto_ses_patches.dkim_tokens(name)[0] for name in ("olddkim.test",)}
    entries, _ = check_dns(modules, identity, bind, "old DKIM CNAME")
    old = entries[(f"{tokens['olddkim.test']}._domainkey.olddkim.test", "CNAME")]
    assert old["status"] == "different" and "another DKIM token" in old["note"]


def test_check_dns_subdomain_covered_by_the_organisational_record(modules, identity, bind):
    entries, _ = check_dns(modules, identity, bind, "organisational sp=")
    entry = entries[("_dmarc.news.orgsp.test", "TXT")]
    assert entry["status"] == "ok" and "_dmarc.orgsp.test applies" in entry["note"]
    assert "quarantine" in entry["note"]


def test_organisational_domain_walk_and_psl_both_reported(modules, identity, bind):
    report = check_dmarc(modules, identity, bind, "private-section suffix")
    org = report["organizational_domain"]
    assert org["walk"]["domain"] == "github.io" and org["psl"] == "site.github.io"
    assert any("Public Suffix List says site.github.io" in r for r in report["reasons"])


def test_report_authorization(modules, identity, bind):
    report = check_dmarc(modules, identity, bind, "external rua without authorization")
    assert [a["status"] for a in report["authorizations"]] == ["missing"]
    assert any("RFC 7489 7.1" in r for r in report["reasons"])
    report = check_dmarc(modules, identity, bind, "external rua with authorization")
    assert [a["status"] for a in report["authorizations"]] == ["ok"]
    assert not any("RFC 7489 7.1" in r for r in report["reasons"])


def test_no_p_with_rua_and_cname_evidence(modules, identity, bind):
    report = check_dmarc(modules, identity, bind, "no p= with rua")
    assert report["dmarc"]["applies"] == "none"
    assert any("6.6.3" in r for r in report["reasons"])
    report = check_dmarc(modules, identity, bind, "CNAME at _dmarc")
    assert report["dmarc"]["record"] == "v=DMARC1; p=reject"
    assert report["dmarc"]["answer"]["cnames"] == ["_dmarc.cname.test"]


class _EveryZoneHere(dict):
    """Stands in for the delegation from the root: every zone's nameserver is the test's BIND
    (``dns_lookup.authoritative_servers`` keeps its answers in ``__context__``)."""

    def __init__(self, address):
        super().__init__()
        self.address = address

    def __contains__(self, name):
        return True

    def __getitem__(self, name):
        return [self.address]


def test_cname_at_dmarc_in_the_default_authoritative_mode(modules, identity, bind, loaders):
    # RFC 7489 6.6.3: the policy a resolver would find, through a CNAME out of the zone.
    loaders.context["dns_lookup.authoritative"] = _EveryZoneHere(("127.0.0.1", bind.port))
    identity("cname.test", "bounce")
    report = modules.ses_dns.check_dmarc("cname.test", region=REGION)
    assert (report["verdict"], report["via"]) == ("pass", ["dkim", "spf"]), report["lines"]
    assert report["dmarc"]["record"] == "v=DMARC1; p=reject"


def _silent_server():
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))  # takes queries, never answers
    return silent


def _closed_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nobody listens there once closed


@pytest.mark.parametrize("failure", ["timeout", "closed port", "SERVFAIL", "REFUSED"])
def test_temporary_failures_are_temperror_never_fail(modules, identity, tmp_path, failure):
    # RFC 7208 4.4/5 and RFC 7489 6.6.3: a lookup that did not complete decides nothing.
    identity("aligned.test", "bounce")
    silent, server = None, None
    if failure == "timeout":
        silent = _silent_server()
        where = f"127.0.0.1:{silent.getsockname()[1]}"
    elif failure == "closed port":
        where = f"127.0.0.1:{_closed_port()}"
    else:
        broken = ["aligned.test"] if failure == "SERVFAIL" else []
        server = BindServer(tmp_path, "other.test", "", broken_zones=broken).start()
        where = server.resolver
    try:
        report = modules.ses_dns.check_dmarc(
            "aligned.test", resolvers=[where], timeout=1, region=REGION
        )
        records = modules.ses_dns.check_dns(
            "aligned.test", resolvers=[where], timeout=1, region=REGION
        )
    finally:
        if silent:
            silent.close()
        if server:
            server.stop()
    assert report["verdict"] == "temperror", report["lines"]
    assert {e["status"] for e in records["records"]} == {"temperror"}, records["lines"]
    assert not any("falls back" in reason for reason in report["reasons"])
