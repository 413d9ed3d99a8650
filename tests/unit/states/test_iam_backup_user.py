"""iam_backup_user's planner."""

from awsrunbook import iam

from _states import (
    iam_backup_user,
)


def test_plan_user_steps():
    doc = iam.backup_policy_document("b")
    arn = "arn:aws:iam::1:policy/u"
    fresh = iam_backup_user.plan_user("u", "u", arn, doc, None, None, False)
    assert [s["field"] for s in fresh] == ["policy", "user", "attached_policies"]
    assert fresh[0]["call"] == "aws_iam.create_policy"
    current_policy = {"arn": arn, "document": doc}
    current_user = {"arn": "x", "attached_policies": [arn], "access_keys": []}
    assert iam_backup_user.plan_user("u", "u", arn, doc, current_policy, current_user, True) == []
    drifted = iam_backup_user.plan_user("u", "u", arn, doc, current_policy, current_user, False)
    assert [(s["field"], s["call"]) for s in drifted] == [("policy", "aws_iam.set_policy_document")]


def test_managed_buckets_are_those_an_s3_backup_bucket_present_of_the_run_makes():
    lowstate = [
        {"state": "s3_backup_bucket", "fun": "present", "name": "ocp-made"},
        {"state": "s3_backup_bucket", "fun": "absent", "name": "ocp-removed"},
        {"state": "iam_backup_user", "fun": "present", "name": "ocp-user"},
    ]

    assert iam_backup_user.managed_buckets(lowstate) == {"ocp-made"}
    assert iam_backup_user.managed_buckets(None) == set()
