"""awsrunbook.dnsrecords: canonical values, TXT quoting and splitting, provider settings and
the record-set plan. Pure: no DNS."""

import pytest
from awsrunbook import dnsrecords as records
from salt.exceptions import SaltInvocationError

SPF = "v=spf1 include:amazonses.com ~all"
SITE = "google-site-verification=abc123"


@pytest.mark.parametrize(
    ("rtype", "given", "canonical"),
    [
        ("A", " 192.0.2.1 ", "192.0.2.1"),
        ("AAAA", "2001:DB8:0:0::1", "2001:db8::1"),
        ("CNAME", "Abc.DKIM.amazonses.com.", "abc.dkim.amazonses.com"),
        (
            "MX",
            "10 Feedback-SMTP.eu-west-1.amazonses.com.",
            "10 feedback-smtp.eu-west-1.amazonses.com",
        ),
        (
            "MX",
            {"priority": 10, "value": "inbound-smtp.eu-west-1.amazonaws.com"},
            "10 inbound-smtp.eu-west-1.amazonaws.com",
        ),
        ("TXT", SPF, SPF),
    ],
)
def test_canonical_values(rtype, given, canonical):
    assert records.canonical_value(rtype, given) == canonical


@pytest.mark.parametrize(
    ("rtype", "value"),
    [
        ("A", "2001:db8::1"),
        ("AAAA", "192.0.2.1"),
        ("MX", "mail.example.org"),
        ("MX", "70000 x.org"),
        ("CNAME", "bad name.org"),
        ("TXT", ""),
    ],
)
def test_bad_values_name_the_argument(rtype, value):
    with pytest.raises(SaltInvocationError, match=r"^values:"):
        records.canonical_value(rtype, value)


def test_names_are_case_insensitive_without_trailing_dot():
    assert records.canonical_name("_DMARC.Example.ORG.") == "_dmarc.example.org"
    assert records.canonical_name("*.example.org") == "*.example.org"
    with pytest.raises(SaltInvocationError, match=r"^name:"):
        records.canonical_name("a..example.org")


def test_long_txt_is_split_into_255_byte_strings_and_joined_back():
    text = "p=" + "A" * 600
    shown = records.txt_presentation(text)
    assert shown == f'"{text[:255]}" "{text[255:510]}" "{text[510:]}"'
    assert records.txt_text(shown) == text


def test_txt_split_never_cuts_a_character_and_escapes_round_trip():
    text = "é" * 200 + 'say "hi" \\ bye'
    chunks = records.txt_strings(text)
    assert all(len(chunk) <= 255 for chunk in chunks)
    assert b"".join(chunks).decode() == text
    assert records.txt_text(records.txt_presentation(text)) == text


def test_txt_values_compare_joined():
    assert records.from_presentation("TXT", '"v=spf1 " "include:amazonses.com ~all"') == SPF
    assert records.from_presentation("TXT", SPF) == SPF  # an API that answers unquoted


def test_unterminated_txt_is_rejected():
    with pytest.raises(SaltInvocationError):
        records.txt_text('"open')


def test_presentation_adds_the_root_dot():
    assert records.presentation("MX", "10 a.example.org") == "10 a.example.org."
    assert records.presentation("CNAME", "a.example.org") == "a.example.org."
    assert records.presentation("A", "192.0.2.1") == "192.0.2.1"


def test_merge_keeps_other_values():
    plan = records.plan_record_set("TXT", {"values": [SITE], "ttl": 300}, [SPF])
    assert plan == {"values": sorted([SITE, SPF]), "ttl": 300, "conflicts": [], "changed": True}


def test_converged_set_is_unchanged_and_keeps_its_ttl():
    plan = records.plan_record_set("TXT", {"values": [SITE, SPF], "ttl": 300}, [SPF])
    assert plan["changed"] is False and plan["ttl"] == 300


def test_a_given_ttl_is_enforced():
    plan = records.plan_record_set("TXT", {"values": [SPF], "ttl": 300}, [SPF], ttl=600)
    assert plan["changed"] is True and plan["ttl"] == 600


def test_new_set_gets_the_provider_default_ttl():
    plan = records.plan_record_set("TXT", {"values": [], "ttl": None}, [SPF], default_ttl=1)
    assert plan["ttl"] == 1 and plan["changed"] is True


