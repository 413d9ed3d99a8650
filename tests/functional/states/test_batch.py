"""Batches (_utils/awsrunbook/batch.py) through whole SLS runs: the buckets, backup users and
SES identities that follow one another in a run are run at once after the first of them,
bounded per service, and report what they would have reported one after another."""

import collections
import threading

import pytest
from awsrunbook import batch

from tests.support import sls as make_sls
from tests.support.calls import recorded_calls, writes

N = 5


pytestmark = pytest.mark.usefixtures("moto_ses_as_documented")


def grouped(tmp_path, n=N):
    """``n`` buckets, then ``n`` backup users (each requiring its bucket, as
    ``aws_runbook.backup`` declares them), then ``n`` SES domains with a topic each."""
    return "".join(
        [
            *(make_sls.bucket(f"bucket-{i}", f"batch-bucket-{i}") for i in range(n)),
            *(
                make_sls.user(
                    f"user-{i}",
                    f"batch-user-{i}",
                    f"batch-bucket-{i}",
                    tmp_path / f"user-{i}.sls",
                    f"    - require:\n      - s3_backup_bucket: bucket-{i}\n",
                )
                for i in range(n)
            ),
            *(
                make_sls.domain(f"domain-{i}", f"batch-{i}.example.org", f"batch-topic-{i}")
                for i in range(n)
            ),
        ]
    )


def buckets(prefix, n, extra=lambda i: ""):
    """``n`` buckets ``bucket-I`` named ``PREFIX-bucket-I``; ``extra(i)``: more argument
    lines for one."""
    return "".join(
        make_sls.bucket(f"bucket-{i}", f"{prefix}-bucket-{i}", extra(i)) for i in range(n)
    )


def by_id(result):
    return {key.split("_|-")[1]: value for key, value in result.raw.items()}


class InFlight:
    """Records the states each module runs in a batch, in which threads, and the most of them
    running at once. Each holds on (up to 5 s) until two run at once, so that the run shows
    whether they can."""

    def __init__(self, monkeypatch):
        self.lock, self.now, self.most = threading.Condition(), collections.Counter(), {}
        self.threads, self.ids = collections.defaultdict(set), collections.defaultdict(set)
        original = batch._run_member

        def counting(func, call, mine, waits, loader):
            state = mine["__low__"]["state"]
            with self.lock:
                self.now[state] += 1
                self.most[state] = max(self.most.get(state, 0), self.now[state])
                self.threads[state].add(threading.current_thread().name.rsplit("_", 1)[0])
                self.ids[state].add(mine["__low__"]["__id__"])
                self.lock.notify_all()
                self.lock.wait_for(lambda: self.most[state] > 1, timeout=5)
            try:
                return original(func, call, mine, waits, loader)
            finally:
                with self.lock:
                    self.now[state] -= 1

        monkeypatch.setattr(batch, "_run_member", counting)


def test_the_states_after_the_first_of_each_kind_run_at_once(modules, tmp_path, monkeypatch):
    flight = InFlight(monkeypatch)
    with recorded_calls() as calls:
        first = modules.state.template_str(grouped(tmp_path))
    assert not first.failed, first.errors
    # Every state but the first of each kind ran in its service's pool, bounded.
    assert flight.threads == {
        "s3_backup_bucket": {"awsrunbook-batch-s3"},
        "iam_backup_user": {"awsrunbook-batch-iam"},
        "ses_identity": {"awsrunbook-batch-ses"},
    }
    for state, service in (("s3_backup_bucket", "s3"), ("iam_backup_user", "iam")):
        assert 1 < flight.most[state] <= batch.DEFAULT_CONCURRENCY[service]
    assert flight.most["ses_identity"] == batch.DEFAULT_CONCURRENCY["ses"] == 2
    ops = collections.Counter(op for _, op in calls)
    assert ops["CreateBucket"] == ops["CreateUser"] == ops["CreateAccessKey"] == N
    assert ops["CreateEmailIdentity"] == ops["CreateTopic"] == ops["Subscribe"] == N
    for i in range(N):
        assert "secret_access_key" in by_id(first)[f"user-{i}"]["changes"]
        assert (tmp_path / f"user-{i}.sls").stat().st_mode & 0o777 == 0o600
    with recorded_calls() as calls:
        again = modules.state.template_str(grouped(tmp_path))
    assert not again.failed, again.errors
    assert all(r["changes"] == {} for r in again.raw.values())
    assert writes(calls) == []


