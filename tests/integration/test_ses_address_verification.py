"""``ses_identity.present`` with ``verify`` through real ``salt-call --local`` processes: moto's
server with the receiving stand-in (``tests/support/moto_ses_receiving.py``: a rule stores
mail in S3; creating the address identity mails a verification link pointing at the test's
``LinkServer``, which verifies the identity when the link is requested), MX answers from a
real BIND on 127.0.0.1. The link's token must never reach the output or the log (level
``all``)."""

import json
import signal
import subprocess

import pytest

from tests.integration.conftest import BIN
from tests.support import moto_ses_receiving
from tests.support.ses_receiving import mx_server

REGION = "us-east-1"
DOMAIN = "example.org"
ADDRESS = "ops@example.org"
BUCKET = "ocp-aws-verification"
OUR_SET = "email-address-verification"
LOCAL_LINKS = r"http://127\.0\.0\.1:\d+/verify\?[^#\s]*"


@pytest.fixture
def links():
    server = moto_ses_receiving.LinkServer().start()
    moto_ses_receiving.extra_lines.clear()
    yield server
    server.holding.clear()
    server.stop()
    moto_ses_receiving.extra_lines.clear()


@pytest.fixture
def bind(tmp_path):
    with mx_server(tmp_path, DOMAIN, f"inbound-smtp.{REGION}.amazonaws.com") as server:
        yield server


@pytest.fixture
def account(salt_call, aws_cli, links):
    """A verified domain, another rule set active, and a minion config accepting the test's
    links (the only place that can change the accepted pattern)."""
    with (salt_call.conf / "minion").open("a") as config:
        config.write(f"aws_runbook_verification_link_pattern: '{LOCAL_LINKS}'\n")
    aws_cli("sesv2", "create-email-identity", "--email-identity", DOMAIN)
    aws_cli("ses", "create-receipt-rule-set", "--rule-set-name", "theirs")
    aws_cli("ses", "set-active-receipt-rule-set", "--rule-set-name", "theirs")
    return aws_cli


def write_sls(salt_call, bind):
    roots = salt_call.root / "states"
    roots.mkdir(exist_ok=True)
    verify = {"resolvers": [bind.resolver], "timeout": 60}
    (roots / "verify_test.sls").write_text(
        f"{ADDRESS}:\n  ses_identity.present:\n    - region: {REGION}\n"
        f"    - verify: {json.dumps(verify)}\n"
    )
    return ["--file-root", str(roots), "state.apply", "verify_test"]


def apply(salt_call, bind):
    proc = salt_call.run(*write_sls(salt_call, bind))
    [ret] = json.loads(proc.stdout)["local"].values()
    return proc, ret


def status(aws_cli):
    found = aws_cli("ses", "get-identity-verification-attributes", "--identities", ADDRESS)[
        "VerificationAttributes"
    ]
    return found.get(ADDRESS, {}).get("VerificationStatus")


def active(aws_cli):
    found = aws_cli("ses", "describe-active-receipt-rule-set")
    return (found or {}).get("Metadata", {}).get("Name")


def assert_link_hidden(salt_call, procs, links):
    tokens = [path.split("X-Amz-Signature=")[1].split("&")[0] for path in links.requests]
    assert tokens
    log = salt_call.log_file.read_text()
    assert log.count("[TRACE") > 0  # the log really is at level all
    for token in tokens:
        for text in (log, *(p.stdout for p in procs), *(p.stderr for p in procs)):
            assert token not in text
    assert "/verify?" not in log


def test_first_run_verifies_and_restores_the_active_rule_set(
    salt_call, account, bind, links, moto_server
):
    first_proc, first = apply(salt_call, bind)

    assert first["result"] is True, first["comment"]
    assert first["changes"]["verification_status"] == {"old": None, "new": "SUCCESS"}
    assert first["changes"]["cleanup_active_receipt_rule_set"] == {"old": OUR_SET, "new": "theirs"}
    assert status(account) == "Success"
    assert active(account) == "theirs"
    sets = account("ses", "list-receipt-rule-sets")["RuleSets"]
    assert [s["Name"] for s in sets] == ["theirs"]
    assert "Contents" not in account("s3api", "list-objects-v2", "--bucket", BUCKET)
    lifecycle = account("s3api", "get-bucket-lifecycle-configuration", "--bucket", BUCKET)
    assert lifecycle["Rules"][0]["Expiration"] == {"Days": 1}

    moto_server.reset_counts()
    second_proc, second = apply(salt_call, bind)
    assert second["result"] is True, second["comment"]
    assert second["changes"] == {}
    assert moto_server.writes() == []
    assert_link_hidden(salt_call, [first_proc, second_proc], links)


def test_mx_elsewhere_is_pending_and_sets_nothing_up(salt_call, account, tmp_path, moto_server):
    with mx_server(tmp_path, DOMAIN, "mx.mailhost.example") as server:
        moto_server.reset_counts()
        _, ret = apply(salt_call, server)
    assert ret["result"] is None, ret["comment"]
    assert f"check the mailbox of {ADDRESS}" in ret["comment"]
    # Only the identity itself (SES mails the link to the domain's own mail server).
    assert [(s, op) for s, op, _ in moto_server.writes()] == [("ses", "POST /v2/email/identities")]
    assert active(account) == "theirs"


def test_a_second_malicious_link_is_never_requested(salt_call, account, bind, links):
    port = links.url.rsplit(":", 1)[1]
    moto_ses_receiving.extra_lines[:] = [
        "Or confirm here: "
        f"http://127.0.0.1:{port}/evil?Identity.IdentityName={ADDRESS}&Operation=ConfirmVerification",
    ]
    _, ret = apply(salt_call, bind)
    assert ret["result"] is True, ret["comment"]
    assert [path.split("?")[0] for path in links.requests] == ["/verify"]


def test_a_run_killed_before_the_link_was_requested_converges(salt_call, account, bind, links):
    links.holding.set()
    cmd = [str(BIN / "salt-call"), "--local", "-c", str(salt_call.conf), "--out=json"]
    killed = subprocess.Popen(
        [*cmd, *write_sls(salt_call, bind)],
        env=salt_call.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert links.held.wait(120), "the link was never requested"
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=30)
    links.holding.clear()
    assert active(account) == OUR_SET  # the message arrived, receiving still set up
    assert status(account) == "Pending"

    proc, ret = apply(salt_call, bind)

    assert ret["result"] is True, ret["comment"]
    assert status(account) == "Success"
    assert active(account) == "theirs"  # remembered by the killed run
    assert "verification_message" not in ret["changes"]  # the message was found, not re-sent
    assert_link_hidden(salt_call, [proc], links)
