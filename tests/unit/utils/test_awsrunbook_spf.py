"""awsrunbook.spf: RFC 7208's check_host() over DNS given as data. Each case's expected
result is what pyspf 2.0.14 answers on the same DNS (compared once, out of band, with
pyspf's DNSLookup pointed at ZONE; pyspf is not a dependency), with the RFC's reason."""

import pytest
from awsrunbook import spf

from tests.support.dns_zones import AMAZONSES_SPF

SES_IP = "54.240.0.1"  # in 54.240.0.0/18, published in amazonses.com's SPF record
OTHER_IP = "192.0.2.9"
TEN_INCLUDES = " ".join(f"include:i{n}.spf.test" for n in range(10))
# name TYPE value, one value a line (a name with two lines has two values); !timeout and
# !servfail: the lookup fails so.
RECORDS = """
strict.test TXT v=spf1 include:amazonses.com -all
strict.test TXT google-site-verification=x
soft.test TXT v=spf1 include:amazonses.com ~all
neutral.test TXT v=spf1 include:amazonses.com ?all
plusall.test TXT v=spf1 include:amazonses.com +all
nospf.test TXT some-verification=abc
two.test TXT v=spf1 include:amazonses.com -all
two.test TXT v=spf1 -all
many-before.test TXT v=spf1 TEN_INCLUDES include:amazonses.com -all
many-after.test TXT v=spf1 include:amazonses.com TEN_INCLUDES -all
upper.test TXT V=SPF1 Include:AmazonSES.com. -ALL
dead-include.test TXT v=spf1 include:dead.test -all
dead.test TXT !timeout
servfail-include.test TXT v=spf1 include:broken.test -all
broken.test TXT !servfail
syntax.test TXT v=spf1 include -all
unknown.test TXT v=spf1 include:amazonses.com foo:bar -all
redirect.test TXT v=spf1 redirect=strict.test
mx.test TXT v=spf1 mx -all
mx.test MX 10 out.mx.test
out.mx.test A SES_IP
a.test TXT v=spf1 a:host.a.test/24 -all
host.a.test A 54.240.0.200
cidr.test TXT v=spf1 a/24 mx//64 -all
cidr.test A 54.240.0.99
cidr.test MX 10 cidr.test
ptr.test TXT v=spf1 ptr -all
macro2.test TXT v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all
1.0.240.54.in-addr._spf.macro2.test A 127.0.0.2
exp.test TXT v=spf1 -all exp=explain.exp.test
loop.test TXT v=spf1 redirect=loop.test
void.test TXT v=spf1 a:n1.void.test a:n2.void.test a:n3.void.test -all
include-none.test TXT v=spf1 include:nospf.test -all
macro.test TXT v=spf1 exists:%{i}.allow.macro.test -all
SES_IP.allow.macro.test A 127.0.0.2
ip6.test TXT v=spf1 ip6:2001:db8::/32 -all
version.test TXT v=spf10 include:amazonses.com -all
nothing.test TXT v=spf1
"""


def _zone(text):
    table = {("amazonses.com", "TXT"): [AMAZONSES_SPF]}
    table.update(
        {(f"i{n}.spf.test", "TXT"): [f"v=spf1 ip4:198.51.100.{n} -all"] for n in range(10)}
    )
    for line in filter(None, text.splitlines()):
        line = line.replace("TEN_INCLUDES", TEN_INCLUDES).replace("SES_IP", SES_IP)
        name, rtype, value = line.split(" ", 2)
        table.setdefault((name, rtype), []).append(value)
    return table


ZONE = _zone(RECORDS)


def lookup(name, rtype):
    values = ZONE.get((name, rtype))
    if values == ["!timeout"]:
        return {"status": "timeout", "values": [], "detail": "no answer within 5 s"}
    if values == ["!servfail"]:
        return {"status": "error", "values": [], "detail": "answered SERVFAIL"}
    if values is None:
        return {"status": "missing", "values": [], "detail": "NXDOMAIN"}
    return {"status": "found", "values": values, "detail": ""}


