"""Benchmark: our ``salt-call --local state.apply`` against Ansible's amazon.aws and
community.aws modules, on one local moto server that counts every AWS operation it serves.

    python -m benchmarks.run                    # Ansible vs ours, then the scale run
    python -m benchmarks.run --ansible-only     # only the side-by-side comparison
    python -m benchmarks.run --scale-only --sizes 10,50
    python -m benchmarks.run --latency-ms 60    # every AWS answer 60 ms late, as from a laptop

Ansible comes from the package index into its own virtualenv (``.venv-bench-ansible`` under
the repository root, or ``$BENCH_ANSIBLE_VENV``), created on first use.
"""

import argparse
import collections
import json
import logging
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request

import yaml

from tests.support.moto_server import MotoServer

REPO = pathlib.Path(__file__).resolve().parents[1]
HERE = pathlib.Path(__file__).resolve().parent
BIN = pathlib.Path(sys.executable).parent
REGION = "us-east-1"
# What was measured: ansible 12.3.0 (ansible-core 2.19, amazon.aws 10.1.2, community.aws
# 10.0.0), which needs Python 3.11+; on 3.10 pip picks the newest ansible that installs.
ANSIBLE_PACKAGES = ("ansible==12.3.0" if sys.version_info >= (3, 11) else "ansible", "boto3")
EMAIL = "postmaster@example.org"


# --- what the moto server saw --------------------------------------------------------------

