"""Naming and counting what the benchmark's moto server saw."""

from benchmarks.operations import op_name, summarize


def test_s3_rest_requests_get_their_api_operation_names():
    assert op_name(("s3", "HEAD /bench-backup-001", False)) == "s3 HeadBucket"
    assert op_name(("s3", "GET /bench-backup-001?lifecycle", False)) == (
        "s3 GetBucketLifecycleConfiguration"
    )
    assert op_name(("s3", "PUT /bench-backup-001?publicAccessBlock", True)) == (
        "s3 PutPublicAccessBlock"
    )
    assert op_name(("s3", "GET /", False)) == "s3 ListBuckets"


def test_ses_v2_requests_are_named_apart_from_v1_with_names_folded():
    assert op_name(("ses", "GET /v2/email/identities/bench-007.example.org", False)) == (
        "sesv2 GetEmailIdentity"
    )
    assert op_name(("ses", "GetIdentityNotificationAttributes", False)) == (
        "ses GetIdentityNotificationAttributes"
    )
    assert op_name(("iam", "ListAccessKeys", False)) == "iam ListAccessKeys"


def test_summarize_counts_operations_writes_and_each_services_reads_and_writes():
    calls = [
        ("s3", "HEAD /bench-backup-000", False),
        ("s3", "HEAD /bench-backup-001", False),
        ("s3", "PUT /bench-backup-001", True),
        ("ses", "GET /v2/email/identities/bench-000.example.org", False),
        ("ses", "SetIdentityNotificationTopic", True),
        ("sts", "GetCallerIdentity", False),
    ]
    summary = summarize(calls)
    assert summary["calls"] == 6
    assert summary["writes"] == 2
    assert summary["ops"]["s3 HeadBucket"] == 2
    assert summary["writes_ops"] == {"s3 CreateBucket": 1, "ses SetIdentityNotificationTopic": 1}
    assert summary["services"] == {
        "s3": {"reads": 2, "writes": 1},
        "ses": {"reads": 1, "writes": 1},
        "sts": {"reads": 1},
    }
