"""``ses_identity.present`` with ``verify`` (an address verified through a receipt rule),
through Salt's loader against moto in-process with the receiving stand-in
(``tests/support/moto_ses_receiving.py``: rules store mail in S3, creating the identity
mails a verification link pointing at the test's ``LinkServer``), MX answers from a real
BIND on 127.0.0.1."""

import json
import logging
import time

import boto3
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from tests.support import moto_ses_patches, moto_ses_receiving
from tests.support.calls import recorded_calls, writes
from tests.support.ses_receiving import CLEANUP_FIELDS, SETUP_FIELDS, mx_server

REGION = "us-east-1"
DOMAIN = "example.org"
ADDRESS = "ops@example.org"
BUCKET = "ocp-aws-verification"
LOCAL_LINKS = r"http://127\.0\.0\.1:\d+/verify\?[^#\s]*"


@pytest.fixture(scope="module")
def minion_opts(minion_opts):
    # The accepted link pattern comes from the minion config only: here, the test's server.
    return {**minion_opts, "aws_runbook_verification_link_pattern": LOCAL_LINKS}


@pytest.fixture(scope="module")
def links():
    server = moto_ses_receiving.LinkServer().start()
    yield server
    server.stop()


@pytest.fixture
def bind(tmp_path):
    with mx_server(tmp_path, DOMAIN, f"inbound-smtp.{REGION}.amazonaws.com") as server:
        yield server


@pytest.fixture
def ses(modules, links):
    moto_ses_patches.apply()
    moto_ses_receiving.apply()
    moto_ses_receiving.extra_lines.clear()
    modules.aws_ses.create_identity(DOMAIN, key_length="RSA_2048_BIT", region=REGION)
    return boto3.client("ses", region_name=REGION)


def verify_args(server, **more):
    return {"region": REGION, "verify": {"resolvers": [f"127.0.0.1:{server.port}"], **more}}


def status(address=ADDRESS):
    return ses_backends[DEFAULT_ACCOUNT_ID][REGION].email_identities[address].verification_status


def test_test_mode_lists_the_steps_and_writes_nothing(states, ses, bind):
    with recorded_calls() as calls:
        result = states.ses_identity.present(ADDRESS, test=True, **verify_args(bind))
    assert result.result is None, result.comment
    assert list(result.changes) == [
        *SETUP_FIELDS,
        "identity",
        "verification_link",
        *CLEANUP_FIELDS,
        "verification_status",
    ]
    assert writes(calls) == []
    assert ADDRESS not in ses_backends[DEFAULT_ACCOUNT_ID][REGION].email_identities


def test_the_address_is_verified_and_receiving_taken_down(states, ses, bind, links, caplog):
    ses.create_receipt_rule_set(RuleSetName="theirs")
    ses.set_active_receipt_rule_set(RuleSetName="theirs")
    caplog.set_level(1)
    planned = states.ses_identity.present(ADDRESS, test=True, **verify_args(bind))

    result = states.ses_identity.present(ADDRESS, **verify_args(bind))

    assert result.result is True, result.comment
    assert set(result.changes) == set(planned.changes)  # test mode reported exactly these
    assert status() == "SUCCESS"
    assert result.changes["verification_status"] == {"old": None, "new": "SUCCESS"}
    assert result.changes["verification_link"] == {"old": "not followed", "new": "followed"}
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == "theirs"
    assert [s["Name"] for s in ses.list_receipt_rule_sets()["RuleSets"]] == ["theirs"]
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket=BUCKET)
    token = links.requests[-1].split("X-Amz-Signature=")[1]
    for text in (caplog.text, result.comment, repr(result.changes)):
        assert token not in text
        assert "/verify?" not in text

    with recorded_calls() as calls:
        again = states.ses_identity.present(ADDRESS, **verify_args(bind))
    assert again.result is True, again.comment
    assert again.changes == {}
    assert writes(calls) == []
    # A converged run reads the identity once (nothing changed, so nothing to read again).
    assert calls.count(("sesv2", "GetEmailIdentity")) == 1, calls


def test_only_the_aws_link_for_this_address_is_requested(states, ses, bind, links):
    evil = f"http://127.0.0.1:{links.url.rsplit(':', 1)[1]}/evil?Operation=ConfirmVerification"
    moto_ses_receiving.extra_lines[:] = [
        f"Or confirm here: {evil}&Identity.IdentityName={ADDRESS}",
        f"https://attacker.example/verify?Identity.IdentityName={ADDRESS}",
    ]
    before = len(links.requests)

    result = states.ses_identity.present(ADDRESS, **verify_args(bind))

    assert result.result is True, result.comment
    requested = links.requests[before:]
    assert len(requested) == 1
    assert requested[0].startswith("/verify?")


def test_mx_elsewhere_leaves_it_pending_and_sets_nothing_up(states, ses, tmp_path):
    with mx_server(tmp_path, DOMAIN, "mx.mailhost.example") as server, recorded_calls() as calls:
        result = states.ses_identity.present(ADDRESS, **verify_args(server))
    assert result.result is None, result.comment
    assert f"check the mailbox of {ADDRESS}" in result.comment
    assert [call for call in writes(calls) if call[0] != "sesv2"] == []
    assert ses.list_receipt_rule_sets()["RuleSets"] == []


