"""ARNs, pure and partition-aware: ``arn:aws:...`` in the commercial regions,
``arn:aws-cn:...`` in China, ``arn:aws-us-gov:...`` in GovCloud. The caller gives the
partition (``awsrunbook.regions.partition_of`` reads it from botocore's endpoint data)."""

from __future__ import annotations


def arn(service: str, resource: str, *, partition: str, region: str = "", account: str = "") -> str:
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def s3_bucket(bucket: str, partition: str) -> str:
    return arn("s3", bucket, partition=partition)


def iam_policy(name: str, account: str, partition: str, path: str = "/") -> str:
    return arn("iam", f"policy{path}{name}", partition=partition, account=account)


def ses_identity(identity: str, region: str, account: str, partition: str) -> str:
    return arn("ses", f"identity/{identity}", partition=partition, region=region, account=account)


def account_of(value: str) -> str:
    """The account field of an ARN (``""`` for AWS-managed resources' ``aws``)."""
    account = value.split(":", 5)[4]
    return account if account.isdigit() else ""
