"""ses_dns.check_dns and ses_dns.check_dmarc: SES from moto in-process (patched as documented,
see tests/support/moto_ses_patches.py), DNS from a real BIND on 127.0.0.1."""

import socket

import pytest

from tests.support import moto_ses_patches
from tests.support.bind_server import BindServer
from tests.support.dns_zones import AMAZONSES_ZONE

DOMAIN = "example.org"
MAIL_FROM = f"bounce.{DOMAIN}"
REGION = "us-east-1"


def zone_records(domain, tokens, mail_from, dmarc='"v=DMARC1; p=none;"'):
    lines = [f"{t}._domainkey.{domain}. IN CNAME {t}.dkim.amazonses.com." for t in tokens]
    if mail_from:
        lines += [
            f"{mail_from}. IN MX 10 feedback-smtp.{REGION}.amazonses.com.",
            f'{mail_from}. IN TXT "v=spf1 include:amazonses.com ~all"',
        ]
    if dmarc:
        lines.append(f"_dmarc.{domain}. IN TXT {dmarc}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def identity(modules):
    moto_ses_patches.apply()

    def make(domain=DOMAIN, mail_from=MAIL_FROM, behavior="USE_DEFAULT_VALUE"):
        modules.aws_ses.create_identity(domain, key_length="RSA_2048_BIT", region=REGION)
        if mail_from:
            modules.aws_ses.put_mail_from(domain, mail_from, behavior, region=REGION)
        return moto_ses_patches.dkim_tokens(domain)

    return make


@pytest.fixture
def bind_for(tmp_path):
    servers = []

    def start(zone, text):
        # amazonses.com for SPF's include, the root so other names are NXDOMAIN as on the net
        extra = {"amazonses.com": AMAZONSES_ZONE, ".": ""}
        server = BindServer(tmp_path / zone, zone, text, extra_zones=extra)
        server.directory.mkdir()
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.stop()


def statuses(report):
    return {(e["name"], e["type"]): e["status"] for e in report["records"]}


def test_everything_published_passes(modules, identity, bind_for):
    tokens = identity()
    bind = bind_for(DOMAIN, zone_records(DOMAIN, tokens, MAIL_FROM))
    report = modules.ses_dns.check_dns(DOMAIN, resolvers=[bind.resolver], region=REGION)
    assert report["ok"] is True, report["lines"]
    assert len(report["records"]) == 6 and report["obsolete"] == []
    assert report["lines"][0].startswith(f"OK        {tokens[0]}._domainkey.{DOMAIN} CNAME")
    dmarc = modules.ses_dns.check_dmarc(DOMAIN, resolvers=[bind.resolver], region=REGION)
    assert dmarc["verdict"] == "pass", dmarc["lines"]
    assert dmarc["via"] == ["dkim", "spf"]
    assert dmarc["lines"][0] == "verdict: pass via DKIM and SPF"
    assert all(entry["note"] is None for entry in report["records"]), report["lines"]


def test_missing_mx_unaligns_spf_and_is_reported(modules, identity, bind_for):
    tokens = identity()
    bind = bind_for(DOMAIN, zone_records(DOMAIN, tokens, MAIL_FROM))
    bind.tamper(MAIL_FROM, "MX")
    bind.tamper(f"{tokens[1]}._domainkey.{DOMAIN}", "CNAME", "oldtoken.dkim.amazonses.com.")
    bind.tamper(f"_amazonses.{DOMAIN}", "TXT", '"legacy-token="')
    report = modules.ses_dns.check_dns(DOMAIN, resolvers=[bind.resolver], region=REGION)
    assert report["ok"] is False
    found = statuses(report)
    assert found[(MAIL_FROM, "MX")] == "missing"
    assert found[(f"{tokens[1]}._domainkey.{DOMAIN}", "CNAME")] == "different"
    different = next(e for e in report["records"] if e["status"] == "different")
    assert different["found"] == ["oldtoken.dkim.amazonses.com"]
    assert "another DKIM token" in different["note"]
    assert report["obsolete"][0]["name"] == f"_amazonses.{DOMAIN}"
    assert any(line.startswith("OBSOLETE") for line in report["lines"])

    bind.tamper(f"{tokens[1]}._domainkey.{DOMAIN}", "CNAME", f"{tokens[1]}.dkim.amazonses.com.")
    dmarc = modules.ses_dns.check_dmarc(DOMAIN, resolvers=[bind.resolver], region=REGION)
    assert dmarc["verdict"] == "pass" and dmarc["via"] == ["dkim"], dmarc["lines"]
    assert any("USE_DEFAULT_VALUE" in reason for reason in dmarc["reasons"])


def test_a_timeout_is_reported_as_timeout_never_missing(modules, identity):
    identity()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # takes queries, never answers
        where = f"127.0.0.1:{silent.getsockname()[1]}"
        report = modules.ses_dns.check_dns(DOMAIN, resolvers=[where], timeout=1, region=REGION)
    assert {e["status"] for e in report["records"]} == {"temperror"}
    assert all("timed out" in line for line in report["lines"])


def test_two_dmarc_records_are_a_permerror(modules, identity, bind_for):
    tokens = identity()
    two = '"v=DMARC1; p=none;"\n_dmarc.example.org. IN TXT "v=DMARC1; p=reject;"'
    bind = bind_for(DOMAIN, zone_records(DOMAIN, tokens, MAIL_FROM, dmarc=two))
    dmarc = modules.ses_dns.check_dmarc(DOMAIN, resolvers=[bind.resolver], region=REGION)
    assert dmarc["verdict"] == "permerror"
    assert dmarc["dmarc"]["status"] == "several"
    report = modules.ses_dns.check_dns(DOMAIN, resolvers=[bind.resolver], region=REGION)
    assert statuses(report)[(f"_dmarc.{DOMAIN}", "TXT")] == "several"


def test_domain_under_a_multi_label_public_suffix(modules, identity, bind_for):
    domain = "example.co.uk"
    tokens = identity(domain, f"mail.{domain}")
    bind = bind_for(domain, zone_records(domain, tokens, f"mail.{domain}"))
    dmarc = modules.ses_dns.check_dmarc(domain, resolvers=[bind.resolver], region=REGION)
    assert dmarc["verdict"] == "pass", dmarc["lines"]
    assert "organisational domain example.co.uk" in " ".join(dmarc["spf"]["reasons"])


def test_bad_resolvers_name_the_argument(modules, identity):
    identity()
    with pytest.raises(Exception, match="resolvers"):
        modules.ses_dns.check_dns(DOMAIN, resolvers=["127.0.0.1:notaport"], region=REGION)
