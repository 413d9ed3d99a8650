"""``aws_ses.check_delivery`` through real ``salt-call`` against the moto server (with the
receiving and delivery stand-ins) and a real BIND serving the DKIM keys and DMARC record."""

import json

import pytest

from tests.support import moto_ses_sending_delivery
from tests.support.dkim_dns import SES_SELECTOR, MultiZoneBind, ses_sending_zones
from tests.support.dkim_keys import DkimKey

REGION = "us-east-1"  # the aws_env fixture's region
DOMAIN = "example.org"
SENDER = "ops@example.org"
CHECK = "check@example.org"
DMARC = "v=DMARC1; p=reject; rua=mailto:dmarc@example.org"


@pytest.fixture
def keys():
    return {
        "easy": DkimKey(DOMAIN, "tok1", bits=2048),
        "ses": DkimKey("amazonses.com", SES_SELECTOR),
    }


@pytest.fixture
def bind(tmp_path, keys):
    zones = ses_sending_zones(DOMAIN, REGION, DMARC, keys["easy"], keys["ses"])
    directory = tmp_path / "bind"
    directory.mkdir()
    with MultiZoneBind(directory, zones) as server:
        yield server


@pytest.fixture
def sending(aws_cli, keys, bind):
    moto_ses_sending_delivery.reset()
    moto_ses_sending_delivery.ses_key = keys["ses"]
    aws_cli("ses", "verify-domain-identity", "--domain", DOMAIN)
    aws_cli("ses", "create-receipt-rule-set", "--rule-set-name", "theirs")
    aws_cli("ses", "set-active-receipt-rule-set", "--rule-set-name", "theirs")
    yield moto_ses_sending_delivery
    moto_ses_sending_delivery.reset()


def check_delivery(salt_call, bind, *extra):
    args = [SENDER, CHECK, f'resolvers=["{bind.resolver}"]', "timeout=30", *extra]
    proc = salt_call.run("aws_ses.check_delivery", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["local"]


def test_easy_dkim_passes_and_the_receiving_set_up_is_undone(
    salt_call, aws_cli, bind, sending, keys, moto_server
):
    sending.signing_keys[DOMAIN] = keys["easy"]
    moto_server.reset_counts()

    report = check_delivery(salt_call, bind)

    # Set up receiving, send once, then undo it all (the bucket stays, as for verification).
    assert [call[1] for call in moto_server.writes()] == [
        "PUT /ocp-aws-verification",
        "PUT /ocp-aws-verification?publicAccessBlock",
        "PUT /ocp-aws-verification?lifecycle",
        "PUT /ocp-aws-verification?policy",
        "CreateReceiptRuleSet",
        "CreateReceiptRule",
        "PUT /ocp-aws-verification/check@example.org/awsrunbook-receiving.json",
        "SetActiveReceiptRuleSet",
        "POST /v2/email/outbound-emails",
        "SetActiveReceiptRuleSet",
        "DeleteReceiptRule",
        "DeleteReceiptRuleSet",
        "POST /ocp-aws-verification?delete",
    ]

    dkim = {entry["domain"]: entry for entry in report["dkim"]}
    assert dkim[DOMAIN] | {"error": None} == {
        "domain": DOMAIN,
        "selector": "tok1",
        "algorithm": "rsa-sha256",
        "verified": True,
        "error": None,
        "aligned": True,
        "receiver_result": "pass",
        "note": None,
    }
    assert (dkim["amazonses.com"]["verified"], dkim["amazonses.com"]["aligned"]) == (True, False)
    assert report["dmarc"]["result"] == "pass"
    assert report["dmarc"]["policy"] == "reject"
    assert report["dmarc"]["receiver_result"] == "pass"
    assert report["spf"]["result"] == "pass" and report["spf"]["aligned"] is False
    assert report["from"] == SENDER and report["message_id"]
    # What the run set up is gone: the operator's rule set is active again.
    active = aws_cli("ses", "describe-active-receipt-rule-set")
    assert active["Metadata"]["Name"] == "theirs"
    sets = aws_cli("ses", "list-receipt-rule-sets")["RuleSets"]
    assert [s["Name"] for s in sets] == ["theirs"]
    log = salt_call.log_file.read_text()
    assert "Sent test message" in log
    # The readable form an operator sees without --out=json.
    text = salt_call.run(
        "aws_ses.check_delivery", SENDER, CHECK, f'resolvers=["{bind.resolver}"]', "--out=nested"
    ).stdout
    assert not text.lstrip().startswith("{")  # nested text, not JSON
    assert "DMARC: pass via dkim d=example.org" in text
    assert "DKIM d=amazonses.com" in text and "never aligned" in text


def test_without_easy_dkim_dmarc_fails_and_the_diagnosis_says_why(salt_call, bind, sending):
    report = check_delivery(salt_call, bind)

    assert [entry["domain"] for entry in report["dkim"]] == ["amazonses.com"]
    assert report["dmarc"]["result"] == "fail"
    assert report["dmarc"]["disposition"] == "reject"
    assert any("enable Easy DKIM for example.org" in line for line in report["diagnosis"])


def test_bad_input_is_named_before_any_call(salt_call, moto_server):
    moto_server.reset_counts()
    proc = salt_call.run("aws_ses.check_delivery", "nobody", CHECK)
    assert "from_address: is not a valid email address" in proc.stdout + proc.stderr
    assert moto_server.calls() == []
