"""dns_record through Salt's loader against each provider: a real BIND (rfc2136), moto's
Route 53 in-process, and the Cloudflare stand-in."""

import boto3
import pytest

from tests.support.bind_server import BindServer
from tests.support.calls import recorded_calls, writes
from tests.support.cloudflare_standin import CloudflareStandIn

TOKEN = "cf-token-0123456789abcdef"
SITE = "google-site-verification=abc123"
SPF = "v=spf1 include:amazonses.com ~all"
LONG = "v=DKIM1; k=rsa; p=" + "A" * 400


@pytest.fixture
def bind(tmp_path):
    with BindServer(tmp_path, "example.org", "www IN A 192.0.2.1\n") as server:
        yield server


@pytest.fixture
def route53_zone(aws):
    zone = boto3.client("route53").create_hosted_zone(Name="example.org", CallerReference="t")
    return zone["HostedZone"]["Id"].rsplit("/", 1)[-1]


def rrset(zone_id, name, rtype):
    resp = boto3.client("route53").list_resource_record_sets(
        HostedZoneId=zone_id, StartRecordName=name, StartRecordType=rtype, MaxItems="1"
    )
    found = resp["ResourceRecordSets"]
    if found and found[0]["Name"] == name + "." and found[0]["Type"] == rtype:
        return found[0]
    return None


# --- rfc2136 against BIND ------------------------------------------------------------------


def test_rfc2136_publishes_converges_and_corrects_tampering(states, bind):
    dns = bind.settings()
    args = {"name": "_dmarc.example.org", "type": "TXT", "values": ["v=DMARC1; p=none;"]}

    planned = states.dns_record.present(**args, dns=dns, test=True)
    assert planned.result is None
    assert planned.changes == {
        "_dmarc.example.org TXT": {
            "old": None,
            "new": {"ttl": 1800, "values": ["v=DMARC1; p=none;"]},
        }
    }
    assert bind.dig("_dmarc.example.org", "TXT") == []

    first = states.dns_record.present(**args, dns=dns)
    assert first.result is True, first.comment
    assert first.changes == planned.changes
    assert bind.dig("_dmarc.example.org", "TXT") == ['"v=DMARC1; p=none;"']

    second = states.dns_record.present(**args, dns=dns)
    assert second.result is True and second.changes == {}, second.comment

    bind.tamper("_dmarc.example.org", "TXT")  # deleted at the DNS host
    third = states.dns_record.present(**args, dns=dns)
    assert third.changes["_dmarc.example.org TXT"]["old"] is None
    assert bind.dig("_dmarc.example.org", "TXT") == ['"v=DMARC1; p=none;"']


def test_rfc2136_long_txt_is_split_and_compared_joined(states, bind):
    dns = bind.settings()
    first = states.dns_record.present(
        name="k._domainkey.example.org", type="TXT", values=[LONG], dns=dns
    )
    assert first.result is True, first.comment
    answer = bind.query("k._domainkey.example.org", "TXT").answer[0]
    strings = next(iter(answer)).strings
    assert [len(s) for s in strings] == [255, len(LONG) - 255]
    assert b"".join(strings).decode() == LONG
    again = states.dns_record.present(
        name="k._domainkey.example.org", type="TXT", values=[LONG], dns=dns
    )
    assert again.changes == {}, again.changes


def test_rfc2136_absent_removes_only_the_given_value(states, bind):
    dns = bind.settings()
    bind.tamper("example.org", "TXT", f'"{SITE}"', '"v=spf1 -all"')
    gone = states.dns_record.absent(name="example.org", type="TXT", values=["v=spf1 -all"], dns=dns)
    assert gone.result is True, gone.comment
    assert bind.dig("example.org", "TXT") == [f'"{SITE}"']
    assert (
        states.dns_record.absent(
            name="example.org", type="TXT", values=["v=spf1 -all"], dns=dns
        ).changes
        == {}
    )