def test_rival_spf_is_a_conflict_unless_replace_is_asked():
    current = {"values": ["v=spf1 mx -all", SITE], "ttl": 300}
    plan = records.plan_record_set("TXT", current, [SPF])
    assert plan["conflicts"] == [{"kind": "SPF", "existing": ["v=spf1 mx -all"], "wanted": SPF}]
    assert plan["values"] == sorted(current["values"])
    replaced = records.plan_record_set("TXT", current, [SPF], replace_kinds=("SPF",))
    assert replaced["values"] == sorted([SITE, SPF]) and replaced["conflicts"] == []
    line = records.conflict_lines("mail.example.org", "TXT", plan["conflicts"])[0]
    assert "another SPF value" in line and "v=spf1 mx -all" in line


def test_exclusive_set_and_cname_replace():
    assert records.plan_record_set("TXT", {"values": [SITE], "ttl": 5}, [SPF], exclusive=True)[
        "values"
    ] == [SPF]
    plan = records.plan_record_set(
        "CNAME", {"values": ["old.example.org"], "ttl": 5}, ["new.example.org"]
    )
    assert plan["values"] == ["new.example.org"]


def test_removal_takes_out_only_the_given_values():
    plan = records.plan_removal({"values": [SITE, SPF], "ttl": 300}, [SPF])
    assert plan["values"] == [SITE] and plan["changed"] is True
    assert records.plan_removal({"values": [SITE], "ttl": 300}, [SPF])["changed"] is False


@pytest.mark.parametrize(
    ("dns", "arg"),
    [
        ("route53", "dns"),
        ({"provider": "godaddy", "zone": "example.org"}, "dns:provider"),
        ({"provider": "route53"}, "dns:zone"),
        ({"provider": "route53", "zone": "example.org", "server": "x"}, "dns"),
        ({"provider": "cloudflare", "zone": "example.org"}, "dns:api_token"),
        (
            {
                "provider": "cloudflare",
                "zone": "example.org",
                "api_token": "t",
                "base_url": "ftp://x",
            },
            "dns:base_url",
        ),
        ({"provider": "rfc2136", "zone": "example.org"}, "dns:server"),
        ({"provider": "rfc2136", "zone": "example.org", "server": "ns1.example.org"}, "dns:server"),
        (
            {"provider": "rfc2136", "zone": "example.org", "server": "192.0.2.53", "port": "53"},
            "dns:port",
        ),
        (
            {
                "provider": "rfc2136",
                "zone": "example.org",
                "server": "192.0.2.53",
                "tsig_key_name": "k",
            },
            "dns:tsig_secret",
        ),
        (
            {
                "provider": "rfc2136",
                "zone": "example.org",
                "server": "192.0.2.53",
                "tsig_algorithm": "md5",
            },
            "dns:tsig_algorithm",
        ),
        ({"provider": "route53", "zone": "example.org", "wait": True}, "dns:wait"),
    ],
)
def test_provider_settings_errors_name_the_key(dns, arg):
    with pytest.raises(SaltInvocationError) as exc:
        records.provider_settings(dns)
    assert str(exc.value).startswith(arg + ":")


def test_provider_settings_never_repeat_a_secret():
    with pytest.raises(SaltInvocationError) as exc:
        records.provider_settings(
            {
                "provider": "rfc2136",
                "zone": "example.org",
                "server": "192.0.2.53",
                "tsig_secret": "c2VjcmV0",
                "tsig_algorithm": "md5",
            }
        )
    assert "c2VjcmV0" not in str(exc.value)


def test_provider_settings_pick_the_module():
    module, zone, settings = records.provider_settings(
        {
            "provider": "cloudflare",
            "zone": "Example.ORG.",
            "api_token_pillar": "cloudflare:api_token",
        }
    )
    assert (module, zone, settings) == (
        "cloudflare_dns",
        "example.org",
        {"api_token_pillar": "cloudflare:api_token"},
    )


