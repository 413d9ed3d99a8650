"""Without pip: copy the repository into file_roots, `saltutil.sync_all`, and apply."""

import json
import subprocess
import sys

from tests.conftest import REPO
from tests.integration.conftest import copy_extension


def run_unpackaged(salt_call, *args):
    cmd = [
        sys.executable,
        "-m",
        "tests.support.salt_call_unpackaged",
        "--local",
        "-c",
        str(salt_call.conf),
        "--out=json",
        *args,
    ]
    proc = subprocess.run(
        cmd, env=salt_call.env, cwd=REPO, capture_output=True, text=True, timeout=300
    )
    return proc, json.loads(proc.stdout)["local"] if proc.stdout.strip() else None


def test_sync_all_from_file_roots_then_apply(salt_call, tmp_path):
    # What an operator copies into a file root: the three module directories.
    file_root = copy_extension(tmp_path / "extension")
    minion = salt_call.conf / "minion"
    minion.write_text(
        minion.read_text().replace(
            f"    - {REPO / 'salt'}\n", f"    - {REPO / 'salt'}\n    - {file_root}\n"
        )
    )
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar(
        "aws_runbook.sls",
        "aws_runbook:\n  backup:\n    buckets:\n      synced-bucket: {}\n",
    )

    _, before = run_unpackaged(salt_call, "state.apply", "aws_runbook.backup")
    assert [r["result"] for r in before.values()] == [False], "the package must be hidden"
    assert "was not found" in next(iter(before.values()))["comment"]

    _, synced = run_unpackaged(salt_call, "saltutil.sync_all")
    assert "modules.aws_s3" in synced["modules"]
    assert "states.s3_backup_bucket" in synced["states"]
    assert "utils.awsrunbook.client" in synced["utils"]  # the package, synced whole

    proc, applied = run_unpackaged(salt_call, "state.apply", "aws_runbook.backup")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [r["result"] for r in applied.values()] == [True]
    assert next(iter(applied.values()))["changes"]
