"""ses_smtp_user's pillar layouts and planner."""

import awsrunbook_iam as iam
import awsrunbook_keys as keys
import pytest
from salt.exceptions import SaltInvocationError

from _states import (
    ses_smtp_user,
)


def test_policy_document():
    assert iam.ses_sending_policy_document(["us-east-1"], None)["Statement"] == [
        {"Effect": "Allow", "Action": "ses:SendRawEmail", "Resource": "*"}
    ]
    doc = iam.ses_sending_policy_document(["us-east-1", "eu-west-1"], "1", ["example.org"])
    assert doc["Statement"][0]["Resource"] == [
        "arn:aws:ses:us-east-1:1:identity/example.org",
        "arn:aws:ses:eu-west-1:1:identity/example.org",
    ]


def test_region_paths_and_layouts():
    one = ses_smtp_user._paths(None, ["us-east-1"])
    assert one == ses_smtp_user.DEFAULT_PILLAR_KEYS
    several = ses_smtp_user._paths(None, ["us-east-1", "eu-west-1"])
    filled = ses_smtp_user.region_paths(several, ["us-east-1", "eu-west-1"])
    assert filled["eu-west-1"]["password"] == "smtp:eu-west-1:password"
    shared_user = ses_smtp_user._paths(
        {"username": "smtp:username", "port": None}, ["us-east-1", "eu-west-1"]
    )
    assert "port" not in shared_user and shared_user["username"] == "smtp:username"
    with pytest.raises(SaltInvocationError, match="pillar_keys:host"):
        ses_smtp_user._paths({"host": "smtp:host"}, ["us-east-1", "eu-west-1"])


def test_pillar_state_needs_every_region_under_one_key():
    per_region = ses_smtp_user.region_paths(
        ses_smtp_user.DEFAULT_MULTI_REGION_PILLAR_KEYS, ["us-east-1", "eu-west-1"]
    )
    pillar = {
        "smtp:us-east-1:username": "AKIA1",
        "smtp:us-east-1:password": True,
        "smtp:eu-west-1:username": "AKIA1",
        "smtp:eu-west-1:password": True,
    }
    id_paths = [p["username"] for p in per_region.values()]
    secret_paths = {p["password"]: "smtp_password:x" for p in per_region.values()}

    def found(values):
        key = keys.pillar_key("/p.sls", id_paths, secret_paths, {}, values)
        return key["key_id"], key["complete"]

    assert found(pillar) == ("AKIA1", True)
    assert found({**pillar, "smtp:eu-west-1:password": False})[1] is False
    assert found({**pillar, "smtp:eu-west-1:username": "AKIA2"})[1] is False


def test_plan_user():
    doc = iam.ses_sending_policy_document(["us-east-1"], None)
    fields = [s["field"] for s in ses_smtp_user.plan_user("u", "p", doc, None, None, False)]
    assert fields == ["user", "policy"]
    assert ses_smtp_user.plan_user("u", "p", doc, {"arn": "x"}, doc, True) == []
    changed = ses_smtp_user.plan_user("u", "p", doc, {"arn": "x"}, {"Statement": []}, False)
    assert [(s["field"], s["call"]) for s in changed] == [("policy", "aws_iam.put_user_policy")]