@pytest.mark.parametrize(
    ("given", "parsed"),
    [
        (["127.0.0.1:5353"], [("127.0.0.1", 5353)]),
        ("192.0.2.53", [("192.0.2.53", 53)]),
        (["[::1]:5300", "::1"], [("::1", 5300), ("::1", 53)]),
        (None, None),
    ],
)
def test_resolver_addresses(given, parsed):
    assert records.resolver_addresses(given) == parsed


def test_bad_resolver_names_the_argument():
    with pytest.raises(SaltInvocationError, match=r"^resolvers:"):
        records.resolver_addresses(["127.0.0.1:99999"])


def test_group_records_collects_values_per_name_and_type():
    grouped = records.group_records(
        [
            {"name": "Mail.example.org", "type": "MX", "priority": 10, "value": "a.example.org"},
            {"name": "mail.example.org", "type": "TXT", "value": SPF},
            {"name": "mail.example.org.", "type": "MX", "priority": 20, "value": "b.example.org"},
        ]
    )
    assert grouped == {
        ("mail.example.org", "MX"): ["10 a.example.org", "20 b.example.org"],
        ("mail.example.org", "TXT"): [SPF],
    }


TARGET = ("rfc2136", "example.org", {"server": "192.0.2.53"})
GROUPS = {
    ("bounce.example.org", "TXT"): [SPF],
    ("_dmarc.example.org", "TXT"): ["v=DMARC1; p=none;"],
}


def test_publish_keeps_a_domains_own_dmarc_and_reports_a_rival_spf():
    currents = {
        ("bounce.example.org", "TXT"): {"values": ["v=spf1 mx -all"], "ttl": 300},
        ("_dmarc.example.org", "TXT"): {"values": ["v=DMARC1; p=reject;"], "ttl": 300},
    }
    steps, conflicts, kept = records.plan_publish(TARGET, GROUPS, currents, keep_kinds=("DMARC",))
    assert steps == []
    assert len(conflicts) == 1 and conflicts[0].startswith("bounce.example.org TXT: another SPF")
    assert kept == ["_dmarc.example.org TXT: kept the DMARC record there: 'v=DMARC1; p=reject;'"]


def test_publish_replaces_dmarc_when_asked_and_writes_through_the_provider():
    currents = {
        ("bounce.example.org", "TXT"): {"values": [SPF, SITE], "ttl": 300},
        ("_dmarc.example.org", "TXT"): {"values": ["v=DMARC1; p=reject;"], "ttl": 300},
    }
    steps, conflicts, _ = records.plan_publish(TARGET, GROUPS, currents, replace_kinds=("DMARC",))
    assert conflicts == [] and len(steps) == 1
    step = steps[0]
    assert step["call"] == "rfc2136.set_records" and step["aws"] is False
    assert step["kwargs"]["values"] == ["v=DMARC1; p=none;"]
    assert step["kwargs"]["server"] == "192.0.2.53"
    assert step["old"] == {"ttl": 300, "values": ["v=DMARC1; p=reject;"]}


def test_unpublish_takes_out_only_our_values_and_nests_the_changes():
    currents = {
        ("bounce.example.org", "TXT"): {"values": [SPF, SITE], "ttl": 300},
        ("_dmarc.example.org", "TXT"): {"values": [], "ttl": None},
    }
    steps = records.plan_unpublish(TARGET, GROUPS, currents)
    assert [s["field"] for s in steps] == ["bounce.example.org TXT"]
    assert steps[0]["new"] == {"ttl": 300, "values": [SITE]}
    changes = {"identity": {"old": {}, "new": None}, "bounce.example.org TXT": {"old": 1, "new": 2}}
    assert records.nest_changes(changes, steps) == {
        "identity": {"old": {}, "new": None},
        "dns_records": {"bounce.example.org TXT": {"old": 1, "new": 2}},
    }


# Issue 21 item 6: a setting that names a secret must hold one. The sibling secret inside a
# mapping (a whole `cloudflare:` block given where its token belongs) is never shown.
SIBLING = "sibling-secret-do-not-show"
PILLAR = {
    "cloudflare": {"api_token": "tok-en_0123456789", "block": {"api_token": SIBLING}},
    "lists": {"token": [SIBLING]},
    "empty": {"token": "", "blank": "   "},
    "dns": {"tsig": "c2VjcmV0", "not_base64": "not base64!" + SIBLING},
}


