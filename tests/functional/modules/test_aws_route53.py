"""aws_route53 through Salt's loader against moto's in-process Route 53 (record sets written and
read back), with botocore's Stubber for the request shapes and what moto cannot show (a change
still PENDING)."""

import awsrunbook.client
import boto3
import pytest
from botocore.stub import Stubber
from salt.exceptions import CommandExecutionError, SaltInvocationError

from tests.support.calls import recorded_calls

LONG = "v=DKIM1; k=rsa; p=" + "A" * 400


@pytest.fixture
def zone_id(aws):
    zone = boto3.client("route53").create_hosted_zone(Name="example.org", CallerReference="t")
    return zone["HostedZone"]["Id"].rsplit("/", 1)[-1]


def stubbed():
    return Stubber(awsrunbook.client.client("route53", {"region": "us-east-1"}))


def change_info(status):
    return {"ChangeInfo": {"Id": "C1", "Status": status, "SubmittedAt": "2026-12-06T00:00:00Z"}}


def expect_change(stub, change):
    """The one ChangeResourceRecordSets ``stub`` must see: ``change`` in zone Z1."""
    batch = {"Comment": "salt-aws-runbook", "Changes": [change]}
    stub.add_response(
        "change_resource_record_sets",
        change_info("PENDING"),
        {"HostedZoneId": "Z1", "ChangeBatch": batch},
    )


def test_hosted_zone_id_is_looked_up_once_per_run(modules, zone_id):
    with recorded_calls() as calls:
        assert modules.aws_route53.hosted_zone_id("Example.org.", region="us-east-1") == zone_id
        assert modules.aws_route53.hosted_zone_id("example.org", region="us-east-1") == zone_id
    assert calls == [("route53", "ListHostedZonesByName")]


def test_private_zones_do_not_count_and_two_public_ones_are_refused(modules, zone_id):
    route53 = boto3.client("route53", region_name="us-east-1")
    vpc = boto3.client("ec2", region_name="us-east-1").create_vpc(CidrBlock="10.0.0.0/16")
    route53.create_hosted_zone(
        Name="example.org",
        CallerReference="private",
        HostedZoneConfig={"PrivateZone": True},
        VPC={"VPCRegion": "us-east-1", "VPCId": vpc["Vpc"]["VpcId"]},
    )
    assert modules.aws_route53.hosted_zone_id("example.org", region="us-east-1") == zone_id
    second = route53.create_hosted_zone(Name="example.org", CallerReference="second")
    second_id = second["HostedZone"]["Id"].rsplit("/", 1)[-1]
    with pytest.raises(CommandExecutionError) as raised:
        modules.aws_route53.hosted_zone_id("example.org", region="eu-west-1")
    assert "2 public hosted zones named example.org" in str(raised.value)
    assert zone_id in str(raised.value) and second_id in str(raised.value)
    assert "give dns:zone_id" in str(raised.value)


def test_no_such_zone_and_a_bad_zone_name(modules, zone_id):
    with pytest.raises(CommandExecutionError, match=r"no public hosted zone named example\.com$"):
        modules.aws_route53.hosted_zone_id("example.com", region="us-east-1")
    with pytest.raises(SaltInvocationError, match=r"^zone: "):
        modules.aws_route53.hosted_zone_id("bad name!", region="us-east-1")


def test_set_then_get_a_long_txt_record_set(modules, zone_id):
    name = "sel._domainkey.example.org"
    assert modules.aws_route53.get_records("example.org", name, "TXT") == {
        "values": [],
        "ttl": None,
    }
    modules.aws_route53.set_records("example.org", name, "TXT", [LONG, "v=spf1 -all"])
    assert modules.aws_route53.get_records("example.org", name, "TXT", zone_id=zone_id) == {
        "values": sorted([LONG, "v=spf1 -all"]),
        "ttl": 1800,
    }
    # The next name in the zone is not this one's record set.
    assert modules.aws_route53.get_records("example.org", "a." + name, "TXT")["values"] == []
    assert modules.aws_route53.get_records("example.org", name, "MX")["values"] == []


