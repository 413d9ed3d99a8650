"""s3_backup_bucket through Salt's loader against moto in-process, both test modes."""

import boto3
import pytest
from awsrunbook import plans
from awsrunbook import state as st
from salt.exceptions import CommandExecutionError

from tests.support.calls import recorded_calls, writes
from tests.support.runbook import RUNBOOK_RULE as RULE


@pytest.fixture
def s3(aws):
    return boto3.client("s3", region_name="eu-west-2")


def present(states, test, **kwargs):
    kwargs.setdefault("region", "eu-west-2")
    return states.s3_backup_bucket.present("ocp-backup", test=test, **kwargs)


def test_test_mode_reports_the_plan_and_writes_nothing(states, s3):
    with recorded_calls() as calls:
        ret = present(states, test=True)
    assert ret.result is None
    assert set(ret.changes) == {"bucket", "public_access_block", "encryption", "lifecycle_rules"}
    assert ret.changes["lifecycle_rules"] == {"old": [], "new": [RULE]}
    assert writes(calls) == []
    assert "ocp-backup" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_create_then_converged_rerun_makes_no_writes(states, s3):
    planned = present(states, test=True).changes
    ret = present(states, test=False)
    assert ret.result is True
    assert ret.changes == planned, "test=True must report exactly what the real run changes"
    assert s3.get_bucket_location(Bucket="ocp-backup")["LocationConstraint"] == "eu-west-2"
    assert s3.get_bucket_lifecycle_configuration(Bucket="ocp-backup")["Rules"] == [RULE]
    assert s3.get_public_access_block(Bucket="ocp-backup")["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    rules = s3.get_bucket_encryption(Bucket="ocp-backup")["ServerSideEncryptionConfiguration"][
        "Rules"
    ]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    for test in (True, False):
        with recorded_calls() as calls:
            again = present(states, test=test)
        assert again.result is True and again.changes == {}
        assert writes(calls) == []
        print(f"converged s3_backup_bucket (test={test}): {len(calls)} read calls")


def test_drift_is_corrected_and_foreign_rules_kept(states, s3):
    present(states, test=False)
    foreign = {
        "ID": "logs",
        "Status": "Enabled",
        "Filter": {"Prefix": "logs/"},
        "Expiration": {"Days": 3},
    }
    s3.put_bucket_lifecycle_configuration(
        Bucket="ocp-backup",
        LifecycleConfiguration={"Rules": [dict(RULE, Expiration={"Days": 365}), foreign]},
    )
    s3.delete_public_access_block(Bucket="ocp-backup")
    preview = present(states, test=True)
    assert preview.result is None
    assert set(preview.changes) == {"public_access_block", "lifecycle_rules"}
    assert preview.changes["lifecycle_rules"]["new"] == [RULE, foreign]
    fixed = present(states, test=False)
    assert fixed.changes == preview.changes
    assert s3.get_bucket_lifecycle_configuration(Bucket="ocp-backup")["Rules"] == [RULE, foreign]

    exclusive = present(states, test=False, exclusive_lifecycle=True)
    assert exclusive.changes["lifecycle_rules"]["new"] == [RULE]
    assert s3.get_bucket_lifecycle_configuration(Bucket="ocp-backup")["Rules"] == [RULE]


def test_pgbackrest_bucket_has_no_lifecycle_rule(states, s3):
    # Issue 21 item 4: expire_days: null and nothing else is no rule at all, and a bucket that
    # had the runbook's rule (as an earlier version left it: abort only) loses it.
    present(states, test=False)
    s3.put_bucket_lifecycle_configuration(
        Bucket="ocp-backup",
        LifecycleConfiguration={"Rules": [{k: v for k, v in RULE.items() if k != "Expiration"}]},
    )
    ret = present(states, test=False, expire_days=None)
    assert ret.result is True, ret.comment
    assert ret.changes["lifecycle_rules"]["new"] == []
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchLifecycleConfiguration"):
        s3.get_bucket_lifecycle_configuration(Bucket="ocp-backup")
    assert present(states, test=False, expire_days=None).changes == {}
    explicit = present(states, test=False, expire_days=None, abort_multipart_days=3)
    assert explicit.result is True, explicit.comment
    assert s3.get_bucket_lifecycle_configuration(Bucket="ocp-backup")["Rules"] == [
        {
            "ID": "abort-incomplete-uploads",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 3},
        }
    ]


def test_rules_without_expire_days_never_expire_the_bucket(states, s3):
    ret = present(states, test=False, rules={"abort-uploads": {"abort_multipart_days": 7}})
    assert ret.result is True, ret.comment
    rules = s3.get_bucket_lifecycle_configuration(Bucket="ocp-backup")["Rules"]
    assert [rule["ID"] for rule in rules] == ["abort-uploads"]
    assert "Expiration" not in rules[0]


def test_a_hand_made_expiry_over_pgbackrest_is_refused_before_any_write(states, s3):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="shared-backups")
    by_hand = {"ID": "by-hand", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 30}}
    s3.put_bucket_lifecycle_configuration(
        Bucket="shared-backups", LifecycleConfiguration={"Rules": [by_hand]}
    )
    rules = {"pgbackrest-uploads": {"prefix": "pgbackrest", "expire_days": None}}
    with recorded_calls() as calls:
        ret = states.s3_backup_bucket.present("shared-backups", region="us-east-1", rules=rules)
    assert ret.result is False
    assert "rules:pgbackrest-uploads: says expire_days: null" in ret.comment
    assert "'by-hand'" in ret.comment
    assert writes(calls) == []


