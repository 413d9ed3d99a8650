"""awsrunbook.s3: the lifecycle rule as S3's API spells it. The planners that use it are
tested with their states (tests/unit/states/test_s3_backup_bucket.py) and the verification
bucket (tests/unit/utils/test_awsrunbook_receipt.py)."""

from awsrunbook import s3

RULE = s3.lifecycle_rule("delete-after-30-days", 30, 7)


def test_lifecycle_rule_is_the_runbooks():
    assert RULE == {
        "ID": "delete-after-30-days",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "Expiration": {"Days": 30},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }
    no_expiry = s3.lifecycle_rule("keep", None, 7)
    assert "Expiration" not in no_expiry
    assert s3.lifecycle_rule("x", None, None) is None
