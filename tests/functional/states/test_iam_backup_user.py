"""iam_backup_user through Salt's loader against moto in-process, both test modes."""

import json
import os
import stat

import boto3
import pytest

from tests.support.calls import age_access_keys, recorded_calls, writes

POLICY_ARN = "arn:aws:iam::123456789012:policy/web1-backup"


@pytest.fixture
def iam(aws):
    return boto3.client("iam", region_name="us-east-1")


@pytest.fixture
def pillar_path(tmp_path):
    path = tmp_path / "private" / "web1.sls"
    path.parent.mkdir()
    path.write_text("# web1's secrets\nweb:\n  domain: example.org  # keep\n")
    return path


def present(states, pillar_path, test, **kwargs):
    kwargs.setdefault("region", "eu-west-2")
    return states.iam_backup_user.present(
        "web1-backup", bucket="web1-backups", pillar_file=str(pillar_path), test=test, **kwargs
    )


def pillar(loaders, pillar_path):
    import yaml

    return yaml.safe_load(pillar_path.read_text())


def secret_in(ret, secret):
    return secret in json.dumps(ret.raw, default=str)


def test_test_mode_reports_the_plan_and_writes_nothing(states, iam, pillar_path):
    before = pillar_path.read_text()
    with recorded_calls() as calls:
        ret = present(states, pillar_path, test=True)
    assert ret.result is None
    assert set(ret.changes) == {
        "policy",
        "user",
        "attached_policies",
        "access_key_id",
        "secret_access_key",
    }
    assert ret.changes["access_key_id"] == {"old": None, "new": "(a new access key)"}
    assert writes(calls) == []
    assert pillar_path.read_text() == before
    assert iam.list_users()["Users"] == []


def test_create_writes_pillar_then_converges(states, iam, pillar_path, loaders):
    ret = present(states, pillar_path, test=False)
    assert ret.result is True, ret.comment
    data = pillar(loaders, pillar_path)
    key_id, secret = data["aws"]["access_key"], data["aws"]["secret_key"]
    assert data["aws"]["region"] == "eu-west-2"
    assert ret.changes["access_key_id"] == {"old": None, "new": key_id}
    assert ret.changes["secret_access_key"] == f"written to {pillar_path}"
    assert not secret_in(ret, secret)
    assert pillar_path.read_text().startswith(
        "# web1's secrets\nweb:\n  domain: example.org  # keep\n"
    )
    assert stat.S_IMODE(pillar_path.stat().st_mode) == 0o600

    keys = iam.list_access_keys(UserName="web1-backup")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [key_id]
    attached = iam.list_attached_user_policies(UserName="web1-backup")["AttachedPolicies"]
    assert [a["PolicyArn"] for a in attached] == [POLICY_ARN]
    version = iam.get_policy(PolicyArn=POLICY_ARN)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=POLICY_ARN, VersionId=version)["PolicyVersion"][
        "Document"
    ]
    assert document["Statement"][1]["Resource"] == ["arn:aws:s3:::web1-backups/*"]

    for test in (True, False):
        with recorded_calls() as calls:
            again = present(states, pillar_path, test=test)
        assert again.result is True and again.changes == {}, again.comment
        assert writes(calls) == []
        print(f"converged iam_backup_user (test={test}): {len(calls)} read calls")


def test_policy_drift_is_corrected_with_a_new_default_version(states, iam, pillar_path):
    present(states, pillar_path, test=False)
    widened = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": ["*"]}],
    }
    # Fill IAM's five versions, so the state must delete the oldest non-default one.
    for _ in range(4):
        iam.create_policy_version(
            PolicyArn=POLICY_ARN, PolicyDocument=json.dumps(widened), SetAsDefault=True
        )
    preview = present(states, pillar_path, test=True)
    assert preview.result is None and set(preview.changes) == {"policy"}
    assert preview.changes["policy"]["old"] == widened
    fixed = present(states, pillar_path, test=False)
    assert fixed.result is True and fixed.changes == preview.changes
    versions = iam.list_policy_versions(PolicyArn=POLICY_ARN)["Versions"]
    assert len(versions) == 5
    assert "v1" not in [v["VersionId"] for v in versions]
    assert present(states, pillar_path, test=False).changes == {}


def test_key_deleted_out_of_band_is_replaced(states, iam, pillar_path, loaders):
    present(states, pillar_path, test=False)
    old = pillar(loaders, pillar_path)["aws"]["access_key"]
    iam.delete_access_key(UserName="web1-backup", AccessKeyId=old)
    preview = present(states, pillar_path, test=True)
    assert preview.changes["access_key_id"] == {"old": old, "new": "(a new access key)"}
    assert "no longer exists" in preview.comment
    ret = present(states, pillar_path, test=False)
    new = pillar(loaders, pillar_path)["aws"]["access_key"]
    assert new != old and ret.changes["access_key_id"] == {"old": old, "new": new}


