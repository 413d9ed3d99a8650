"""cloudflare_dns through Salt's loader against the Cloudflare stand-in
(tests/support/cloudflare_standin.py): records read across pages, written as a whole set,
retries, errors, and the token kept out of everything."""

import pytest
from salt.exceptions import CommandExecutionError, SaltInvocationError

from tests.support.bind_server import free_port
from tests.support.cloudflare_standin import CloudflareStandIn

TOKEN = "cf-token-0123456789abcdef"
ZONE = "example.org"


@pytest.fixture
def cloudflare():
    with CloudflareStandIn(TOKEN) as standin:
        yield standin


@pytest.fixture
def dns(loaders, cloudflare):
    """The module, and its settings for the stand-in."""
    return loaders.modules.cloudflare_dns, {"api_token": TOKEN, "base_url": cloudflare.url}


def paths(requests):
    return [(method, path.rsplit("/", 1)[-1]) for method, path, _ in requests]


def test_get_records_reads_every_page(dns, cloudflare):
    module, settings = dns
    for n, ttl in ((1, 300), (2, 120), (3, 3600)):
        cloudflare.add(ZONE, ZONE, "TXT", f'"verification-{n}"', ttl=ttl)
    cloudflare.add(ZONE, ZONE, "A", "192.0.2.1")
    found = module.get_records(ZONE, ZONE, "TXT", **settings)
    assert found == {"values": [f"verification-{n}" for n in (1, 2, 3)], "ttl": 120}
    listed = [query for _, path, query in cloudflare.requests if path.endswith("dns_records")]
    assert [query["page"] for query in listed] == ["1", "2"]  # the stand-in holds 2 a page
    assert module.get_records(ZONE, "www." + ZONE, "TXT", **settings) == {
        "values": [],
        "ttl": None,
    }


def test_the_zone_is_looked_up_once_per_run(dns, cloudflare):
    module, settings = dns
    module.get_records(ZONE, ZONE, "TXT", **settings)
    module.set_records(ZONE, "www." + ZONE, "A", ["192.0.2.1"], **settings)
    assert paths(cloudflare.requests).count(("GET", "zones")) == 1


def test_set_records_creates_deletes_and_corrects_the_ttl(dns, cloudflare):
    module, settings = dns
    cloudflare.add(ZONE, ZONE, "MX", "mx1.example.org", ttl=300, priority=10)
    cloudflare.add(ZONE, ZONE, "MX", "old.example.org", ttl=1, priority=20)
    assert module.get_records(ZONE, ZONE, "MX", **settings)["values"] == [
        "10 mx1.example.org",
        "20 old.example.org",
    ]
    before = len(cloudflare.requests)
    wanted = ["10 mx1.example.org", "30 mx2.example.org"]
    assert module.set_records(ZONE, ZONE, "MX", wanted, ttl=600, **settings) is True
    assert sorted(method for method, _, _ in cloudflare.writes()) == ["DELETE", "PATCH", "POST"]
    assert module.get_records(ZONE, ZONE, "MX", **settings) == {"values": wanted, "ttl": 600}
    created = next(r for r in cloudflare.find(ZONE, "MX") if r["content"] == "mx2.example.org")
    assert created["priority"] == 30
    # Converged: reads only.
    writes = len(cloudflare.writes())
    module.set_records(ZONE, ZONE, "MX", wanted, ttl=600, **settings)
    assert len(cloudflare.writes()) == writes
    assert len(cloudflare.requests) > before


def test_records_are_made_unproxied_with_the_automatic_ttl(dns, cloudflare):
    module, settings = dns
    module.set_records(ZONE, "www." + ZONE, "CNAME", ["example.org"], **settings)
    (record,) = cloudflare.find("www." + ZONE, "CNAME")
    assert (record["content"], record["ttl"], record["proxied"]) == ("example.org", 1, False)
    long_txt = "v=DKIM1; k=rsa; p=" + "A" * 400
    module.set_records(ZONE, "sel._domainkey." + ZONE, "TXT", [long_txt], **settings)
    (record,) = cloudflare.find("sel._domainkey." + ZONE, "TXT")
    assert record["content"] == f'"{long_txt[:255]}" "{long_txt[255:]}"'
    assert "proxied" not in [key for _, _, query in cloudflare.requests for key in query]
    assert module.get_records(ZONE, "sel._domainkey." + ZONE, "TXT", **settings)["values"] == [
        long_txt
    ]


