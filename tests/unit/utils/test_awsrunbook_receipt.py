"""The pure parts of address verification through a receipt rule: the ``verify`` argument,
the bucket policy, the plans, and picking the one verification link out of a message."""

import email.message
import json

import pytest
from awsrunbook import receipt, s3
from salt.exceptions import SaltInvocationError

from tests.support.ses_receiving import SETUP_FIELDS

REGION = "eu-west-1"
ACCOUNT = "123456789012"
ADDRESS = "ops@example.org"
AWS_LINK = (
    f"https://email-verification.{REGION}.amazonaws.com/?Context={ACCOUNT}"
    "&X-Amz-Date=20261123T230000Z&Identity.IdentityName=ops%40example.org"
    "&Identity.IdentityType=EmailAddress&Operation=ConfirmVerification&Namespace=Bacon"
    "&X-Amz-Signature=" + "ab12" * 16
)
PATTERN = receipt.default_link_pattern(REGION)
TARGET = receipt.receiving_target(
    ADDRESS, "ocp-aws-verification", "email-address-verification", "r"
)


def message(*lines, sender="Amazon Web Services <no-reply-aws@amazon.com>", html=None):
    msg = email.message.EmailMessage()
    msg["From"] = sender
    msg["To"] = ADDRESS
    msg["Subject"] = "Amazon Web Services - Email Address Verification Request"
    msg.set_content("\n".join(lines), cte="quoted-printable")
    if html:
        msg.add_alternative(html, subtype="html", cte="quoted-printable")
    return msg.as_bytes()


def test_the_link_is_found_across_quoted_printable_soft_line_breaks():
    raw = message("Dear customer,", "", AWS_LINK, "", "Sincerely")
    assert b"=\n" in raw  # the long URL really is split by soft line breaks
    link = receipt.verification_link(raw, ADDRESS, PATTERN)
    assert link.value == AWS_LINK
    assert AWS_LINK not in repr(link) and AWS_LINK not in str(link)


def test_html_part_with_escaped_ampersands_gives_the_same_one_link():
    html = f'<p><a href="{AWS_LINK.replace("&", "&amp;")}">confirm</a></p>'
    raw = message(AWS_LINK, html=html)
    assert receipt.verification_link(raw, ADDRESS, PATTERN).value == AWS_LINK


@pytest.mark.parametrize(
    "other",
    [
        "https://email-verification.eu-west-1.amazonaws.com.evil.example/?Operation=ConfirmVerification"
        "&Identity.IdentityName=ops%40example.org",
        "https://evil.example/?Operation=ConfirmVerification&Identity.IdentityName=ops%40example.org",
        "http://email-verification.eu-west-1.amazonaws.com/?Operation=ConfirmVerification"
        "&Identity.IdentityName=ops%40example.org",
    ],
)
def test_other_links_are_never_taken(other):
    raw = message(AWS_LINK, "", f"Or click {other}")
    assert receipt.verification_link(raw, ADDRESS, PATTERN).value == AWS_LINK
    assert receipt.verification_link(message(other), ADDRESS, PATTERN) is None


def test_a_link_for_another_address_or_operation_is_refused():
    other_address = AWS_LINK.replace("ops%40example.org", "eve%40example.org")
    other_operation = AWS_LINK.replace("ConfirmVerification", "DeleteIdentity")
    assert receipt.verification_link(message(other_address), ADDRESS, PATTERN) is None
    assert receipt.verification_link(message(other_operation), ADDRESS, PATTERN) is None


def test_two_different_matching_links_are_ambiguous():
    second = AWS_LINK.replace("ab12", "cd34")
    assert receipt.verification_link(message(AWS_LINK, second), ADDRESS, PATTERN) is None


def test_only_the_aws_sender_counts():
    raw = message(AWS_LINK, sender="Mallory <no-reply-aws@amazon.com.evil.example>")
    assert receipt.verification_link(raw, ADDRESS, PATTERN) is None


def test_the_pattern_matches_the_whole_url():
    assert receipt.verification_link(message(AWS_LINK), ADDRESS, r"https://email") is None


def found(active=None, rules=(), record=None, bucket=None, policy=None):
    return {
        "bucket": bucket,
        "bucket_policy": policy,
        "rule_set": {"name": TARGET["rule_set"], "rules": list(rules)} if rules else None,
        "active_rule_set": active,
        "record": record,
    }


def fields(steps):
    return [step["field"] for step in steps]


def test_plan_receiving_from_nothing_sets_everything_up_in_order():
    steps = receipt.plan_receiving(TARGET, found(active="theirs"), REGION, ACCOUNT, "aws")
    assert fields(steps) == SETUP_FIELDS
    assert steps[-1]["kwargs"]["remember"] == {"previous_active": "theirs", "temporary_mx": False}
    policy = json.loads(steps[3]["kwargs"]["policy"])
    condition = policy["Statement"][0]["Condition"]["StringEquals"]
    assert condition == {
        "AWS:SourceAccount": ACCOUNT,
        "AWS:SourceArn": f"arn:aws:ses:{REGION}:{ACCOUNT}:receipt-rule-set/"
        "email-address-verification:receipt-rule/r",
    }
    assert (
        policy["Statement"][0]["Resource"] == "arn:aws:s3:::ocp-aws-verification/ops@example.org/*"
    )


