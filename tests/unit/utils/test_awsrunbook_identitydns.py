"""awsrunbook.identitydns: the ``dns`` and ``check_dns`` arguments of an identity state, the
records it publishes and takes out of DNS, what a wait that timed out says and the comment
lines. Pure: the state (tests/unit/states/test_ses_identity.py) does the reads and writes."""

import pytest
from awsrunbook import dnsrecords, identitydns, ses
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


def test_not_verified_lines_list_what_blocks_an_unverified_identity():
    found = ses_identities.converged()
    pending = {**found, "dkim": {**found["dkim"], "status": "PENDING"}}
    records = ses.records_for(ses_identities.desired(), pending, "eu-west-1")
    assert identitydns.not_verified_lines(found, records, 30) == []
    assert identitydns.not_verified_lines(None, records, 30) == []
    lines = identitydns.not_verified_lines(pending, records, 30)
    assert lines[0] == "Not verified after 30 s. Records SES has not seen yet:"
    assert lines[1].count("CNAME") == 3


def test_publish_groups_leave_the_dkim_cnames_without_tokens_for_the_real_run():
    records = ses.records_for(ses_identities.desired(), None, "eu-west-1")
    groups, pending = identitydns.publish_groups(records)
    assert not any("<" in name for name, _ in groups)
    assert pending == ["DKIM CNAMEs: published once SES has assigned the tokens (on the real run)."]
    found = ses_identities.converged()
    groups, pending = identitydns.publish_groups(
        ses.records_for(ses_identities.desired(), found, "eu-west-1")
    )
    assert pending == []
    assert sum(rtype == "CNAME" for _, rtype in groups) == 3


def test_plan_publish_keeps_a_dmarc_record_unless_dmarc_is_given():
    where = identitydns.target(RFC2136, ses_identities.desired())
    groups = {("_dmarc.example.org", "TXT"): ["v=DMARC1; p=none;"]}
    theirs = {("_dmarc.example.org", "TXT"): {"values": ["v=DMARC1; p=reject;"], "ttl": 300}}
    steps, conflicts, kept = identitydns.plan_publish(where, groups, theirs, None)
    assert (steps, conflicts) == ([], [])
    assert len(kept) == 1
    steps, conflicts, kept = identitydns.plan_publish(where, groups, theirs, "v=DMARC1; p=none;")
    assert [s["field"] for s in steps] == ["_dmarc.example.org TXT"]
    assert (conflicts, kept) == ([], [])


def test_add_published_nests_the_record_changes_and_sets_the_result():
    where = identitydns.target(RFC2136, ses_identities.desired())
    groups = {("_dmarc.example.org", "TXT"): ["v=DMARC1; p=none;"]}
    nothing = {next(iter(groups)): {"values": [], "ttl": None}}
    steps, _, _ = identitydns.plan_publish(where, groups, nothing, None)
    field = steps[0]["field"]
    ret = {"result": True, "changes": {"dkim": {}}}
    published = {"result": None, "changes": {field: {"old": None, "new": "x"}}}
    identitydns.add_published(ret, published, steps, True, [])
    assert ret == {
        "result": None,
        "changes": {"dkim": {}, "dns_records": {field: {"old": None, "new": "x"}}},
    }
    failed = {"result": True, "changes": {}}
    identitydns.add_published(failed, {"result": True, "changes": {}}, steps, True, ["rival SPF"])
    assert failed["result"] is False
    identitydns.add_published(ret, {"result": False, "changes": {}}, steps, False, [])
    assert ret["result"] is False


def test_unpublish_groups_are_the_identitys_own_records():
    desired = ses_identities.desired()
    where = identitydns.target(RFC2136, desired)
    found = ses_identities.converged()
    assert identitydns.unpublish_groups(None, desired, found, "eu-west-1") == {}
    assert identitydns.unpublish_groups(where, desired, None, "eu-west-1") == {}
    groups = identitydns.unpublish_groups(where, desired, found, "eu-west-1")
    assert groups == dnsrecords.group_records(ses.records_for(desired, found, "eu-west-1"))
    assert sum(rtype == "CNAME" for _, rtype in groups) == 3


def test_records_lines():
    assert identitydns.records_lines([]) == ["No DNS records to publish."]
    records = ses.records_for(ses_identities.desired(), ses_identities.converged(), "eu-west-1")
    heading, zone_file = identitydns.records_lines(records)
    assert heading == "DNS records to publish (zone-file form):"
    assert "_dmarc.example.org." in zone_file
