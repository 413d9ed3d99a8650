"""Amazon S3: the reads and writes behind ``s3_backup_bucket``.

Every function accepts the connection arguments ``region``, ``profile``, ``keyid``, ``key``
and ``role_arn`` (see README); without them boto3's environment and config are used.

CLI example::

    salt-call aws_s3.describe_bucket ocp-redmine-backup region=eu-west-2
"""

import concurrent.futures
import contextvars
from typing import TYPE_CHECKING

from awsrunbook import client as aws
from awsrunbook import errors

__virtualname__ = "aws_s3"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__


def __virtual__():
    return __virtualname__


def _s3(kwargs):
    return aws.connect("s3", kwargs, __salt__)


def bucket_region(bucket, **kwargs):
    """The region ``bucket`` lives in, or ``None`` when it does not exist.

    CLI example::

        salt-call aws_s3.bucket_region ocp-redmine-backup
    """
    s3, _ = _s3(kwargs)
    try:
        resp = aws.call(s3, "head_bucket", bucket, none_if=errors.NotFound, Bucket=bucket)
    except errors.AccessDenied as exc:
        raise exc.with_message(
            f"bucket {bucket} exists but these credentials may not use it: bucket "
            "names are global, so it may belong to another account (choose another "
            "name) or the credentials lack s3:ListBucket on it"
        ) from None
    if resp is None:
        return None
    region = resp.get("BucketRegion") or resp["ResponseMetadata"]["HTTPHeaders"].get(
        "x-amz-bucket-region"
    )
    if not region:
        location = aws.call(s3, "get_bucket_location", bucket, Bucket=bucket)
        region = location.get("LocationConstraint") or "us-east-1"
    return region


# What describe_bucket reads after HeadBucket; each answers errors.NotConfigured when not set.
_SETTINGS = (
    "get_public_access_block",
    "get_bucket_encryption",
    "get_bucket_lifecycle_configuration",
)


def describe_bucket(bucket, **kwargs):
    """What ``s3_backup_bucket`` manages on ``bucket``: region, public access block, default
    encryption rules and lifecycle rules. ``None`` when the bucket does not exist.

    CLI example::

        salt-call aws_s3.describe_bucket ocp-redmine-backup
    """
    region = bucket_region(bucket, **kwargs)
    if region is None:
        return None
    s3, _ = _s3(dict(kwargs, region=region))
    # The three settings are read at once: each is a round trip to AWS.
    with concurrent.futures.ThreadPoolExecutor(len(_SETTINGS), "awsrunbook-s3-bucket") as pool:
        reads = [
            pool.submit(
                contextvars.copy_context().run,
                aws.call,
                s3,
                operation,
                bucket,
                none_if=errors.NotConfigured,
                Bucket=bucket,
            )
            for operation in _SETTINGS
        ]
    pab, encryption, lifecycle = (read.result() for read in reads)
    return {
        "region": region,
        "public_access_block": pab["PublicAccessBlockConfiguration"] if pab else None,
        "encryption": (
            encryption["ServerSideEncryptionConfiguration"]["Rules"] if encryption else None
        ),
        "lifecycle_rules": lifecycle["Rules"] if lifecycle else [],
    }


def create_bucket(bucket, **kwargs):
    """Create ``bucket`` in the connection's region (S3 wants no LocationConstraint for
    us-east-1, and requires one everywhere else).

    CLI example::

        salt-call aws_s3.create_bucket ocp-redmine-backup region=eu-west-2
    """
    s3, conn = _s3(kwargs)
    region = aws.region_of(conn, __salt__.get("config.option"))
    params = {"Bucket": bucket}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    aws.call(s3, "create_bucket", bucket, **params)
    return True


def put_public_access_block(bucket, configuration, **kwargs):
    """Set the public access block of ``bucket`` to ``configuration`` (the four
    ``Block*``/``Ignore*``/``Restrict*`` booleans)."""
    s3, _ = _s3(kwargs)
    aws.call_after_create(
        s3,
        "put_public_access_block",
        bucket,
        Bucket=bucket,
        PublicAccessBlockConfiguration=configuration,
    )
    return True


def put_encryption(bucket, algorithm="AES256", **kwargs):
    """Turn on default encryption (``AES256`` is SSE-S3)."""
    s3, _ = _s3(kwargs)
    aws.call_after_create(
        s3,
        "put_bucket_encryption",
        bucket,
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}]
        },
    )
    return True


def put_lifecycle(bucket, rules, **kwargs):
    """Replace the lifecycle configuration of ``bucket`` with ``rules``; no rules deletes it."""
    s3, _ = _s3(kwargs)
    if rules:
        aws.call_after_create(
            s3,
            "put_bucket_lifecycle_configuration",
            bucket,
            Bucket=bucket,
            LifecycleConfiguration={"Rules": rules},
        )
    else:
        aws.call(s3, "delete_bucket_lifecycle", bucket, Bucket=bucket)
    return True


def is_empty(bucket, **kwargs):
    """True when ``bucket`` holds no objects, no old versions and no delete markers."""
    s3, _ = _s3(kwargs)
    resp = aws.call(s3, "list_object_versions", bucket, Bucket=bucket, MaxKeys=1)
    return not (resp.get("Versions") or resp.get("DeleteMarkers"))


def delete_bucket(bucket, force=False, **kwargs):
    """Delete ``bucket``; with ``force=True`` delete every object version in it first.

    CLI example::

        salt-call aws_s3.delete_bucket old-backups force=True
    """
    s3, _ = _s3(kwargs)
    if force:
        paginator = s3.get_paginator("list_object_versions")
        with aws.aws_errors("ListObjectVersions", bucket):
            for page in paginator.paginate(Bucket=bucket):
                objects = [
                    {"Key": item["Key"], "VersionId": item["VersionId"]}
                    for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
                ]
                if objects:
                    aws.call(
                        s3,
                        "delete_objects",
                        bucket,
                        Bucket=bucket,
                        Delete={"Objects": objects, "Quiet": True},
                    )
    aws.call(s3, "delete_bucket", bucket, Bucket=bucket)
    return True
