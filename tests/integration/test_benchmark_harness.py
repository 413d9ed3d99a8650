"""The runs every benchmark section shares (``benchmarks/harness.py``), against a real moto
server and real child processes."""

import sys

from benchmarks import harness, usage

# Creates the bucket when HeadBucket says it is missing: one write on an empty account, none
# once it exists.
ENSURE_BUCKET = """
import boto3, botocore.exceptions
s3 = boto3.client("s3")
try:
    s3.head_bucket(Bucket="bench-backup-000")
except botocore.exceptions.ClientError:
    s3.create_bucket(Bucket="bench-backup-000")
"""


def test_first_run_then_converged_reruns_with_the_childs_usage(moto_server):
    env = harness.aws_env(moto_server)
    prepared = []

    def run():
        return usage.run([sys.executable, "-c", ENSURE_BUCKET], env, 60).usage

    first, converged = harness.first_and_converged(moto_server, lambda: prepared.append(1), run, 3)
    assert prepared == [1]
    assert first["ops"] == {"s3 HeadBucket": 1, "s3 CreateBucket": 1}
    assert first["writes"] == 1
    assert converged["ops"] == {"s3 HeadBucket": 1}
    assert converged["writes"] == 0
    assert len(converged["walls"]) == 3
    assert converged["wall"] == sorted(converged["walls"])[1]
    assert converged["usage"].wall == converged["wall"]
    assert 0 < converged["usage"].cpu < converged["wall"] * 2
    assert converged["usage"].max_rss > 10_000_000
    # The server answered from this process: its CPU is counted here, not in the child's.
    assert converged["usage"].parent_cpu > 0


def test_the_account_starts_empty_for_each_first_run(moto_server):
    env = harness.aws_env(moto_server)

    def run():
        return usage.run([sys.executable, "-c", ENSURE_BUCKET], env, 60).usage

    harness.first_and_converged(moto_server, lambda: None, run, 1)
    first, _ = harness.first_and_converged(moto_server, lambda: None, run, 1)
    assert first["writes"] == 1