def test_rfc2136_wrong_tsig_key_fails_without_showing_it(states, bind):
    dns = {**bind.settings(), "tsig_secret": "d3Jvbmcgc2VjcmV0IGtleSBmb3IgdGVzdHM="}
    ret = states.dns_record.present(name="www.example.org", type="A", values=["192.0.2.9"], dns=dns)
    assert ret.result is False
    assert "d3Jvbmcgc2VjcmV0" not in ret.comment and bind.tsig_secret not in ret.comment
    assert bind.dig("www.example.org", "A") == ["192.0.2.1"]


# --- route53 (moto in-process) --------------------------------------------------------------


def test_route53_merges_into_the_existing_record_set(states, route53_zone):
    boto3.client("route53").change_resource_record_sets(
        HostedZoneId=route53_zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "example.org.",
                        "Type": "TXT",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": f'"{SITE}"'}],
                    },
                }
            ]
        },
    )
    dns = {"provider": "route53", "zone": "example.org"}
    args = {"name": "example.org", "type": "TXT", "values": [SPF]}
    with recorded_calls() as calls:
        planned = states.dns_record.present(**args, dns=dns, test=True)
    assert writes(calls) == []
    assert planned.changes["example.org TXT"] == {
        "old": {"ttl": 300, "values": [SITE]},
        "new": {"ttl": 300, "values": [SITE, SPF]},
    }
    assert states.dns_record.present(**args, dns=dns).result is True
    values = {r["Value"] for r in rrset(route53_zone, "example.org", "TXT")["ResourceRecords"]}
    assert values == {f'"{SITE}"', f'"{SPF}"'}
    with recorded_calls() as calls:
        again = states.dns_record.present(**args, dns=dns)
    assert again.changes == {} and writes(calls) == []


def test_route53_spf_conflict_is_reported_not_overwritten(states, route53_zone):
    dns = {"provider": "route53", "zone_id": route53_zone}
    states.dns_record.present(
        name="mail.example.org", type="TXT", values=["v=spf1 mx -all"], dns=dns
    )
    with recorded_calls() as calls:
        ret = states.dns_record.present(name="mail.example.org", type="TXT", values=[SPF], dns=dns)
    assert ret.result is False
    assert "another SPF value" in ret.comment and "v=spf1 mx -all" in ret.comment
    assert writes(calls) == []
    replaced = states.dns_record.present(
        name="mail.example.org", type="TXT", values=[SPF], replace=True, dns=dns
    )
    assert replaced.result is True
    assert rrset(route53_zone, "mail.example.org", "TXT")["ResourceRecords"] == [
        {"Value": f'"{SPF}"'}
    ]


def test_route53_mx_and_absent_of_whole_set(states, route53_zone):
    dns = {"provider": "route53", "zone": "example.org"}
    ret = states.dns_record.present(
        name="bounce.example.org",
        type="MX",
        values=["10 feedback-smtp.us-east-1.amazonses.com."],
        ttl=600,
        dns=dns,
    )
    assert ret.result is True, ret.comment
    found = rrset(route53_zone, "bounce.example.org", "MX")
    assert found["TTL"] == 600
    assert found["ResourceRecords"] == [{"Value": "10 feedback-smtp.us-east-1.amazonses.com."}]
    gone = states.dns_record.absent(name="bounce.example.org", type="MX", dns=dns)
    assert gone.result is True, gone.comment
    assert rrset(route53_zone, "bounce.example.org", "MX") is None


def test_bad_input_names_the_argument_before_any_call(states, route53_zone):
    dns = {"provider": "route53", "zone": "example.org"}
    with recorded_calls() as calls:
        cases = {
            "type": states.dns_record.present(
                name="a.example.org", type="SRV", values=["x"], dns=dns
            ),
            "values": states.dns_record.present(
                name="a.example.org", type="A", values=["nope"], dns=dns
            ),
            "name": states.dns_record.present(
                name="a.example.com", type="A", values=["192.0.2.1"], dns=dns
            ),
            "dns:provider": states.dns_record.present(
                name="a.example.org",
                type="A",
                values=["192.0.2.1"],
                dns={"provider": "godaddy", "zone": "example.org"},
            ),
            "ttl": states.dns_record.present(
                name="a.example.org", type="A", values=["192.0.2.1"], ttl="soon", dns=dns
            ),
        }
    assert calls == []
    for arg, ret in cases.items():
        assert ret.result is False and ret.comment.startswith(arg + ":"), (arg, ret.comment)


