"""SES feedback through real ``salt-call --local`` processes against moto's server:
``aws_runbook.ses`` with ``notifications: {queue: ...}`` creates the queue (its policy kept by
``tests/support/moto_sqs_patches.py``) and subscribes it; notifications published to the topic
with the AWS CLI come back from ``aws_ses.feedback`` and ``aws_ses.explain_notification``."""

import json

import pytest

from tests.support import ses_feedback as examples

QUEUE = "noreply-example-org-feedback"
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:noreply-example-org"
PILLAR = f"""\
aws_runbook:
  connection: {{region: us-east-1}}
  ses:
    identities:
      noreply.example.org:
        notifications: {{topic: noreply-example-org, queue: {QUEUE}}}
"""


@pytest.fixture
def applied(salt_call):
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - ses\n")
    salt_call.write_pillar("ses.sls", PILLAR)
    return salt_call


def test_feedback_from_the_queue_the_sls_made(applied, aws_cli, moto_server, tmp_path):
    proc, results = applied.state_apply("aws_runbook.ses")
    assert proc.returncode == 0, proc.stdout
    (ret,) = results.values()
    assert {"queue", "queue_policy", "queues"} <= set(ret["changes"]), ret["changes"]
    moto_server.reset_counts()
    proc, results = applied.state_apply("aws_runbook.ses")
    assert [r["changes"] for r in results.values()] == [{}]
    assert moto_server.writes() == []

    # The AWS CLI 1.x sends sqs commands to queue.amazonaws.com whatever AWS_ENDPOINT_URL says.
    sqs = ("sqs", "--endpoint-url", moto_server.url)
    url = aws_cli(*sqs, "get-queue-url", "--queue-name", QUEUE)["QueueUrl"]
    policy = aws_cli(
        *sqs, "get-queue-attributes", "--queue-url", url, "--attribute-names", "Policy"
    )
    (statement,) = json.loads(policy["Attributes"]["Policy"])["Statement"]
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": TOPIC_ARN}}
    for notification in (examples.PERMANENT, examples.COMPLAINT):
        aws_cli("sns", "publish", "--topic-arn", TOPIC_ARN, "--message", json.dumps(notification))

    proc = applied.run("aws_ses.feedback", QUEUE, "delete=True")
    summaries = json.loads(proc.stdout)["local"]
    assert sorted(s["type"] for s in summaries) == ["Bounce", "Complaint"]
    bounce = next(s for s in summaries if s["type"] == "Bounce")
    assert bounce["recipients"][0]["diagnosis"].startswith("the address does not exist")
    left = aws_cli(*sqs, "receive-message", "--queue-url", url, "--wait-time-seconds", "0")
    assert left is None or not left.get("Messages")

    copied = tmp_path / "bounce.json"
    copied.write_text(json.dumps(examples.SUPPRESSED))
    proc = applied.run("aws_ses.explain_notification", str(copied))
    explained = json.loads(proc.stdout)["local"]
    assert explained["bounce_sub_type"] == "Suppressed"
    assert "suppression list" in explained["recipients"][0]["diagnosis"]
