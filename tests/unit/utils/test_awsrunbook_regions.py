"""awsrunbook.regions: the region checks, partitions and endpoints, from botocore's data."""

import pytest
from awsrunbook import regions
from salt.exceptions import SaltInvocationError

from tests.support.calls import recorded_network_calls


def test_region():
    assert regions.region("eu-west-2") == "eu-west-2"
    assert regions.region(None) is None
    with pytest.raises(
        SaltInvocationError, match=r"^region: unknown AWS region \(got 'eu-westt-2'\)"
    ):
        regions.region("eu-westt-2")


def test_ses_region_names_the_argument_for_a_region_without_ses():
    assert regions.ses_region("eu-west-1") == "eu-west-1"
    assert "eu-west-1" in regions.ses_regions()
    with pytest.raises(SaltInvocationError, match=r"^regions: has no SES endpoint"):
        regions.ses_region("ap-east-1", "regions")
    with pytest.raises(SaltInvocationError, match=r"^smtp_region: unknown AWS region"):
        regions.ses_region("mars-1", "smtp_region")


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("us-east-1", "aws"),
        ("eu-west-2", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("mars-north-1", "aws"),  # a region botocore does not know
    ],
)
def test_partition_of(region, partition):
    assert regions.partition_of(region) == partition


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [
        ("eu-west-2", "s3.eu-west-2.amazonaws.com"),
        ("cn-northwest-1", "s3.cn-northwest-1.amazonaws.com.cn"),
        ("us-gov-east-1", "s3.us-gov-east-1.amazonaws.com"),
    ],
)
def test_s3_endpoint_has_the_partitions_dns_suffix(region, endpoint):
    assert regions.s3_endpoint(region) == endpoint


def test_endpoint_data_is_read_once_and_nothing_is_sent():
    with recorded_network_calls() as calls:
        first = regions.endpoint_data()
        regions.s3_endpoint("ap-south-1")
        regions.partition_of("ap-south-1")
    assert regions.endpoint_data() is first
    assert calls == []