# --- cloudflare (stand-in) ------------------------------------------------------------------


def cloudflare_settings(standin, token=TOKEN):
    return {
        "provider": "cloudflare",
        "zone": "example.org",
        "api_token": token,
        "base_url": standin.url,
    }


@pytest.fixture
def cloudflare():
    with CloudflareStandIn(TOKEN) as standin:
        yield standin


def test_cloudflare_publishes_pages_through_and_converges(states, cloudflare):
    for n in range(3):  # more records than one page holds
        cloudflare.add("example.org", "example.org", "TXT", f'"verification-{n}"')
    dns = cloudflare_settings(cloudflare)
    ret = states.dns_record.present(name="example.org", type="TXT", values=[SPF, LONG], dns=dns)
    assert ret.result is True, ret.comment
    contents = [r["content"] for r in cloudflare.find("example.org", "TXT")]
    assert f'"{SPF}"' in contents and len(contents) == 5
    long_record = next(r for r in cloudflare.find("example.org", "TXT") if "DKIM1" in r["content"])
    assert long_record["content"] == f'"{LONG[:255]}" "{LONG[255:]}"'
    assert long_record["ttl"] == 1 and long_record["proxied"] is False
    before = len(cloudflare.requests)
    again = states.dns_record.present(name="example.org", type="TXT", values=[SPF, LONG], dns=dns)
    assert again.changes == {}
    # The converged run only reads: the zone's ID, then the record set (5 records, 2 per page
    # of the stand-in). The first run looked the zone up once for its read and its writes.
    converged = [(r[0], r[1].rsplit("/", 1)[-1]) for r in cloudflare.requests[before:]]
    assert converged == [("GET", "zones")] + [("GET", "dns_records")] * 3
    assert [r[1] for r in cloudflare.requests[:before]].count("/client/v4/zones") == 1
    assert TOKEN not in str(ret) and TOKEN not in str(again)


def test_cloudflare_error_envelope_becomes_the_comment(states, cloudflare):
    dns = cloudflare_settings(cloudflare, token="wrong")
    ret = states.dns_record.present(name="www.example.org", type="A", values=["192.0.2.1"], dns=dns)
    assert ret.result is False
    assert "10000: Authentication error" in ret.comment


def test_cloudflare_rate_limit_is_retried(states, cloudflare):
    dns = cloudflare_settings(cloudflare)
    cloudflare.inject(429, 2)
    ret = states.dns_record.present(
        name="www.example.org", type="CNAME", values=["example.org"], dns=dns
    )
    assert ret.result is True, ret.comment
    assert [r["content"] for r in cloudflare.find("www.example.org", "CNAME")] == ["example.org"]


def test_cloudflare_create_whose_answer_was_lost_is_not_repeated(states, cloudflare):
    dns = cloudflare_settings(cloudflare)
    cloudflare.inject(502, after=True, method="POST")  # created, then the answer is lost
    ret = states.dns_record.present(name="example.org", type="TXT", values=[SITE], dns=dns)
    assert ret.result is True, ret.comment
    assert [r["content"] for r in cloudflare.find("example.org", "TXT")] == [f'"{SITE}"']
    assert [r[0] for r in cloudflare.writes()] == ["POST"]


def test_route53_waits_for_insync_when_asked(states, route53_zone):
    dns = {"provider": "route53", "zone": "example.org", "wait": 30}
    with recorded_calls() as calls:
        ret = states.dns_record.present(
            name="www.example.org", type="A", values=["192.0.2.7"], dns=dns
        )
    assert ret.result is True, ret.comment
    assert ("route53", "GetChange") in calls
