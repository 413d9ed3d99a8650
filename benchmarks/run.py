"""Benchmark: our ``salt-call --local state.apply`` against Ansible's amazon.aws and
community.aws modules, on one local moto server that counts every AWS operation it serves.

    python -m benchmarks.run                    # Ansible vs ours, then the scale run
    python -m benchmarks.run --ansible-only     # only the side-by-side comparison
    python -m benchmarks.run --scale-only --sizes 10,50
    python -m benchmarks.run --latency-ms 60    # every AWS answer 60 ms late, as from a laptop
    python -m benchmarks.run --scale-only --sizes 200,1000 --latency-ms 0,60 --repeat 1

The scale run (``benchmarks.scale``) prints, for each size, latency and run (first,
converged): wall time, API calls by service and by operation, writes, the ``salt-call``
process's own CPU time and peak RSS (``benchmarks.usage``), and the floors of the same run
(``benchmarks.floors``): Salt applying as many no-op states, and the network's.

Ansible comes from the package index into its own virtualenv (``.venv-bench-ansible`` under
the repository root, or ``$BENCH_ANSIBLE_VENV``), created on first use.
"""

import argparse
import json
import logging
import os
import pathlib
import signal
import subprocess
import sys
import tempfile

from benchmarks import usage
from benchmarks.harness import (
    REGION,
    BenchError,
    aws_env,
    check,
    checkout,
    first_and_converged,
    latency,
    load,
    serve_one_at_a_time,
    table,
)
from benchmarks.salt_bench import (
    EMAIL,
    HERE,
    REPO,
    SaltBench,
    bucket_name,
    domain_name,
    ses_status,
    topic_name,
    user_name,
)
from benchmarks.scale import scale, scale_figures
from tests.support.moto_server import MotoServer

# What was measured: ansible 12.3.0 (ansible-core 2.19, amazon.aws 10.1.2, community.aws
# 10.0.0), which needs Python 3.11+; on 3.10 pip picks the newest ansible that installs.
ANSIBLE_PACKAGES = ("ansible==12.3.0" if sys.version_info >= (3, 11) else "ansible", "boto3")


# --- Ansible ---------------------------------------------------------------------------------


