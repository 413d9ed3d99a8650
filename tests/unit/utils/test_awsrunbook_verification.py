"""awsrunbook.verification: what address verification through a receipt rule decides from what
the state read (the link pattern, the MX, the steps that make SES send the message, and the
comments). The state's reads and writes are tested in
tests/functional/states/test_ses_identity_verify.py."""

import re

import pytest
from awsrunbook import dnsrecords, receipt, verification
from salt.exceptions import CommandExecutionError, SaltInvocationError

REGION = "eu-west-1"
ADDRESS = "ops@example.org"
DOMAIN = "example.org"
RFC2136 = {"provider": "rfc2136", "zone": "example.org.", "server": "127.0.0.1"}
DNS = dnsrecords.provider_settings(RFC2136, "verify:dns")
TARGET = receipt.receiving_target(ADDRESS, "b", "email-address-verification", "r")
INBOUND = f"10 inbound-smtp.{REGION}.amazonaws.com"


def ready(status="SUCCESS", mx="ses", detail=""):
    return {"domain_status": status, "mx": mx, "detail": detail}


def test_the_default_link_pattern_accepts_only_aws_host_of_the_region():
    pattern = verification.link_pattern({}, REGION)
    query = f"?Context=1&Identity.IdentityName={ADDRESS}&Operation=ConfirmVerification"
    assert re.fullmatch(pattern, f"https://email-verification.{REGION}.amazonaws.com/{query}")
    assert not re.fullmatch(pattern, f"https://email-verification.us-east-1.amazonaws.com/{query}")
    assert not re.fullmatch(pattern, f"https://email-verification.{REGION}.amazonaws.com.evil/")
    assert not re.fullmatch(pattern, f"http://email-verification.{REGION}.amazonaws.com/{query}")


def test_the_link_pattern_comes_from_the_minion_config_and_must_compile():
    opts = {receipt.LINK_PATTERN_OPTION: r"http://127\.0\.0\.1:\d+/verify\?.*"}
    assert verification.link_pattern(opts, REGION) == opts[receipt.LINK_PATTERN_OPTION]
    with pytest.raises(SaltInvocationError) as raised:
        verification.link_pattern({receipt.LINK_PATTERN_OPTION: "https://(unclosed"}, REGION)
    assert str(raised.value).startswith(
        "aws_runbook_verification_link_pattern (minion config): not a regular expression"
    )


@pytest.mark.parametrize("mx", ["ses", "elsewhere", "missing"])
def test_mx_state_of_a_verified_domain(mx):
    assert verification.mx_state(ready(mx=mx), DOMAIN, REGION) == mx


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (ready(status="PENDING"), r"^verify: example.org is not a verified SES domain identity"),
        (ready(status=None), r"in eu-west-1: SES receives mail only for verified domains"),
        (ready(mx="timeout", detail="no answer"), r"^verify: the MX lookup of example.org gave"),
    ],
)
def test_mx_state_fails_before_any_write(answer, message):
    with pytest.raises(CommandExecutionError, match=message):
        verification.mx_state(answer, DOMAIN, REGION)


def test_mx_key_without_dns_settings():
    no_dns = {"dns": None}
    assert verification.mx_key(no_dns, {}, "ses", DOMAIN, REGION) is None
    with pytest.raises(CommandExecutionError, match=r"has no MX record.*give verify:dns"):
        verification.mx_key(no_dns, {}, "missing", DOMAIN, REGION)


def test_mx_key_with_dns_settings_adds_a_missing_mx_or_removes_one_a_stopped_run_added():
    settings = {"dns": DNS}
    assert verification.mx_key(settings, {}, "missing", DOMAIN, REGION) == (DOMAIN, "MX")
    assert verification.mx_key(settings, {}, "ses", DOMAIN, REGION) is None
    left = {"record": {"temporary_mx": True}}
    assert verification.mx_key(settings, left, "ses", DOMAIN, REGION) == (DOMAIN, "MX")


def test_mx_steps_add_the_receiving_mx_and_take_it_out_again():
    add, remove = verification.mx_steps(DNS, DOMAIN, REGION, {"values": [], "ttl": None})
    assert [s["field"] for s in add] == ["temporary_mx"]
    assert add[0]["kwargs"]["values"] == [INBOUND]
    assert [s["field"] for s in remove] == ["cleanup_temporary_mx"]
    assert remove[0]["kwargs"]["values"] == []
    # Added by a run that stopped: nothing to add, still to take out.
    add, remove = verification.mx_steps(DNS, DOMAIN, REGION, {"values": [INBOUND], "ttl": 300})
    assert add == []
    assert [s["field"] for s in remove] == ["cleanup_temporary_mx"]


def test_message_steps():
    own = [{"field": "identity"}]
    assert verification.message_steps(None, False, own, ADDRESS, 1000.0) == (940.0, own)
    since, steps = verification.message_steps({"x": 1}, True, own, ADDRESS, 100000.0)
    assert (since, steps) == (100000.0 - verification.USABLE_FOR, own)
    since, steps = verification.message_steps({"x": 1}, False, own, ADDRESS, 1000.0)
    assert since == 940.0
    assert [s["field"] for s in steps] == ["identity", "verification_message"]
    assert steps[1]["call"] == "aws_ses_receipt.resend_verification"
    assert steps[1]["kwargs"] == {"address": ADDRESS}


def test_the_follow_step_is_local_and_never_shows_the_link():
    step = verification.follow_step("https://secret")
    assert step["aws"] is False
    assert (step["old"], step["new"]) == ("not followed", "followed")
    assert step["call"] == "aws_ses_receipt.follow_link"


def test_status_change_and_left_over_rule():
    assert verification.status_change(None) == {"old": None, "new": "SUCCESS"}
    pending = {"verification_status": "PENDING"}
    assert verification.status_change(pending) == {"old": "PENDING", "new": "SUCCESS"}
    assert not verification.rule_left_over(TARGET, None)
    assert not verification.rule_left_over(TARGET, {"rules": []})
    assert verification.rule_left_over(TARGET, {"rules": [receipt.receipt_rule(TARGET)]})


def test_elsewhere_note_names_the_mailbox_and_the_ses_host():
    note = verification.elsewhere_note(DOMAIN, ADDRESS, REGION)
    assert note.startswith(f"The MX of {DOMAIN} does not point to SES receiving (inbound-smtp.")
    assert f"check the mailbox of {ADDRESS}" in note
