"""Regions, partitions and endpoints, from botocore's endpoint data (no call is needed): the
regions a state may name, the ones where SES has an endpoint, the partition of a region
(``aws``, ``aws-cn``, ``aws-us-gov``) and S3's endpoint host.

It reads botocore's data, so the pure modules take a partition or an endpoint as an argument
instead of importing it."""

from __future__ import annotations

import functools

import botocore.session

from awsrunbook import validate as valid


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


@functools.lru_cache(maxsize=1)
def _known_regions() -> frozenset[str]:
    session = endpoint_data()
    regions = set()
    for partition in session.get_available_partitions():
        for service in ("s3", "iam", "sts", "ses", "sesv2", "sns"):
            regions.update(session.get_available_regions(service, partition))
    return frozenset(regions)


def region(value: object, arg: str = "region") -> str | None:
    """A region botocore knows. Checked here so a typo fails before any call, not as a DNS
    error from an endpoint that does not exist."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in _known_regions():
        valid.fail(arg, "unknown AWS region", value)
    return value


@functools.lru_cache(maxsize=1)
def ses_regions() -> frozenset[str]:
    """The one list of regions where SES has an endpoint (botocore's endpoint data for SES
    v2, which every SES state and module checks through ``ses_region``)."""
    session = endpoint_data()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("sesv2", partition)
    )


def ses_region(value: object, arg: str = "region") -> str:
    """A region where SES has an endpoint (its API and SMTP interface): not every region
    does (ap-east-1, for one), and an SMTP host there would not exist."""
    region(value, arg)
    if value not in ses_regions():
        valid.fail(arg, "has no SES endpoint (see the SES regions in AWS's documentation)", value)
    return value