def test_no_values_deletes_the_set(dns, cloudflare):
    module, settings = dns
    cloudflare.add(ZONE, "www." + ZONE, "A", "192.0.2.1")
    cloudflare.add(ZONE, "www." + ZONE, "A", "192.0.2.2")
    module.set_records(ZONE, "www." + ZONE, "A", [], **settings)
    assert cloudflare.find("www." + ZONE, "A") == []


def test_rate_limits_and_server_errors_are_retried_backing_off(dns, cloudflare, slept):
    module, settings = dns
    cloudflare.inject(429)
    cloudflare.inject(503, count=2)
    assert module.get_records(ZONE, ZONE, "TXT", **settings)["values"] == []
    assert slept == [1.0, 2.0, 4.0]


def test_an_error_that_lasts_fails_after_five_attempts(dns, cloudflare, slept):
    module, settings = dns
    cloudflare.inject(500, count=5)
    with pytest.raises(CommandExecutionError) as raised:
        module.get_records(ZONE, ZONE, "TXT", **settings)
    assert str(raised.value) == "Cloudflare zone lookup of example.org failed: 10500: injected"
    assert len(cloudflare.requests) == 5 and len(slept) == 4


def test_a_create_is_not_repeated_blindly(dns, cloudflare, slept):
    module, settings = dns
    cloudflare.inject(500, method="POST")  # refused, nothing made
    with pytest.raises(CommandExecutionError, match=r"^Cloudflare creating www\.example\.org A"):
        module.set_records(ZONE, "www." + ZONE, "A", ["192.0.2.1"], **settings)
    assert [method for method, _, _ in cloudflare.writes()] == ["POST"]
    assert slept == []
    cloudflare.inject(429, method="POST")  # a rate limit means it was not done: sent again
    module.set_records(ZONE, "www." + ZONE, "A", ["192.0.2.1"], **settings)
    assert [r["content"] for r in cloudflare.find("www." + ZONE, "A")] == ["192.0.2.1"]


def test_a_create_whose_answer_was_lost_is_looked_for(dns, cloudflare):
    module, settings = dns
    cloudflare.inject(502, after=True, method="POST")
    assert module.set_records(ZONE, ZONE, "TXT", ["v=spf1 -all"], **settings) is True
    assert [r["content"] for r in cloudflare.find(ZONE, "TXT")] == ['"v=spf1 -all"']


def test_errors_name_what_failed_and_never_the_token(loaders, cloudflare):
    module = loaders.modules.cloudflare_dns
    wrong = {"api_token": "wrong-" + TOKEN, "base_url": cloudflare.url}
    with pytest.raises(CommandExecutionError) as raised:
        module.get_records(ZONE, ZONE, "TXT", **wrong)
    assert str(raised.value) == (
        "Cloudflare zone lookup of example.org failed: 10000: Authentication error"
    )
    right = {"api_token": TOKEN, "base_url": cloudflare.url}
    with pytest.raises(CommandExecutionError, match=r"^Cloudflare has no zone named example\.com"):
        module.get_records("example.com", "example.com", "TXT", **right)
    closed = {"api_token": TOKEN, "base_url": f"http://127.0.0.1:{free_port()}/client/v4"}
    with pytest.raises(CommandExecutionError) as raised:
        module.get_records(ZONE, ZONE, "TXT", **closed)
    assert str(raised.value) == "Cloudflare zone lookup of example.org failed: ConnectionError"
    assert not any(TOKEN in query.values() for _, _, query in cloudflare.requests)


def test_the_base_url_from_the_minion_config(loaders, cloudflare, monkeypatch):
    monkeypatch.setitem(loaders.opts, "cloudflare.base_url", cloudflare.url + "/")
    module = loaders.modules.cloudflare_dns
    assert module.get_records(ZONE, ZONE, "TXT", api_token=TOKEN)["values"] == []
    assert cloudflare.requests[0][1] == "/client/v4/zones"


@pytest.mark.parametrize(
    ("settings", "arg"),
    [({}, "api_token"), ({"api_token": TOKEN, "timeout": "soon"}, "timeout")],
)
def test_bad_settings_name_the_argument_before_any_request(loaders, cloudflare, settings, arg):
    module = loaders.modules.cloudflare_dns
    with pytest.raises(SaltInvocationError, match=rf"^{arg}: "):
        module.get_records(ZONE, ZONE, "TXT", base_url=cloudflare.url, **settings)
    assert cloudflare.requests == []
