"""s3_backup_bucket's lifecycle rule and planner."""

import pytest
from awsrunbook import s3
from salt.exceptions import SaltInvocationError

from _states import (
    s3_backup_bucket,
)

RULE = s3.lifecycle_rule("delete-after-30-days", 30, 7)


def converged(rules):
    return {
        "region": "eu-west-2",
        "public_access_block": dict(s3.PUBLIC_ACCESS_BLOCKED),
        "encryption": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}],
        "lifecycle_rules": rules,
    }


def test_plan_for_missing_bucket_creates_everything():
    steps = s3_backup_bucket.plan_bucket("b", None, "eu-west-2", {RULE["ID"]: RULE}, False)
    assert [s["field"] for s in steps] == [
        "bucket",
        "public_access_block",
        "encryption",
        "lifecycle_rules",
    ]
    assert steps[0]["new"] == {"region": "eu-west-2"}
    assert steps[3]["kwargs"]["rules"] == [RULE]


def test_converged_bucket_has_no_steps_and_kms_is_kept():
    # S3 may spell "whole bucket" as an empty filter; KMS encryption is not downgraded.
    as_read = dict(RULE, Filter={})
    assert (
        s3_backup_bucket.plan_bucket(
            "b", converged([as_read]), "eu-west-2", {RULE["ID"]: RULE}, False
        )
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
    steps = s3_backup_bucket.plan_bucket(
        "b", converged([foreign, edited]), "eu-west-2", {RULE["ID"]: RULE}, False
    )
    assert steps[0]["field"] == "lifecycle_rules"
    assert steps[0]["new"] == [foreign, RULE]
    exclusive = s3.plan_lifecycle([foreign, RULE], {RULE["ID"]: RULE}, True)
    assert exclusive == [RULE]
    assert s3.plan_lifecycle([foreign], {RULE["ID"]: None}, False) is None
    assert s3.plan_lifecycle([foreign, RULE], {RULE["ID"]: None}, False) == [foreign]


def test_several_rules_scoped_to_prefixes():
    wanted = s3_backup_bucket.desired_rules(
        {
            "delete-after-30-days": {"prefix": "incremental", "expire_days": 30},
            "pgbackrest-uploads": {"prefix": "/pgbackrest/", "expire_days": None},
        },
        s3_backup_bucket.SINGLE_DEFAULTS,
    )
    assert wanted["delete-after-30-days"]["Filter"] == {"Prefix": "incremental/"}
    assert wanted["delete-after-30-days"]["Expiration"] == {"Days": 30}
    pgbackrest = wanted["pgbackrest-uploads"]
    assert pgbackrest["Filter"] == {"Prefix": "pgbackrest/"} and "Expiration" not in pgbackrest
    assert pgbackrest["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    foreign = {"ID": "mine", "Status": "Enabled", "Filter": {"Prefix": "x/"}}
    planned = s3.plan_lifecycle([foreign], wanted, False)
    assert planned == [foreign, wanted["delete-after-30-days"], pgbackrest]


@pytest.mark.parametrize(
    ("rules", "single", "message"),
    [
        (None, {"expire_days": 99999999999}, "expire_days: must be at most 36500 days"),
        ({"r": {"expire_days": 0}}, {}, "rules:r:expire_days: must be a positive"),
        ({"r": {"prefix": "a*"}}, {}, "rules:r:prefix: must not contain wildcards"),
        ({"r": {"days": 3}}, {}, "rules:r: unknown key"),
        ({"r": {}}, {"expire_days": 10}, "rules: give either rules or"),
        ({}, {}, "rules: must map rule names"),
    ],
)
def test_rule_arguments_are_checked(rules, single, message):
    args = {**s3_backup_bucket.SINGLE_DEFAULTS, **single}
    with pytest.raises(SaltInvocationError, match=f"^{message}"):
        s3_backup_bucket.desired_rules(rules, args)


def single(**given):
    return {**s3_backup_bucket.SINGLE_DEFAULTS, **given}


def test_single_rule_keeps_the_runbooks_30_days():
    assert s3_backup_bucket.desired_rules(None, single()) == {RULE["ID"]: RULE}


def test_a_rule_in_rules_without_expire_days_expires_nothing():
    # Issue 21 item 4: a default must never delete data (a pgBackRest repository in the bucket).
    wanted = s3_backup_bucket.desired_rules(
        {"abort-uploads": {"abort_multipart_days": 7}}, single()
    )
    assert wanted == {
        "abort-uploads": {
            "ID": "abort-uploads",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        }
    }


def test_no_expiry_and_nothing_else_is_no_rule_at_all():
    # The runbook's rule name would claim a deletion it does not do: it is removed, not kept.
    assert s3_backup_bucket.desired_rules(None, single(expire_days=None)) == {
        "delete-after-30-days": None,
        "abort-incomplete-uploads": None,
    }
    abort_only = s3_backup_bucket.desired_rules(
        None, single(expire_days=None, abort_multipart_days=3)
    )
    assert abort_only == {
        "delete-after-30-days": None,
        "abort-incomplete-uploads": s3.lifecycle_rule("abort-incomplete-uploads", None, 3),
    }
    named = s3_backup_bucket.desired_rules(None, single(expire_days=None, rule_name="keep"))
    assert named == {"keep": None}


@pytest.mark.parametrize(
    ("expiring", "kept"),
    [
        ({"expire_days": 30}, "pgbackrest"),
        ({"expire_days": 30, "prefix": "pg"}, "pg/backrest"),
        ({"expire_days": 30, "prefix": "pgbackrest"}, "pgbackrest"),
        ({"expire_days": 30}, None),
    ],
)
def test_expiry_over_a_never_expiring_prefix_is_refused_naming_both(expiring, kept):
    rules = {"site": expiring, "pgbackrest": {"prefix": kept, "expire_days": None}}
    with pytest.raises(SaltInvocationError) as refused:
        s3_backup_bucket.desired_rules(rules, single())
    message = str(refused.value)
    assert message.startswith("rules:pgbackrest: says expire_days: null for ")
    assert "lifecycle rule 'site'" in message


def test_narrower_or_sibling_expiry_is_allowed():
    rules = {
        "site": {"prefix": "incremental", "expire_days": 30},
        "deep": {"prefix": "pgbackrest/tmp", "expire_days": 1},
        "pgbackrest": {"prefix": "pgbackrest", "expire_days": None},
    }
    assert set(s3_backup_bucket.desired_rules(rules, single())) == set(rules)


def test_expiry_already_on_the_bucket_over_a_never_expiring_prefix_is_refused():
    by_hand = {"ID": "by-hand", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 30}}
    rules = {"pgbackrest": {"prefix": "pgbackrest", "expire_days": None}}
    wanted = s3_backup_bucket.desired_rules(rules, single())
    never = s3_backup_bucket.never_expiring(rules, single())
    with pytest.raises(SaltInvocationError, match=r"^rules:pgbackrest: .*'by-hand'"):
        s3_backup_bucket.plan_bucket("b", converged([by_hand]), "eu-west-2", wanted, False, never)
    # exclusive_lifecycle removes the rule: nothing left to refuse.
    steps = s3_backup_bucket.plan_bucket(
        "b", converged([by_hand]), "eu-west-2", wanted, True, never
    )
    assert steps[0]["new"] == [wanted["pgbackrest"]]
    single_never = s3_backup_bucket.never_expiring(None, single(expire_days=None))
    with pytest.raises(SaltInvocationError, match=r"^expire_days: .*'by-hand'"):
        s3_backup_bucket.plan_bucket(
            "b", converged([by_hand]), "eu-west-2", {"x": None}, False, single_never
        )
