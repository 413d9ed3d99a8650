"""The scale run's tables and verdicts, from measured figures."""

import json
import re

from benchmarks import scale
from benchmarks.operations import summarize
from benchmarks.usage import Usage

MB = 1_000_000


def summary(calls, wall, cpu, rss, endpoint_cpu=0.5):
    measured = summarize(calls)
    measured.update(wall=wall, usage=Usage(wall, cpu * 0.8, cpu * 0.2, rss, endpoint_cpu))
    return measured


def measured(n, converged_wall=2.0, converged_cpu=2.0, rss=120 * MB, writes=0):
    reads = [("s3", f"HEAD /bench-backup-{i:03d}", False) for i in range(n)]
    reads += [("iam", "ListAccessKeys", False)] * n
    reads += [
        ("ses", f"GET /v2/email/identities/bench-{i:03d}.example.org", False) for i in range(n)
    ]
    creates = [("s3", f"PUT /bench-backup-{i:03d}", True) for i in range(n)]
    converged = summary(reads + creates[:writes], converged_wall, converged_cpu, rss)
    converged["walls"] = [converged_wall]
    return {
        "n": n,
        "first": summary(reads + creates, 9.0, 4.0, rss),
        "converged": converged,
        "noop": Usage(1.5, 1.0, 0.2, 110 * MB, 0.0),
    }


def test_the_tables_show_each_runs_figures_floors_and_calls():
    results = [measured(10), measured(50)]
    runs, floors_table, services, operations = scale.report(results, 1, 3, 0.06, {})
    converged_50 = runs.splitlines()[5].split()
    # N, resources, run (4 words), wall, calls, writes, calls/res, CPU s, CPU ms/res, RSS,
    # endpoint CPU
    assert converged_50[:6] == ["50", "150", "converged", "(median", "of", "1)"]
    assert converged_50[6:] == ["2.00", "150", "0", "1.00", "2.00", "13.3", "120", "0.50"]
    # 50 S3 reads at 16 in flight, 50 IAM at 4, 50 SES at 2: 0.1875 + 0.75 + 1.5 s.
    floor_50 = floors_table.splitlines()[5].split()
    assert floor_50[-7:] == ["1.50", "1.20", "2.44", "1.50", "0.75", "0.19", "1.50"]
    s3_row = next(line for line in services.splitlines() if line.startswith("s3 "))
    assert re.split(r"\s{2,}", s3_row) == ["s3", "20 (10)", "10 (0)", "100 (50)", "50 (0)"]
    assert "sesv2 GetEmailIdentity" in operations
    assert "N=10 first  N=10 converged  N=50 first  N=50 converged" in operations.splitlines()[0]


def test_issue_25_targets_are_checked_at_the_sizes_and_latencies_it_names(capsys):
    results = [measured(200, converged_wall=9.7), measured(1000, converged_wall=30.0)]
    verdicts = scale.target_checks(results, 3, 60)
    out = capsys.readouterr().out
    assert "FAIL  N=200 converged at 60 ms: 9.70 s (target 5 s)" in out
    assert "FAIL  N=1000 converged at 60 ms: 30.00 s (target 20 s)" in out
    assert "PASS  N=1000 converged: 1.00 calls per resource (target 2.34)" in out
    assert "PASS  N=1000: salt-call peak RSS 120 MB first, 120 MB converged" in out
    assert "ms per resource" not in out  # the CPU target is for latency 0
    assert verdicts.count(False) == 2


def test_at_latency_zero_cpu_per_resource_and_the_noop_floor_are_checked(capsys):
    fast = measured(1000, converged_wall=5.0, converged_cpu=6.0)
    slow = measured(1000, converged_wall=5.1, converged_cpu=9.3, writes=1)
    assert all(scale.target_checks([fast], 3, 0))
    out = capsys.readouterr().out
    assert "PASS  N=1000 converged at 0 ms: salt-call CPU 2.0 ms per resource (target 3)" in out
    assert "(target 5.00 s = 3 x no-op 1.50 s + endpoint CPU 0.50 s)" in out
    verdicts = scale.target_checks([slow], 3, 0)
    out = capsys.readouterr().out
    assert "FAIL  N=1000 converged: 1 writes (target 0)" in out
    assert "FAIL  N=1000 converged at 0 ms: salt-call CPU 3.1 ms per resource" in out
    assert "FAIL  N=1000 converged at 0 ms: 5.10 s (target 5.00 s" in out
    assert verdicts.count(False) == 3


def test_calls_per_resource_must_not_grow_with_n(capsys):
    assert scale.constant_calls([measured(10), measured(50)], 3)
    grown = measured(50)
    grown["converged"] = summary(
        grown["converged"]["calls"] * [("iam", "GetPolicy", False)] * 2, 2.0, 2.0, MB
    )
    assert not scale.constant_calls([measured(10), grown], 3)
    assert "FAIL  ours converged calls per resource constant over N=10: 1.00, 50: 2.00" in (
        capsys.readouterr().out
    )


def test_the_figures_are_json_with_each_runs_usage():
    figures = json.loads(json.dumps(scale.scale_figures({60.0: [measured(10)]})))
    run = figures["60"][0]
    assert run["n"] == 10
    assert run["converged"]["usage"]["max_rss"] == 120 * MB
    assert run["converged"]["walls"] == [2.0]
    assert run["first"]["services"]["s3"] == {"reads": 10, "writes": 10}
    assert run["noop"]["wall"] == 1.5