_NAME_SEGMENT = re.compile(r"[^/?]*bench[^/?]*")
_S3_REST = re.compile(r"^(GET|PUT|DELETE|HEAD|POST) /(\{name\})?(?:/[^?]*)?(?:\?(.*))?$")
_S3_VERBS = {"GET": "Get", "PUT": "Put", "DELETE": "Delete", "HEAD": "Head", "POST": "Post"}
_S3_SUBRESOURCES = {
    "accelerate": "BucketAccelerateConfiguration",
    "acl": "BucketAcl",
    "encryption": "BucketEncryption",
    "lifecycle": "BucketLifecycleConfiguration",
    "location": "BucketLocation",
    "object-lock": "ObjectLockConfiguration",
    "ownershipControls": "BucketOwnershipControls",
    "policy": "BucketPolicy",
    "publicAccessBlock": "PublicAccessBlock",
    "requestPayment": "BucketRequestPayment",
    "tagging": "BucketTagging",
    "versioning": "BucketVersioning",
    "inventory": "BucketInventoryConfigurations",
}
_S3_PLAIN = {"HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}
_SESV2_REST = {
    "GET /v2/email/identities": "ListEmailIdentities",
    "POST /v2/email/identities": "CreateEmailIdentity",
    "GET /v2/email/identities/{name}": "GetEmailIdentity",
    "DELETE /v2/email/identities/{name}": "DeleteEmailIdentity",
    "PUT /v2/email/identities/{name}/feedback": "PutEmailIdentityFeedbackAttributes",
    "PUT /v2/email/identities/{name}/mail-from": "PutEmailIdentityMailFromAttributes",
    "PUT /v2/email/identities/{name}/dkim": "PutEmailIdentityDkimAttributes",
    "PUT /v2/email/identities/{name}/dkim/signing": "PutEmailIdentityDkimSigningAttributes",
    "PUT /v2/email/identities/{name}/configuration-set": (
        "PutEmailIdentityConfigurationSetAttributes"
    ),
    "GET /v2/email/tags": "ListTagsForResource",
    "POST /v2/email/tags": "TagResource",
    "DELETE /v2/email/tags": "UntagResource",
}


def op_name(call):
    """``service Operation`` with resource names folded, so counts add up across resources;
    S3's REST requests get their API operation names."""
    service, operation, _ = call
    operation = _NAME_SEGMENT.sub("{name}", operation)
    if service == "ses" and operation.split("?")[0] in _SESV2_REST:
        return f"sesv2 {_SESV2_REST[operation.split('?')[0]]}"
    match = _S3_REST.match(operation) if service == "s3" else None
    if match:
        method, bucket, sub = match.groups()
        if not bucket:
            operation = "ListBuckets" if method == "GET" else operation
        elif not sub:
            operation = _S3_PLAIN.get(method, f"{method} (objects)")
        elif sub in _S3_SUBRESOURCES:
            operation = _S3_VERBS[method] + _S3_SUBRESOURCES[sub]
    return f"{service} {operation}"


def summarize(calls):
    return {
        "calls": len(calls),
        "writes": sum(1 for call in calls if call[2]),
        "ops": collections.Counter(op_name(call) for call in calls),
        "writes_ops": collections.Counter(op_name(call) for call in calls if call[2]),
    }


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
    """Run ``run()`` once from zero counts: ``(wall seconds, summary of calls)``."""
    server.reset_counts()
    start = time.perf_counter()
    run()
    wall = time.perf_counter() - start
    return wall, summarize(server.calls())


def first_and_converged(server, setup, run, repeat):
    """First run on an empty account, then the converged re-run ``repeat`` times."""
    reset_account(server)
    setup()
    first_wall, first = timed(server, run)
    first["wall"] = first_wall
    walls, writes, converged = [], [], None
    for _ in range(repeat):
        wall, summary = timed(server, run)
        walls.append(wall)
        writes.append(summary["writes"])
        if converged is not None and summary["ops"] != converged["ops"]:
            more, fewer = summary["ops"] - converged["ops"], converged["ops"] - summary["ops"]
            print(f"  note: converged re-runs differ: +{dict(more)} -{dict(fewer)}")
        converged = converged or summary
    converged["writes"] = max(writes)  # a write in any re-run counts against "converged"
    converged["wall"] = statistics.median(walls)
    converged["walls"] = walls
    return first, converged


# --- SES: only once the state exists ----------------------------------------------------------


def ses_status():
    """``(enabled, reason)``: SES identities take part once ``_states/ses_identity.py``
    and the formula's ``salt/aws_runbook/ses.sls`` exist."""
    missing = [
        path
        for path in ("_states/ses_identity.py", "_modules/aws_ses.py", "salt/aws_runbook/ses.sls")
        if not (REPO / path).exists()
    ]
    if missing:
        return False, f"not in this checkout yet: {', '.join(missing)}"
    return True, ""


# --- ours: salt-call --local -----------------------------------------------------------------


class SaltBench:
    """``salt-call --local state.apply bench`` with its own config dir and pillar."""

    def __init__(self, root, env, ses, minion_options=None):
        self.root = root
        self.env = env
        self.ses = ses
        self.conf = root / "conf"
        self.pillar_root = root / "pillar"
        self.secrets = root / "private"
        for path in (self.conf, self.pillar_root, self.secrets):
            path.mkdir(parents=True, exist_ok=True)
        (self.conf / "minion").write_text(
            textwrap.dedent(
                f"""\
                id: bench-minion
                file_client: local
                root_dir: {root}
                cachedir: {root}/cache
                pki_dir: {root}/pki
                sock_dir: {root}/sock
                log_file: {root}/salt-call.log
                log_level_logfile: warning
                file_roots:
                  base:
                    - {HERE / "salt"}
                    - {REPO / "salt"}
                pillar_roots:
                  base:
                    - {self.pillar_root}
                """
            )
        )
        if minion_options:
            with (self.conf / "minion").open("a") as minion:
                minion.write(yaml.safe_dump(minion_options))
        (self.pillar_root / "top.sls").write_text("base:\n  '*':\n    - bench\n")

    def declare(self, n):
        """Pillar for ``n`` of each resource; the users' pillar files start empty."""
        shutil.rmtree(self.secrets)
        self.secrets.mkdir()
        buckets = {bucket_name(i): {} for i in range(n)}
        users = {
            user_name(i): {
                "bucket": bucket_name(i),
                "pillar_file": str(self.secrets / f"{user_name(i)}.sls"),
            }
            for i in range(n)
        }
        pillar = {"aws_runbook": {"backup": {"buckets": buckets, "users": users}}}
        if self.ses:
            pillar["aws_runbook"]["ses"] = ses_pillar(n)
        (self.pillar_root / "bench.sls").write_text(yaml.safe_dump(pillar))
        self.n = n

    def apply(self):
        cmd = [
            str(BIN / "salt-call"),
            "--local",
            "-c",
            str(self.conf),
            "--out=json",
            "state.apply",
            "bench",
        ]
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=3600)
        try:
            result = json.loads(proc.stdout)["local"]
        except (ValueError, KeyError):
            raise BenchError(f"salt-call failed ({proc.returncode}):\n{proc.stderr}") from None
        if not isinstance(result, dict):
            raise BenchError(f"salt-call: {result}")
        failed = {k: v.get("comment") for k, v in result.items() if not v.get("result")}
        if failed or proc.returncode != 0:
            raise BenchError(f"salt-call: {len(failed)} states failed: {failed}")
        expected = self.n * (3 if self.ses else 2)
        states = sum(1 for key in result if key.split("_|-")[0] in STATE_MODULES)
        if states < expected:
            raise BenchError(f"salt-call ran {states} resource states, expected {expected}")
        return result


class BenchError(RuntimeError):
    """A run that did not converge cleanly (failed states, playbook errors)."""


STATE_MODULES = ("s3_backup_bucket", "iam_backup_user", "ses_identity")


def bucket_name(i):
    return f"bench-backup-{i:03d}"


def user_name(i):
    return f"bench-backup-user-{i:03d}"


def domain_name(i):
    return f"bench-{i:03d}.example.org"


def topic_name(i):
    return f"bench-ses-feedback-{i:03d}"


