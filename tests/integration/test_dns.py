"""DNS publishing and checks through real ``salt-call --local`` processes: a real BIND on
127.0.0.1 (rfc2136 target and the resolver the checks ask, read back with ``dig``), moto's
Route 53 server (read back with the AWS CLI) and the Cloudflare API stand-in. The TSIG
secret and the Cloudflare token come from pillar and must never reach the output or the log
(salt-call logs at level ``all`` here)."""

import json

import pytest

from tests.support.bind_server import BindServer
from tests.support.cloudflare_standin import CloudflareStandIn
from tests.support.moto_ses_patches import dkim_tokens

TOKEN = "cf-integration-token-7f3a9c"
SITE = "google-site-verification=abc123"
SPF = "v=spf1 include:amazonses.com ~all"
DOMAIN = "example.org"


@pytest.fixture
def bind(tmp_path):
    directory = tmp_path / "bind"
    directory.mkdir()
    with BindServer(directory, DOMAIN) as server:
        yield server


def apply_sls(salt_call, sls, *extra):
    roots = salt_call.root / "states"
    roots.mkdir(exist_ok=True)
    (roots / "dns_test.sls").write_text(sls)
    proc = salt_call.run("--file-root", str(roots), "state.apply", "dns_test", *extra)
    results = json.loads(proc.stdout)["local"]
    return proc, sorted(results.values(), key=lambda ret: ret["__run_num__"])


def assert_secret_hidden(salt_call, proc, secret):
    assert secret not in proc.stdout and secret not in proc.stderr
    assert salt_call.log_file.read_text().count("[TRACE") > 0  # the log really is at level all
    assert secret not in salt_call.log_file.read_text()


def record_sls(state_id, name, rtype, values, dns, **extra):
    """One ``dns_record.present`` in SLS form (JSON values are YAML too)."""
    args = {"name": name, "type": rtype, "values": values, **extra, "dns": dns}
    lines = "".join(f"    - {key}: {json.dumps(value)}\n" for key, value in args.items())
    return f"{state_id}:\n  dns_record.present:\n{lines}"


def rfc2136_sls(bind, values, replace=False):
    dns = {
        "provider": "rfc2136",
        "zone": DOMAIN,
        "server": "127.0.0.1",
        "port": bind.port,
        "tsig_key_name": bind.tsig_key_name,
        "tsig_secret_pillar": "dns:tsig_secret",
    }
    return record_sls("dmarc", f"_dmarc.{DOMAIN}", "TXT", values, dns, replace=replace)


def test_rfc2136_publish_converge_tamper_correct(salt_call, bind):
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - dns\n")
    # "#!yaml": no Jinja pass, which Salt would log whole at level all (see docs/dns.rst).
    salt_call.write_pillar("dns.sls", f"#!yaml\ndns:\n  tsig_secret: {bind.tsig_secret}\n")
    sls = rfc2136_sls(bind, ["v=DMARC1; p=none;"])

    proc, [planned] = apply_sls(salt_call, sls, "test=True")
    assert planned["result"] is None, planned
    assert bind.dig("_dmarc.example.org", "TXT") == []

    proc, [first] = apply_sls(salt_call, sls)
    assert first["result"] is True, first["comment"]
    assert bind.dig("_dmarc.example.org", "TXT") == ['"v=DMARC1; p=none;"']
    serial = bind.dig(DOMAIN, "SOA")

    proc, [second] = apply_sls(salt_call, sls)
    assert second["changes"] == {}
    assert bind.dig(DOMAIN, "SOA") == serial  # no update reached the server

    bind.tamper("_dmarc.example.org", "TXT", '"v=DMARC1; p=reject;"')
    proc, [third] = apply_sls(salt_call, sls, "test=True")
    assert third["result"] is False and "another DMARC value" in third["comment"]
    proc, [fourth] = apply_sls(salt_call, rfc2136_sls(bind, ["v=DMARC1; p=none;"], replace=True))
    assert fourth["result"] is True, fourth["comment"]
    assert bind.dig("_dmarc.example.org", "TXT") == ['"v=DMARC1; p=none;"']
    assert_secret_hidden(salt_call, proc, bind.tsig_secret)


