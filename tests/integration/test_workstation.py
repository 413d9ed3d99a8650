"""Workstation mode: the ``aws-runbook`` console script applies pillar.example as an operator
would, with a minion config it writes itself (file_roots = our SLS tree only)."""

import json
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import REPO
from tests.integration.conftest import BIN


def _aws_runbook(env, *args):
    return subprocess.run(
        [str(BIN / "aws-runbook"), *args], env=env, capture_output=True, text=True, timeout=600
    )


def test_apply_pillar_example_twice(tmp_path, aws_env, moto_server, aws_cli):
    pillar = tmp_path / "pillar"
    shutil.copytree(REPO / "pillar.example", pillar)
    state_dir = tmp_path / "state"
    # The operator's HOME holds no Salt config: the command needs none.
    env = {**aws_env, "HOME": str(tmp_path / "home")}
    # No --sls: the default, the whole aws_runbook tree.
    args = ["--pillar-root", str(pillar), "--state-dir", str(state_dir)]

    test_run = _aws_runbook(env, "apply", *args, "--test", "--", "--out=json")
    planned = json.loads(test_run.stdout)["local"]
    assert planned and all(r["result"] is None and r["changes"] for r in planned.values())
    assert moto_server.writes() == []

    first = _aws_runbook(env, "apply", *args, "--", "--out=json")
    assert first.returncode == 0, first.stdout + first.stderr
    applied = json.loads(first.stdout)["local"]
    assert all(r["result"] is True and r["changes"] for r in applied.values()), applied
    assert applied.keys() == planned.keys()

    moto_server.reset_counts()
    second = _aws_runbook(env, "apply", *args, "--", "--out=json")
    assert second.returncode == 0, second.stdout + second.stderr
    again = json.loads(second.stdout)["local"]
    assert all(r["result"] is True and r["changes"] == {} for r in again.values()), again
    assert moto_server.writes() == []

    config = yaml.safe_load((state_dir / "minion").read_text())
    assert config["file_roots"] == {"base": [str(REPO / "salt")]}
    assert config["pillar_roots"] == {"base": [str(pillar)]}
    assert config["id"] == "aws-admin"
    # Relative pillar_file paths landed in the operator's pillar tree.
    redmine = yaml.safe_load((pillar / "private" / "redmine.sls").read_text())
    keys = aws_cli("iam", "list-access-keys", "--user-name", "redmine-backup")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [redmine["aws"]["access_key"]]
    log = (state_dir / "salt-call.log").read_text()
    for secret in (redmine["aws"]["secret_key"], redmine["smtp"]["password"]):
        assert secret not in first.stdout and secret not in log


def test_config_prints_what_apply_writes(tmp_path, aws_env):
    pillar = tmp_path / "pillar"
    pillar.mkdir()
    env = {**aws_env, "HOME": str(tmp_path / "home"), "XDG_STATE_HOME": str(tmp_path / "xdg")}
    proc = _aws_runbook(env, "config", "--pillar-root", str(pillar), "--id", "laptop")
    assert proc.returncode == 0, proc.stderr
    header, _, body = proc.stdout.partition("\n")
    assert header == f"# {tmp_path / 'xdg' / 'aws-runbook' / 'minion'}"
    config = yaml.safe_load(body)
    assert config["id"] == "laptop"
    assert config["pillar_roots"] == {"base": [str(pillar)]}
    assert config["root_dir"] == str(tmp_path / "xdg" / "aws-runbook")
    assert not (tmp_path / "xdg").exists()


def test_missing_pillar_root_is_refused(tmp_path, aws_env):
    proc = _aws_runbook(aws_env, "apply", "--pillar-root", str(tmp_path / "missing"))
    assert proc.returncode == 2
    assert "--pillar-root" in proc.stderr and "is not a directory" in proc.stderr


def test_a_failed_state_fails_the_command(tmp_path, aws_env, moto_server):
    # An operator's script (or CI) running the command must see a failure in its exit code.
    pillar = tmp_path / "pillar"
    pillar.mkdir()
    (pillar / "top.sls").write_text("base:\n  aws-admin:\n    - runbook\n")
    (pillar / "runbook.sls").write_text(
        "aws_runbook:\n  connection: {region: eu-west-2}\n"
        "  backup:\n    buckets:\n      Not_A_Bucket: {}\n"
    )
    env = {**aws_env, "HOME": str(tmp_path / "home")}
    args = ["--pillar-root", str(pillar), "--state-dir", str(tmp_path / "state")]

    proc = _aws_runbook(env, "apply", *args, "--sls", "aws_runbook.backup", "--", "--out=json")
    assert proc.returncode != 0
    (result,) = json.loads(proc.stdout)["local"].values()
    assert result["result"] is False and "invalid S3 bucket name" in result["comment"]
    assert moto_server.calls() == []


# Pillar trees on which apply runs no state: (files, apply arguments, the line it prints).
# "{top}" stands for the tree's top.sls; "EXAMPLE" for a copy of pillar.example.
NO_STATE = {
    "unknown id": (
        "EXAMPLE",
        ["--id", "mylaptop"],
        "no pillar for minion id 'mylaptop': no target in the top file {top} matches it "
        "(its targets: aws-admin, redmine, kingfisher); pass --id, or add the id to the top file",
    ),
    "empty pillar root": (
        {},
        [],
        "no pillar for minion id 'aws-admin': the top file {top} does not exist "
        "(`aws-runbook init PATH` writes an example pillar tree)",
    ),
    # A grain target: the check renders the top file with the grains salt-call has.
    "no aws_runbook": (
        {
            "top.sls": "base:\n  'G@kernel:Linux and aws-admin':\n"
            "    - match: compound\n    - servers\n",
            "servers.sls": "aws:\n  access_key: AKIAEXAMPLE\nsmtp: {}\n",
        },
        [],
        "the pillar of minion id 'aws-admin' has no aws_runbook key (its keys: aws, smtp; "
        "from servers in {top}): nothing to apply",
    ),
    "no section applied": (
        {
            "top.sls": "base:\n  aws-admin:\n    - runbook\n",
            "runbook.sls": "aws_runbook:\n  connection: {region: eu-west-2}\n"
            "  backup: {buckets: {}}\n",
        },
        ["--sls", "aws_runbook.ses,aws_runbook.databases"],
        "the aws_runbook pillar of minion id 'aws-admin' has none of the sections the SLS "
        "applies (databases, ses); it has: backup, connection",
    ),
}


@pytest.mark.parametrize("case", NO_STATE)
def test_an_apply_that_would_run_no_state_says_why(tmp_path, aws_env, moto_server, case):
    files, args, expected = NO_STATE[case]
    pillar = tmp_path / "pillar"
    if files == "EXAMPLE":
        shutil.copytree(REPO / "pillar.example", pillar)
    else:
        pillar.mkdir()
        for name, text in files.items():
            (pillar / name).write_text(text)
    env = {**aws_env, "HOME": str(tmp_path / "home")}
    common = ["--pillar-root", str(pillar), "--state-dir", str(tmp_path / "state"), *args]
    for test in ([], ["--test"]):
        proc = _aws_runbook(env, "apply", *common, *test)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert proc.stdout == ""
        assert proc.stderr == f"aws-runbook: {expected.format(top=pillar / 'top.sls')}\n"
    assert moto_server.calls() == []