CASES = [
    # (domain, ip, result, why)
    ("strict.test", SES_IP, "pass", "include:amazonses.com matches (5.2)"),
    ("strict.test", OTHER_IP, "fail", "-all (5.1)"),
    ("soft.test", OTHER_IP, "softfail", "~all (5.1)"),
    ("neutral.test", OTHER_IP, "neutral", "?all (5.1)"),
    ("plusall.test", OTHER_IP, "pass", "+all: every address passes"),
    ("nospf.test", SES_IP, "none", "no v=spf1 record (4.5)"),
    ("nxdomain.test", SES_IP, "none", "NXDOMAIN (4.3)"),
    ("two.test", SES_IP, "permerror", "two SPF records (4.5)"),
    ("many-before.test", SES_IP, "permerror", "11th DNS-querying term (4.6.4)"),
    ("many-after.test", SES_IP, "pass", "matched before the limit: counted as evaluated"),
    ("many-after.test", OTHER_IP, "permerror", "11th DNS-querying term (4.6.4)"),
    ("upper.test", SES_IP, "pass", "case-insensitive, trailing dot (4.6.1, 4.3)"),
    ("dead-include.test", SES_IP, "temperror", "DNS timeout (4.4)"),
    ("servfail-include.test", SES_IP, "temperror", "SERVFAIL (5)"),
    ("syntax.test", SES_IP, "permerror", "include without a domain (4.6)"),
    ("unknown.test", SES_IP, "permerror", "unknown mechanism (4.6.1)"),
    ("redirect.test", SES_IP, "pass", "redirect= (6.1)"),
    ("mx.test", SES_IP, "pass", "mx (5.4)"),
    ("a.test", SES_IP, "pass", "a with /24 (5.3, 5.6)"),
    ("cidr.test", SES_IP, "pass", "a/24 on the domain itself (5.6)"),
    ("cidr.test", OTHER_IP, "fail", "a/24 and mx//64 do not cover it (5.6)"),
    ("ptr.test", SES_IP, "fail", "ptr without a PTR record does not match (5.5)"),
    ("macro2.test", SES_IP, "pass", "%{ir}, %{v}, %{d2} (7.3)"),
    ("exp.test", SES_IP, "fail", "exp= only explains a fail (6.2)"),
    ("loop.test", SES_IP, "permerror", "a redirect loop hits the limit (4.6.4)"),
    ("void.test", SES_IP, "permerror", "third void lookup (4.6.4)"),
    ("include-none.test", SES_IP, "permerror", "include of a domain without SPF (5.2)"),
    ("macro.test", SES_IP, "pass", "exists with %{i} (5.7, 7)"),
    ("ip6.test", SES_IP, "fail", "an IPv4 address never matches ip6 (5.6)"),
    ("version.test", SES_IP, "none", "v=spf10 is not v=spf1 (4.5)"),
    ("nothing.test", SES_IP, "neutral", "no mechanism matches, no redirect (4.7)"),
]


@pytest.mark.parametrize(("domain", "ip", "result", "why"), CASES)
def test_check_host(domain, ip, result, why):
    answer = spf.evaluate(domain, ip, lookup)
    assert answer["result"] == result, (why, answer)


def test_the_lookup_limit_is_counted_during_evaluation():
    # Ten includes after SES's: never reached for an SES address, so never counted.
    assert spf.evaluate("many-after.test", SES_IP, lookup)["dns_terms"] == 1
    assert spf.evaluate("many-before.test", SES_IP, lookup)["dns_terms"] == 11


def test_plus_all_is_flagged():
    assert spf.evaluate("plusall.test", SES_IP, lookup)["plus_all"] is True
    assert spf.evaluate("strict.test", SES_IP, lookup)["plus_all"] is False


def test_reasons_name_the_rfc_and_the_record():
    answer = spf.evaluate("two.test", SES_IP, lookup)
    assert "RFC 7208 4.5" in answer["reason"]
    answer = spf.evaluate("strict.test", SES_IP, lookup)
    assert answer["record"] == "v=spf1 include:amazonses.com -all"
    assert answer["trace"][1].startswith("amazonses.com: v=spf1 ip4:")


def test_parse_terms_rejects_repeated_redirect():
    with pytest.raises(spf.SpfError, match="repeated"):
        spf.parse_terms("v=spf1 redirect=a.test redirect=b.test")
