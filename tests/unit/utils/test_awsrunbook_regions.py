"""awsrunbook.regions: the region checks, partitions and endpoints, from botocore's data."""

import pytest
from awsrunbook import regions
from salt.exceptions import SaltInvocationError


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
    ("region", "partition", "endpoint"),
    [
        ("eu-west-2", "aws", "s3.eu-west-2.amazonaws.com"),
        ("cn-north-1", "aws-cn", "s3.cn-north-1.amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "s3.us-gov-west-1.amazonaws.com"),
    ],
)
def test_partition_and_s3_endpoint(region, partition, endpoint):
    assert regions.partition_of(region) == partition
    assert regions.s3_endpoint(region) == endpoint


def test_a_region_botocore_does_not_know_is_in_the_commercial_partition():
    assert regions.partition_of("xx-nowhere-9") == "aws"
