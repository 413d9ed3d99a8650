"""aws_s3 through Salt's loader against moto's in-process S3 (what a bucket holds, its region),
with botocore's Stubber where moto cannot say what AWS does (a bucket of another account, a
create not visible yet, pages of versions)."""

import awsrunbook.client
import boto3
import pytest
from botocore.stub import ANY, Stubber
from salt.exceptions import CommandExecutionError

from tests.support.calls import recorded_calls

BUCKET = "ocp-backups"
PAB = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
RULES = [
    {
        "ID": "expire-old-versions",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
    }
]


def stubbed(region="us-east-1"):
    """A Stubber on the very client aws_s3 gets for ``region`` (clients are cached)."""
    return Stubber(awsrunbook.client.client("s3", {"region": region}))


def test_bucket_region(modules):
    assert modules.aws_s3.bucket_region(BUCKET, region="us-east-1") is None
    assert modules.aws_s3.create_bucket(BUCKET, region="eu-west-2") is True
    modules.aws_s3.create_bucket("ocp-virginia", region="us-east-1")
    # Asked from any region, the answer is where the bucket lives.
    assert modules.aws_s3.bucket_region(BUCKET, region="us-east-1") == "eu-west-2"
    assert modules.aws_s3.bucket_region("ocp-virginia", region="eu-west-2") == "us-east-1"


def test_create_bucket_sends_a_location_constraint_outside_us_east_1(modules):
    with stubbed("us-east-1") as stub:
        stub.add_response("create_bucket", {}, {"Bucket": BUCKET})
        modules.aws_s3.create_bucket(BUCKET, region="us-east-1")
        stub.assert_no_pending_responses()
    with stubbed("ap-south-1") as stub:
        stub.add_response(
            "create_bucket",
            {},
            {"Bucket": BUCKET, "CreateBucketConfiguration": {"LocationConstraint": "ap-south-1"}},
        )
        modules.aws_s3.create_bucket(BUCKET, region="ap-south-1")
        stub.assert_no_pending_responses()


def test_a_bucket_of_another_account_is_explained(modules):
    with stubbed() as stub:
        stub.add_client_error("head_bucket", "403", "Forbidden", http_status_code=403)
        with pytest.raises(CommandExecutionError, match=r"bucket ocp-backups exists but these"):
            modules.aws_s3.bucket_region(BUCKET, region="us-east-1")


def test_other_head_errors_name_the_operation(modules):
    with stubbed() as stub:
        stub.add_client_error("head_bucket", "400", "Bad Request", http_status_code=400)
        with pytest.raises(CommandExecutionError, match=r"^HeadBucket on ocp-backups failed: 400"):
            modules.aws_s3.bucket_region(BUCKET, region="us-east-1")


def test_without_a_region_header_the_location_is_asked(modules):
    with stubbed() as stub:
        stub.add_response("head_bucket", {"ResponseMetadata": {"HTTPHeaders": {}}}, {"Bucket": "a"})
        stub.add_response("get_bucket_location", {}, {"Bucket": "a"})  # us-east-1 says nothing
        stub.add_response("head_bucket", {"ResponseMetadata": {"HTTPHeaders": {}}}, {"Bucket": "b"})
        stub.add_response(
            "get_bucket_location", {"LocationConstraint": "sa-east-1"}, {"Bucket": "b"}
        )
        assert modules.aws_s3.bucket_region("a", region="us-east-1") == "us-east-1"
        assert modules.aws_s3.bucket_region("b", region="us-east-1") == "sa-east-1"
        stub.assert_no_pending_responses()


def test_describe_bucket_reads_back_what_the_writes_set(modules):
    assert modules.aws_s3.describe_bucket(BUCKET, region="eu-west-2") is None
    modules.aws_s3.create_bucket(BUCKET, region="eu-west-2")
    bare = modules.aws_s3.describe_bucket(BUCKET, region="us-east-1")
    assert bare["region"] == "eu-west-2"
    assert bare["public_access_block"] is None and bare["lifecycle_rules"] == []
    modules.aws_s3.put_public_access_block(BUCKET, PAB, region="eu-west-2")
    modules.aws_s3.put_encryption(BUCKET, region="eu-west-2")
    modules.aws_s3.put_lifecycle(BUCKET, RULES, region="eu-west-2")
    with recorded_calls() as calls:
        described = modules.aws_s3.describe_bucket(BUCKET, region="us-east-1")
    (rule,) = described.pop("encryption")  # AWS adds BucketKeyEnabled to it
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert described == {
        "region": "eu-west-2",
        "public_access_block": PAB,
        "lifecycle_rules": RULES,
    }
    assert sorted(operation for _, operation in calls) == [
        "GetBucketEncryption",
        "GetBucketLifecycleConfiguration",
        "GetPublicAccessBlock",
        "HeadBucket",
    ]
    modules.aws_s3.put_lifecycle(BUCKET, [], region="eu-west-2")  # no rules: none kept
    assert modules.aws_s3.describe_bucket(BUCKET, region="eu-west-2")["lifecycle_rules"] == []


