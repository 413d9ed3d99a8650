"""salt-ssh: modules shipped from file_roots to a target reached over SSH (a real sshd on
127.0.0.1), their dependencies shipped in the thin (``thin_extra_mods``) to a target Python
that has none of them, the states run there, and the pillar file is written on the target."""

import json
import os
import pathlib
import shutil
import socket
import stat
import subprocess
import sys
import textwrap
import time

import pytest
import yaml

from tests.conftest import REPO
from tests.integration.conftest import BIN, copy_extension

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sshd(tmp_path, aws_env):
    if not os.path.exists(SSHD):
        if os.environ.get("CI"):
            pytest.fail("sshd is missing: .ci/run installs openssh-server")
        pytest.skip("no sshd on this machine (apt-get install openssh-server)")
    root = tmp_path / "ssh"
    root.mkdir()
    for name in ("host_key", "user_key"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / name)], check=True
        )
    shutil.copy(root / "user_key.pub", root / "authorized_keys")
    port = _free_port()
    # The target's sessions get the local endpoint through sshd, as they would get real AWS
    # credentials from an instance role.
    env = " ".join(
        f"{k}={aws_env[k]}"
        for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    )
    (root / "sshd_config").write_text(
        textwrap.dedent(
            f"""\
            Port {port}
            ListenAddress 127.0.0.1
            HostKey {root / "host_key"}
            AuthorizedKeysFile {root / "authorized_keys"}
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            StrictModes no
            UsePAM no
            PidFile {root / "sshd.pid"}
            Subsystem sftp /usr/lib/openssh/sftp-server
            SetEnv {env}
            """
        )
    )
    pathlib.Path("/run/sshd").mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [SSHD, "-D", "-f", str(root / "sshd_config"), "-E", str(root / "sshd.log")]
    )
    for _ in range(50):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield {"port": port, "key": root / "user_key", "root": root}
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def bare_python(tmp_path):
    """A target Python with nothing installed: a venv without pip or site-packages."""
    venv = tmp_path / "bare-python"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    for module in ("boto3", "botocore", "dns", "publicsuffixlist", "jinja2"):
        probe = subprocess.run([venv / "bin" / "python3", "-c", f"import {module}"], check=False)
        assert probe.returncode != 0, f"the bare target Python can import {module}"
    return venv / "bin"


def test_salt_ssh_applies_backup_states_on_the_target(
    sshd, bare_python, tmp_path, aws_env, aws_cli
):
    # What an operator puts in file_roots for salt-ssh: the module directories and salt/.
    ext = copy_extension(tmp_path / "extension")
    pillar = tmp_path / "pillar"
    (pillar / "private").mkdir(parents=True)
    private = pillar / "private" / "web1.sls"
    private.write_text("# web1\nweb: {}\n")
    (pillar / "top.sls").write_text("base:\n  '*':\n    - aws_runbook\n")
    (pillar / "aws_runbook.sls").write_text(
        yaml.safe_dump(
            {
                "aws_runbook": {
                    "connection": {"region": "eu-west-2"},
                    # Three of each: the second and third run in a batch (in threads).
                    "backup": {
                        "buckets": {f"ssh-backups-{i}": {} for i in (1, 2, 3)},
                        "users": {
                            f"web{i}-backup": {
                                "bucket": f"ssh-backups-{i}",
                                "pillar_file": str(pillar / "private" / f"web{i}.sls"),
                            }
                            for i in (1, 2, 3)
                        },
                    },
                }
            }
        )
    )
    conf = tmp_path / "conf"
    conf.mkdir()
    state_root = tmp_path / "salt-ssh"
    (conf / "master").write_text(
        textwrap.dedent(
            f"""\
            root_dir: {state_root}
            cachedir: {state_root}/cache
            pki_dir: {state_root}/pki
            ssh_log_file: {state_root}/salt-ssh.log
            log_level_logfile: all
            ssh_minion_opts:
              log_level_logfile: info
            file_roots:
              base:
                - {ext}
                - {REPO / "salt"}
            pillar_roots:
              base:
                - {pillar}
            """
        )
    )
    # docs/salt-ssh.rst's step: the setting that puts our dependencies in the thin.
    setting = subprocess.run(
        [BIN / "aws-runbook", "thin-extra-mods"], check=True, capture_output=True, text=True
    ).stdout
    assert setting.startswith("thin_extra_mods: boto3,") and ",dns," in setting
    with (conf / "master").open("a") as master:
        master.write(setting)
    # The target runs the bare Python: everything else comes in the thin.
    (conf / "roster").write_text(
        textwrap.dedent(
            f"""\
            aws-admin:
              host: 127.0.0.1
              port: {sshd["port"]}
              user: root
              priv: {sshd["key"]}
              thin_dir: {tmp_path / "thin"}
              set_path: {bare_python}:$PATH
            """
        )
    )
    cmd = [
        str(BIN / "salt-ssh"),
        "-c",
        str(conf),
        "--roster-file",
        str(conf / "roster"),
        "-i",
        "--out=json",
        "aws-admin",
        "state.apply",
        "aws_runbook.backup",
    ]
    env = {k: v for k, v in aws_env.items() if not k.startswith("AWS_ENDPOINT")}

    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    results = json.loads(first.stdout)["aws-admin"]
    assert all(r["result"] is True and r["changes"] for r in results.values()), results

    for i in (1, 2, 3):
        written = yaml.safe_load((pillar / "private" / f"web{i}.sls").read_text())
        user = f"web{i}-backup"
        keys = aws_cli("iam", "list-access-keys", "--user-name", user)["AccessKeyMetadata"]
        assert [k["AccessKeyId"] for k in keys] == [written["aws"]["access_key"]]
    data = yaml.safe_load(private.read_text())
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("# web1\n")
    secret = data["aws"]["secret_key"]
    assert secret not in first.stdout and secret not in first.stderr
    log = (state_root / "salt-ssh.log").read_text()
    assert "DEBUG" in log, "the log must be at debug level for this check to mean anything"
    assert secret not in log
    # The target's own log (salt-call's, in the thin directory) says the batches ran.
    target_log = "".join(path.read_text() for path in (tmp_path / "thin").rglob("salt-call.log"))
    assert "2 later iam_backup_user.present states run at once" in target_log
    assert secret not in target_log

    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    again = json.loads(second.stdout)["aws-admin"]
    assert all(r["result"] is True and r["changes"] == {} for r in again.values()), again
