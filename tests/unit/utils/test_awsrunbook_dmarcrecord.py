"""awsrunbook.dmarcrecord: DMARC records with the RFCs' defaults, the RFC 9989 tree walk and
organisational domain next to the Public Suffix List's, and report authorization."""

import pytest
from awsrunbook import dmarcrecord as dmarc


def found(*values):
    return {"status": "found", "values": list(values), "detail": ""}


MISSING = {"status": "missing", "values": [], "detail": "NXDOMAIN"}
TIMEOUT = {"status": "timeout", "values": [], "detail": "timed out: no answer within 5 s"}


def answers(**records):
    """``{domain: answer}`` for a walk; names not given are missing."""
    table = {name.replace("_", "."): found(text) for name, text in records.items()}
    return _Missing(table)


class _Missing(dict):
    def __missing__(self, key):
        return MISSING


def test_defaults_of_rfc_7489_and_9989():
    parsed = dmarc.parse("v=DMARC1; p=reject")
    assert parsed["usable"] and parsed["errors"] == [] and parsed["warnings"] == []
    assert parsed["policy"] == parsed["subdomain_policy"] == parsed["nonexistent_policy"]
    assert (parsed["adkim"], parsed["aspf"], parsed["psd"], parsed["testing"]) == (
        "r",
        "r",
        "u",
        False,
    )


def test_no_p_with_a_valid_rua_counts_as_p_none():
    # RFC 7489 6.6.3
    parsed = dmarc.parse("v=DMARC1; rua=mailto:reports@example.org")
    assert parsed["usable"] and parsed["policy"] == "none"
    assert "6.6.3" in parsed["warnings"][0]
    unusable = dmarc.parse("v=DMARC1; adkim=s")
    assert not unusable["usable"] and "no p= tag" in unusable["errors"][0]


def test_https_rua_is_a_report_uri():
    parsed = dmarc.parse("v=DMARC1; p=none; rua=https://reports.example.net/dmarc")
    assert parsed["rua"] == [
        {"uri": "https://reports.example.net/dmarc", "domain": "reports.example.net"}
    ]
    assert parsed["warnings"] == []


def test_removed_and_new_tags():
    parsed = dmarc.parse("v=DMARC1; p=quarantine; pct=50; rf=afrf; ri=3600; np=reject; t=y")
    removed = [w for w in parsed["warnings"] if "removed by RFC 9989" in w]
    assert len(removed) == 3 and "share of failing mail" in removed[0]
    assert parsed["nonexistent_policy"] == "reject" and parsed["testing"] is True


def test_bad_values_fall_back_to_defaults_with_a_warning():
    parsed = dmarc.parse("v=DMARC1; p=none; adkim=x; psd=maybe")
    assert parsed["usable"] and parsed["adkim"] == "r" and parsed["psd"] == "u"
    assert any("adkim=x" in w for w in parsed["warnings"])


def test_not_a_dmarc_record():
    assert not dmarc.parse("p=none; v=DMARC1")["usable"]
    assert not dmarc.is_dmarc("v=spf1 -all")


def test_walk_names_stop_at_eight_queries():
    assert dmarc.walk_names("mail.example.org") == ["mail.example.org", "example.org", "org"]
    long = "a.b.c.d.e.f.g.h.example.org"  # 10 labels: itself, then from 7 labels down
    names = dmarc.walk_names(long)
    assert len(names) == 8 and names[1] == "d.e.f.g.h.example.org" and names[-1] == "org"


def test_discover_takes_the_first_record_up_the_tree_and_its_sp():
    walk = answers(example_org="v=DMARC1; p=reject; sp=quarantine")
    policy = dmarc.discover("news.example.org", walk)
    assert policy["name"] == "_dmarc.example.org" and policy["applies"] == "quarantine"
    own = dmarc.discover("example.org", walk)
    assert own["applies"] == "reject"


def test_discover_stops_at_a_temperror_or_several():
    walk = _Missing({"news.example.org": TIMEOUT, "example.org": found("v=DMARC1; p=none")})
    assert dmarc.discover("news.example.org", walk)["status"] == "temperror"
    walk = _Missing({"example.org": found("v=DMARC1; p=none", "v=DMARC1; p=reject")})
    assert dmarc.discover("example.org", walk)["status"] == "several"


def test_organizational_domain_by_walk_and_by_psl():
    walk = answers(example_org="v=DMARC1; p=none")
    orgs = dmarc.organizational_domains("bounce.example.org", walk)
    assert orgs["walk"]["domain"] == orgs["psl"] == "example.org" and not orgs["differ"]
    # A private-section suffix (PSL) without psd=y at it: the walk reaches the suffix's record.
    walk = answers(github_io="v=DMARC1; p=reject")
    orgs = dmarc.organizational_domains("site.github.io", walk)
    assert orgs["psl"] == "site.github.io" and orgs["walk"]["domain"] == "github.io"
    assert orgs["differ"]
    # psd=y marks a public suffix: the organisational domain is the name below it.
    walk = answers(github_io="v=DMARC1; p=reject; psd=y")
    orgs = dmarc.organizational_domains("www.site.github.io", walk)
    assert orgs["walk"]["domain"] == "site.github.io" and "psd=y" in orgs["walk"]["reason"]
    walk = _Missing({"org": TIMEOUT})
    assert dmarc.walk_organizational_domain("example.org", walk)["status"] == "temperror"


@pytest.mark.parametrize(
    ("record", "external"),
    [
        ("v=DMARC1; p=none; rua=mailto:d@example.org", []),
        ("v=DMARC1; p=none; rua=mailto:d@reports.example.org", []),
        (
            "v=DMARC1; p=none; rua=mailto:d@dmarc.example.net; ruf=https://x.example.com/r",
            [
                "example.org._report._dmarc.dmarc.example.net",
                "example.org._report._dmarc.x.example.com",
            ],
        ),
    ],
)
def test_external_destinations_need_an_authorization(record, external):
    wanted = dmarc.external_destinations(
        "example.org", dmarc.parse(record), dmarc.psl_organizational_domain
    )
    assert [w["name"] for w in wanted] == external


def test_authorization_record():
    wanted = {"tag": "rua", "uri": "mailto:d@x.net", "name": "example.org._report._dmarc.x.net"}
    assert dmarc.authorization(wanted, found("v=DMARC1"))["status"] == "ok"
    assert dmarc.authorization(wanted, MISSING)["status"] == "missing"
    assert dmarc.authorization(wanted, TIMEOUT)["status"] == "temperror"
