"""moto_gaps: checks run against moto as it is, fills installed only where a check finds the
gap, and the probing leaves nothing behind (no data, no environment, no patched botocore)."""

import os

import boto3
import moto
import pytest
from moto.core.models import MockAWS, botocore_stubber
from moto.s3.models import s3_backends
from moto.ses.models import ses_backends
from moto.ses.responses import EmailResponse

from tests.support import moto_gaps

ACCOUNT = "123456789012"  # moto's default: the account tests use


@pytest.fixture(autouse=True)
def _fresh_record(monkeypatch):
    """Each test keeps its own record, so the fills of other tests are not disturbed."""
    monkeypatch.setattr(moto_gaps, "_record", {})


def _makes_things(probe):
    """A check that leaves data behind in each service it calls."""
    probe.client("s3").create_bucket(Bucket="moto-gaps-test-probe-bucket")
    probe.client("ses").verify_domain_identity(Domain="probe.example")
    probe.client("sqs").create_queue(QueueName="probe-queue")
    return "made a bucket, an identity and a queue"


def test_lacks_finds_a_missing_handler_and_names_it():
    missing = moto_gaps.lacks(EmailResponse, "verify_domain_dkim", "no_such_call")
    present = moto_gaps.lacks(EmailResponse, "verify_domain_dkim")

    assert moto_gaps.find({"missing": missing, "present": present}) == {
        "missing": True,
        "present": False,
    }
    gaps = {gap.name: gap for gap in moto_gaps.report()}
    assert gaps["missing"].how == "EmailResponse lacks no_such_call"
    assert gaps["present"].how == "EmailResponse has verify_domain_dkim"


def test_a_check_that_raises_finds_the_gap_and_says_what_it_raised():
    def broken(probe):
        probe.client("ses").delete_receipt_rule(RuleSetName="none", RuleName="none")
        return False

    assert moto_gaps.find({"raises": broken}) == {"raises": True}
    (gap,) = moto_gaps.report()
    assert gap.found and not gap.applied
    assert gap.how.startswith("check raised ")


def test_a_sentence_is_the_gap_seen_and_false_is_moto_right():
    found = moto_gaps.find({"seen": lambda probe: "it answered wrongly", "right": lambda p: False})

    assert found == {"seen": True, "right": False}
    how = {gap.name: gap.how for gap in moto_gaps.report()}
    assert how == {"seen": "it answered wrongly", "right": "moto answers as AWS does"}


def test_fill_installs_only_the_gaps_found_in_order_and_once():
    installed, checked = [], []

    def check(answer):
        def run(probe):
            checked.append(answer)
            return answer

        return run

    fills = {
        "first": (check(True), lambda: installed.append("first")),
        "closed": (check(False), lambda: installed.append("closed")),
        "second": (check("seen"), lambda: installed.append("second")),
    }

    assert moto_gaps.fill(fills) == {"first": True, "closed": False, "second": True}
    assert moto_gaps.fill(fills) == {"first": True, "closed": False, "second": True}

    assert installed == ["first", "second"]
    assert checked == [True, False, "seen"]
    assert [moto_gaps.applied(name) for name in fills] == [True, False, True]
    assert "filled  first: the check saw the gap" in moto_gaps.format_report(moto_gaps.report())
    assert "closed  closed: moto answers as AWS does" in moto_gaps.format_report(moto_gaps.report())


def test_each_check_starts_from_an_empty_probe_account():
    def makes_a_rule_set(probe):
        probe.client("ses").create_receipt_rule_set(RuleSetName="same-name")
        return False

    found = moto_gaps.find({"one": makes_a_rule_set, "two": makes_a_rule_set})

    assert found == {"one": False, "two": False}


def test_probing_inside_a_tests_mock_leaves_its_data_and_adds_none():
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        ses = boto3.client("ses", region_name="us-east-1")
        s3.create_bucket(Bucket="the-tests-bucket")
        ses.verify_domain_identity(Domain="test.example")

        assert moto_gaps.find({"makes": _makes_things}) == {"makes": True}

        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["the-tests-bucket"]
        assert ses.list_identities()["Identities"] == ["test.example"]
        assert boto3.client("sqs", region_name="us-east-1").list_queues().get("QueueUrls") is None
        assert "moto-gaps-test-probe-bucket" not in s3_backends.bucket_accounts
        assert moto_gaps.PROBE_ACCOUNT not in ses_backends
        assert MockAWS._nested_count == 1
        assert botocore_stubber.enabled


def test_probing_outside_a_mock_leaves_botocore_unpatched_and_moto_empty():
    assert moto_gaps.find({"makes": _makes_things}) == {"makes": True}

    assert MockAWS._nested_count == 0
    assert not botocore_stubber.enabled
    assert moto_gaps.PROBE_ACCOUNT not in ses_backends
    assert ACCOUNT not in ses_backends or not ses_backends[ACCOUNT]["us-east-1"].email_identities


def test_the_tests_endpoint_and_profile_neither_capture_the_probe_nor_get_lost(monkeypatch):
    # A closed port: a probe sent there would fail and count as a gap.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SES", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("MOTO_ACCOUNT_ID", ACCOUNT)
    before = dict(os.environ)

    def makes_an_identity(probe):
        ses = probe.client("ses")
        ses.verify_domain_identity(Domain="probe.example")
        return ses.list_identities()["Identities"] != ["probe.example"]

    with moto.mock_aws():
        assert moto_gaps.find({"endpoint": makes_an_identity}) == {"endpoint": False}
        assert not ses_backends[ACCOUNT]["us-east-1"].email_identities
    assert dict(os.environ) == before


def test_a_probe_records_the_time_it_took():
    before = moto_gaps.probe_seconds

    moto_gaps.find({"timed": lambda probe: False})

    assert moto_gaps.probe_seconds > before


def test_the_report_keeps_the_order_the_gaps_were_given_in():
    moto_gaps.find(
        {
            "called": lambda probe: False,
            "missing": moto_gaps.lacks(EmailResponse, "no_such_call"),
            "called too": lambda probe: True,
        }
    )

    assert [gap.name for gap in moto_gaps.report()] == ["called", "missing", "called too"]
