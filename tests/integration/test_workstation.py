"""Workstation mode: the ``aws-runbook`` console script applies pillar.example as an operator
would, with a minion config it writes itself (file_roots = our SLS tree only)."""

import json
import shutil
import subprocess

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


def _refusal(tmp_path, aws_env, pillar, *args):
    """Runs apply (and apply --test) against ``pillar``; returns the one line it printed."""
    env = {**aws_env, "HOME": str(tmp_path / "home")}
    common = ["--pillar-root", str(pillar), "--state-dir", str(tmp_path / "state"), *args]
    lines = set()
    for test in ([], ["--test"]):
        proc = _aws_runbook(env, "apply", *common, *test)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert proc.stdout == ""
        (line,) = proc.stderr.splitlines()
        lines.add(line)
    (line,) = lines
    assert line.startswith("aws-runbook: ")
    return line


def test_an_id_the_top_file_does_not_know_is_named(tmp_path, aws_env, moto_server):
    pillar = tmp_path / "pillar"
    shutil.copytree(REPO / "pillar.example", pillar)
    line = _refusal(tmp_path, aws_env, pillar, "--id", "mylaptop")
    assert line == (
        f"aws-runbook: no pillar for minion id 'mylaptop': no target in the top file "
        f"{pillar / 'top.sls'} matches it (its targets: aws-admin, redmine, kingfisher); "
        "pass --id, or add the id to the top file"
    )
    assert moto_server.calls() == []


def test_an_empty_pillar_root_is_named(tmp_path, aws_env, moto_server):
    pillar = tmp_path / "pillar"
    pillar.mkdir()
    line = _refusal(tmp_path, aws_env, pillar)
    assert line == (
        f"aws-runbook: no pillar for minion id 'aws-admin': the top file {pillar / 'top.sls'} "
        "does not exist (`aws-runbook init PATH` writes an example pillar tree)"
    )
    assert moto_server.calls() == []


def test_a_pillar_without_aws_runbook_is_named(tmp_path, aws_env, moto_server):
    pillar = tmp_path / "pillar"
    pillar.mkdir()
    # A grain target: the check renders the top file with the grains salt-call has.
    (pillar / "top.sls").write_text(
        "base:\n  'G@kernel:Linux and aws-admin':\n    - match: compound\n    - servers\n"
    )
    (pillar / "servers.sls").write_text("aws:\n  access_key: AKIAEXAMPLE\nsmtp: {}\n")
    line = _refusal(tmp_path, aws_env, pillar)
    assert line == (
        "aws-runbook: the pillar of minion id 'aws-admin' has no aws_runbook key (its keys: "
        f"aws, smtp; from servers in {pillar / 'top.sls'}): nothing to apply"
    )
    assert moto_server.calls() == []


def test_an_aws_runbook_pillar_without_a_section_to_apply_is_named(tmp_path, aws_env, moto_server):
    pillar = tmp_path / "pillar"
    pillar.mkdir()
    (pillar / "top.sls").write_text("base:\n  aws-admin:\n    - runbook\n")
    (pillar / "runbook.sls").write_text(
        "aws_runbook:\n  connection: {region: eu-west-2}\n  backup: {buckets: {}}\n"
    )
    line = _refusal(tmp_path, aws_env, pillar, "--sls", "aws_runbook.ses,aws_runbook.databases")
    assert line == (
        "aws-runbook: the aws_runbook pillar of minion id 'aws-admin' has none of the sections "
        "the SLS applies (databases, ses); it has: backup, connection"
    )
    assert moto_server.calls() == []