def ansible_venv():
    """The virtualenv with Ansible and boto3, created on first use."""
    venv = pathlib.Path(os.environ.get("BENCH_ANSIBLE_VENV") or REPO / ".venv-bench-ansible")
    playbook = venv / "bin" / "ansible-playbook"
    if not playbook.exists():
        print(f"creating {venv} with {' '.join(ANSIBLE_PACKAGES)} (about a minute)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *ANSIBLE_PACKAGES]
        proc = subprocess.run(pip, capture_output=True, text=True)
        if proc.returncode != 0:
            errors = [line for line in proc.stderr.splitlines() if "Location" not in line]
            raise SystemExit(f"pip install into {venv} failed:\n" + "\n".join(errors[-30:]))
    return venv


class AnsibleBench:
    """``ansible-playbook`` of benchmarks/ansible/playbook.yml on localhost."""

    def __init__(self, root, env, ses, venv):
        self.root = root
        self.venv = venv
        self.env = dict(
            env,
            ANSIBLE_LOCAL_TEMP=str(root / "tmp"),
            ANSIBLE_HOME=str(root / "home"),
            ANSIBLE_PYTHON_INTERPRETER=str(venv / "bin" / "python"),
            ANSIBLE_INVENTORY_UNPARSED_WARNING="False",
            ANSIBLE_LOCALHOST_WARNING="False",
            ANSIBLE_NOCOLOR="1",
            PATH=f"{venv / 'bin'}:{env['PATH']}",
        )
        self.key_file = root / "private" / "bench-backup-user-000.sls"
        self.key_file.parent.mkdir(parents=True, exist_ok=True)
        from awsrunbook.iam import backup_policy_document

        self.vars_file = root / "vars.json"
        self.vars_file.write_text(
            json.dumps(
                {
                    "bucket": bucket_name(0),
                    "policy_name": user_name(0),
                    "policy": backup_policy_document(bucket_name(0)),
                    "user": user_name(0),
                    "key_file": str(self.key_file),
                    "region": REGION,
                    "ses": ses,
                    "topic": topic_name(0),
                    "email": EMAIL,
                    "domain": domain_name(0),
                }
            )
        )

    def setup(self):
        self.key_file.unlink(missing_ok=True)

    def apply(self):
        cmd = [
            str(self.venv / "bin" / "ansible-playbook"),
            "-i",
            "localhost,",
            "-e",
            f"@{self.vars_file}",
            str(HERE / "ansible" / "playbook.yml"),
        ]
        proc = usage.run(cmd, self.env, timeout=900)
        if proc.returncode != 0:
            raise BenchError(f"ansible-playbook failed:\n{proc.stdout[-4000:]}\n{proc.stderr}")
        self.last_output = proc.stdout
        return proc.usage


# --- reporting -------------------------------------------------------------------------------


def per_operation(results):
    """Per-operation counts of the converged runs, one column per tool."""
    names = sorted({op for summary in results.values() for op in summary["ops"]})
    rows = [[op, *(results[tool]["ops"].get(op, 0) for tool in results)] for op in names]
    rows.append(["total", *(results[tool]["calls"] for tool in results)])
    return table(rows, ["converged run: operation", *results])


def compare(server, root, ses, repeat, minion_options, latencies):
    """The side-by-side comparison at each latency (milliseconds): the verdicts."""
    verdicts = []
    for latency_ms in latencies:
        server.counter.latency = latency_ms / 1000
        verdicts += compare_once(server, root / f"{latency_ms:g}ms", ses, repeat, minion_options)
    return verdicts


def compare_once(server, root, ses, repeat, minion_options):
    env = aws_env(server)
    venv = ansible_venv()
    version = subprocess.run(
        [str(venv / "bin" / "ansible"), "--version"], capture_output=True, text=True
    ).stdout.splitlines()[0]
    ansible = AnsibleBench(root / "ansible", env, ses, venv)
    ours = SaltBench(root / "salt-compare", env, ses, minion_options)
    ours.declare(1)

    results = {}
    for tool, bench, setup in (
        ("ansible", ansible, ansible.setup),
        ("ours", ours, lambda: ours.declare(1)),
    ):
        print(f"running {tool} (first run, then converged x{repeat}) ...", flush=True)
        results[tool] = first_and_converged(server, setup, bench.apply, repeat)

    what = "1 bucket + 1 user" + (" + 1 SES domain" if ses else "")
    print(
        f"\n== Ansible ({version}) vs ours, {what}, one local endpoint, {latency(server)};"
        f" {load()}\n"
    )
    rows = [
        [
            tool,
            run,
            f"{summary['wall']:.2f}",
            summary["calls"],
            summary["writes"],
            f"{summary['usage'].cpu:.2f}",
            f"{summary['usage'].max_rss / 1e6:.0f}",
        ]
        for tool, (first, converged) in results.items()
        for run, summary in (("first", first), (f"converged (median of {repeat})", converged))
    ]
    headers = ["tool", "run", "wall s", "API calls", "writes", "CPU s", "peak RSS MB"]
    print(table(rows, headers))
    print()
    print(per_operation({tool: converged for tool, (_, converged) in results.items()}))
    print()
    for tool, (first, _) in results.items():
        print(f"{tool} first-run writes: {dict(sorted(first['writes_ops'].items()))}")
    print()
    a_first, a_conv = results["ansible"]
    o_first, o_conv = results["ours"]
    for tool, (_, converged) in results.items():
        print(f"info  {tool} converged walls: {', '.join(f'{w:.2f}' for w in converged['walls'])}")
    print(
        f"info  first run: ours {o_first['calls']} calls / {o_first['wall']:.2f} s, Ansible "
        f"{a_first['calls']} calls / {a_first['wall']:.2f} s (no target)"
    )
    return [
        check(o_conv["writes"] == 0, f"ours converged: {o_conv['writes']} writes (target 0)"),
        check(
            o_conv["calls"] * 3 <= a_conv["calls"],
            f"ours converged: {o_conv['calls']} calls <= 1/3 of Ansible's {a_conv['calls']}"
            f" (ratio {o_conv['calls'] / a_conv['calls']:.2f})",
        ),
        check(
            o_conv["wall"] * 2 <= a_conv["wall"],
            f"ours converged: {o_conv['wall']:.2f} s <= half of Ansible's {a_conv['wall']:.2f} s"
            f" (ratio {o_conv['wall'] / a_conv['wall']:.2f})",
        ),
    ]


def limits(text):
    """``iam=8,ses=4`` as ``{"iam": 8, "ses": 4}``."""
    try:
        return {service: int(limit) for service, limit in (p.split("=") for p in text.split(","))}
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected SERVICE=N[,SERVICE=N...], got {text!r}"
        ) from None


