"""dns_lookup through Salt's loader against a real BIND on 127.0.0.1."""

import socket

import dns.nameserver
import dns.resolver
import pytest

from tests.support.bind_server import BindServer

RECORDS = """\
www IN A 192.0.2.1
txt IN TXT "v=spf1 " "include:amazonses.com ~all"
"""


@pytest.fixture
def bind(tmp_path):
    with BindServer(tmp_path, "example.org", RECORDS) as server:
        yield server


def test_found_missing_and_no_such_type(modules, bind):
    lookup = modules.dns_lookup.lookup
    assert lookup("www.example.org", "A", [bind.resolver]) == {
        "status": "found",
        "values": ["192.0.2.1"],
        "detail": "",
    }
    joined = lookup("TXT.Example.org.", "TXT", [bind.resolver])
    assert joined["values"] == ["v=spf1 include:amazonses.com ~all"]
    assert lookup("nothere.example.org", "A", [bind.resolver])["status"] == "missing"
    assert lookup("www.example.org", "MX", [bind.resolver])["status"] == "missing"


def test_a_server_that_refuses_is_an_error_not_missing(modules, bind):
    # BIND is authoritative for example.org only and does not recurse.
    answer = modules.dns_lookup.lookup("example.net", "A", [bind.resolver])
    assert answer["status"] == "error", answer


def resolve_with(monkeypatch, port):
    """This machine's resolver (/etc/resolv.conf) is 127.0.0.1:``port`` instead."""

    class ThisMachinesResolver(dns.resolver.Resolver):
        def __init__(self, filename="/etc/resolv.conf", configure=True):
            super().__init__(filename, configure=False)
            self.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", port)]

    monkeypatch.setattr(dns.resolver, "Resolver", ThisMachinesResolver)


def test_authoritative_servers_come_from_soa_and_ns(modules, bind, monkeypatch):
    resolve_with(monkeypatch, bind.port)
    # ns1.example.org (the zone's NS) has the address 127.0.0.1.
    assert modules.dns_lookup.authoritative_servers("www.example.org") == [("127.0.0.1", 53)]


def test_nameservers_not_found_in_time_are_a_timeout(modules, monkeypatch):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:  # reads nothing
        silent.bind(("127.0.0.1", 0))
        resolve_with(monkeypatch, silent.getsockname()[1])
        answer = modules.dns_lookup.lookup("_dmarc.example.org", "TXT", timeout=0.5)
    assert answer["status"] == "timeout", answer


def test_nameservers_refused_are_an_error_whatever_the_name_says(modules, bind, monkeypatch):
    """Told by the error's class: read by its text (before), the refusal for a domain whose
    name holds "lifetime" was taken for a timeout."""
    resolve_with(monkeypatch, bind.port)  # authoritative for example.org only, no recursion
    answer = modules.dns_lookup.lookup("_dmarc.lifetime.example.net", "TXT", timeout=2)
    assert answer["status"] == "error", answer
    assert answer["detail"].startswith(
        "finding the authoritative nameservers of _dmarc.lifetime.example.net failed: "
    )


def test_a_cname_out_of_the_zone_is_followed(modules, tmp_path):
    # An authoritative server answers only the CNAME; a resolver would follow it.
    zones = {"provider.test": 'example.org.dmarc IN TXT "v=DMARC1; p=reject"\n'}
    records = "_dmarc IN CNAME example.org.dmarc.provider.test.\n"
    with BindServer(tmp_path, "example.org", records, extra_zones=zones) as server:
        answer = modules.dns_lookup.lookup("_dmarc.example.org", "TXT", [server.resolver])
        cname = modules.dns_lookup.lookup("_dmarc.example.org", "CNAME", [server.resolver])
    assert answer == {
        "status": "found",
        "values": ["v=DMARC1; p=reject"],
        "detail": "",
        "cnames": ["_dmarc.example.org"],
    }
    assert cname["values"] == ["example.org.dmarc.provider.test"]  # asked for: not followed


def test_servfail_is_an_error_naming_the_rcode(modules, tmp_path):
    with BindServer(tmp_path, "example.org", "", broken_zones=["broken.test"]) as server:
        answer = modules.dns_lookup.lookup("_dmarc.broken.test", "TXT", [server.resolver])
    assert answer["status"] == "error" and "SERVFAIL" in answer["detail"], answer
