"""ses_smtp_user through Salt's loader, against moto."""

import json

import boto3
import pytest
import yaml
from salt.exceptions import SaltInvocationError

from tests.support.calls import recorded_calls, writes

PILLAR = """\
# web1's secrets: edited by salt, comments kept
smtp:
  # relay through SES
  host: old.example.org
other: kept  # unrelated
"""


@pytest.fixture
def pillar_file(tmp_path):
    path = tmp_path / "private" / "web1.sls"
    path.parent.mkdir()
    path.write_text(PILLAR)
    return path


def present(states, pillar_file, test=False, **extra):
    args = {"regions": ["us-east-1"], "pillar_file": str(pillar_file), **extra}
    return states.ses_smtp_user.present(name="ses-smtp-web1", test=test, **args)


def iam():
    return boto3.client("iam", "us-east-1")


def secrets_in(ret):
    return json.dumps([ret.changes, ret.comment], default=str)


def test_test_mode_writes_nothing(states, pillar_file):
    with recorded_calls() as calls:
        ret = present(states, pillar_file, test=True)
    assert ret.result is None
    assert set(ret.changes) == {"user", "policy", "access_key_id", "smtp_password"}
    assert ret.changes["smtp_password"] == f"written to {pillar_file}"
    assert writes(calls) == []
    assert pillar_file.read_text() == PILLAR


def test_create_writes_pillar_and_converges(states, pillar_file, modules):
    ret = present(states, pillar_file)
    assert ret.result is True, ret.comment
    data = yaml.safe_load(pillar_file.read_text())
    keys = iam().list_access_keys(UserName="ses-smtp-web1")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [data["smtp"]["username"]]
    assert data["smtp"]["host"] == "email-smtp.us-east-1.amazonaws.com"
    assert data["smtp"]["port"] == 587
    password = data["smtp"]["password"]
    assert len(password) == 44 and password.startswith("B")
    assert data["other"] == "kept"
    text = pillar_file.read_text()
    assert "# relay through SES" in text and "# unrelated" in text
    assert (pillar_file.stat().st_mode & 0o777) == 0o600
    assert password not in secrets_in(ret)
    assert ret.changes["access_key_id"]["new"] == data["smtp"]["username"]

    policy = iam().get_user_policy(UserName="ses-smtp-web1", PolicyName="AmazonSesSendingAccess")
    assert policy["PolicyDocument"]["Statement"][0]["Action"] == "ses:SendRawEmail"

    for test in (True, False):
        with recorded_calls() as calls:
            again = present(states, pillar_file, test=test)
        assert again.result is True, again.comment
        assert again.changes == {}
        assert writes(calls) == []
    assert yaml.safe_load(pillar_file.read_text()) == data


def test_drift_corrected(states, pillar_file):
    assert present(states, pillar_file).result is True
    before = yaml.safe_load(pillar_file.read_text())
    iam().put_user_policy(
        UserName="ses-smtp-web1",
        PolicyName="AmazonSesSendingAccess",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ses:*", "Resource": "*"}],
            }
        ),
    )
    text = pillar_file.read_text().replace("port: 587", "port: 25")
    pillar_file.write_text(text)

    dry = present(states, pillar_file, test=True)
    assert dry.result is None
    assert set(dry.changes) == {"policy", "pillar smtp:port"}
    assert dry.changes["pillar smtp:port"] == {"old": 25, "new": 587}

    fixed = present(states, pillar_file)
    assert fixed.result is True, fixed.comment
    assert set(fixed.changes) == {"policy", "pillar smtp:port"}
    assert yaml.safe_load(pillar_file.read_text()) == before
    with recorded_calls() as calls:
        assert present(states, pillar_file).changes == {}
    assert writes(calls) == []


def test_identities_restrict_the_policy(states, pillar_file):
    ret = present(states, pillar_file, identities=["open-contracting.org", "noreply@Example.ORG"])
    assert ret.result is True, ret.comment
    doc = iam().get_user_policy(UserName="ses-smtp-web1", PolicyName="AmazonSesSendingAccess")[
        "PolicyDocument"
    ]
    assert doc["Statement"][0]["Resource"] == [
        "arn:aws:ses:us-east-1:123456789012:identity/open-contracting.org",
        # An address identity is case-sensitive in SES: the policy names it as declared.
        "arn:aws:ses:us-east-1:123456789012:identity/noreply@Example.ORG",
    ]


def test_several_regions_one_key(states, pillar_file):
    ret = present(states, pillar_file, regions=["us-east-1", "eu-west-1"])
    assert ret.result is True, ret.comment
    smtp = yaml.safe_load(pillar_file.read_text())["smtp"]
    east, west = smtp["us-east-1"], smtp["eu-west-1"]
    assert east["username"] == west["username"]
    assert east["password"] != west["password"]
    assert west["host"] == "email-smtp.eu-west-1.amazonaws.com"
    assert len(iam().list_access_keys(UserName="ses-smtp-web1")["AccessKeyMetadata"]) == 1
    with recorded_calls() as calls:
        assert present(states, pillar_file, regions=["us-east-1", "eu-west-1"]).changes == {}
    assert writes(calls) == []