def test_plan_receiving_keeps_other_policy_statements_and_lifecycle_rules():
    theirs = {"Sid": "Theirs", "Effect": "Deny", "Principal": "*", "Action": "s3:*"}
    policy = json.dumps({"Version": "2012-10-17", "Statement": [theirs]})
    bucket = {
        "public_access_block": s3.PUBLIC_ACCESS_BLOCKED,
        "lifecycle_rules": [{"ID": "keep", "Status": "Enabled"}],
    }
    steps = receipt.plan_receiving(
        TARGET, found(bucket=bucket, policy=policy), REGION, ACCOUNT, "aws"
    )
    by_field = {step["field"]: step for step in steps}
    assert by_field["verification_bucket_lifecycle"]["kwargs"]["rules"][0]["ID"] == "keep"
    written = json.loads(by_field["verification_bucket_policy"]["kwargs"]["policy"])
    assert written["Statement"][0] == theirs
    again = json.dumps(written)
    assert receipt.merged_policy(again, written["Statement"][1]) is None


def test_plan_receiving_reads_the_expiry_rule_in_s3s_other_spelling_as_set():
    # S3 may give "the whole bucket" back as a top-level Prefix instead of an empty Filter.
    spelled = {"ID": "expire-received-mail", "Status": "Enabled", "Prefix": ""}
    bucket = {
        "public_access_block": s3.PUBLIC_ACCESS_BLOCKED,
        "lifecycle_rules": [{**spelled, "Expiration": {"Days": 1}}],
    }
    steps = receipt.plan_receiving(TARGET, found(bucket=bucket), REGION, ACCOUNT, "aws")
    assert "verification_bucket_lifecycle" not in fields(steps)


def test_cleanup_restores_the_previous_rule_set_and_keeps_a_shared_one():
    other_rule = {"Name": "theirs-rule"}
    steps = receipt.plan_cleanup(TARGET, found(active="theirs", rules=[other_rule]))
    assert fields(steps) == [
        "cleanup_active_receipt_rule_set",
        "cleanup_receipt_rule",
        "cleanup_received_messages",
    ]
    assert steps[0]["kwargs"] == {"rule_set": "theirs"}


def test_cleanup_after_a_stopped_run_restores_what_that_run_remembered():
    ours = receipt.receipt_rule(TARGET)
    state = found(active=TARGET["rule_set"], rules=[ours], record={"previous_active": "theirs"})
    steps = receipt.plan_cleanup(TARGET, state, "all")
    assert steps[0]["new"] == "theirs"
    assert fields(steps)[-1] == "cleanup_verification_bucket"


def test_cleanup_false_leaves_receiving_as_it_is():
    assert receipt.plan_cleanup(TARGET, found(), False) == []


def test_mx_must_point_to_this_regions_inbound_host_only():
    assert receipt.mx_points_to_ses([f"10 inbound-smtp.{REGION}.amazonaws.com."], REGION)
    assert not receipt.mx_points_to_ses(["10 inbound-smtp.us-east-1.amazonaws.com"], REGION)
    assert not receipt.mx_points_to_ses(
        [f"10 inbound-smtp.{REGION}.amazonaws.com", "20 mx.example.org"], REGION
    )
    assert not receipt.mx_points_to_ses([], REGION)


def test_mx_state_says_where_the_domains_mail_goes():
    def answer(status, values=()):
        return {"status": status, "values": list(values), "detail": ""}

    ses = f"10 inbound-smtp.{REGION}.amazonaws.com."
    assert receipt.mx_state(answer("found", [ses]), REGION) == "ses"
    assert receipt.mx_state(answer("found", ["10 mx.example.org."]), REGION) == "elsewhere"
    assert receipt.mx_state(answer("missing"), REGION) == "missing"
    assert receipt.mx_state(answer("timeout"), REGION) == "timeout"


def test_verify_settings_fill_the_runbooks_names():
    settings = receipt.verify_settings({}, ADDRESS, "EMAIL_ADDRESS")
    assert settings == {
        "bucket": "ocp-aws-verification",
        "rule_set": "email-address-verification",
        "rule": "deliver-to-s3-bucket",
        "timeout": 900,
        "cleanup": True,
        "resolvers": None,
        "dns": None,
    }
    assert receipt.verify_settings(None, ADDRESS, "EMAIL_ADDRESS") is None


@pytest.mark.parametrize(
    ("verify", "message"),
    [
        ({"rule_set": "-bad"}, "verify:rule_set"),
        ({"timeout": True}, "verify:timeout"),
        ({"resolvers": ["127.0.0.1:99999"]}, "verify:resolvers"),
        ({"dns": {"provider": "route53", "zone": "other.org"}}, "verify:dns:zone"),
    ],
)
def test_verify_settings_name_the_bad_key(verify, message):
    with pytest.raises(SaltInvocationError, match=message):
        receipt.verify_settings(verify, ADDRESS, "EMAIL_ADDRESS")
