"""Ours: ``salt-call --local state.apply`` with its own config dir and pillar, of the
benchmark's resources (``benchmarks/salt/bench``) or of as many no-op states."""

import json
import pathlib
import shutil
import sys
import textwrap

import yaml

from benchmarks import floors, usage
from benchmarks.harness import REPO, BenchError

HERE = pathlib.Path(__file__).resolve().parent
BIN = pathlib.Path(sys.executable).parent
EMAIL = "postmaster@example.org"
STATE_MODULES = ("s3_backup_bucket", "iam_backup_user", "ses_identity")
NOOP_SLS = "bench_noop"
TIMEOUT = 3600


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


class SaltBench:
    """``salt-call --local state.apply`` with its own config dir and pillar."""

    def __init__(self, root, env, ses, minion_options=None):
        self.root = root
        self.env = env
        self.ses = ses
        self.conf = root / "conf"
        self.pillar_root = root / "pillar"
        self.secrets = root / "private"
        self.generated = root / "generated"  # SLS files written for one run: the no-op floor
        for path in (self.conf, self.pillar_root, self.secrets, self.generated):
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
                    - {self.generated}
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

    @property
    def kinds(self):
        """Resource states per N: a bucket, a backup user and, with SES, a domain."""
        return 3 if self.ses else 2

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
        """``state.apply bench``: its ``usage.Usage``, once every resource state succeeded."""
        result, used = self._state_apply("bench")
        states = sum(1 for key in result if key.split("_|-")[0] in STATE_MODULES)
        if states < self.n * self.kinds:
            raise BenchError(
                f"salt-call ran {states} resource states, expected {self.n * self.kinds}"
            )
        return used

    def apply_noop(self):
        """Salt's floor: as many ``test.succeed_without_changes`` states as ``apply`` has
        resource states, with the same config and pillar."""
        count = self.n * self.kinds
        (self.generated / f"{NOOP_SLS}.sls").write_text(floors.noop_sls(count))
        result, used = self._state_apply(NOOP_SLS)
        if len(result) != count:
            raise BenchError(f"salt-call ran {len(result)} no-op states, expected {count}")
        return used

    def _state_apply(self, sls):
        cmd = [str(BIN / "salt-call"), "--local", "-c", str(self.conf), "--out=json"]
        proc = usage.run([*cmd, "state.apply", sls], self.env, TIMEOUT)
        try:
            result = json.loads(proc.stdout)["local"]
        except (ValueError, KeyError):
            raise BenchError(f"salt-call failed ({proc.returncode}):\n{proc.stderr}") from None
        if not isinstance(result, dict):
            raise BenchError(f"salt-call: {result}")
        failed = {k: v.get("comment") for k, v in result.items() if not v.get("result")}
        if failed or proc.returncode != 0:
            raise BenchError(f"salt-call: {len(failed)} states failed: {failed}")
        return result, proc.usage
