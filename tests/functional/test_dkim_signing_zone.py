"""DKIM records as SES says, in every region (issue 21 item 11): the CNAME targets come from
``GetEmailIdentity``'s ``DkimAttributes.SigningHostedZone`` (``TOKEN.<zone>``), which in
af-south-1 is ``dkim.af-south-1.amazonses.com``, not ``dkim.amazonses.com``. One identity there
through every place that shows, checks or publishes the records: the state's DNS records
output and zone file, publishing to a real BIND, ``aws_ses.dns_records``,
``ses_dns.check_dns`` and ``ses_dns.check_dmarc``. moto omits the field:
tests/support/moto_ses_patches.py fills it (gap 10) from AWS's documented zones."""

import boto3
import pytest

from tests.support import moto_ses_patches
from tests.support.bind_server import BindServer

REGION = "af-south-1"
ZONE = "dkim.af-south-1.amazonses.com"
DOMAIN = "noreply.example.org"
MAIL_FROM = f"bounce.{DOMAIN}"
TOKENS = moto_ses_patches.dkim_tokens(DOMAIN)


@pytest.fixture(autouse=True)
def _moto_as_documented():
    moto_ses_patches.apply()


@pytest.fixture
def bind(tmp_path):
    with BindServer(tmp_path, "example.org") as server:
        yield server


def test_ses_names_the_regional_zone(states):
    states.ses_identity.present(DOMAIN, region=REGION)
    answer = boto3.client("sesv2", region_name=REGION).get_email_identity(EmailIdentity=DOMAIN)
    assert answer["DkimAttributes"]["SigningHostedZone"] == ZONE
    other = "other.example.org"
    states.ses_identity.present(other, region="eu-west-2")
    answer = boto3.client("sesv2", region_name="eu-west-2").get_email_identity(EmailIdentity=other)
    assert answer["DkimAttributes"]["SigningHostedZone"] == "dkim.amazonses.com"


def test_every_output_points_into_the_zone_ses_names(states, modules, bind):
    args = {
        "region": REGION,
        "mail_from_domain": MAIL_FROM,
        "dns": bind.settings(),
        "check_dns": True,
        "resolvers": [bind.resolver],
    }
    # The state's DNS records output (without dns: the records to publish by hand), in its
    # changes and its zone-file comment.
    ret = states.ses_identity.present(DOMAIN, region=REGION, mail_from_domain=MAIL_FROM)
    assert ret.result is True, ret.comment
    new = ret.changes["dns_records"]["new"]
    cnames = sorted(r["value"] for r in new if r["type"] == "CNAME")
    assert cnames == sorted(f"{t}.{ZONE}" for t in TOKENS)
    assert f"{TOKENS[0]}._domainkey.{DOMAIN}. 1800 IN CNAME {TOKENS[0]}.{ZONE}." in ret.comment
    assert ".dkim.amazonses.com" not in ret.comment
    published = states.ses_identity.present(DOMAIN, **args)
    assert published.result is True, published.comment
    # Published to the DNS host as SES says.
    for token in TOKENS:
        assert bind.dig(f"{token}._domainkey.{DOMAIN}", "CNAME") == [f"{token}.{ZONE}."]
    assert states.ses_identity.present(DOMAIN, **args).changes == {}
    # The execution functions agree.
    listed = modules.aws_ses.dns_records(DOMAIN, region=REGION)
    assert f"CNAME {TOKENS[1]}.{ZONE}." in listed["zone_file"]
    report = modules.ses_dns.check_dns(DOMAIN, resolvers=[bind.resolver], region=REGION)
    assert report["ok"] is True, report["lines"]
    dmarc = modules.ses_dns.check_dmarc(DOMAIN, resolvers=[bind.resolver], region=REGION)
    assert dmarc["dkim"]["aligned"] is True, dmarc["lines"]


def test_a_cname_into_the_global_zone_is_wrong_where_ses_names_another(states, modules, bind):
    assert states.ses_identity.present(DOMAIN, region=REGION).result is True
    bind.tamper(f"{TOKENS[0]}._domainkey.{DOMAIN}", "CNAME", f"{TOKENS[0]}.dkim.amazonses.com.")
    report = modules.ses_dns.check_dns(DOMAIN, resolvers=[bind.resolver], region=REGION)
    assert report["ok"] is False
    (entry,) = [e for e in report["records"] if e["name"] == f"{TOKENS[0]}._domainkey.{DOMAIN}"]
    assert entry["status"] == "different"
    assert f"points into dkim.amazonses.com, not the zone SES names ({ZONE})" in "\n".join(
        report["lines"]
    )
