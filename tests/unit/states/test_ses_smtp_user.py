"""ses_smtp_user's pillar layouts and planner."""

from awsrunbook import iam

from _states import (
    ses_smtp_user,
)


def test_policy_document():
    assert iam.ses_sending_policy_document(["us-east-1"], None)["Statement"] == [
        {"Effect": "Allow", "Action": "ses:SendRawEmail", "Resource": "*"}
    ]
    doc = iam.ses_sending_policy_document(
        {"us-east-1": "aws", "eu-west-1": "aws", "cn-north-1": "aws-cn"}, "1", ["example.org"]
    )
    assert doc["Statement"][0]["Resource"] == [
        "arn:aws:ses:us-east-1:1:identity/example.org",
        "arn:aws:ses:eu-west-1:1:identity/example.org",
        "arn:aws-cn:ses:cn-north-1:1:identity/example.org",
    ]


def test_plan_user():
    doc = iam.ses_sending_policy_document(["us-east-1"], None)
    fields = [s["field"] for s in ses_smtp_user.plan_user("u", "p", doc, None, None, False)]
    assert fields == ["user", "policy"]
    assert ses_smtp_user.plan_user("u", "p", doc, {"arn": "x"}, doc, True) == []
    changed = ses_smtp_user.plan_user("u", "p", doc, {"arn": "x"}, {"Statement": []}, False)
    assert [(s["field"], s["call"]) for s in changed] == [("policy", "aws_iam.put_user_policy")]
