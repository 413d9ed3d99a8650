"""The DNS records an SES identity needs, and their zone-file form."""

from awsrunbook import dns

DOMAIN = "example.org"


TOKENS = ["abc123tokenone", "def456tokentwo", "ghi789tokenthree"]


def test_dns_records_for_known_tokens():
    records = dns.build_dns_records(
        DOMAIN, "eu-west-1", TOKENS, "mail.example.org", "v=DMARC1; p=none;"
    )
    assert records == [
        {
            "name": "abc123tokenone._domainkey.example.org",
            "type": "CNAME",
            "value": "abc123tokenone.dkim.amazonses.com",
        },
        {
            "name": "def456tokentwo._domainkey.example.org",
            "type": "CNAME",
            "value": "def456tokentwo.dkim.amazonses.com",
        },
        {
            "name": "ghi789tokenthree._domainkey.example.org",
            "type": "CNAME",
            "value": "ghi789tokenthree.dkim.amazonses.com",
        },
        {
            "name": "mail.example.org",
            "type": "MX",
            "priority": 10,
            "value": "feedback-smtp.eu-west-1.amazonses.com",
        },
        {"name": "mail.example.org", "type": "TXT", "value": "v=spf1 include:amazonses.com ~all"},
        {"name": "_dmarc.example.org", "type": "TXT", "value": "v=DMARC1; p=none;"},
    ]


def test_zone_file_form():
    records = dns.build_dns_records(
        DOMAIN, "eu-west-1", TOKENS, "mail.example.org", "v=DMARC1; p=none;"
    )
    assert dns.zone_file(records) == (
        "abc123tokenone._domainkey.example.org. 1800 IN CNAME "
        "abc123tokenone.dkim.amazonses.com.\n"
        "def456tokentwo._domainkey.example.org. 1800 IN CNAME "
        "def456tokentwo.dkim.amazonses.com.\n"
        "ghi789tokenthree._domainkey.example.org. 1800 IN CNAME "
        "ghi789tokenthree.dkim.amazonses.com.\n"
        "mail.example.org. 1800 IN MX 10 feedback-smtp.eu-west-1.amazonses.com.\n"
        'mail.example.org. 1800 IN TXT "v=spf1 include:amazonses.com ~all"\n'
        '_dmarc.example.org. 1800 IN TXT "v=DMARC1; p=none;"'
    )
    assert dns.zone_file(records[-1:], ttl=300) == (
        '_dmarc.example.org. 300 IN TXT "v=DMARC1; p=none;"'
    )
    quoted = [{"name": "x.example.org", "type": "TXT", "value": 'say "hi"'}]
    assert dns.zone_file(quoted) == 'x.example.org. 1800 IN TXT "say \\"hi\\""'


def test_address_records():
    assert dns.build_dns_records("ops@example.org", "us-east-1", [], None, None) == []
    with_mail_from = dns.build_dns_records(
        "ops@example.org", "us-east-1", [], "bounce.example.org", "v=DMARC1; p=none;"
    )
    assert [(r["type"], r["name"]) for r in with_mail_from] == [
        ("MX", "bounce.example.org"),
        ("TXT", "bounce.example.org"),
    ]


def test_dkim_targets_point_into_the_zone_ses_names():
    # Issue 21 item 11: GetEmailIdentity's SigningHostedZone, dkim.amazonses.com without it.
    assert dns.dkim_target("tok") == "tok.dkim.amazonses.com"
    assert dns.dkim_target("tok", "dkim.af-south-1.amazonses.com.") == (
        "tok.dkim.af-south-1.amazonses.com"
    )
    records = dns.build_dns_records(
        DOMAIN, "af-south-1", TOKENS, dkim_zone="dkim.af-south-1.amazonses.com"
    )
    assert [r["value"] for r in records] == [f"{t}.dkim.af-south-1.amazonses.com" for t in TOKENS]
    assert f"IN CNAME {TOKENS[0]}.dkim.af-south-1.amazonses.com." in dns.zone_file(records)
