"""rfc2136 through Salt's loader against a real BIND (tests/support/bind_server.py): record sets
read and replaced in one signed update, and every failure an error that names the server and
never the TSIG secret. One server for the file; each test uses names of its own."""

import socket

import pytest
from salt.exceptions import CommandExecutionError, SaltInvocationError

from tests.support.bind_server import BindServer

ZONE = "example.org"
LONG = "v=DKIM1; k=rsa; p=" + "B" * 400


@pytest.fixture(scope="module")
def bind(tmp_path_factory):
    records = 'www IN A 192.0.2.1\nwww IN A 192.0.2.2\ntxt 600 IN TXT "one" "two"\n'
    directory = tmp_path_factory.mktemp("bind")
    with BindServer(directory, ZONE, records, broken_zones=["broken.test"]) as server:
        yield server


@pytest.fixture
def settings(bind):
    return {
        "server": "127.0.0.1",
        "port": bind.port,
        "tsig_key_name": bind.tsig_key_name,
        "tsig_secret": bind.tsig_secret,
    }


@pytest.fixture
def rfc2136(loaders):
    return loaders.modules.rfc2136


def test_get_records_as_the_server_holds_them(rfc2136, settings):
    assert rfc2136.get_records(ZONE, "www.example.org", "A", **settings) == {
        "values": ["192.0.2.1", "192.0.2.2"],
        "ttl": 300,
    }
    # TXT strings are one value, joined.
    assert rfc2136.get_records(ZONE, "txt.example.org", "TXT", **settings) == {
        "values": ["onetwo"],
        "ttl": 600,
    }
    none = {"values": [], "ttl": None}
    assert rfc2136.get_records(ZONE, "nosuch.example.org", "A", **settings) == none  # NXDOMAIN
    assert rfc2136.get_records(ZONE, "www.example.org", "TXT", **settings) == none  # no data
    unsigned = {"server": "127.0.0.1", "port": settings["port"]}
    assert rfc2136.get_records(ZONE, "www.example.org", "A", **unsigned)["values"] == [
        "192.0.2.1",
        "192.0.2.2",
    ]


def test_set_records_replaces_the_whole_set(rfc2136, settings, bind):
    name = "mail.example.org"
    # Targets outside the zone: BIND refuses an MX to an in-zone name without an address.
    rfc2136.set_records(ZONE, name, "MX", ["10 mx1.example.net", "20 mx2.example.net"], **settings)
    assert bind.dig(name, "MX") == ["10 mx1.example.net.", "20 mx2.example.net."]
    assert rfc2136.get_records(ZONE, name, "MX", **settings) == {
        "values": ["10 mx1.example.net", "20 mx2.example.net"],
        "ttl": 1800,
    }
    rfc2136.set_records(ZONE, name, "MX", ["30 mx3.example.net"], ttl=60, **settings)
    assert rfc2136.get_records(ZONE, name, "MX", **settings) == {
        "values": ["30 mx3.example.net"],
        "ttl": 60,
    }
    rfc2136.set_records(ZONE, name, "MX", [], **settings)
    assert bind.dig(name, "MX") == []


def test_names_stay_absolute(rfc2136, settings, bind):
    # The target is sent absolute: not www.example.org.example.org.
    rfc2136.set_records(ZONE, "alias.example.org", "CNAME", ["www.example.org"], **settings)
    assert bind.dig("alias.example.org", "CNAME") == ["www.example.org."]


def test_a_long_txt_value_is_split_and_read_back_whole(rfc2136, settings, bind):
    name = "sel._domainkey.example.org"
    rfc2136.set_records(ZONE, name, "TXT", [LONG], **settings)
    (line,) = bind.dig(name, "TXT")
    assert line == f'"{LONG[:255]}" "{LONG[255:]}"'
    assert rfc2136.get_records(ZONE, name, "TXT", **settings)["values"] == [LONG]


def test_a_key_bind_does_not_know_is_refused_without_showing_it(rfc2136, settings, bind):
    wrong = dict(
        settings, tsig_secret="c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"
    )  # a valid key, not BIND's
    with pytest.raises(CommandExecutionError) as raised:
        rfc2136.set_records(ZONE, "denied.example.org", "A", ["192.0.2.9"], **wrong)
    assert "DNS update of denied.example.org A in example.org at 127.0.0.1" in str(raised.value)
    assert wrong["tsig_secret"] not in str(raised.value)
    assert bind.tsig_secret not in str(raised.value)
    assert bind.dig("denied.example.org", "A") == []


def test_an_unsigned_update_is_refused_with_the_hint(rfc2136, settings, bind):
    unsigned = {"server": "127.0.0.1", "port": settings["port"]}
    with pytest.raises(CommandExecutionError) as raised:
        rfc2136.set_records(ZONE, "open.example.org", "A", ["192.0.2.9"], **unsigned)
    assert str(raised.value) == (
        "DNS update of open.example.org A in example.org at 127.0.0.1: REFUSED"
        " (REFUSED or NOTAUTH: is the TSIG key allowed to update this zone?)"
    )


def test_a_secret_that_is_not_base64_is_refused_without_showing_it(rfc2136, settings):
    bad = dict(settings, tsig_secret="not base64 at all!")
    with pytest.raises(SaltInvocationError, match=r"^tsig_secret: ") as raised:
        rfc2136.get_records(ZONE, "www.example.org", "A", **bad)
    assert "base64" in str(raised.value) and bad["tsig_secret"] not in str(raised.value)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, r"^server: the DNS server's address is required"),
        ({"server": "127.0.0.1", "timeout": "soon"}, r"^timeout: "),
        ({"server": "127.0.0.1", "tsig_key_name": "salt-test"}, r"^tsig_secret: "),
    ],
)
def test_bad_settings_name_the_argument(rfc2136, settings, message):
    with pytest.raises(SaltInvocationError, match=message):
        rfc2136.get_records(ZONE, "www.example.org", "A", **settings)


def test_a_server_that_does_not_answer_times_out(rfc2136):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # takes the query, never answers
        port = silent.getsockname()[1]
        with pytest.raises(CommandExecutionError) as raised:
            rfc2136.get_records(
                ZONE, "www.example.org", "A", server="127.0.0.1", port=port, timeout=0.3
            )
    assert str(raised.value) == (
        f"DNS query for www.example.org A at 127.0.0.1:{port}: no answer within 0.3 s"
    )


def test_servfail_is_an_error_naming_the_rcode(rfc2136, settings):
    with pytest.raises(CommandExecutionError) as raised:
        rfc2136.get_records("broken.test", "www.broken.test", "A", **settings)
    assert str(raised.value) == "DNS query for www.broken.test A at 127.0.0.1: SERVFAIL"


def test_a_server_that_is_a_host_name_is_refused_naming_the_argument(rfc2136):
    with pytest.raises(SaltInvocationError, match=r"^server: "):
        rfc2136.get_records(ZONE, "www.example.org", "A", server="ns1.example.org", timeout=1)