def test_route53_keeps_the_txt_already_there(salt_call, aws_cli):
    zone_id = aws_cli("route53", "create-hosted-zone", "--name", DOMAIN, "--caller-reference", "t")[
        "HostedZone"
    ]["Id"].rsplit("/", 1)[-1]
    batch = {
        "Changes": [
            {
                "Action": "CREATE",
                "ResourceRecordSet": {
                    "Name": f"bounce.{DOMAIN}.",
                    "Type": "TXT",
                    "TTL": 300,
                    "ResourceRecords": [{"Value": f'"{SITE}"'}],
                },
            }
        ]
    }
    aws_cli(
        "route53",
        "change-resource-record-sets",
        "--hosted-zone-id",
        zone_id,
        "--change-batch",
        json.dumps(batch),
    )
    route53 = {"provider": "route53", "zone": DOMAIN}
    sls = record_sls("spf", f"bounce.{DOMAIN}", "TXT", [SPF], route53) + record_sls(
        "mx", f"bounce.{DOMAIN}", "MX", ["10 feedback-smtp.us-east-1.amazonses.com"], route53
    )
    _proc, results = apply_sls(salt_call, sls)
    assert all(r["result"] is True for r in results), results
    sets = aws_cli("route53", "list-resource-record-sets", "--hosted-zone-id", zone_id)
    found = {(s["Name"], s["Type"]): s for s in sets["ResourceRecordSets"]}
    txt = found[(f"bounce.{DOMAIN}.", "TXT")]
    assert sorted(r["Value"] for r in txt["ResourceRecords"]) == sorted([f'"{SITE}"', f'"{SPF}"'])
    assert txt["TTL"] == 300
    mx = found[(f"bounce.{DOMAIN}.", "MX")]
    assert mx["ResourceRecords"] == [{"Value": "10 feedback-smtp.us-east-1.amazonses.com."}]
    _, results = apply_sls(salt_call, sls)
    assert [r["changes"] for r in results] == [{}, {}]


def test_cloudflare_token_from_pillar_never_shown(salt_call):
    with CloudflareStandIn(TOKEN) as cloudflare:
        cloudflare.add(DOMAIN, f"bounce.{DOMAIN}", "TXT", f'"{SITE}"')
        salt_call.write_pillar("top.sls", "base:\n  '*':\n    - cloudflare\n")
        salt_call.write_pillar("cloudflare.sls", f"#!yaml\ncloudflare:\n  api_token: {TOKEN}\n")
        dns = {
            "provider": "cloudflare",
            "zone": DOMAIN,
            "api_token_pillar": "cloudflare:api_token",
            "base_url": cloudflare.url,
        }
        sls = record_sls("spf", f"bounce.{DOMAIN}", "TXT", [SPF], dns)
        proc, [first] = apply_sls(salt_call, sls)
        assert first["result"] is True, first["comment"]
        contents = sorted(r["content"] for r in cloudflare.find(f"bounce.{DOMAIN}", "TXT"))
        assert contents == sorted([f'"{SITE}"', f'"{SPF}"'])
        writes = len(cloudflare.writes())
        proc, [second] = apply_sls(salt_call, sls)
        assert second["changes"] == {} and len(cloudflare.writes()) == writes
        assert_secret_hidden(salt_call, proc, TOKEN)


def test_a_mapping_where_the_token_belongs_is_refused_before_any_call(salt_call, aws_cli):
    # Issue 21 item 6: the audit's case. A whole `cloudflare:` block (the token and a sibling
    # secret) under the key api_token_pillar names: before, it was sent as the bearer token.
    sibling = "sibling-secret-4d1e"
    with CloudflareStandIn(TOKEN) as cloudflare:
        salt_call.write_pillar("top.sls", "base:\n  '*':\n    - cloudflare\n")
        salt_call.write_pillar(
            "cloudflare.sls",
            f"#!yaml\ncloudflare:\n  api_token:\n    token: {TOKEN}\n    other: {sibling}\n",
        )
        dns = {
            "provider": "cloudflare",
            "zone": DOMAIN,
            "api_token_pillar": "cloudflare:api_token",
            "base_url": cloudflare.url,
        }
        sls = record_sls("spf", f"bounce.{DOMAIN}", "TXT", [SPF], dns) + (
            f"identity:\n  ses_identity.present:\n    - name: noreply.{DOMAIN}\n"
            f"    - dns: {json.dumps(dns)}\n"
        )
        proc, results = apply_sls(salt_call, sls)
        for ret in results:
            assert ret["result"] is False
            assert ret["comment"].startswith("dns:api_token_pillar: the pillar value at "), ret
            assert "not a mapping" in ret["comment"]
        assert cloudflare.requests == []
        assert aws_cli("ses", "list-identities")["Identities"] == []
        assert_secret_hidden(salt_call, proc, sibling)
        assert_secret_hidden(salt_call, proc, TOKEN)