def test_a_domain_that_is_not_verified_fails_before_any_write(states, ses, bind):
    with recorded_calls() as calls:
        result = states.ses_identity.present("ops@other.example", **verify_args(bind))
    assert result.result is False
    assert "other.example is not a verified SES domain identity" in result.comment
    assert writes(calls) == []


@pytest.mark.parametrize(
    ("name", "verify", "message"),
    [
        (DOMAIN, {}, "verify: applies to email address identities only"),
        (ADDRESS, {"cleanup": "some"}, "verify:cleanup: must be true, false or all"),
        (ADDRESS, {"via": "mailbox"}, "verify:via: must be receipt_rule"),
        (ADDRESS, {"bucket": "Bad_Bucket"}, "verify:bucket"),
        (ADDRESS, {"timeout": 0}, "verify:timeout"),
        (ADDRESS, {"link": "x"}, "unknown key"),
    ],
)
def test_bad_verify_arguments_fail_before_any_call(states, ses, name, verify, message):
    with recorded_calls() as calls:
        result = states.ses_identity.present(name, region=REGION, verify=verify)
    assert result.result is False
    assert message in result.comment
    assert calls == []


def test_no_mx_gets_a_temporary_one_through_the_dns_provider(states, ses, tmp_path):
    with mx_server(tmp_path, DOMAIN, None) as server:
        args = verify_args(server, dns=server.settings())
        result = states.ses_identity.present(ADDRESS, **args)
        left = server.dig(DOMAIN, "MX")
    assert result.result is True, result.comment
    assert status() == "SUCCESS"
    assert result.changes["temporary_mx"]["old"] is None
    assert result.changes["temporary_mx"]["new"]["values"] == [
        f"10 inbound-smtp.{REGION}.amazonaws.com"
    ]
    assert result.changes["cleanup_temporary_mx"]["new"] is None
    assert left == []


def test_no_mx_and_no_dns_provider_fails_before_any_write(states, ses, tmp_path):
    with mx_server(tmp_path, DOMAIN, None) as server, recorded_calls() as calls:
        result = states.ses_identity.present(ADDRESS, **verify_args(server))
    assert result.result is False
    assert "has no MX record" in result.comment
    assert writes(calls) == []


def test_a_pending_address_without_a_message_gets_a_new_one(states, ses, bind, modules):
    modules.aws_ses.create_identity(ADDRESS, region=REGION)  # no rule: no message received
    moto_ses_patches.set_status(ses_backends[DEFAULT_ACCOUNT_ID][REGION], ADDRESS, "PENDING")

    result = states.ses_identity.present(ADDRESS, **verify_args(bind))

    assert result.result is True, result.comment
    assert result.changes["verification_message"] == {"old": None, "new": "requested again"}
    assert "identity" not in result.changes
    assert result.changes["verification_status"] == {"old": "PENDING", "new": "SUCCESS"}
    assert status() == "SUCCESS"


def test_the_temporary_mx_of_a_stopped_run_is_removed_by_the_next(states, ses, modules, tmp_path):
    inbound = f"inbound-smtp.{REGION}.amazonaws.com"
    with mx_server(tmp_path, DOMAIN, inbound) as server:
        # What a run that added the MX leaves when it is killed before the link was requested.
        modules.aws_ses_receipt.setup_receiving(ADDRESS, region=REGION)
        record = {"previous_active": None, "temporary_mx": True}
        boto3.client("s3").put_object(
            Bucket=BUCKET, Key=f"{ADDRESS}/awsrunbook-receiving.json", Body=json.dumps(record)
        )
        modules.aws_ses.create_identity(ADDRESS, region=REGION)
        assert status() == "PENDING"

        result = states.ses_identity.present(ADDRESS, **verify_args(server, dns=server.settings()))
        left = server.dig(DOMAIN, "MX")

    assert result.result is True, result.comment
    assert "temporary_mx" not in result.changes
    assert result.changes["cleanup_temporary_mx"]["new"] is None
    assert left == []
    assert status() == "SUCCESS"


def test_no_message_stops_at_the_timeout_and_takes_receiving_down(
    states, ses, bind, monkeypatch, caplog
):
    monkeypatch.setattr(moto_ses_receiving, "_send_verification", lambda backend, address: None)
    ses.create_receipt_rule_set(RuleSetName="theirs")
    ses.set_active_receipt_rule_set(RuleSetName="theirs")
    caplog.set_level(logging.INFO)
    started = time.monotonic()

    result = states.ses_identity.present(ADDRESS, **verify_args(bind, timeout=3))

    assert time.monotonic() - started < 15
    assert result.result is False
    assert "No verification message for ops@example.org arrived within 3 s" in result.comment
    assert "Waiting for the verification message for ops@example.org" in caplog.text
    assert list(result.changes)[-len(CLEANUP_FIELDS) :] == CLEANUP_FIELDS
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == "theirs"