def test_a_batch_reports_what_one_state_after_another_reports(modules, tmp_path, monkeypatch):
    """The same SLS, first with batches, then (new names, no batches) one state at a time:
    the same fields change, with the same comments but for the names."""
    together = modules.state.template_str(grouped(tmp_path))
    assert not together.failed, together.errors
    for service in batch.DEFAULT_CONCURRENCY:
        monkeypatch.setitem(batch.DEFAULT_CONCURRENCY, service, 1)
    flight = InFlight(monkeypatch)
    alone_sls = grouped(tmp_path / "alone").replace("batch-", "alone-")
    (tmp_path / "alone").mkdir()
    alone = modules.state.template_str(alone_sls)
    assert not alone.failed, alone.errors
    assert flight.most == {}  # aws_runbook_write_concurrency 1: no batch

    def seen(result):
        """Each state's fields changed and comment, but for the names and DKIM tokens."""
        return {
            sid: (
                sorted(r["changes"]),
                [
                    line
                    for line in r["comment"].replace("alone-", "batch-").splitlines()
                    if "dkim" not in line.lower()
                ],
            )
            for sid, r in by_id(result).items()
        }

    assert seen(together) == seen(alone)
    # Salt reports the states in the same order (its own: a user right after its bucket).
    run_order = [
        [r["__id__"] for r in sorted(result.raw.values(), key=lambda r: r["__run_num__"])]
        for result in (together, alone)
    ]
    assert run_order[0] == run_order[1]


def test_a_policy_shared_by_the_users_keeps_them_one_after_another(modules, tmp_path, monkeypatch):
    """Every user's policy is one policy: no two of them may write it at once."""
    flight = InFlight(monkeypatch)
    sls = make_sls.users(tmp_path, 4, "shared", policy_name="shared-backup")
    with recorded_calls() as calls:
        first = modules.state.template_str(sls)
    assert not first.failed, first.errors
    assert calls.count(("iam", "CreatePolicy")) == 1
    assert flight.most == {}


@pytest.mark.parametrize(
    "extra",
    [
        "    - onlyif: 'true'\n",
        "    - unless: 'false'\n",
        "    - retry: {attempts: 2}\n",
        "    - require:\n      - s3_backup_bucket: bucket-9\n",  # a state Salt has not run yet
    ],
)
def test_a_state_with_more_than_a_met_require_runs_when_salt_reaches_it(
    modules, tmp_path, monkeypatch, extra
):
    """bucket-2 runs when Salt reaches it; the other buckets after bucket-0 run at once,
    passing it over (Salt runs bucket-9, ordered last, before bucket-2 when bucket-2
    requires it)."""
    flight = InFlight(monkeypatch)
    sls = buckets("cut", 5, lambda i: extra if i == 2 else "")
    sls += make_sls.bucket("bucket-9", "cut-bucket-9", "    - order: last\n")
    result = modules.state.template_str(sls)
    assert not result.failed, result.errors
    assert flight.ids == {"s3_backup_bucket": {"bucket-1", "bucket-3", "bucket-4", "bucket-9"}}


def test_a_state_of_another_kind_ends_the_batch(modules, monkeypatch):
    """Salt's order around any other state holds: nothing after it runs before it."""
    flight = InFlight(monkeypatch)
    sls = buckets("other", 5, lambda i: f"    - order: {10 * i}\n")
    sls += """
something-else:
  test.succeed_without_changes:
    - order: 25
"""
    result = modules.state.template_str(sls)
    assert not result.failed, result.errors
    assert flight.ids == {"s3_backup_bucket": {"bucket-1", "bucket-2"}}
