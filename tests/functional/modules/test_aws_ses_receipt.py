"""``aws_ses_receipt``: receiving mail for one address through an SES receipt rule into S3
(``setup_receiving`` → ``wait_for_message`` → ``cleanup_receiving``), against moto with the
receiving stand-in of ``tests/support/moto_ses_receiving.py``."""

import http.server
import json
import threading
import time

import boto3
import botocore.client
import botocore.exceptions
import pytest
from awsrunbook.secrets import Secret
from salt.exceptions import CommandExecutionError

from tests.support import moto_ses_patches, moto_ses_receiving
from tests.support.ses_receiving import CLEANUP_FIELDS, SETUP_FIELDS

REGION = "eu-west-1"
ADDRESS = "check@example.org"
BUCKET = "ocp-aws-verification"


@pytest.fixture
def ses(modules):
    moto_ses_patches.apply()
    moto_ses_receiving.apply()
    modules.aws_ses.create_identity("example.org", region=REGION)  # SES receives for it
    return boto3.client("ses", region_name=REGION)


def test_setup_receives_the_address_into_the_bucket_and_cleanup_restores(modules, ses):
    ses.create_receipt_rule_set(RuleSetName="theirs")
    ses.set_active_receipt_rule_set(RuleSetName="theirs")
    since = time.time() - 1

    made = modules.aws_ses_receipt.setup_receiving(ADDRESS, region=REGION)

    assert list(made["changes"]) == SETUP_FIELDS
    assert made["changes"]["active_receipt_rule_set"] == {
        "old": "theirs",
        "new": "email-address-verification",
    }
    policy = json.loads(boto3.client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"])
    condition = policy["Statement"][0]["Condition"]["StringEquals"]
    assert condition["AWS:SourceArn"] == (
        "arn:aws:ses:eu-west-1:123456789012:receipt-rule-set/email-address-verification"
        ":receipt-rule/deliver-to-s3-bucket"
    )
    assert condition["AWS:SourceAccount"] == "123456789012"
    assert moto_ses_receiving.deliver(REGION, "other@example.org", b"Subject: x\n\nno") is None
    assert moto_ses_receiving.deliver(REGION, ADDRESS, b"Subject: hello\n\nbody\n")

    raw = modules.aws_ses_receipt.wait_for_message(BUCKET, f"{ADDRESS}/", since, 5, region=REGION)
    assert raw == b"Subject: hello\n\nbody\n"

    again = modules.aws_ses_receipt.setup_receiving(ADDRESS, region=REGION)
    assert again["changes"] == {}

    cleaned = modules.aws_ses_receipt.cleanup_receiving(made["restore"], region=REGION)
    assert list(cleaned) == CLEANUP_FIELDS
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == "theirs"
    assert [s["Name"] for s in ses.list_receipt_rule_sets()["RuleSets"]] == ["theirs"]
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=BUCKET)


def test_wait_for_message_stops_at_its_timeout(modules, ses):
    modules.aws_ses_receipt.setup_receiving(ADDRESS, region=REGION)
    started = time.monotonic()
    assert (
        modules.aws_ses_receipt.wait_for_message(
            BUCKET, f"{ADDRESS}/", time.time(), 1, region=REGION
        )
        is None
    )
    assert time.monotonic() - started < 5


def test_a_refused_call_stops_setup_naming_what_was_done_before_it(modules, ses, monkeypatch):
    """The plan's calls are made in order; the first that fails stops them, and the error says
    which one and what was done before it (the next call converges from there)."""
    real_call = botocore.client.BaseClient._make_api_call

    def refuse_receipt_rules(client, operation, params):
        if operation == "CreateReceiptRule":
            error = {"Error": {"Code": "AccessDenied", "Message": "not allowed"}}
            raise botocore.exceptions.ClientError(error, operation)
        return real_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse_receipt_rules)
    with pytest.raises(CommandExecutionError) as failed:
        modules.aws_ses_receipt.setup_receiving(ADDRESS, region=REGION)
    first, done = str(failed.value).split("\n")
    assert first.startswith(f"SES receiving for {ADDRESS}: receipt_rule failed: ")
    assert "AccessDenied" in first
    assert done == f"Done before this: {', '.join(SETUP_FIELDS[:5])}."
    assert not ses.describe_receipt_rule_set(RuleSetName="email-address-verification").get("Rules")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", real_call)
    again = modules.aws_ses_receipt.setup_receiving(ADDRESS, region=REGION)
    assert list(again["changes"]) == ["receipt_rule", "active_receipt_rule_set"]


def test_a_bucket_in_another_region_is_refused(modules, ses):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    with pytest.raises(CommandExecutionError, match="is in us-east-1"):
        modules.aws_ses_receipt.setup_receiving(ADDRESS, region=REGION)


class _Redirecting(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/away"):
            self.send_response(302)
            self.send_header("Location", "http://elsewhere.invalid/?X-Amz-Signature=abc")
        elif self.path.startswith("/here"):
            self.send_response(302)
            self.send_header("Location", "/done")
        else:
            self.send_response(200 if self.path == "/done" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        return


@pytest.fixture
def web():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join()


def test_follow_link_stays_on_its_host_and_never_shows_the_link(modules, web):
    token = "X-Amz-Signature=" + "f00d" * 16
    assert modules.aws_ses_receipt.follow_link(Secret(f"{web}/here?{token}")) == 200
    for path, problem in (("away", "redirects to another host"), ("gone", "answered HTTP 404")):
        with pytest.raises(CommandExecutionError, match=problem) as raised:
            modules.aws_ses_receipt.follow_link(Secret(f"{web}/{path}?{token}"))
        assert token not in str(raised.value)