def test_check_dns_against_bind(salt_call, aws_cli, bind):
    aws_cli(
        "sesv2",
        "create-email-identity",
        "--email-identity",
        DOMAIN,
        "--dkim-signing-attributes",
        "NextSigningKeyLength=RSA_2048_BIT",
    )
    tokens = dkim_tokens(DOMAIN)
    for token in tokens[:2]:
        bind.tamper(f"{token}._domainkey.{DOMAIN}", "CNAME", f"{token}.dkim.amazonses.com.")
    bind.tamper(f"_dmarc.{DOMAIN}", "TXT", '"v=DMARC1; p=none;"')
    proc = salt_call.run("aws_ses.check_dns", DOMAIN, f'resolvers=["{bind.resolver}"]')
    report = json.loads(proc.stdout)["local"]
    statuses = {(e["name"], e["type"]): e["status"] for e in report["records"]}
    assert statuses[(f"{tokens[2]}._domainkey.{DOMAIN}", "CNAME")] == "missing"
    assert statuses[(f"{tokens[0]}._domainkey.{DOMAIN}", "CNAME")] == "ok"
    assert statuses[(f"_dmarc.{DOMAIN}", "TXT")] == "ok"
    assert report["ok"] is False
    proc = salt_call.run("aws_ses.check_dmarc", DOMAIN, f'resolvers=["{bind.resolver}"]')
    dmarc = json.loads(proc.stdout)["local"]
    assert dmarc["verdict"] == "fail"  # one DKIM CNAME missing, no custom MAIL FROM


def ses_pillar(bind, absent=False):
    identity = {
        "mail_from_domain": f"bounce.{DOMAIN}",
        "dns": {
            "provider": "rfc2136",
            "zone": DOMAIN,
            "server": "127.0.0.1",
            "port": bind.port,
            "tsig_key_name": bind.tsig_key_name,
            "tsig_secret_pillar": "dns:tsig_secret",
        },
    }
    if absent:
        identity["absent"] = True
    else:
        identity.update(check_dns=True, resolvers=[bind.resolver])
    pillar = {
        "aws_runbook": {
            "connection": {"region": "us-east-1"},
            "ses": {"identities": {DOMAIN: identity}},
        }
    }
    return json.dumps(pillar)


def test_ses_sls_publishes_checks_and_removes_the_records(salt_call, bind):
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - ses\n    - dns\n")
    salt_call.write_pillar("dns.sls", f"#!yaml\ndns:\n  tsig_secret: {bind.tsig_secret}\n")
    salt_call.write_pillar("ses.sls", ses_pillar(bind))
    state_id = f"aws-ses_identity-{DOMAIN}"
    tokens = dkim_tokens(DOMAIN)

    proc, results = salt_call.state_apply("aws_runbook.ses")
    first = {ret["__id__"]: ret for ret in results.values()}[state_id]
    assert first["result"] is True, first["comment"]
    assert len(first["changes"]["dns_records"]) == 6
    assert first["comment"].count("\nOK ") == 6, first["comment"]
    assert bind.dig(f"{tokens[0]}._domainkey.{DOMAIN}", "CNAME") == [
        f"{tokens[0]}.dkim.amazonses.com."
    ]
    assert bind.dig(f"bounce.{DOMAIN}", "MX") == ["10 feedback-smtp.us-east-1.amazonses.com."]

    proc, results = salt_call.state_apply("aws_runbook.ses")
    assert [ret["changes"] for ret in results.values()] == [{}]

    salt_call.write_pillar("ses.sls", ses_pillar(bind, absent=True))
    proc, results = salt_call.state_apply("aws_runbook.ses")
    gone = {ret["__id__"]: ret for ret in results.values()}[state_id]
    assert gone["result"] is True, gone["comment"]
    assert len(gone["changes"]["dns_records"]) == 6
    assert bind.dig(f"{tokens[0]}._domainkey.{DOMAIN}", "CNAME") == []
    assert bind.dig(f"_dmarc.{DOMAIN}", "TXT") == []
    assert_secret_hidden(salt_call, proc, bind.tsig_secret)
