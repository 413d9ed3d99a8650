"""awsrunbook.mailauth: SPF, DKIM and DMARC of a received message, over messages signed here
with keys whose records a dict stands in for DNS."""

import pytest
from awsrunbook import dnscheck
from awsrunbook import mailauth as auth

from tests.support.dkim_keys import DkimKey

DOMAIN = "example.org"
SES_AR = (
    "Authentication-Results: amazonses.com;\r\n"
    " spf={spf} (spfCheck: domain of {mail_from} designates 54.240.8.1 as permitted sender)"
    " client-ip=54.240.8.1; envelope-from=0100abc@{mail_from};"
    " helo=a8-1.smtp-out.amazonses.com;\r\n"
    " dkim=pass header.i=@example.org;\r\n"
    " dkim=pass header.i=@amazonses.com;\r\n"
    " dmarc={dmarc} header.from=example.org;\r\n"
)
BODY = (
    b"From: sender@example.org\r\nTo: check@inbox.example.org\r\nSubject: delivery check\r\n"
    b"Date: Mon, 23 Nov 2026 23:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nHello.\r\n"
)


@pytest.fixture(scope="module")
def keys():
    return {
        "own": DkimKey(DOMAIN, "tok1"),
        "ses": DkimKey("amazonses.com", "224i4yxa5dv7c2xz3womw6peuasteono"),
        "other": DkimKey("other.net", "s1"),
    }


def txt_of(*keys):
    records = {key.record_name: key.txt_value for key in keys}
    return records.get


def received(message, spf="pass", mail_from="us-east-1.amazonses.com", dmarc="pass"):
    return SES_AR.format(spf=spf, mail_from=mail_from, dmarc=dmarc).encode() + message


def policy(text="v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org", name=DOMAIN):
    own = {"status": "found", "values": [text], "detail": ""}
    return dnscheck.dmarc_record(name, own)


def analyse(raw, lookup, dmarc_policy=None):
    verifications = auth.verify_signatures(raw, lookup)
    return auth.analyse(raw, verifications, dmarc_policy or policy(), "amazonses.com")


def test_aligned_signature_and_ses_signature_pass(keys):
    raw = received(keys["ses"].sign(keys["own"].sign(BODY)))
    report = analyse(raw, txt_of(keys["own"], keys["ses"]))
    own, ses = sorted(report["dkim"], key=lambda e: e["domain"] == "amazonses.com")
    assert (own["domain"], own["selector"], own["verified"], own["aligned"]) == (
        DOMAIN,
        "tok1",
        True,
        True,
    )
    assert (ses["verified"], ses["aligned"], ses["receiver_result"]) == (True, False, "pass")
    assert "never aligned" in ses["note"]
    assert report["dmarc"]["result"] == "pass"
    assert report["dmarc"]["via"] == ["dkim d=example.org"]
    assert report["dmarc"]["receiver_result"] == "pass"
    spf = {"result": "pass", "domain": "us-east-1.amazonses.com", "aligned": False}
    assert report["spf"] == spf
    assert any("custom MAIL FROM" in line for line in report["diagnosis"])
    assert report["lines"][0].startswith("DMARC: pass via dkim d=example.org")


def test_only_unaligned_signatures_fail_dmarc_with_the_policy(keys):
    raw = received(keys["ses"].sign(keys["other"].sign(BODY)), dmarc="fail")
    report = analyse(raw, txt_of(keys["other"], keys["ses"]))
    assert all(e["verified"] and not e["aligned"] for e in report["dkim"])
    assert report["dmarc"]["result"] == "fail"
    assert report["dmarc"]["disposition"] == "quarantine"
    assert any("no DKIM signature with d=example.org" in line for line in report["diagnosis"])
    assert any("p=quarantine" in line for line in report["diagnosis"])


def test_altered_body_does_not_verify_and_says_why(keys):
    signed = keys["ses"].sign(keys["own"].sign(BODY))
    raw = received(signed.replace(b"Hello.", b"Hello, changed."), dmarc="fail")
    report = analyse(raw, txt_of(keys["own"], keys["ses"]))
    assert not any(e["verified"] for e in report["dkim"])
    assert "body hash" in report["dkim"][0]["error"]
    assert report["dmarc"]["result"] == "fail"
    assert any("body changed after signing" in line for line in report["diagnosis"])
    # The receiver's header says pass for both: the disagreement is pointed out.
    assert any("the receiver says pass, our check says fail" in x for x in report["diagnosis"])


def test_missing_key_is_named(keys):
    raw = received(keys["own"].sign(BODY))
    report = analyse(raw, txt_of())
    assert report["dkim"][0]["verified"] is False
    assert any("no key at tok1._domainkey.example.org" in x for x in report["diagnosis"])


def test_dns_timeout_is_a_timeout_not_a_missing_key(keys):
    def timing_out(name):
        raise TimeoutError("no answer in 5 s")

    raw = received(keys["own"].sign(BODY))
    report = analyse(raw, timing_out)
    assert "timed out" in report["dkim"][0]["error"]
    assert any("DNS timed out" in x for x in report["diagnosis"])


