"""``aws_ses.check_delivery`` (``ses_delivery``): a test message sent through SES, received
back into S3 through a receipt rule, its SPF, DKIM and DMARC reported. moto in-process with
the receiving and delivery stand-ins; DKIM keys and the DMARC record in a real BIND."""

import boto3
import pytest
from salt.exceptions import CommandExecutionError, SaltInvocationError

from tests.support import (
    moto_ses_patches,
    moto_ses_receiving,
    moto_ses_sending_delivery,
)
from tests.support.calls import recorded_calls, writes
from tests.support.dkim_dns import SES_SELECTOR, MultiZoneBind, ses_sending_zones
from tests.support.dkim_keys import DkimKey

REGION = "eu-west-1"
DOMAIN = "example.org"
SENDER = "ops@example.org"
CHECK = "check@example.org"
BUCKET = "ocp-aws-verification"
DMARC = "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"


@pytest.fixture(scope="module")
def keys():
    return {
        "easy": DkimKey(DOMAIN, "tok1"),
        "ses": DkimKey("amazonses.com", SES_SELECTOR),
        "sub": DkimKey(f"mail.{DOMAIN}", "s1"),
    }


@pytest.fixture(scope="module")
def bind(tmp_path_factory, keys):
    zones = ses_sending_zones(DOMAIN, REGION, DMARC, keys["easy"], keys["ses"], keys["sub"])
    with MultiZoneBind(tmp_path_factory.mktemp("bind"), zones) as server:
        yield server


@pytest.fixture
def ses(modules, keys, bind):
    moto_ses_patches.apply()
    moto_ses_receiving.apply()
    moto_ses_sending_delivery.apply()
    moto_ses_sending_delivery.reset()
    moto_ses_sending_delivery.ses_key = keys["ses"]
    moto_ses_sending_delivery.signing_keys[DOMAIN] = keys["easy"]
    bind.tamper(f"_dmarc.{DOMAIN}", "TXT", f'"{DMARC}"')
    client = boto3.client("ses", region_name=REGION)
    client.verify_domain_identity(Domain=DOMAIN)
    yield client
    moto_ses_sending_delivery.reset()


def check(modules, bind, **extra):
    return modules.aws_ses.check_delivery(
        SENDER, CHECK, resolvers=[bind.resolver], timeout=20, region=REGION, **extra
    )


def by_domain(report):
    return {entry["domain"]: entry for entry in report["dkim"]}


def test_easy_dkim_passes_dmarc_and_receiving_is_undone(modules, ses, bind):
    ses.create_receipt_rule_set(RuleSetName="theirs")
    ses.set_active_receipt_rule_set(RuleSetName="theirs")

    report = check(modules, bind)

    own, amazon = by_domain(report)[DOMAIN], by_domain(report)["amazonses.com"]
    assert (own["selector"], own["verified"], own["aligned"]) == ("tok1", True, True)
    assert own["receiver_result"] == "pass"
    assert (amazon["selector"], amazon["verified"], amazon["aligned"]) == (
        SES_SELECTOR,
        True,
        False,
    )
    assert "never aligned" in amazon["note"]
    assert report["dmarc"]["result"] == "pass"
    assert report["dmarc"]["via"] == [f"dkim d={DOMAIN}"]
    assert report["dmarc"]["receiver_result"] == "pass"
    assert (report["dmarc"]["policy"], report["dmarc"]["record"]) == ("quarantine", DMARC)
    assert report["spf"] == {
        "result": "pass",
        "domain": f"{REGION}.amazonses.com",
        "aligned": False,
    }
    assert report["lines"][0].startswith(f"DMARC: pass via dkim d={DOMAIN}")
    assert "cleanup_active_receipt_rule_set" in report["receiving"]["cleaned_up"]
    # The rule set active before is active again; nothing of the run is left in the bucket.
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == "theirs"
    left = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=BUCKET, Prefix=CHECK)
    assert left.get("KeyCount", 0) == 0


def test_only_the_ses_signature_fails_and_says_to_enable_easy_dkim(modules, ses, bind):
    moto_ses_sending_delivery.signing_keys.clear()

    report = check(modules, bind)

    assert list(by_domain(report)) == ["amazonses.com"]
    assert report["dmarc"]["result"] == "fail"
    assert report["dmarc"]["disposition"] == "quarantine"
    assert report["dmarc"]["receiver_result"] == "fail"
    assert any("enable Easy DKIM for example.org" in line for line in report["diagnosis"])


