"""What one child process cost itself, apart from the benchmark's process.

The local AWS endpoint (``tests.support.moto_server``) serves from threads of the
benchmark's own process, so a child's CPU time must not be read from this process's clock:
``os.wait4`` answers the child's own resource usage (user and system CPU, peak resident set),
including the children it waited for itself, and nothing of this process's threads.

Linux starts a new program's peak resident set at that of the process that forked it (at
``exec``, the old memory's high-water mark is kept), so a child of this process, which holds
moto and its accounts (hundreds of MB), would report at least that much. The command therefore
runs under this file as a small launcher (``launch``): it forks the command, waits for it and
writes the command's own usage to a file.
"""

import json
import os
import pathlib
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import NamedTuple


class Usage(NamedTuple):
    """A finished child's wall time and resource usage (seconds, bytes), and this process's
    own CPU time while the child ran (``parent_cpu``: the local endpoint's threads)."""

    wall: float
    user: float
    system: float
    max_rss: int
    parent_cpu: float

    @property
    def cpu(self):
        return self.user + self.system


class Finished(NamedTuple):
    returncode: int
    stdout: str
    stderr: str
    usage: Usage


def run(cmd, env, timeout):
    """Run ``cmd`` to its end (killed after ``timeout`` seconds): its exit status, output and
    ``Usage``."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile(suffix=".json") as report,
    ):
        parent_cpu = own_cpu()
        launcher = [sys.executable, __file__, report.name, *cmd]
        proc = subprocess.Popen(launcher, env=env, stdout=out, stderr=err, start_new_session=True)
        timer = threading.Timer(timeout, os.killpg, (proc.pid, signal.SIGKILL))
        timer.start()
        try:
            returncode = proc.wait()
        except BaseException:  # interrupted: the command must not outlive the benchmark
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        finally:
            timer.cancel()
        parent_cpu = own_cpu() - parent_cpu
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
        measured = json.loads(pathlib.Path(report.name).read_text() or "null")
    if not measured:  # the launcher itself failed, or was killed by the timeout
        return Finished(returncode, stdout, stderr, Usage(float(timeout), 0.0, 0.0, 0, parent_cpu))
    returncode = measured.pop("returncode")
    return Finished(returncode, stdout, stderr, Usage(**measured, parent_cpu=parent_cpu))


def own_cpu():
    """User + system CPU seconds of this process so far (all its threads, the endpoint's
    too; not its children)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def launch(report, cmd):
    """As the launcher: run ``cmd``, then write its exit status and usage to ``report``."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, rusage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    measured = {
        "returncode": proc.returncode,
        "wall": time.perf_counter() - start,
        "user": rusage.ru_utime,
        "system": rusage.ru_stime,
        "max_rss": rusage.ru_maxrss * 1024,  # Linux counts it in KiB
    }
    pathlib.Path(report).write_text(json.dumps(measured))


if __name__ == "__main__":
    launch(sys.argv[1], sys.argv[2:])
