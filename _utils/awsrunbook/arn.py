"""ARNs and endpoints, partition-aware: ``arn:aws:...`` in the commercial regions,
``arn:aws-cn:...`` in China, ``arn:aws-us-gov:...`` in GovCloud. The partition comes from
botocore's endpoint data for the region, so no call is needed."""

from __future__ import annotations

import functools

import botocore.session


@functools.lru_cache(maxsize=1)
def endpoint_data() -> botocore.session.Session:
    """One botocore session for reading its endpoint data (regions, partitions): each new
    session decodes that data again (about 0.1 s of CPU)."""
    return botocore.session.get_session()


@functools.lru_cache(maxsize=64)
def partition_of(region: str) -> str:
    """The partition ``region`` belongs to (``aws`` for a region botocore does not know)."""
    session = endpoint_data()
    try:
        return session.get_partition_for_region(region)
    except Exception:  # botocore raises UnknownRegionError, or ValueError on older versions
        return "aws"


@functools.lru_cache(maxsize=64)
def s3_endpoint(region: str) -> str:
    """The S3 endpoint host of ``region`` (``s3.eu-west-2.amazonaws.com``), as pgBackRest's
    ``repo1-s3-endpoint`` wants it."""
    # A private botocore API, which botocore-stubs leaves out.
    resolver = endpoint_data()._get_internal_component("endpoint_resolver")  # type: ignore[attr-defined]
    return f"s3.{region}.{resolver.get_partition_dns_suffix(partition_of(region))}"


def arn(service: str, resource: str, *, partition: str, region: str = "", account: str = "") -> str:
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


def s3_bucket(bucket: str, partition: str) -> str:
    return arn("s3", bucket, partition=partition)


def iam_policy(name: str, account: str, partition: str, path: str = "/") -> str:
    return arn("iam", f"policy{path}{name}", partition=partition, account=account)


def ses_identity(identity: str, region: str, account: str) -> str:
    return arn(
        "ses",
        f"identity/{identity}",
        partition=partition_of(region),
        region=region,
        account=account,
    )


def account_of(value: str) -> str:
    """The account field of an ARN (``""`` for AWS-managed resources' ``aws``)."""
    account = value.split(":", 5)[4]
    return account if account.isdigit() else ""