def ses_pillar(n):
    """``n`` SES domains (Easy DKIM, the state's default), each with bounce and complaint
    notifications with headers to its own topic with one email subscriber."""
    return {
        "identities": {
            domain_name(i): {
                "notifications": {
                    "topic": topic_name(i),
                    "subscribers": [EMAIL],
                    "bounce": True,
                    "complaint": True,
                    "delivery": False,
                    "include_headers": True,
                }
            }
            for i in range(n)
        }
    }


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
        proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            raise BenchError(f"ansible-playbook failed:\n{proc.stdout[-4000:]}\n{proc.stderr}")
        self.last_output = proc.stdout


# --- reporting -------------------------------------------------------------------------------


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


def per_operation(results):
    """Per-operation counts of the converged runs, one column per tool."""
    names = sorted({op for summary in results.values() for op in summary["ops"]})
    rows = [[op, *(results[tool]["ops"].get(op, 0) for tool in results)] for op in names]
    rows.append(["total", *(results[tool]["calls"] for tool in results)])
    return table(rows, ["converged run: operation", *results])


def latency(server):
    """How late the server answers, for the tables' titles."""
    return f"answers delayed {server.counter.latency * 1000:.0f} ms"


def compare(server, root, ses, repeat, minion_options):
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
    rows = []
    for tool, (first, converged) in results.items():
        rows.append([tool, "first", f"{first['wall']:.2f}", first["calls"], first["writes"]])
        rows.append(
            [
                tool,
                f"converged (median of {repeat})",
                f"{converged['wall']:.2f}",
                converged["calls"],
                converged["writes"],
            ]
        )
    print(table(rows, ["tool", "run", "wall s", "API calls", "writes"]))
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


def scale(server, root, ses, sizes, repeat, minion_options):
    env = aws_env(server)
    ours = SaltBench(root / "salt-scale", env, ses, minion_options)
    kinds = 3 if ses else 2
    rows, per_resource, op_rows = [], {}, {}
    for n in sizes:
        print(f"scale N={n}: first run, then converged x{repeat} ...", flush=True)
        first, converged = first_and_converged(
            server, lambda n=n: ours.declare(n), ours.apply, repeat
        )
        resources = n * kinds
        for run, summary in (("first", first), (f"converged (median of {repeat})", converged)):
            rows.append(
                [
                    n,
                    resources,
                    run,
                    f"{summary['wall']:.2f}",
                    summary["calls"],
                    summary["writes"],
                    f"{summary['calls'] / resources:.2f}",
                    f"{summary['wall'] / resources * 1000:.0f}",
                ]
            )
        per_resource[n] = converged["calls"] / resources
        op_rows[n] = converged["ops"]
    what = "buckets + users" + (" + SES domains" if ses else "")
    print(f"\n== Scale, ours only: N of each ({what}), {latency(server)}; {load()}\n")
    headers = ["N", "resources", "run", "wall s", "calls", "writes", "calls/res", "ms/res"]
    print(table(rows, headers))
    print()
    names = sorted({op for ops in op_rows.values() for op in ops})
    print(
        table(
            [[op, *(f"{op_rows[n].get(op, 0) / n:.2f}" for n in sizes)] for op in names],
            ["converged: calls per N, by operation", *(f"N={n}" for n in sizes)],
        )
    )
    print()
    # Constant: no size costs more per resource than the smallest (5% slack); one-off calls
    # per run (sts GetCallerIdentity) and batched reads may make it fall a little.
    base = per_resource[sizes[0]]
    return [
        check(
            all(value <= base * 1.05 for value in per_resource.values()),
            "ours converged calls per resource constant over N="
            + ", ".join(f"{n}: {per_resource[n]:.2f}" for n in sizes),
        )
    ]


def limits(text):
    """``iam=8,ses=4`` as ``{"iam": 8, "ses": 4}``."""
    try:
        return {service: int(limit) for service, limit in (p.split("=") for p in text.split(","))}
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected SERVICE=N[,SERVICE=N...], got {text!r}"
        ) from None


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
        type=float,
        default=0,
        help="delay every AWS answer by this much (a network round trip; default 0)",
    )
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


def main(argv=None):
    args, minion_options = parse(argv)
    sizes = [int(size) for size in args.sizes.split(",")]

    ses, reason = ses_status()
    if args.no_ses:
        ses, reason = False, "--no-ses"
    if not ses:
        print(f"SES identities SKIPPED: {reason}; measuring the backup resources only\n")

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one log line per request
    server = MotoServer(latency_ms=args.latency_ms).start()
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
                    lambda ses: compare(server, root / "compare", ses, args.repeat, minion_options)
                )
            if not args.ansible_only:
                sections.append(
                    lambda ses: scale(
                        server, root / "scale", ses, sizes, args.repeat, minion_options
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