@pytest.mark.parametrize(
    ("spf", "mail_from", "aspf", "outcome"),
    [
        ("pass", "bounce.example.org", "r", "pass"),
        ("pass", "bounce.example.org", "s", "fail"),
        ("fail", "bounce.example.org", "r", "fail"),
        ("pass", "us-east-1.amazonses.com", "r", "fail"),
    ],
)
def test_spf_alone_passes_only_when_it_passes_and_aligns(keys, spf, mail_from, aspf, outcome):
    raw = received(keys["ses"].sign(BODY), spf=spf, mail_from=mail_from)
    report = analyse(raw, txt_of(keys["ses"]), policy(f"v=DMARC1; p=reject; aspf={aspf}"))
    assert report["spf"]["result"] == spf
    assert report["spf"]["domain"] == mail_from
    assert report["dmarc"]["result"] == outcome
    assert report["dmarc"]["disposition"] == ("none" if outcome == "pass" else "reject")
    if spf == "fail":
        assert any("include:amazonses.com" in line for line in report["diagnosis"])


def test_no_dmarc_record_is_none_and_says_what_to_publish(keys):
    raw = received(keys["own"].sign(BODY))
    missing = dnscheck.dmarc_record(DOMAIN, {"status": "missing", "values": [], "detail": ""})
    report = analyse(raw, txt_of(keys["own"]), missing)
    assert report["dmarc"]["result"] == "none"
    assert report["dmarc"]["via"] == ["dkim d=example.org"]
    assert any("publish TXT _dmarc.example.org" in line for line in report["diagnosis"])


def test_dmarc_lookup_timeout_is_temperror(keys):
    raw = received(keys["own"].sign(BODY))
    timeout = dnscheck.dmarc_record(DOMAIN, {"status": "timeout", "values": [], "detail": "5 s"})
    assert analyse(raw, txt_of(keys["own"]), timeout)["dmarc"]["result"] == "temperror"


def test_subdomain_policy_from_the_organisational_record(keys):
    sub = DkimKey("news.example.org", "s1")
    body = BODY.replace(b"sender@example.org", b"sender@news.example.org")
    raw = received(sub.sign(body), spf="fail")
    org = {"status": "found", "values": ["v=DMARC1; p=none; sp=reject"], "detail": ""}
    none = {"status": "missing", "values": [], "detail": ""}
    report = analyse(raw, txt_of(), dnscheck.dmarc_record("news.example.org", none, org))
    assert report["dmarc"]["policy"] == "reject"
    assert report["dmarc"]["disposition"] == "reject"


def test_only_the_receivers_topmost_authentication_results_count():
    message = auth.parse_message(
        b"Authentication-Results: evil.example; dkim=pass header.d=example.org\r\n"
        b"Authentication-Results: amazonses.com (SES); spf=softfail (comment; with semicolon)"
        b' smtp.mailfrom=bounce@example.org; dkim=fail reason="bad sig" header.d=example.org\r\n'
        b"Authentication-Results: amazonses.com; dmarc=pass header.from=example.org\r\n"
        b"From: a@example.org\r\n\r\nx\r\n"
    )
    results = auth.authentication_results(message, "amazonses.com")
    assert [(r["method"], r["result"]) for r in results] == [("spf", "softfail"), ("dkim", "fail")]
    assert results[0]["properties"] == {"smtp.mailfrom": "bounce@example.org"}
    assert results[1]["reason"] == "bad sig"
    # Only the receiver's topmost header counts: the one below it was forged upstream.
    assert len(auth.authentication_results(message)) == 4


@pytest.mark.parametrize(
    "header", [b"", b"From: a@example.org, b@example.net\r\n", b"From: nobody\r\n"]
)
def test_a_message_without_one_from_address_is_refused(header):
    with pytest.raises(ValueError, match="address"):
        auth.from_domain(auth.parse_message(header + b"Subject: x\r\n\r\nx\r\n"))


def test_key_lookup_follows_the_easy_dkim_cname():
    answers = {
        ("tok1._domainkey.example.org", "TXT"): {"status": "missing", "values": []},
        ("tok1._domainkey.example.org", "CNAME"): {
            "status": "found",
            "values": ["tok1.dkim.amazonses.com."],
        },
        ("tok1.dkim.amazonses.com", "TXT"): {"status": "found", "values": ["v=DKIM1; p=AAAA"]},
        ("gone._domainkey.example.org", "TXT"): {"status": "missing", "values": []},
        ("gone._domainkey.example.org", "CNAME"): {"status": "missing", "values": []},
        ("slow._domainkey.example.org", "TXT"): {"status": "timeout", "values": []},
    }
    lookup = auth.key_lookup(lambda name, rtype: answers[(name, rtype)])
    assert lookup("tok1._domainkey.example.org") == "v=DKIM1; p=AAAA"
    assert lookup("gone._domainkey.example.org") is None
    with pytest.raises(TimeoutError):
        lookup("slow._domainkey.example.org")