def test_rotation_and_unreferenced_keys(states, iam, pillar_path, loaders):
    present(states, pillar_path, test=False)
    first = pillar(loaders, pillar_path)["aws"]["access_key"]
    stray = iam.create_access_key(UserName="web1-backup")["AccessKey"]["AccessKeyId"]

    reported = present(states, pillar_path, test=False)
    assert reported.changes == {} and stray in reported.comment and "prune_keys" in reported.comment

    # Due for rotation, but the stray key fills IAM's two-key limit: said before any write.
    age_access_keys("web1-backup", 2)
    with recorded_calls() as calls:
        stuck = present(states, pillar_path, test=False, rotate_after_days=1, prune_keys=False)
    assert stuck.result is False and stuck.changes == {}
    assert "IAM's limit" in stuck.comment and "prune_keys" in stuck.comment
    assert writes(calls) == []

    pruned = present(states, pillar_path, test=False, prune_keys=True)
    assert pruned.changes == {"deleted_access_keys": {"old": [stray], "new": []}}
    assert [
        k["AccessKeyId"] for k in iam.list_access_keys(UserName="web1-backup")["AccessKeyMetadata"]
    ] == [first]


def test_rotation_writes_new_key_before_deleting_old(states, iam, pillar_path, loaders):
    present(states, pillar_path, test=False)
    first = pillar(loaders, pillar_path)["aws"]["access_key"]
    age_access_keys("web1-backup", 100)
    preview = present(states, pillar_path, test=True, rotate_after_days=90)
    assert "100 days old" in preview.comment
    ret = present(states, pillar_path, test=False, rotate_after_days=90)
    second = pillar(loaders, pillar_path)["aws"]["access_key"]
    assert ret.changes["access_key_id"] == {"old": first, "new": second}
    assert ret.changes["deleted_access_keys"] == {"old": [first], "new": []}
    assert [
        k["AccessKeyId"] for k in iam.list_access_keys(UserName="web1-backup")["AccessKeyMetadata"]
    ] == [second]


def test_write_failure_after_create_deletes_the_new_key(states, iam, pillar_path, monkeypatch):
    rename = os.replace

    def disk_full(src, dst):
        if os.fspath(dst) == str(pillar_path):
            raise OSError(28, "No space left on device")
        return rename(src, dst)

    # The key is created, then the atomic rename of the pillar file fails.
    monkeypatch.setattr(os, "replace", disk_full)
    ret = present(states, pillar_path, test=False)
    monkeypatch.undo()
    assert ret.result is False
    assert "No space left on device" in ret.comment and "was deleted again" in ret.comment
    assert iam.list_access_keys(UserName="web1-backup")["AccessKeyMetadata"] == []
    assert "access_key" not in pillar_path.read_text()
    left = sorted(p.name for p in pillar_path.parent.iterdir())
    assert left == ["web1.sls"], "temp file left"  # the writers' lock is in the cache
    # The next run converges.
    assert present(states, pillar_path, test=False).result is True


def test_prefix_variant_and_custom_pillar_keys(states, iam, pillar_path, loaders):
    ret = present(
        states,
        pillar_path,
        test=False,
        prefix="/kingfisher/",
        pillar_keys={
            "access_key_id": "postgres:backup:s3_key",
            "secret_access_key": "postgres:backup:s3_key_secret",
            "region": "postgres:backup:s3_region",
            "bucket": "postgres:backup:s3_bucket",
        },
    )
    assert ret.result is True, ret.comment
    backup = pillar(loaders, pillar_path)["postgres"]["backup"]
    assert set(backup) == {"s3_key", "s3_key_secret", "s3_region", "s3_bucket"}
    assert backup["s3_bucket"] == "web1-backups" and backup["s3_region"] == "eu-west-2"
    version = iam.get_policy(PolicyArn=POLICY_ARN)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=POLICY_ARN, VersionId=version)["PolicyVersion"][
        "Document"
    ]
    assert document["Statement"][2]["Resource"] == ["arn:aws:s3:::web1-backups/kingfisher/*"]