@pytest.mark.parametrize(
    ("settings", "arg", "problem"),
    [
        ({"api_token_pillar": "cloudflare:block"}, "dns:api_token_pillar", "not a mapping"),
        ({"api_token_pillar": "lists:token"}, "dns:api_token_pillar", "not a list"),
        ({"api_token_pillar": "empty:token"}, "dns:api_token_pillar", "not an empty string"),
        ({"api_token_pillar": "empty:blank"}, "dns:api_token_pillar", "not an empty string"),
        ({"api_token_pillar": "nowhere:token"}, "dns:api_token_pillar", "nothing in the pillar"),
        ({"api_token_pillar": {"api_token": SIBLING}}, "dns:api_token_pillar", "pillar key"),
        ({"api_token_pillar": ""}, "dns:api_token_pillar", "pillar key"),
        ({"api_token": {"value": SIBLING}}, "dns:api_token", "not a mapping"),
        ({"api_token": ""}, "dns:api_token", "not an empty string"),
        ({"api_token": "two words" + SIBLING}, "dns:api_token", "no spaces"),
    ],
)
def test_cloudflare_token_must_be_a_token(settings, arg, problem):
    dns = {"provider": "cloudflare", "zone": "example.org", **settings}
    with pytest.raises(SaltInvocationError) as exc:
        records.provider_settings(dns, pillar=PILLAR)
    assert str(exc.value).startswith(arg + ":") and problem in str(exc.value)
    assert SIBLING not in str(exc.value)


@pytest.mark.parametrize(
    ("settings", "arg", "problem"),
    [
        ({"tsig_secret_pillar": "cloudflare:block"}, "dns:tsig_secret_pillar", "not a mapping"),
        ({"tsig_secret_pillar": "dns:not_base64"}, "dns:tsig_secret_pillar", "base64"),
        ({"tsig_secret": ["c2VjcmV0"]}, "dns:tsig_secret", "not a list"),
        ({"tsig_secret": ""}, "dns:tsig_secret", "not an empty string"),
        ({"tsig_secret": "not base64!" + SIBLING}, "dns:tsig_secret", "base64"),
        ({"tsig_secret": "c2VjcmV0", "tsig_key_name": {"k": 1}}, "dns:tsig_key_name", "name"),
    ],
)
def test_tsig_secret_must_be_base64(settings, arg, problem):
    dns = {
        "provider": "rfc2136",
        "zone": "example.org",
        "server": "192.0.2.53",
        "tsig_key_name": "salt",
        **settings,
    }
    with pytest.raises(SaltInvocationError) as exc:
        records.provider_settings(dns, pillar=PILLAR)
    assert str(exc.value).startswith(arg + ":") and problem in str(exc.value)
    assert SIBLING not in str(exc.value)


def test_secrets_of_the_right_shape_pass_and_pillar_is_read_only_when_given():
    cloudflare = {"provider": "cloudflare", "zone": "example.org"}
    good = records.provider_settings(
        {**cloudflare, "api_token_pillar": "cloudflare:api_token"}, pillar=PILLAR
    )
    assert good[2] == {"api_token_pillar": "cloudflare:api_token"}
    # Without the pillar (a pure caller) only the key's form is checked.
    records.provider_settings({**cloudflare, "api_token_pillar": "nowhere:token"})
    assert records.secret_setting(None, "dns:tsig", PILLAR, "tsig_secret") == "c2VjcmV0"


@pytest.mark.parametrize("timeout", [-1, 0, "soon", "10", True, [5], 99999])
@pytest.mark.parametrize("provider", ["cloudflare", "rfc2136"])
def test_dns_timeout_must_be_a_positive_number(provider, timeout):
    dns = {
        "provider": provider,
        "zone": "example.org",
        "server": "192.0.2.53",
        "api_token": "t",
        "timeout": timeout,
    }
    dns = {k: v for k, v in dns.items() if k in records.PROVIDER_KEYS[provider] or k == "provider"}
    with pytest.raises(SaltInvocationError, match=r"^dns:timeout: must be"):
        records.provider_settings(dns)
    assert records.timeout_seconds(2.5, "timeout", 10.0) == 2.5
    assert records.timeout_seconds(None, "timeout", 10.0) == 10.0
