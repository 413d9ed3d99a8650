"""Batches in a real `salt-call --local state.apply`: the buckets and backup users after the
first of each run at once against moto's server, with AWS throttling their writes."""

import yaml

from tests.support.sls import backup_pillar

N = 6


def test_a_throttled_batch_of_writes_converges(salt_call, moto_server):
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", backup_pillar(N, "batch"))
    # Each batched bucket's lifecycle write and each batched user's creation is throttled
    # twice, and one public access block answers 503: adaptive retries carry them through.
    # Each batched user's CreateAccessKey is throttled once: it is sent again once a read of
    # the user's keys has shown that IAM made none.
    for i in range(1, N):
        user = f"batch-user-{i}"
        for service, operation, name in (
            ("s3", f"PUT /batch-backup-{i}?lifecycle", None),
            ("iam", "CreateUser", user),
        ):
            moto_server.inject_faults(
                service, "throttling", "throttling", operation=operation, naming=name
            )
        moto_server.inject_faults("iam", "throttling", operation="CreateAccessKey", naming=user)
    public_access = "PUT /batch-backup-3?publicAccessBlock"
    moto_server.inject_faults("s3", "unavailable", operation=public_access)
    proc, results = salt_call.state_apply("aws_runbook.backup")
    assert proc.returncode == 0, proc.stdout
    assert all(r["result"] is True for r in results.values()), results
    assert moto_server.counter.faults == [], "every injected fault was met"
    creates = [call for call in moto_server.calls() if call[1] == "CreateAccessKey"]
    assert len(creates) == N + (N - 1)
    log = salt_call.log_file.read_text()
    assert f"{N - 1} later s3_backup_bucket.present states run at once, 8 at a time" in log
    assert f"{N - 1} later iam_backup_user.present states run at once, 4 at a time" in log
    for i in range(N):
        written = yaml.safe_load((salt_call.pillar_root / f"private/batch-{i}.sls").read_text())
        assert written["aws"]["access_key"].startswith("AKIA")
        assert (salt_call.pillar_root / f"private/batch-{i}.sls").stat().st_mode & 0o777 == 0o600

    moto_server.reset_counts()
    _, rerun = salt_call.state_apply("aws_runbook.backup")
    assert all(r["result"] is True and r["changes"] == {} for r in rerun.values()), rerun
    assert moto_server.writes() == []
