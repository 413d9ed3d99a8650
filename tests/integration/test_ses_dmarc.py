"""check_dns, check_dmarc and the suppression list through real ``salt-call --local``
processes: the identity made by ``ses_identity.present`` (records published into a real BIND
through rfc2136) on the local moto server, whose SES v2 suppression list is filled as the
API reference documents (tests/support/moto_sesv2_suppression.py)."""

import json

import pytest

from tests.integration.test_dns import ses_pillar
from tests.support.bind_server import BindServer
from tests.support.dns_zones import AMAZONSES_ZONE
from tests.support.moto_ses_patches import dkim_tokens

DOMAIN = "example.org"
MAIL_FROM = f"bounce.{DOMAIN}"


@pytest.fixture
def bind(tmp_path):
    directory = tmp_path / "bind"
    directory.mkdir()
    # amazonses.com for SPF's include; the root so other names are NXDOMAIN as on the internet
    zones = {"amazonses.com": AMAZONSES_ZONE, ".": ""}
    with BindServer(directory, DOMAIN, extra_zones=zones) as server:
        yield server


def local(salt_call, *args):
    return json.loads(salt_call.run(*args).stdout)["local"]


def test_identity_published_by_the_state_passes_and_a_second_spf_is_caught(salt_call, bind):
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - ses\n    - dns\n")
    salt_call.write_pillar("dns.sls", f"#!yaml\ndns:\n  tsig_secret: {bind.tsig_secret}\n")
    salt_call.write_pillar("ses.sls", ses_pillar(bind))
    proc, results = salt_call.state_apply("aws_runbook.ses")
    assert all(ret["result"] is True for ret in results.values()), proc.stdout
    resolvers = f'resolvers=["{bind.resolver}"]'

    # RFC 7489 4.2: DKIM d=example.org and SPF at bounce.example.org both pass and align.
    dmarc = local(salt_call, "aws_ses.check_dmarc", DOMAIN, resolvers)
    assert (dmarc["verdict"], dmarc["via"]) == ("pass", ["dkim", "spf"]), dmarc["lines"]
    report = local(salt_call, "aws_ses.check_dns", DOMAIN, resolvers)
    assert report["ok"] is True, report["lines"]
    assert all(entry["note"] is None for entry in report["records"]), report["lines"]

    # RFC 7208 4.5: a second SPF record is a permerror; SPF no longer counts (RFC 7489 4.2).
    bind.tamper(MAIL_FROM, "TXT", '"v=spf1 include:amazonses.com ~all"', '"v=spf1 -all"')
    dmarc = local(salt_call, "aws_ses.check_dmarc", DOMAIN, resolvers)
    assert (dmarc["verdict"], dmarc["via"]) == ("pass", ["dkim"]), dmarc["lines"]
    assert dmarc["spf"]["result"] == "permerror"
    report = local(salt_call, "aws_ses.check_dns", DOMAIN, resolvers)
    spf = next(e for e in report["records"] if (e["name"], e["type"]) == (MAIL_FROM, "TXT"))
    assert spf["status"] == "several"
    token = dkim_tokens(DOMAIN)[0]
    assert any(line.startswith(f"OK        {token}._domainkey") for line in report["lines"])


def test_suppression_list_explained_and_cleared(salt_call, aws_cli):
    aws_cli(
        "sesv2",
        "put-suppressed-destination",
        "--email-address",
        "jane@example.net",
        "--reason",
        "BOUNCE",
    )
    listed = local(salt_call, "aws_ses.suppressed", "reason=BOUNCE")
    assert [e["address"] for e in listed["suppressed"]] == ["jane@example.net"]
    explained = local(salt_call, "aws_ses.explain_address", "jane@example.net")
    assert explained["suppressed"]["reason"] == "BOUNCE"
    assert explained["suppressed"]["since"] == listed["suppressed"][0]["since"]
    assert "(BOUNCE)" in explained["lines"][0] and explained["sandbox"] is True
    dry = local(salt_call, "aws_ses.unsuppress", "jane@example.net", "test=True")
    assert dry["removed"] is False
    assert local(salt_call, "aws_ses.suppressed")["suppressed"] != []
    done = local(salt_call, "aws_ses.unsuppress", "jane@example.net")
    assert done["removed"] is True
    assert local(salt_call, "aws_ses.suppressed")["suppressed"] == []
