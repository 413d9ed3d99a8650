"""``awsrunbook.verification``: which link is accepted, and the decisions ``present`` takes
before any write, with Salt's functions replaced by a table that records each call (the whole
verification against moto, S3 and a real BIND is in
tests/functional/states/test_ses_identity_verify.py)."""

import re

import pytest
from awsrunbook import receipt, verification
from salt.exceptions import CommandExecutionError, SaltInvocationError

ADDRESS = "ops@example.org"
REGION = "eu-west-1"
CONN = {"region": REGION}


class Salt(dict):
    """``__salt__`` for the functions a test names: each call is recorded, each answer canned."""

    def __init__(self, **answers):
        super().__init__()
        self.calls = []
        for name, answer in answers.items():
            self[name.replace("__", ".")] = self._recording(name.replace("__", "."), answer)

    def _recording(self, name, answer):
        def function(*args, **kwargs):
            self.calls.append(name)
            return answer(*args, **kwargs) if callable(answer) else answer

        return function


def settings(**verify):
    return receipt.verify_settings(verify, ADDRESS, "EMAIL_ADDRESS")


def present(salt, current=None, identity_steps=(), test=False, **verify):
    ret = {"name": ADDRESS, "result": True, "changes": {}, "comment": ""}
    return verification.present(
        ret,
        list(identity_steps),
        current,
        settings(**verify),
        CONN,
        REGION,
        salt,
        {"test": test},
    )


def identity(status):
    return {"identity": ADDRESS, "type": "EMAIL_ADDRESS", "verification_status": status}


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


@pytest.mark.parametrize(
    ("readiness", "message"),
    [
        (
            {"domain_status": "PENDING", "mx": "ses", "detail": ""},
            "verify: example.org is not a verified SES domain identity in eu-west-1",
        ),
        (
            {"domain_status": "SUCCESS", "mx": "timeout", "detail": "no answer within 5 s"},
            "verify: the MX lookup of example.org gave timeout: no answer within 5 s",
        ),
        (
            {"domain_status": "SUCCESS", "mx": "missing", "detail": ""},
            "verify: example.org has no MX record, so SES cannot receive the verification "
            "message: add 'example.org. MX 10 inbound-smtp.eu-west-1.amazonaws.com.'",
        ),
    ],
)
def test_what_stops_it_before_any_write(readiness, message):
    salt = Salt(
        aws_ses_receipt__receiving_readiness=readiness,
        aws_ses_receipt__describe_receiving={"account": "123456789012", "bucket": None},
    )
    steps = [{"call": "aws_ses.create_identity"}]  # never reached
    with pytest.raises(CommandExecutionError) as raised:
        present(salt, identity_steps=steps)
    assert str(raised.value).startswith(message)
    assert "aws_ses.create_identity" not in salt.calls
    assert all(".describe_" in call or ".receiving_" in call for call in salt.calls)


def test_mail_that_goes_elsewhere_leaves_the_address_pending():
    salt = Salt(
        aws_ses_receipt__receiving_readiness={"domain_status": "SUCCESS", "mx": "elsewhere"},
    )
    ret = present(salt, current=identity("PENDING"))
    assert ret["result"] is None and ret["changes"] == {}
    assert "check the mailbox of ops@example.org and open the link" in ret["comment"]
    assert "Status: identity PENDING" in ret["comment"]
    assert salt.calls == ["aws_ses_receipt.receiving_readiness"]  # nothing set up


def test_a_verified_address_without_a_leftover_rule_reads_nothing_more():
    salt = Salt(aws_ses_receipt__describe_rule_set=None)
    ret = present(salt, current=identity("SUCCESS"))
    assert ret["result"] is True and ret["changes"] == {}
    assert salt.calls == ["aws_ses_receipt.describe_rule_set"]
    assert ret["comment"].splitlines() == [
        "SES identity ops@example.org is in the desired state",
        "Status: identity SUCCESS",
    ]
