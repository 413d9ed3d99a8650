"""Two ``salt-call --local`` processes, each with its own config, writing different keys of
one pillar file at the same time: every key of both survives, and the rest of the file is
kept as it was."""

import json
import os
import subprocess

import pytest

from tests.conftest import REPO
from tests.integration.conftest import BIN, SaltCall

pytestmark = pytest.mark.integration

WRITES = 40  # read-modify-write cycles per process
FIXTURE = REPO / "tests" / "fixtures" / "pillar" / "registry.sls"


def writer_sls(path, section, ready, other):
    """An SLS that waits until the other process is ready too, then writes ``WRITES`` keys of
    ``section`` one state (one locked read-modify-write) at a time."""
    states = {
        "ready": {"file.touch": [{"name": str(ready)}]},
        "wait-for-the-other-writer": {
            "cmd.run": [
                {
                    "name": f"for i in $(seq 1200); do [ -e {other} ] && exit 0; sleep 0.05; done;"
                    " exit 1"
                },
                {"require": [{"file": "ready"}]},
            ]
        },
    }
    for i in range(WRITES):
        states[f"write-{i}"] = {
            "module.run": [
                {
                    "pillar_file.set_values": [
                        {"path": str(path)},
                        {"values": {f"{section}:key{i}": f"{section}-value-{i}"}},
                    ]
                },
                {"require": [{"cmd": "wait-for-the-other-writer"}]},
            ]
        }
    return json.dumps(states)  # JSON is YAML


def test_two_salt_call_processes_keep_each_others_keys(tmp_path):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    pillar = tmp_path / "shared" / "registry.sls"
    pillar.parent.mkdir()
    pillar.write_bytes(FIXTURE.read_bytes())
    processes = []
    for name, other in (("first", "second"), ("second", "first")):
        root = tmp_path / name
        root.mkdir()
        call = SaltCall(root, env)
        sls = root / "writer.sls"
        sls.write_text(writer_sls(pillar, f"written_by_{name}", tmp_path / name, tmp_path / other))
        command = [
            str(BIN / "salt-call"),
            "--local",
            "-c",
            str(call.conf),
            "--out=json",
            "state.template",
            str(sls),
        ]
        processes.append(
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        )
    for process in processes:
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr.decode()
        results = json.loads(stdout)["local"]
        assert len(results) == WRITES + 2
        assert all(result["result"] is True for result in results.values()), results

    data = pillar.read_text()
    assert data.startswith(FIXTURE.read_text().removesuffix("...\n"))
    for name in ("first", "second"):
        block = "".join(f"  key{i}: written_by_{name}-value-{i}\n" for i in range(WRITES))
        assert f"written_by_{name}:\n" + block in data
    assert data.endswith("...\n")
