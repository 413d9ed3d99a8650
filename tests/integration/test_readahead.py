"""The run's read-ahead in a real `salt-call --local state.apply`: many buckets and backup users
against moto's server, with IAM throttling the concurrent reads."""

import json

from tests.support.sls import backup_pillar

N = 8


def test_a_throttled_run_of_many_resources_converges(salt_call, moto_server):
    with (salt_call.conf / "minion").open("a") as minion:
        minion.write("aws_runbook_read_concurrency:\n  iam: 3\n")
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", backup_pillar(N, "ra"))
    moto_server.reset_counts()
    # The first user reads alone; IAM throttles the listing of the account the other users are
    # read ahead from, and the reads of each of them (concurrent) twice: adaptive retries slow
    # them down, and the run still converges.
    moto_server.inject_faults("iam", "throttling", operation="GetAccountAuthorizationDetails")
    for i in range(1, N):
        moto_server.inject_faults("iam", "throttling", "throttling", naming=f"ra-user-{i}")
    proc, results = salt_call.state_apply("aws_runbook.backup")
    assert proc.returncode == 0, proc.stdout
    assert all(r["result"] is True for r in results.values()), results
    assert moto_server.counter.faults == [], "every injected fault was met"

    moto_server.reset_counts()
    moto_server.inject_faults("iam", "throttling", operation="GetAccountAuthorizationDetails")
    for i in range(1, N):
        moto_server.inject_faults("iam", "throttling", naming=f"ra-user-{i}")
    _, rerun = salt_call.state_apply("aws_runbook.backup")
    assert all(r["result"] is True and r["changes"] == {} for r in rerun.values()), rerun
    assert moto_server.writes() == []
    # Four reads per bucket (the first bucket's state read ahead for the users too); one
    # listing of the account (sent twice), and each user's access keys (sent twice but the
    # first user's).
    assert len(moto_server.calls()) == 4 * N + 2 + (2 * N - 1)
    log = salt_call.log_file.read_text()
    assert "read-ahead of" not in log, "no read was left to its state"


def test_a_run_that_ends_before_its_reads_ahead_exits_cleanly_without_them(salt_call, moto_server):
    # state.sls_id runs one state of the SLS, but Salt hands it the whole SLS's low state, so
    # the read-ahead starts reading every other bucket and user. When the one state is done,
    # salt-call exits: the reads in flight end, the rest are not sent, and no thread of ours
    # is left running into the interpreter's shutdown (it once aborted salt-call, exit -6).
    with (salt_call.conf / "minion").open("a") as minion:
        minion.write("aws_runbook_read_concurrency:\n  iam: 1\n")
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", backup_pillar(2 * N, "ex"))
    proc, results = salt_call.state_apply("aws_runbook.backup")
    assert proc.returncode == 0 and all(r["result"] is True for r in results.values()), results
    first = min(r["__id__"] for r in results.values() if r["__id__"].startswith("aws-s3"))

    moto_server.reset_counts()
    moto_server.counter.latency = 0.25  # as from a laptop far from the region
    try:
        proc = salt_call.run("state.sls_id", first, "aws_runbook.backup")
    finally:
        moto_server.counter.latency = 0
    assert proc.returncode == 0, proc.stderr
    assert "Exception in thread" not in proc.stderr and "Fatal Python" not in proc.stderr
    (result,) = json.loads(proc.stdout)["local"].values()
    assert result["result"] is True and result["changes"] == {}
    assert moto_server.writes() == []
    # One user's access keys at a time, a quarter of a second each: most were never read.
    key_reads = [call for call in moto_server.calls() if call[1] == "ListAccessKeys"]
    assert len(key_reads) < 2 * N // 2, key_reads
