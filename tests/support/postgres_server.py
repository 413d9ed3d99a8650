"""A real PostgreSQL server for tests, from Debian's ``postgresql`` package.

``initdb`` into a temporary directory of its own (under /tmp, so the server's user can reach
it), then ``postgres`` listening on 127.0.0.1 on a free
port, with password (SCRAM) authentication for TCP connections. PostgreSQL refuses to run as
root: when the tests run as root, the server runs as ``nobody`` (its data directory is handed
to that user). Stop it with ``stop()``; the directory goes with the temporary directory.

    server = PostgresServer().start()
    server.set_password("postgres", password)
    ...
    server.stop()
"""

import glob
import os
import pathlib
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import pytest


def postgres_bin():
    """The newest installed ``/usr/lib/postgresql/*/bin``, or ``None``."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"),
        key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0,
    )
    return os.path.dirname(found[-1]) if found else None


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    def __init__(self, superuser="postgres"):
        self.bin = postgres_bin()
        if self.bin is None:
            pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
        self.root = pathlib.Path(tempfile.mkdtemp(prefix="awsrunbook-pg-"))
        self.data = self.root / "pgdata"
        self.socket_dir = self.root / "pgsocket"
        self.superuser = superuser
        self.port = _free_port()
        self.process = None
        self.user = "nobody" if os.geteuid() == 0 else None

    def _as_server_user(self):
        if self.user is None:
            return {}
        entry = pwd.getpwnam(self.user)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def _own(self, path):
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def start(self, timeout=30):
        for path in (self.root, self.data, self.socket_dir):
            path.mkdir(mode=0o700, exist_ok=True)
            self._own(path)
        os.chmod(self.root, 0o755)
        subprocess.run(
            [
                f"{self.bin}/initdb",
                "-D",
                str(self.data),
                "-U",
                self.superuser,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            cwd=self.root,
            **self._as_server_user(),
        )
        self.process = subprocess.Popen(
            [
                f"{self.bin}/postgres",
                "-D",
                str(self.data),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-k",
                str(self.socket_dir),
                "-c",
                "fsync=off",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "postgres.log", "wb"),  # noqa: SIM115 (kept for the process)
            cwd=self.root,
            **self._as_server_user(),
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited: {(self.root / 'postgres.log').read_text()}")
            ready = subprocess.run(
                [f"{self.bin}/pg_isready", "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.2)
        raise RuntimeError(f"postgres not ready after {timeout} s")

    def psql(self, sql):
        """Run ``sql`` as the superuser over the local socket (trusted)."""
        return subprocess.run(
            [
                f"{self.bin}/psql",
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                self.superuser,
                "-d",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-qAt",
            ],
            input=sql,
            check=True,
            capture_output=True,
            text=True,
            **self._as_server_user(),
        ).stdout

    def set_password(self, role, password):
        """Give ``role`` ``password`` (passed on stdin, never on a command line)."""
        quoted = password.replace("'", "''")
        self.psql(f"ALTER ROLE \"{role}\" PASSWORD '{quoted}';")

    def create_database(self, name):
        self.psql(f'CREATE DATABASE "{name}";')

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)
