"""``awsrunbook.arn``: ARNs in each partition, the partition given (``awsrunbook.regions``
reads it from botocore's endpoint data: tests/unit/utils/test_awsrunbook_regions.py)."""

import pytest
from awsrunbook import arn as arns


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


def test_ses_identity_in_the_partition_given():
    assert (
        arns.ses_identity("example.org", "cn-northwest-1", "123456789012", "aws-cn")
        == "arn:aws-cn:ses:cn-northwest-1:123456789012:identity/example.org"
    )
    assert (
        arns.ses_identity("ops@example.org", "us-east-1", "123456789012", "aws")
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