@pytest.mark.parametrize(("adkim", "outcome"), [("r", "pass"), ("s", "fail")])
def test_a_subdomain_signature_aligns_only_in_relaxed_mode(
    modules, ses, bind, keys, adkim, outcome
):
    moto_ses_sending_delivery.signing_keys[DOMAIN] = keys["sub"]
    bind.tamper(f"_dmarc.{DOMAIN}", "TXT", f'"v=DMARC1; p=reject; adkim={adkim}"')

    report = check(modules, bind)

    sub = by_domain(report)[f"mail.{DOMAIN}"]
    assert sub["verified"] is True
    assert sub["aligned"] is (adkim == "r")
    assert report["dmarc"]["result"] == outcome


def test_a_body_changed_after_signing_fails_every_signature(modules, ses, bind):
    moto_ses_sending_delivery.alter_body = True

    report = check(modules, bind)

    assert not any(entry["verified"] for entry in report["dkim"])
    assert all("body hash" in entry["error"] for entry in report["dkim"])
    assert all(entry["receiver_result"] == "fail" for entry in report["dkim"])
    assert report["dmarc"]["result"] == "fail"
    assert any("body changed after signing" in line for line in report["diagnosis"])


@pytest.mark.parametrize(("spf", "outcome"), [("pass", "pass"), ("fail", "fail")])
def test_spf_through_a_custom_mail_from_domain(modules, ses, bind, spf, outcome):
    moto_ses_sending_delivery.signing_keys.clear()
    moto_ses_sending_delivery.spf_result = spf
    ses.set_identity_mail_from_domain(Identity=DOMAIN, MailFromDomain=f"bounce.{DOMAIN}")

    report = check(modules, bind)

    assert report["spf"] == {"result": spf, "domain": f"bounce.{DOMAIN}", "aligned": True}
    assert report["dmarc"]["result"] == outcome
    assert report["dmarc"]["receiver_result"] == outcome
    if spf == "fail":
        assert any("include:amazonses.com" in line for line in report["diagnosis"])


def test_a_message_that_never_arrives_times_out_and_cleans_up(modules, ses, bind):
    moto_ses_sending_delivery.dropped = True

    with pytest.raises(CommandExecutionError, match=r"did not arrive .* within 2 s"):
        modules.aws_ses.check_delivery(
            SENDER, CHECK, resolvers=[bind.resolver], timeout=2, region=REGION
        )

    assert "Metadata" not in ses.describe_active_receipt_rule_set()


def test_an_mx_pointing_elsewhere_stops_before_any_write(modules, ses, bind):
    bind.tamper(DOMAIN, "MX", "10 mx.mailbox.example.net.")
    try:
        with recorded_calls() as calls, pytest.raises(CommandExecutionError, match="to_address"):
            check(modules, bind)
    finally:
        bind.tamper(DOMAIN, "MX", f"10 inbound-smtp.{REGION}.amazonaws.com.")
    assert writes(calls) == []


def test_a_domain_ses_does_not_receive_for_stops_before_any_write(modules, ses, bind):
    ses.delete_identity(Identity=DOMAIN)
    ses.verify_email_identity(EmailAddress=SENDER)  # sending works; receiving does not

    with recorded_calls() as calls, pytest.raises(CommandExecutionError, match="verified"):
        check(modules, bind)
    assert writes(calls) == []


@pytest.mark.parametrize(
    ("args", "named"),
    [
        ({"from_address": "not-an-address"}, "from_address"),
        ({"to_address": "check@"}, "to_address"),
        ({"resolvers": ["127.0.0.1:99999"]}, "resolvers"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"bucket": "Not_A_Bucket"}, "bucket"),
        ({"rule_set": "bad name"}, "rule_set"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_argument_before_any_call(modules, args, named):
    call = {"from_address": SENDER, "to_address": CHECK, **args}
    with recorded_calls() as calls, pytest.raises(SaltInvocationError, match=f"^{named}"):
        modules.aws_ses.check_delivery(region=REGION, **call)
    assert calls == []