def test_absent_removes_user_policy_and_pillar_keys(states, iam, pillar_path):
    present(states, pillar_path, test=False)
    preview = states.iam_backup_user.absent("web1-backup", pillar_file=str(pillar_path), test=True)
    assert preview.result is None and set(preview.changes) == {"user", "policy", "pillar"}
    ret = states.iam_backup_user.absent("web1-backup", pillar_file=str(pillar_path))
    assert ret.result is True and ret.changes == preview.changes
    assert iam.list_users()["Users"] == []
    assert iam.list_policies(Scope="Local")["Policies"] == []
    assert pillar_path.read_text() == "# web1's secrets\nweb:\n  domain: example.org  # keep\n"
    again = states.iam_backup_user.absent("web1-backup", pillar_file=str(pillar_path))
    assert again.result is True and again.changes == {}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bucket": None}, "bucket: a bucket name is required"),
        ({"bucket": "Not A Bucket"}, "bucket: invalid S3 bucket name"),
        ({"rotate_after_days": -5}, "rotate_after_days: must be a positive whole number"),
        ({"region": "eu-nowhere-9"}, "region: unknown AWS region"),
        ({"pillar_file": "relative/web1.sls"}, "pillar_file: must be an absolute file path"),
        (
            {"pillar_keys": {"secret_access_key": None}},
            "pillar_keys:secret_access_key: a pillar key path is required",
        ),
        ({"prefix": "a*"}, "prefix: must not contain wildcards"),
    ],
)
def test_bad_input_fails_before_any_call(states, pillar_path, kwargs, message):
    args = {
        "bucket": "web1-backups",
        "pillar_file": str(pillar_path),
        "region": "eu-west-2",
        **kwargs,
    }
    with recorded_calls() as calls:
        ret = states.iam_backup_user.present("web1-backup", **args)
    assert ret.result is False
    assert message in ret.comment
    assert calls == []


def test_templated_pillar_file_fails_before_any_aws_call(states, pillar_path):
    pillar_path.write_text("{% set region = 'eu-west-2' %}\naws:\n  region: {{ region }}\n")
    with recorded_calls() as calls:
        ret = present(states, pillar_path, test=False)
    assert ret.result is False and "Jinja template" in ret.comment
    assert calls == []


def test_a_value_read_where_a_secret_may_be_is_never_shown(states, pillar_path):
    present(states, pillar_path, test=False)
    with pillar_path.open("a") as handle:
        handle.write("smtp:\n  us-east-1:\n    password: BHunter2SmtpPassword\n")
    ret = present(states, pillar_path, test=True, pillar_keys={"region": "smtp:us-east-1:password"})
    assert ret.changes["pillar smtp:us-east-1:password"] == {"old": "(set)", "new": "eu-west-2"}
    assert "BHunter2SmtpPassword" not in json.dumps(ret.raw, default=str)


# One key for site backups (aws:*) and pgBackRest (postgres:backup:*).
BOTH_KINDS = {
    "access_key_id": ["aws:access_key", "postgres:backup:s3_key"],
    "secret_access_key": ["aws:secret_key", "postgres:backup:s3_key_secret"],
    "region": ["aws:region", "postgres:backup:s3_region"],
    "bucket": "postgres:backup:s3_bucket",
    "endpoint": "postgres:backup:s3_endpoint",
}


def test_pgbackrest_and_site_backups_from_one_key(states, pillar_path, loaders):
    ret = present(
        states,
        pillar_path,
        test=False,
        pillar_keys=BOTH_KINDS,
    )
    assert ret.result is True, ret.comment
    data = pillar(loaders, pillar_path)
    backup = data["postgres"]["backup"]
    assert backup["s3_key"] == data["aws"]["access_key"]
    assert backup["s3_key_secret"] == data["aws"]["secret_key"]
    assert backup["s3_endpoint"] == "s3.eu-west-2.amazonaws.com"
    assert backup["s3_region"] == data["aws"]["region"] == "eu-west-2"
    with recorded_calls() as calls:
        again = present(
            states,
            pillar_path,
            test=False,
            pillar_keys=BOTH_KINDS,
        )
    assert again.changes == {} and writes(calls) == []


def test_two_users_writing_the_same_keys_of_one_file_are_refused(modules, pillar_path):
    """Two states with the default paths in one file would create and delete each other's
    keys run after run: refused before any AWS call."""
    sls = f"""
web1-backup:
  iam_backup_user.present:
    - bucket: web1-backups
    - pillar_file: {pillar_path}
    - region: eu-west-2
web1-other:
  iam_backup_user.present:
    - bucket: web1-other
    - pillar_file: {pillar_path}
    - region: eu-west-2
"""
    with recorded_calls() as calls:
        ret = modules.state.template_str(sls)
    comments = [r["comment"] for r in ret.raw.values()]
    assert all(r["result"] is False for r in ret.raw.values())
    assert any("also written by iam_backup_user web1-other" in c for c in comments)
    assert any("also written by iam_backup_user web1-backup" in c for c in comments)
    assert calls == []


def test_a_pillar_file_that_cannot_take_the_keys_fails_before_any_call(states, pillar_path):
    pillar_path.write_text("aws: false\n")
    for test in (True, False):
        with recorded_calls() as calls:
            ret = present(states, pillar_path, test=test)
        assert ret.result is False and "aws" in ret.comment and str(pillar_path) in ret.comment
        assert calls == []
    assert pillar_path.read_text() == "aws: false\n"