def test_upsert_replaces_the_set_and_delete_sends_it_exactly(modules, zone_id):
    mx = ["10 mx1.example.org", "20 mx2.example.org"]
    modules.aws_route53.set_records("example.org", "example.org", "MX", mx, ttl=300)
    modules.aws_route53.set_records("example.org", "example.org", "MX", mx[:1], ttl=600)
    current = modules.aws_route53.get_records("example.org", "example.org", "MX")
    assert current == {"values": mx[:1], "ttl": 600}
    modules.aws_route53.set_records("example.org", "example.org", "MX", [], current=current)
    assert modules.aws_route53.get_records("example.org", "example.org", "MX")["values"] == []


def test_the_change_batch_is_in_zone_file_form(modules):
    change = {
        "Action": "UPSERT",
        "ResourceRecordSet": {
            "Name": "www.example.org.",
            "Type": "CNAME",
            "TTL": 1800,
            "ResourceRecords": [{"Value": "example.org."}],
        },
    }
    with stubbed() as stub:
        expect_change(stub, change)
        modules.aws_route53.set_records(
            "example.org", "www.example.org", "CNAME", ["example.org"], zone_id="Z1"
        )
        stub.assert_no_pending_responses()


def test_a_delete_sends_the_current_set_exactly(modules):
    """Route 53 deletes a record set only when told its TTL and values as they are."""
    txt = ["v=spf1 -all", "google-site-verification=abc"]
    change = {
        "Action": "DELETE",
        "ResourceRecordSet": {
            "Name": "example.org.",
            "Type": "TXT",
            "TTL": 300,
            "ResourceRecords": [
                {"Value": '"v=spf1 -all"'},
                {"Value": '"google-site-verification=abc"'},
            ],
        },
    }
    with stubbed() as stub:
        expect_change(stub, change)
        modules.aws_route53.set_records(
            "example.org",
            "example.org",
            "TXT",
            [],
            ttl=1800,  # not the set's: ignored
            current={"values": txt, "ttl": 300},
            zone_id="Z1",
        )
        stub.assert_no_pending_responses()


def test_alias_and_wildcard_record_sets(modules):
    sets = {
        "ResourceRecordSets": [
            {
                "Name": "\\052.example.org.",
                "Type": "A",
                "TTL": 60,
                "ResourceRecords": [{"Value": "192.0.2.2"}, {"Value": "192.0.2.1"}],
            }
        ],
        "IsTruncated": False,
        "MaxItems": "1",
    }
    alias = {
        "ResourceRecordSets": [
            {
                "Name": "example.org.",
                "Type": "A",
                "AliasTarget": {
                    "HostedZoneId": "Z2",
                    "DNSName": "d1.cloudfront.net.",
                    "EvaluateTargetHealth": False,
                },
            }
        ],
        "IsTruncated": False,
        "MaxItems": "1",
    }
    with stubbed() as stub:
        stub.add_response("list_resource_record_sets", sets)
        stub.add_response("list_resource_record_sets", alias)
        found = modules.aws_route53.get_records("example.org", "*.example.org", "A", zone_id="Z1")
        assert found == {"values": ["192.0.2.1", "192.0.2.2"], "ttl": 60}
        # An alias is not ours: it counts as no record set.
        assert modules.aws_route53.get_records("example.org", "example.org", "A", zone_id="Z1") == {
            "values": [],
            "ttl": None,
        }


def test_wait_polls_until_insync_backing_off(modules, slept):
    with stubbed() as stub:
        stub.add_response("change_resource_record_sets", change_info("PENDING"))
        for status in ("PENDING", "PENDING", "PENDING", "INSYNC"):
            stub.add_response("get_change", change_info(status), {"Id": "C1"})
        assert modules.aws_route53.set_records(
            "example.org", "a.example.org", "A", ["192.0.2.1"], zone_id="Z1", wait=600
        )
        stub.assert_no_pending_responses()
    assert slept == [2.0, 4.0, 8.0]


def test_wait_gives_up_after_its_timeout(modules):
    with stubbed() as stub:
        stub.add_response("change_resource_record_sets", change_info("PENDING"))
        stub.add_response("get_change", change_info("PENDING"), {"Id": "C1"})
        with pytest.raises(CommandExecutionError, match=r"^Route 53 change C1 still PENDING after"):
            modules.aws_route53.set_records(
                "example.org", "a.example.org", "A", ["192.0.2.1"], zone_id="Z1", wait=1e-9
            )
