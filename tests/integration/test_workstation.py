"""Workstation mode: the ``aws-runbook`` console script applies pillar.example as an operator
would, with a minion config it writes itself (file_roots = our SLS tree only)."""

import json
import shutil
import subprocess
import sys
import zipfile

import yaml

from salt_aws_runbook import cli
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


def test_wheel_ships_the_sls_tree(tmp_path):
    # Built from a copy: setuptools reuses a build/ folder left in the source tree.
    source = tmp_path / "source"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv*", "build", "*.egg-info", "__pycache__"),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n for n in names if n.startswith("salt_aws_runbook/file_root/")}
    expected = {
        f"salt_aws_runbook/file_root/{p.relative_to(REPO / 'salt')}"
        for p in (REPO / "salt").rglob("*")
        if p.is_file()
    }
    assert f"salt_aws_runbook/file_root/{cli.SLS}/init.sls" in shipped
    assert shipped == expected
    assert "salt_aws_runbook/cli.py" in names


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
