"""The audit's cases of one pillar file named two ways, two databases on one file, a URL read
and an anchored mapping, as real ``salt-call --local`` runs against moto's server: each is
refused before any AWS call, naming the argument, or (equal values) allowed."""

import json

import pytest
import yaml

pytestmark = pytest.mark.integration

TOP = "base:\n  '*':\n    - aws_runbook\n"

BACKUP = """\
aws_runbook:
  connection:
    region: eu-west-2
  backup:
    users:
      web1-backup:
        bucket: ocp-web1-backup
        pillar_file: {first}
      web1-pgbackrest:
        bucket: ocp-pgbackrest
        prefix: web1
        pillar_file: {second}
        pillar_keys: {keys}
"""
PGBACKREST_KEYS = (
    "{access_key_id: postgres:backup:s3_key, secret_access_key: postgres:backup:s3_key_secret}"
)


def backup_run(salt_call, first, second, keys="{}", private="web: {domain: example.org}\n"):
    salt_call.write_pillar("top.sls", TOP)
    salt_call.write_pillar("aws_runbook.sls", BACKUP.format(first=first, second=second, keys=keys))
    path = salt_call.write_pillar("private/web1.sls", private)
    _, results = salt_call.state_apply("aws_runbook.backup")
    assert isinstance(results, dict), results
    return path, {r["__id__"]: r for r in results.values()}


def assert_refused_before_any_call(results, moto_server, *needles):
    assert results and all(r["result"] is False for r in results.values()), results
    for result in results.values():
        assert result["comment"].startswith("pillar_keys: "), result["comment"]
        for needle in needles:
            assert needle in result["comment"]
    assert moto_server.calls() == []


@pytest.mark.parametrize(
    "second", ["private/./web1.sls", "private/link.sls", "{root}/private/web1.sls"]
)
def test_one_file_named_two_ways_is_one_file(salt_call, moto_server, second):
    (salt_call.pillar_root / "private").mkdir()
    (salt_call.pillar_root / "private" / "link.sls").symlink_to("web1.sls")
    moto_server.reset_counts()
    path, results = backup_run(
        salt_call, "private/web1.sls", second.format(root=salt_call.pillar_root)
    )
    assert_refused_before_any_call(results, moto_server, "is also written by iam_backup_user")
    assert path.read_text() == "web: {domain: example.org}\n"


def test_two_backup_users_may_write_the_same_region(salt_call, aws_cli, moto_server):
    """A site-backup user and a pgBackRest user of one server: both write aws:region."""
    path, results = backup_run(salt_call, "private/web1.sls", "private/web1.sls", PGBACKREST_KEYS)
    assert all(r["result"] is True for r in results.values()), results
    written = yaml.safe_load(path.read_text())
    assert written["aws"]["region"] == "eu-west-2"
    assert written["aws"]["access_key"] != written["postgres"]["backup"]["s3_key"]
    keys = aws_cli("iam", "list-access-keys", "--user-name", "web1-pgbackrest")
    assert [k["AccessKeyId"] for k in keys["AccessKeyMetadata"]] == [
        written["postgres"]["backup"]["s3_key"]
    ]


def test_a_different_region_at_one_path_is_refused(salt_call, moto_server):
    salt_call.write_pillar("top.sls", TOP)
    text = BACKUP.format(first="private/web1.sls", second="private/web1.sls", keys=PGBACKREST_KEYS)
    salt_call.write_pillar("aws_runbook.sls", text + "        region: us-east-1\n")
    moto_server.reset_counts()
    _, results = salt_call.state_apply("aws_runbook.backup")
    assert_refused_before_any_call(
        {r["__id__"]: r for r in results.values()}, moto_server, "aws:region"
    )


DATABASES = """\
aws_runbook:
  connection:
    region: us-east-1
  databases:
    instances:
      analytics:
        pillar_file: private/db.sls
      reporting:
        pillar_file: private/./db.sls
        security_groups: [sg-0123456789abcdef0]
"""


def test_two_databases_on_one_file_are_refused_before_any_call(salt_call, moto_server):
    salt_call.write_pillar("top.sls", TOP)
    salt_call.write_pillar("aws_runbook.sls", DATABASES)
    moto_server.reset_counts()
    _, results = salt_call.state_apply("aws_runbook.databases")
    by_id = {r["__id__"]: r for r in results.values()}
    assert set(by_id) == {"aws-rds_postgres-analytics", "aws-rds_postgres-reporting"}
    assert_refused_before_any_call(by_id, moto_server, "postgres:")
    assert (
        "also written by rds_postgres aws-rds_postgres-reporting"
        in by_id["aws-rds_postgres-analytics"]["comment"]
    )
    assert not (salt_call.pillar_root / "private" / "db.sls").exists()


def test_pillar_file_read_masks_the_database_url(salt_call):
    password = "Pa55-w0rd.Secret"
    url = f"postgresql://postgres:{password}@db.example.org:5432/postgres"
    path = salt_call.write_pillar(
        "private/db.sls",
        f"postgres:\n  host: db.example.org\n  password: {password}\n  url: {url}\n",
    )
    proc = salt_call.run("pillar_file.read", str(path), '["postgres", "postgres:url"]')
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["local"] == {
        "postgres": {"host": "db.example.org", "password": "**********", "url": "**********"},
        "postgres:url": True,
    }
    for place in (proc.stdout, proc.stderr, salt_call.log_file.read_text()):
        assert password not in place
    jobs = salt_call.root / "cache" / "jobs"
    for job_file in jobs.rglob("*") if jobs.exists() else ():
        if job_file.is_file():
            assert password.encode() not in job_file.read_bytes()


ANCHORED = """\
aws: &AWS
  region: eu-west-2
backup_copy: *AWS
"""


def test_a_secret_is_not_copied_through_an_anchor(salt_call, moto_server):
    salt_call.write_pillar("top.sls", TOP)
    salt_call.write_pillar(
        "aws_runbook.sls",
        "aws_runbook:\n  connection: {region: eu-west-2}\n  backup:\n    users:\n"
        "      web1-backup: {bucket: ocp-web1-backup, pillar_file: private/web1.sls}\n",
    )
    path = salt_call.write_pillar("private/web1.sls", ANCHORED)
    moto_server.reset_counts()
    _, results = salt_call.state_apply("aws_runbook.backup")
    (result,) = results.values()
    assert result["result"] is False
    assert (
        "aws:secret_key is a secret and would go into the mapping with the anchor &AWS (line 1)"
        in (result["comment"])
    )
    assert moto_server.calls() == []
    assert path.read_text() == ANCHORED