def latencies(text):
    """``0,60`` as ``[0.0, 60.0]``."""
    try:
        return [float(value) for value in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MS[,MS...], got {text!r}") from None


def parse(argv):
    """``(arguments, the minion options of our runs)``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--scale-only", action="store_true", help="skip the Ansible comparison")
    only.add_argument("--ansible-only", action="store_true", help="skip the scale run")
    parser.add_argument("--sizes", default="10,50,200", help="scale run sizes (default 10,50,200)")
    parser.add_argument("--repeat", type=int, default=3, help="converged re-runs (median)")
    parser.add_argument("--no-ses", action="store_true", help="leave SES identities out")
    parser.add_argument(
        "--latency-ms",
        type=latencies,
        default=[0.0],
        help="delay every AWS answer by this much (a network round trip; default 0); several,"
        " comma-separated (0,60), run each section at each",
    )
    parser.add_argument("--json", type=pathlib.Path, help="also write the scale run's figures here")
    for kind in ("read", "write"):
        parser.add_argument(
            f"--{kind}-concurrency",
            type=limits,
            help=f"the minion option aws_runbook_{kind}_concurrency for our runs, e.g."
            " iam=8,ses=4, or all=1 (default: not set, the extension's defaults)",
        )
    args = parser.parse_args(argv)
    minion_options = {
        f"aws_runbook_{kind}_concurrency": value.get("all", value)
        for kind, value in (("read", args.read_concurrency), ("write", args.write_concurrency))
        if value
    }
    return args, minion_options


def scale_section(server, root, ses, sizes, args, minion_options):
    """The scale run's verdicts; its figures also go to ``--json``'s file, if given."""
    verdicts, by_latency = scale(
        server, root, ses, sizes, args.repeat, minion_options, args.latency_ms
    )
    if args.json:
        args.json.write_text(json.dumps(scale_figures(by_latency), indent=1) + "\n")
        print(f"figures written to {args.json}")
    return verdicts


def main(argv=None):
    # Stopped with kill: unwind as on Ctrl-C, so the salt-call under way is ended too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args, minion_options = parse(argv)
    sizes = [int(size) for size in args.sizes.split(",")]

    ses, reason = ses_status()
    if args.no_ses:
        ses, reason = False, "--no-ses"
    if not ses:
        print(f"SES identities SKIPPED: {reason}; measuring the backup resources only\n")

    # Importing Salt (the floors read its limits) defers log records until exit: errors of
    # the moto server (a 500 page) must show when they happen.
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s", force=True)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request
    server = serve_one_at_a_time(MotoServer()).start()
    print(f"moto server on {server.url}; {load()}; checkout {checkout()}", flush=True)
    for option, value in minion_options.items():
        print(f"ours with {option}: {value}", flush=True)
    verdicts = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            root = pathlib.Path(tmp)
            sections = []
            if not args.scale_only:
                sections.append(
                    lambda ses: compare(
                        server, root / "compare", ses, args.repeat, minion_options, args.latency_ms
                    )
                )
            if not args.ansible_only:
                sections.append(
                    lambda ses: scale_section(
                        server, root / "scale", ses, sizes, args, minion_options
                    )
                )
            for section in sections:
                try:
                    verdicts += section(ses)
                except BenchError as exc:
                    if not ses:
                        raise
                    ses, reason = False, f"the run with SES failed: {str(exc)[:2000]}"
                    print(f"\nSES identities SKIPPED from here on: {reason}\n", flush=True)
                    verdicts += section(ses)
    finally:
        server.stop()
    if not ses:
        print(f"\nSES identities SKIPPED: {reason}")
    print(f"\n{sum(verdicts)}/{len(verdicts)} targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
