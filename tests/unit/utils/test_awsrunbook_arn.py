"""``awsrunbook.arn``: ARNs and the S3 endpoint in each partition, from botocore's endpoint
data alone (no call)."""

import pytest
from awsrunbook import arn as arns

from tests.support.calls import recorded_network_calls


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
    assert arns.partition_of(region) == partition


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [
        ("eu-west-2", "s3.eu-west-2.amazonaws.com"),
        ("cn-northwest-1", "s3.cn-northwest-1.amazonaws.com.cn"),
        ("us-gov-east-1", "s3.us-gov-east-1.amazonaws.com"),
    ],
)
def test_s3_endpoint_has_the_partitions_dns_suffix(region, endpoint):
    assert arns.s3_endpoint(region) == endpoint


def test_arns_of_each_kind():
    assert arns.s3_bucket("backups", "aws-cn") == "arn:aws-cn:s3:::backups"
    assert (
        arns.iam_policy("backup-writer", "123456789012", "aws")
        == "arn:aws:iam::123456789012:policy/backup-writer"
    )
    assert (
        arns.iam_policy("w", "123456789012", "aws-us-gov", path="/runbook/")
        == "arn:aws-us-gov:iam::123456789012:policy/runbook/w"
    )
    assert (
        arns.arn("sns", "feedback", partition="aws", region="eu-west-1", account="123456789012")
        == "arn:aws:sns:eu-west-1:123456789012:feedback"
    )


def test_ses_identity_takes_the_partition_from_the_region():
    assert (
        arns.ses_identity("example.org", "cn-northwest-1", "123456789012")
        == "arn:aws-cn:ses:cn-northwest-1:123456789012:identity/example.org"
    )
    assert (
        arns.ses_identity("ops@example.org", "us-east-1", "123456789012")
        == "arn:aws:ses:us-east-1:123456789012:identity/ops@example.org"
    )


@pytest.mark.parametrize(
    ("arn", "account"),
    [
        ("arn:aws:iam::123456789012:policy/backup-writer", "123456789012"),
        ("arn:aws:iam::aws:policy/AmazonSESFullAccess", ""),  # AWS-managed
        ("arn:aws:s3:::bucket", ""),
        ("arn:aws:sns:us-east-1:123456789012:topic:with:colons", "123456789012"),
    ],
)
def test_account_of(arn, account):
    assert arns.account_of(arn) == account


def test_endpoint_data_is_read_once_and_nothing_is_sent():
    with recorded_network_calls() as calls:
        first = arns.endpoint_data()
        arns.s3_endpoint("ap-south-1")
        arns.partition_of("ap-south-1")
    assert arns.endpoint_data() is first
    assert calls == []
