"""What every section of the benchmark shares: the account, the runs, the tables."""

import os
import pathlib
import statistics
import subprocess
import threading
import urllib.request

from benchmarks import usage
from benchmarks.operations import summarize

REPO = pathlib.Path(__file__).resolve().parents[1]
REGION = "us-east-1"


class BenchError(RuntimeError):
    """A run that did not converge cleanly (failed states, playbook errors)."""


class OneAtATime:
    """moto's WSGI app, serving one request at a time: its backends are not thread-safe (a
    first run of N = 1000 got a 500 page instead of an answer to an IAM AttachUserPolicy while
    other writes were in flight). The latency is waited out before (``CountingApp``), so the
    requests still wait for it concurrently."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            return list(self.app(environ, start_response))


def serve_one_at_a_time(server):
    """Make ``server`` (a started ``MotoServer``) carry out one request at a time."""
    server.counter.app = OneAtATime(server.counter.app)
    return server


def reset_account(server):
    """An empty account: moto's state and the call counts."""
    request = urllib.request.Request(f"{server.url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request).read()
    server.reset_counts()


def aws_env(server):
    return {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "AWS_ENDPOINT_URL": server.url,
        "AWS_URL": server.url,  # amazon.aws's fallback for endpoint_url
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }


def timed(server, run):
    """Run ``run()`` once from zero counts: the summary of its calls with ``usage`` (what
    ``run`` answers: the child's ``usage.Usage``) and its ``wall`` time."""
    server.reset_counts()
    child = run()
    summary = summarize(server.calls())
    summary.update(wall=child.wall, usage=child)
    return summary


def first_and_converged(server, setup, run, repeat):
    """First run on an empty account, then the converged re-run ``repeat`` times: the first
    run's summary, and the converged one's with medians of wall and CPU times, the most
    writes and the highest peak RSS of the re-runs."""
    reset_account(server)
    setup()
    first = timed(server, run)
    reruns = [timed(server, run) for _ in range(repeat)]
    converged = reruns[0]
    for rerun in reruns[1:]:
        if rerun["ops"] != converged["ops"]:
            more, fewer = rerun["ops"] - converged["ops"], converged["ops"] - rerun["ops"]
            print(f"  note: converged re-runs differ: +{dict(more)} -{dict(fewer)}")
    converged["writes"] = max(r["writes"] for r in reruns)  # a write in any re-run counts
    converged["walls"] = [r["wall"] for r in reruns]
    converged["wall"] = statistics.median(converged["walls"])
    converged["usage"] = usage.Usage(
        converged["wall"],
        statistics.median(r["usage"].user for r in reruns),
        statistics.median(r["usage"].system for r in reruns),
        max(r["usage"].max_rss for r in reruns),
        statistics.median(r["usage"].parent_cpu for r in reruns),
    )
    return first, converged


def table(rows, headers):
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    line = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    out = [line.format(*headers), line.format(*("-" * w for w in widths))]
    out += [line.format(*row) for row in rows]
    return "\n".join(out)


def checkout():
    """The commit measured, and whether the working tree differed from it."""
    git = ["git", "-C", str(REPO)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True)
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def load():
    """The machine's load, printed with each table: wall times mean little on a busy box."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def check(ok, text):
    print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return ok


def latency(server):
    """How late the server answers, for the tables' titles."""
    return f"answers delayed {server.counter.latency * 1000:.0f} ms"