def test_a_write_just_after_the_create_waits_for_it_to_show(modules, slept):
    with stubbed() as stub:
        for _ in range(2):
            stub.add_client_error(
                "put_public_access_block", "NoSuchBucket", "gone", http_status_code=404
            )
        stub.add_response(
            "put_public_access_block", {}, {"Bucket": BUCKET, "PublicAccessBlockConfiguration": PAB}
        )
        assert modules.aws_s3.put_public_access_block(BUCKET, PAB, region="us-east-1") is True
        stub.assert_no_pending_responses()
    assert slept == [0.5, 1.0]


def test_a_refused_write_is_not_repeated(modules, slept):
    with stubbed() as stub:
        stub.add_client_error("put_bucket_encryption", "AccessDenied", "Access Denied", 403)
        with pytest.raises(
            CommandExecutionError,
            match=r"^PutBucketEncryption on ocp-backups failed: AccessDenied: Access Denied$",
        ):
            modules.aws_s3.put_encryption(BUCKET, region="us-east-1")
    assert slept == []


def test_is_empty_counts_old_versions_and_delete_markers(modules):
    modules.aws_s3.create_bucket(BUCKET, region="us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    assert modules.aws_s3.is_empty(BUCKET, region="us-east-1") is True
    s3.put_object(Bucket=BUCKET, Key="dump.sql", Body=b"x")
    s3.delete_object(Bucket=BUCKET, Key="dump.sql")  # leaves a version and a delete marker
    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
    assert modules.aws_s3.is_empty(BUCKET, region="us-east-1") is False


def test_delete_bucket_refuses_a_full_bucket_unless_forced(modules):
    modules.aws_s3.create_bucket(BUCKET, region="us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    for n in range(3):
        s3.put_object(Bucket=BUCKET, Key="dump.sql", Body=str(n).encode())
    s3.delete_object(Bucket=BUCKET, Key="dump.sql")
    with pytest.raises(CommandExecutionError, match=r"^DeleteBucket on ocp-backups failed: Bucket"):
        modules.aws_s3.delete_bucket(BUCKET, region="us-east-1")
    assert modules.aws_s3.delete_bucket(BUCKET, force=True, region="us-east-1") is True
    assert modules.aws_s3.bucket_region(BUCKET, region="us-east-1") is None


def test_a_forced_delete_empties_every_page_of_versions(modules):
    pages = [
        {
            "IsTruncated": True,
            "NextKeyMarker": "b",
            "NextVersionIdMarker": "v2",
            "Versions": [{"Key": "a", "VersionId": "v1"}, {"Key": "b", "VersionId": "v2"}],
        },
        {"IsTruncated": False, "DeleteMarkers": [{"Key": "c", "VersionId": "v3"}]},
    ]
    with stubbed() as stub:
        stub.add_response("list_object_versions", pages[0], {"Bucket": BUCKET})
        stub.add_response(
            "delete_objects",
            {},
            {
                "Bucket": BUCKET,
                "Delete": {
                    "Objects": [{"Key": "a", "VersionId": "v1"}, {"Key": "b", "VersionId": "v2"}],
                    "Quiet": True,
                },
            },
        )
        stub.add_response(
            "list_object_versions",
            pages[1],
            {"Bucket": BUCKET, "KeyMarker": "b", "VersionIdMarker": "v2"},
        )
        stub.add_response(
            "delete_objects",
            {},
            {
                "Bucket": BUCKET,
                "Delete": {"Objects": [{"Key": "c", "VersionId": "v3"}], "Quiet": ANY},
            },
        )
        stub.add_response("delete_bucket", {}, {"Bucket": BUCKET})
        assert modules.aws_s3.delete_bucket(BUCKET, force=True, region="us-east-1") is True
        stub.assert_no_pending_responses()