def test_bucket_in_another_region_is_reported(states, s3):
    boto3.client("s3", region_name="us-west-1").create_bucket(
        Bucket="ocp-backup", CreateBucketConfiguration={"LocationConstraint": "us-west-1"}
    )
    ret = present(states, test=False)
    assert ret.result is False
    assert "exists in us-west-1, not eu-west-2" in ret.comment


def test_absent_refuses_non_empty_bucket_unless_forced(states, s3):
    present(states, test=False)
    s3.put_object(Bucket="ocp-backup", Key="dump.sql.gz", Body=b"x")
    refused = states.s3_backup_bucket.absent("ocp-backup", region="eu-west-2")
    assert refused.result is False and "not empty" in refused.comment
    preview = states.s3_backup_bucket.absent("ocp-backup", force=True, test=True)
    assert preview.result is None and preview.changes == {
        "bucket": {"old": {"region": "eu-west-2"}, "new": None}
    }
    gone = states.s3_backup_bucket.absent("ocp-backup", force=True)
    assert gone.result is True and gone.changes == preview.changes
    assert "ocp-backup" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    again = states.s3_backup_bucket.absent("ocp-backup")
    assert again.result is True and again.changes == {}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "Bad_Name"}, "name: invalid S3 bucket name"),
        ({"expire_days": -1}, "expire_days: must be a positive whole number"),
        ({"abort_multipart_days": 0}, "abort_multipart_days: must be a positive whole number"),
        ({"region": "mars-north-1"}, "region: unknown AWS region"),
        ({"exclusive_lifecycle": "yes"}, "exclusive_lifecycle: must be true or false"),
        ({"expire_dayz": 3}, "expire_dayz: unknown argument"),
    ],
)
def test_bad_input_fails_before_any_call(states, kwargs, message):
    kwargs = {"name": "ocp-backup", "region": "eu-west-2", **kwargs}
    with recorded_calls() as calls:
        ret = states.s3_backup_bucket.present(**kwargs)
    assert ret.result is False
    assert message in ret.comment
    assert calls == []


def test_interrupted_run_reports_what_was_done_and_next_run_converges(states, s3, monkeypatch):
    import botocore.client
    import botocore.exceptions

    original = botocore.client.BaseClient._make_api_call

    def deny_lifecycle(self, operation, params):
        if operation == "PutBucketLifecycleConfiguration":
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, operation
            )
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", deny_lifecycle)
    failed = present(states, test=False)
    monkeypatch.undo()
    assert failed.result is False
    assert (
        "lifecycle_rules failed: PutBucketLifecycleConfiguration on ocp-backup failed: AccessDenied"
        in failed.comment
    )
    assert set(failed.changes) == {"bucket", "public_access_block", "encryption"}

    resumed = present(states, test=False)
    assert resumed.result is True and set(resumed.changes) == {"lifecycle_rules"}
    assert present(states, test=False).changes == {}


def test_a_shared_bucket_gets_one_rule_per_prefix(states, s3):
    rules = {
        "delete-after-30-days": {"prefix": "incremental", "expire_days": 30},
        "pgbackrest-uploads": {"prefix": "pgbackrest", "expire_days": None},
    }
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="shared-backups")
    s3.put_bucket_lifecycle_configuration(
        Bucket="shared-backups",
        LifecycleConfiguration={
            "Rules": [
                {
                    "ID": "by-hand",
                    "Status": "Enabled",
                    "Filter": {"Prefix": "tmp/"},
                    "Expiration": {"Days": 1},
                }
            ]
        },
    )
    ret = states.s3_backup_bucket.present("shared-backups", region="us-east-1", rules=rules)
    assert ret.result is True, ret.comment
    found = s3.get_bucket_lifecycle_configuration(Bucket="shared-backups")["Rules"]
    by_id = {rule["ID"]: rule for rule in found}
    assert set(by_id) == {"by-hand", "delete-after-30-days", "pgbackrest-uploads"}
    assert by_id["delete-after-30-days"]["Filter"] == {"Prefix": "incremental/"}
    assert "Expiration" not in by_id["pgbackrest-uploads"]
    with recorded_calls() as calls:
        again = states.s3_backup_bucket.present("shared-backups", region="us-east-1", rules=rules)
    assert again.changes == {} and writes(calls) == []


def test_absurd_retention_is_refused_before_any_call(states):
    with recorded_calls() as calls:
        ret = states.s3_backup_bucket.present(
            "b-absurd", region="us-east-1", expire_days=99999999999
        )
    assert ret.result is False and "expire_days: must be at most 36500 days" in ret.comment
    assert calls == []


def test_test_mode_checks_each_step_against_the_execution_functions_salt_loaded(modules):
    """What a misspelt call in a plan would do: fail in ``test=True``, through the functions
    as Salt's loader hands them out (their own signatures, the connection arguments
    included), instead of only on a real run."""
    conn = {"region": "eu-west-2"}
    good = plans.step("encryption", None, "AES256", "aws_s3.put_encryption", bucket="b")
    assert st.run_plan(st.new_ret("b"), [good], modules, conn, True, "bucket b")
    misspelt = plans.step("encryption", None, "AES256", "aws_s3.put_encription", bucket="b")
    missing = r"no execution function aws_s3\.put_encription"
    with pytest.raises(CommandExecutionError, match=missing):
        st.run_plan(st.new_ret("b"), [misspelt], modules, conn, True, "bucket b")
    # A misspelt argument leaves the one it stands for missing (an execution function's
    # **kwargs takes the connection arguments, and so would take the misspelling too).
    wrong = plans.step("encryption", None, "AES256", "aws_s3.put_encryption", bukcet="b")
    with pytest.raises(CommandExecutionError, match="missing a required argument: 'bucket'"):
        st.run_plan(st.new_ret("b"), [wrong], modules, conn, True, "bucket b")
