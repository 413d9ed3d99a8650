"""Pure planners of s3_backup_bucket and iam_backup_user, and the access-key plan."""

import datetime

import awsrunbook_keys as keys
import pytest

from tests.unit.loader_free import load

bucket_state = load("_states/s3_backup_bucket.py")
iam_module = load("_modules/aws_iam.py")
user_state = load("_states/iam_backup_user.py")

RULE = bucket_state.lifecycle_rule("delete-after-30-days", 30, 7)
NOW = datetime.datetime(2026, 11, 23, tzinfo=datetime.timezone.utc)


def test_lifecycle_rule_is_the_runbooks():
    assert RULE == {
        "ID": "delete-after-30-days",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "Expiration": {"Days": 30},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
    }
    no_expiry = bucket_state.lifecycle_rule("keep", None, 7)
    assert "Expiration" not in no_expiry
    assert bucket_state.lifecycle_rule("x", None, None) is None


def test_plan_for_missing_bucket_creates_everything():
    steps = bucket_state.plan_bucket("b", None, "eu-west-2", RULE, RULE["ID"], False)
    assert [s["field"] for s in steps] == [
        "bucket",
        "public_access_block",
        "encryption",
        "lifecycle_rules",
    ]
    assert steps[0]["new"] == {"region": "eu-west-2"}
    assert steps[3]["kwargs"]["rules"] == [RULE]


def converged(rules):
    return {
        "region": "eu-west-2",
        "public_access_block": dict(bucket_state.PUBLIC_ACCESS_BLOCKED),
        "encryption": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}],
        "lifecycle_rules": rules,
    }


def test_converged_bucket_has_no_steps_and_kms_is_kept():
    # S3 may spell "whole bucket" as an empty filter; KMS encryption is not downgraded.
    as_read = dict(RULE, Filter={})
    assert (
        bucket_state.plan_bucket("b", converged([as_read]), "eu-west-2", RULE, RULE["ID"], False)
        == []
    )


def test_foreign_rules_are_kept_unless_exclusive():
    foreign = {
        "ID": "other",
        "Status": "Enabled",
        "Filter": {"Prefix": "logs/"},
        "Expiration": {"Days": 5},
    }
    edited = dict(RULE, Expiration={"Days": 90})
    steps = bucket_state.plan_bucket(
        "b", converged([foreign, edited]), "eu-west-2", RULE, RULE["ID"], False
    )
    assert steps[0]["field"] == "lifecycle_rules"
    assert steps[0]["new"] == [foreign, RULE]
    exclusive = bucket_state.plan_lifecycle([foreign, RULE], RULE, RULE["ID"], True)
    assert exclusive == [RULE]
    assert bucket_state.plan_lifecycle([foreign], None, RULE["ID"], False) is None
    assert bucket_state.plan_lifecycle([foreign, RULE], None, RULE["ID"], False) == [foreign]


def test_backup_policy_documents():
    doc = user_state.backup_policy_document("ocp-backup")
    assert doc["Statement"] == [
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::ocp-backup"]},
        {
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
            "Resource": ["arn:aws:s3:::ocp-backup/*"],
        },
    ]
    scoped = user_state.backup_policy_document("pg", "kingfisher")
    assert scoped["Statement"][0]["Condition"] == {
        "StringEquals": {"s3:prefix": ["", "kingfisher"], "s3:delimiter": ["/"]}
    }
    assert scoped["Statement"][1]["Condition"] == {"StringLike": {"s3:prefix": ["kingfisher/*"]}}
    assert scoped["Statement"][2]["Resource"] == ["arn:aws:s3:::pg/kingfisher/*"]


def test_policy_comparison_ignores_iam_spelling_but_not_content():
    doc = user_state.backup_policy_document("b")
    respelled = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"},
            {
                "Effect": "Allow",
                "Action": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                "Resource": ["arn:aws:s3:::b/*"],
            },
        ],
    }
    canon = iam_module.canonical_document
    assert canon(respelled) == canon(doc)
    widened = user_state.backup_policy_document("b")
    widened["Statement"][1]["Action"].append("s3:*")
    assert canon(widened) != canon(doc)


def key(key_id, days_old, status="Active"):
    return {
        "AccessKeyId": key_id,
        "Status": status,
        "CreateDate": NOW - datetime.timedelta(days=days_old),
    }


def test_key_in_pillar_and_active_is_kept():
    plan = keys.plan_access_key([key("A", 10)], "A", True, NOW, 90, False)
    assert not plan["create"] and plan["error"] is None
    assert keys.plan_changes(plan, "/p.sls") == {}


@pytest.mark.parametrize(
    ("user_keys", "pillar_id", "has_secret", "reason"),
    [
        ([], None, False, "holds no access key"),
        ([key("A", 1)], "GONE", True, "GONE no longer exists"),
        ([key("A", 1, "Inactive")], "A", True, "A is inactive"),
        ([key("A", 1)], "A", False, "not its secret"),
        ([key("A", 100)], "A", True, "100 days old"),
    ],
)
def test_new_key_reasons(user_keys, pillar_id, has_secret, reason):
    plan = keys.plan_access_key(user_keys, pillar_id, has_secret, NOW, 90, False)
    assert plan["create"]
    assert reason in plan["reason"]


def test_rotation_writes_new_key_before_deleting_old():
    plan = keys.plan_access_key([key("A", 100)], "A", True, NOW, 90, False)
    assert plan["delete_before"] == [] and plan["replaces"] == "A"
    assert keys.plan_changes(plan, "/p.sls", "B") == {
        "access_key_id": {"old": "A", "new": "B"},
        "secret_access_key": "written to /p.sls",
        "deleted_access_keys": {"old": ["A"], "new": []},
    }


def test_two_key_limit_and_prune():
    full = [key("A", 100), key("X", 5)]
    stuck = keys.plan_access_key(full, "A", True, NOW, 90, False)
    assert "IAM's limit" in stuck["error"] and "prune_keys" in stuck["error"]
    pruned = keys.plan_access_key(full, "A", True, NOW, 90, True)
    assert pruned["error"] is None
    assert pruned["delete_before"] == ["X"] and pruned["replaces"] == "A"
    kept = keys.plan_access_key(full, "A", True, NOW, None, False)
    assert kept["unreferenced"] == ["X"] and kept["delete_after"] == []
    kept_pruned = keys.plan_access_key(full, "A", True, NOW, None, True)
    assert kept_pruned["delete_after"] == ["X"] and not kept_pruned["create"]


def test_plan_user_steps():
    doc = user_state.backup_policy_document("b")
    arn = "arn:aws:iam::1:policy/u"
    fresh = user_state.plan_user("u", "u", arn, doc, None, None, False)
    assert [s["field"] for s in fresh] == ["policy", "user", "attached_policies"]
    assert fresh[0]["call"] == "aws_iam.create_policy"
    current_policy = {"arn": arn, "document": doc}
    current_user = {"arn": "x", "attached_policies": [arn], "access_keys": []}
    assert user_state.plan_user("u", "u", arn, doc, current_policy, current_user, True) == []
    drifted = user_state.plan_user("u", "u", arn, doc, current_policy, current_user, False)
    assert [(s["field"], s["call"]) for s in drifted] == [("policy", "aws_iam.set_policy_document")]
