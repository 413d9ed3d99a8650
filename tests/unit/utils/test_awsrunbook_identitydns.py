"""awsrunbook.identitydns: the ``dns`` and ``check_dns`` arguments of an identity state, the
wait for verification and the comment lines. I/O goes through a recording ``salt_funcs``."""

import pytest
from awsrunbook import identitydns, ses
from salt.exceptions import SaltInvocationError

from tests.support import ses_identities

RFC2136 = {"provider": "rfc2136", "zone": "Example.ORG.", "server": "127.0.0.1"}


def test_target_validates_and_canonicalises_the_zone():
    module, zone, settings = identitydns.target(RFC2136, ses_identities.desired())
    assert (module, zone, settings["server"]) == ("rfc2136", "example.org", "127.0.0.1")
    assert identitydns.target(None, ses_identities.desired()) is None


@pytest.mark.parametrize(
    ("name", "dns", "argument"),
    [
        ("ops@example.org", RFC2136, "dns"),
        ("example.org", {**RFC2136, "zone": "example.net"}, "dns:zone"),
    ],
)
def test_target_refuses_what_it_cannot_publish(name, dns, argument):
    with pytest.raises(SaltInvocationError, match=f"^{argument}: "):
        identitydns.target(dns, ses.desired_identity(name))


def test_check_args():
    domain, address = ses_identities.desired(), ses.desired_identity("ops@example.org")
    assert identitydns.check_args(False, None, domain) is None
    assert identitydns.check_args(False, None, address) is None
    assert identitydns.check_args(True, ["127.0.0.1:5353"], domain) == {
        "resolvers": ["127.0.0.1:5353"]
    }
    with pytest.raises(SaltInvocationError, match=r"^check_dns: "):
        identitydns.check_args("yes", None, domain)
    with pytest.raises(SaltInvocationError, match=r"^check_dns: applies to domain identities"):
        identitydns.check_args(True, None, address)


def test_wait_skips_a_verified_identity_and_lists_what_blocks_an_unverified_one():
    calls = []
    found = ses_identities.converged()
    pending = {**found, "dkim": {**found["dkim"], "status": "PENDING"}}

    def wait_verified(identity, seconds, **kwargs):
        calls.append((identity, seconds, kwargs))
        return pending

    salt_funcs = {"aws_ses.wait_verified": wait_verified}
    assert identitydns.wait(salt_funcs, "example.org", found, [], 30, {}, None) == (found, [])
    assert calls == []

    records = ses.records_for(ses_identities.desired(), pending, "eu-west-1")
    after, lines = identitydns.wait(
        salt_funcs,
        "example.org",
        pending,
        records,
        30,
        {"region": "eu-west-1"},
        {"resolvers": ["127.0.0.1"]},
    )
    assert calls == [
        (
            "example.org",
            30,
            {"check_dns": True, "resolvers": ["127.0.0.1"], "region": "eu-west-1"},
        )
    ]
    assert after is pending
    assert lines[0] == "Not verified after 30 s. Records SES has not seen yet:"
    assert lines[1].count("CNAME") == 3


def test_records_lines():
    assert identitydns.records_lines([]) == ["No DNS records to publish."]
    records = ses.records_for(ses_identities.desired(), ses_identities.converged(), "eu-west-1")
    heading, zone_file = identitydns.records_lines(records)
    assert heading == "DNS records to publish (zone-file form):"
    assert "_dmarc.example.org." in zone_file
