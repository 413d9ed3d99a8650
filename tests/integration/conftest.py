"""Real ``salt-call --local`` processes against moto's server on 127.0.0.1."""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap
import urllib.request

import pytest

from tests.conftest import REPO
from tests.support.moto_server import MotoServer

BIN = pathlib.Path(sys.executable).parent


@pytest.fixture(scope="session")
def moto_server():
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def aws_env(moto_server):
    """The environment a salt-call or aws CLI process needs to reach the local endpoint."""
    # Each test starts from an empty account.
    urllib.request.urlopen(
        urllib.request.Request(f"{moto_server.url}/moto-api/reset", method="POST")
    ).read()
    moto_server.reset_counts()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "AWS_ENDPOINT_URL": moto_server.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }
    return env


class SaltCall:
    """Runs ``salt-call --local`` with its own config dir, file_roots and pillar_roots."""

    def __init__(self, root, env):
        self.root = root
        self.env = env
        self.pillar_root = root / "pillar"
        self.conf = root / "conf"
        self.log_file = root / "salt-call.log"
        self.pillar_root.mkdir()
        self.conf.mkdir()
        (self.conf / "minion").write_text(
            textwrap.dedent(
                f"""\
                id: integration-minion
                file_client: local
                root_dir: {root}
                cachedir: {root}/cache
                pki_dir: {root}/pki
                sock_dir: {root}/sock
                log_file: {self.log_file}
                log_level_logfile: all
                cache_jobs: True
                file_roots:
                  base:
                    - {REPO / "salt"}
                pillar_roots:
                  base:
                    - {self.pillar_root}
                """
            )
        )

    def write_pillar(self, relative, text):
        path = self.pillar_root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    def run(self, *args, check=True):
        cmd = [str(BIN / "salt-call"), "--local", "-c", str(self.conf), "--out=json", *args]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=300)
        # salt-call exits 1 when a state failed; the JSON on stdout says which.
        if check and proc.returncode not in (0, 1):
            raise AssertionError(f"{cmd} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def state_apply(self, sls, *extra):
        proc = self.run("state.apply", sls, *extra)
        return proc, json.loads(proc.stdout)["local"]


@pytest.fixture
def salt_call(tmp_path, aws_env):
    return SaltCall(tmp_path, aws_env)


@pytest.fixture
def aws_cli(aws_env):
    """Run the real AWS CLI against the local endpoint; returns parsed JSON."""
    executable = shutil.which("aws", path=str(BIN)) or shutil.which("aws")

    def run(*args):
        proc = subprocess.run(
            [executable, *args, "--output", "json"],
            env=aws_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    return run


def copy_extension(destination):
    """What an operator copies into a file root to use the modules without pip: the three
    module directories. Returns ``destination``."""
    for directory in ("_modules", "_states", "_utils"):
        shutil.copytree(
            REPO / directory,
            destination / directory,
            ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"),
        )
    return destination
