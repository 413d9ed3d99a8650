"""The run's read-ahead in a real `salt-call --local state.apply`: many buckets and backup users
against moto's server, with IAM throttling the concurrent reads."""

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