def test_rotation_replaces_the_key(states, pillar_file):
    assert present(states, pillar_file).result is True
    old_id = yaml.safe_load(pillar_file.read_text())["smtp"]["username"]
    # a key the pillar file no longer references: replaced, the old one deleted after
    text = pillar_file.read_text().replace(old_id, "AKIAEXAMPLEGONE00000")
    pillar_file.write_text(text)
    ret = present(states, pillar_file)
    assert ret.result is True, ret.comment
    new_id = yaml.safe_load(pillar_file.read_text())["smtp"]["username"]
    assert new_id != old_id
    keys = [
        k["AccessKeyId"]
        for k in iam().list_access_keys(UserName="ses-smtp-web1")["AccessKeyMetadata"]
    ]
    assert sorted(keys) == sorted([old_id, new_id])
    assert f"access keys not in {pillar_file}: {old_id}" in ret.comment
    pruned = present(states, pillar_file, prune_keys=True)
    assert pruned.changes == {"deleted_access_keys": {"old": [old_id], "new": []}}


def test_absent(states, pillar_file):
    assert present(states, pillar_file).result is True
    dry = states.ses_smtp_user.absent(
        name="ses-smtp-web1", pillar_file=str(pillar_file), regions=["us-east-1"], test=True
    )
    assert dry.result is None
    assert set(dry.changes) == {"policy", "user", "pillar"}
    assert "password" in pillar_file.read_text()

    gone = states.ses_smtp_user.absent(
        name="ses-smtp-web1", pillar_file=str(pillar_file), regions=["us-east-1"]
    )
    assert gone.result is True, gone.comment
    assert iam().list_users()["Users"] == []
    assert yaml.safe_load(pillar_file.read_text()) == {"other": "kept"}
    with recorded_calls() as calls:
        again = states.ses_smtp_user.absent(
            name="ses-smtp-web1", pillar_file=str(pillar_file), regions=["us-east-1"]
        )
    assert again.result is True and again.changes == {}
    assert writes(calls) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"regions": []}, "regions: give one or more SES regions"),
        ({"regions": ["us-east-1", "mars-north-1"]}, "regions: unknown AWS region"),
        ({"regions": ["ap-east-1"]}, "regions: has no SES endpoint"),
        ({"pillar_keys": {"username": "smtp:x", "password": "smtp:x:pw"}}, "the same place"),
        (
            {"regions": "eu-west-1", "pillar_file": "relative.sls"},
            "pillar_file: must be an absolute",
        ),
        (
            {"regions": ["us-east-1", "eu-west-1"], "pillar_keys": {"password": "smtp:password"}},
            "pillar_keys:password: with several regions, must contain the {region} placeholder",
        ),
        ({"pillar_keys": {"secret": "aws:secret_key"}}, "pillar_keys: unknown name(s)"),
        ({"identities": ["not a domain"]}, "identities: is not a valid domain name"),
    ],
)
def test_bad_input_fails_before_any_call(states, pillar_file, args, message):
    args = {"regions": ["us-east-1"], "pillar_file": str(pillar_file), **args}
    with recorded_calls() as calls:
        ret = states.ses_smtp_user.present(name="ses-smtp-web1", **args)
    assert ret.result is False
    assert message in ret.comment
    assert calls == []


def test_credentials_from_a_long_term_key_into_pillar(modules, pillar_file):
    from awsrunbook.ses import smtp_password

    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    with recorded_calls() as calls:
        result = modules.aws_ses_smtp.smtp_credentials_into_pillar(
            str(pillar_file), "eu-west-1", keyid="AKIAIOSFODNN7EXAMPLE", key=secret
        )
    assert calls == []
    assert secret not in repr(result)
    smtp = yaml.safe_load(pillar_file.read_text())["smtp"]
    assert smtp["username"] == "AKIAIOSFODNN7EXAMPLE"
    assert smtp["password"] == smtp_password(secret, "eu-west-1")
    assert smtp["host"] == "email-smtp.eu-west-1.amazonaws.com"
    assert smtp_password(secret, "eu-west-1") not in repr(result)
    assert "# relay through SES" in pillar_file.read_text()


@pytest.mark.parametrize(
    "conn",
    [
        {"role_arn": "arn:aws:iam::123456789012:role/admin"},
        {"session_token": "FwoGZXIvYXdzEXAMPLE"},
    ],
)
def test_session_credentials_are_refused(modules, pillar_file, monkeypatch, conn):
    if "session_token" in conn:
        monkeypatch.setenv("AWS_SESSION_TOKEN", conn.pop("session_token"))
    with recorded_calls() as calls, pytest.raises(SaltInvocationError, match="temporary"):
        modules.aws_ses_smtp.smtp_credentials_into_pillar(str(pillar_file), "us-east-1", **conn)
    assert calls == []
    assert pillar_file.read_text() == PILLAR
