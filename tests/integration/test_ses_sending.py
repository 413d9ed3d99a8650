"""`salt-call --local state.apply aws_runbook.ses_sending` against moto's server (SES v2 gaps
filled by tests/support/moto_sesv2_patches.py), read back with the AWS CLI."""

import json
import stat

import pytest
import yaml

from tests.support import moto_sesv2_patches

PILLAR = """\
aws_runbook:
  connection:
    region: us-east-1
  ses_sending:
    smtp_users:
      ses-smtp-web1:
        regions: [us-east-1]
        pillar_file: private/web1.sls
      ses-smtp-mailer:
        regions: [us-east-1, eu-west-1]
        pillar_file: private/mailer.sls
        identities: [open-contracting.org]
    configuration_sets:
      credere:
        event_destinations:
          credere-noreply-open-contracting-org:
            events: [RENDERING_FAILURE, REJECT, DELIVERY_DELAY]
            sns_topic: noreply-open-contracting-org
            subscribers: [sysadmin@example.org]
    accounts:
      us-east-1:
        suppressed_reasons: []
        sending_enabled: true
        production_access:
          mail_type: TRANSACTIONAL
          website_url: https://www.example.org
          use_case_description: Password resets and notifications for our users.
          additional_contact_email_addresses: [sysadmin@example.org]
"""

PRIVATE = """\
# web1's private pillar: these comments must survive
smtp:
  # Postfix relays through SES
  host: old-relay.example.org
web:
  domain: example.org  # and this one
"""
STATES = (
    "aws-ses_smtp_user-ses-smtp-web1",
    "aws-ses_smtp_user-ses-smtp-mailer",
    "aws-ses_configuration_set-credere",
    "aws-ses_account-us-east-1",
)


def by_id(results):
    return {r["__id__"]: r for r in results.values()}


def write(salt_call, pillar=PILLAR):
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", pillar)


@pytest.fixture
def applied(salt_call):
    write(salt_call)
    private = salt_call.write_pillar("private/web1.sls", PRIVATE)
    dry_proc, dry = salt_call.state_apply("aws_runbook.ses_sending", "test=True")
    proc, results = salt_call.state_apply("aws_runbook.ses_sending", "-l", "debug")
    return salt_call, private, dry_proc, by_id(dry), proc, by_id(results)


def test_test_mode_then_apply(applied, aws_cli):
    salt_call, private, dry_proc, dry, proc, results = applied
    assert set(dry) == set(STATES)
    assert all(r["result"] is None and r["changes"] for r in dry.values()), dry
    assert dry["aws-ses_account-us-east-1"]["changes"]["production_access"]["old"] == "sandbox"
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert all(r["result"] is True and r["changes"] for r in results.values()), results
    # test=True predicted exactly the fields the real run changed
    for state_id in STATES:
        assert set(dry[state_id]["changes"]) == set(results[state_id]["changes"]), state_id

    # SMTP user: the pillar file, read back against IAM
    data = yaml.safe_load(private.read_text())["smtp"]
    keys = aws_cli("iam", "list-access-keys", "--user-name", "ses-smtp-web1")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [data["username"]]
    assert data["host"] == "email-smtp.us-east-1.amazonaws.com" and data["port"] == 587
    policy = aws_cli(
        "iam",
        "get-user-policy",
        "--user-name",
        "ses-smtp-web1",
        "--policy-name",
        "AmazonSesSendingAccess",
    )
    assert policy["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "ses:SendRawEmail", "Resource": "*"}
    ]
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    text = private.read_text()
    assert text.startswith("# web1's private pillar: these comments must survive")
    assert "# Postfix relays through SES" in text and "# and this one" in text

    mailer = salt_call.pillar_root / "private" / "mailer.sls"
    smtp = yaml.safe_load(mailer.read_text())["smtp"]
    assert smtp["us-east-1"]["username"] == smtp["eu-west-1"]["username"]
    assert smtp["eu-west-1"]["host"] == "email-smtp.eu-west-1.amazonaws.com"
    assert stat.S_IMODE(mailer.stat().st_mode) == 0o600

    # secrets: nowhere but the pillar files
    log = salt_call.log_file.read_text()
    assert "DEBUG" in log, "the log must be at debug level for this check to mean anything"
    passwords = [data["password"], smtp["us-east-1"]["password"], smtp["eu-west-1"]["password"]]
    for secret in passwords:
        assert len(secret) == 44
        for where in (proc.stdout, proc.stderr, dry_proc.stdout, log):
            assert secret not in where
    assert "SecretAccessKey" not in log

    # configuration set, destination and topic
    dests = aws_cli(
        "sesv2", "get-configuration-set-event-destinations", "--configuration-set-name", "credere"
    )["EventDestinations"]
    assert [d["Name"] for d in dests] == ["credere-noreply-open-contracting-org"]
    assert sorted(dests[0]["MatchingEventTypes"]) == [
        "DELIVERY_DELAY",
        "REJECT",
        "RENDERING_FAILURE",
    ]
    topic = "arn:aws:sns:us-east-1:123456789012:noreply-open-contracting-org"
    assert dests[0]["SnsDestination"]["TopicArn"] == topic
    subs = aws_cli("sns", "list-subscriptions-by-topic", "--topic-arn", topic)["Subscriptions"]
    assert [s["Endpoint"] for s in subs] == ["sysadmin@example.org"]

    # account
    account = aws_cli("sesv2", "get-account")
    assert account["SuppressionAttributes"]["SuppressedReasons"] == []
    assert account["Details"]["ReviewDetails"]["Status"] == "PENDING"
    assert "pending review" not in results["aws-ses_account-us-east-1"]["comment"]


def test_converged_rerun_changes_nothing_and_writes_nothing(applied, moto_server):
    salt_call, private, *_ = applied
    before = private.read_text()
    for extra in ((), ("test=True",)):
        moto_server.reset_counts()
        proc, results = salt_call.state_apply("aws_runbook.ses_sending", *extra)
        assert proc.returncode == 0, proc.stdout
        assert all(r["result"] is True and r["changes"] == {} for r in results.values()), results
        assert moto_server.writes() == []
    assert private.read_text() == before
    comment = by_id(results)["aws-ses_account-us-east-1"]["comment"]
    assert "pending review" in comment and "not submitted again" in comment


def test_drift_corrected(applied, aws_cli, moto_server):
    salt_call, *_ = applied
    aws_cli("sesv2", "put-account-suppression-attributes", "--suppressed-reasons", "BOUNCE")
    aws_cli(
        "sesv2",
        "delete-configuration-set-event-destination",
        "--configuration-set-name",
        "credere",
        "--event-destination-name",
        "credere-noreply-open-contracting-org",
    )
    aws_cli(
        "iam",
        "put-user-policy",
        "--user-name",
        "ses-smtp-web1",
        "--policy-name",
        "AmazonSesSendingAccess",
        "--policy-document",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "ses:*", "Resource": "*"}],
            }
        ),
    )
    moto_sesv2_patches.set_review_status("GRANTED")
    _, results = salt_call.state_apply("aws_runbook.ses_sending")
    results = by_id(results)
    assert set(results["aws-ses_smtp_user-ses-smtp-web1"]["changes"]) == {"policy"}
    assert set(results["aws-ses_configuration_set-credere"]["changes"]) == {
        "event_destination credere-noreply-open-contracting-org"
    }
    assert results["aws-ses_account-us-east-1"]["changes"] == {
        "suppressed_reasons": {"old": ["BOUNCE"], "new": []}
    }
    assert "granted" in results["aws-ses_account-us-east-1"]["comment"]
    assert aws_cli("sesv2", "get-account")["SuppressionAttributes"]["SuppressedReasons"] == []
    moto_server.reset_counts()
    _, again = salt_call.state_apply("aws_runbook.ses_sending")
    assert all(r["changes"] == {} for r in again.values())
    assert moto_server.writes() == []


def test_absent(applied, aws_cli):
    salt_call, private, *_ = applied
    write(
        salt_call,
        """\
        aws_runbook:
          connection:
            region: us-east-1
          ses_sending:
            smtp_users:
              ses-smtp-web1:
                absent: true
                regions: [us-east-1]
                pillar_file: private/web1.sls
            configuration_sets:
              credere:
                absent: true
        """,
    )
    _, dry = salt_call.state_apply("aws_runbook.ses_sending", "test=True")
    assert all(r["result"] is None for r in dry.values()), dry
    assert "password" in private.read_text()
    _, results = salt_call.state_apply("aws_runbook.ses_sending")
    assert all(r["result"] is True and r["changes"] for r in results.values()), results
    users = [u["UserName"] for u in aws_cli("iam", "list-users")["Users"]]
    assert "ses-smtp-web1" not in users
    # (the CLI's SES v2 listing path is one moto's server does not route; v1 lists the same)
    assert aws_cli("ses", "list-configuration-sets").get("ConfigurationSets", []) == []
    data = yaml.safe_load(private.read_text())
    assert "smtp" not in data and data["web"]["domain"] == "example.org"
    assert "# and this one" in private.read_text()


def test_bad_pillar_fails_with_the_argument_named_and_no_call(salt_call, moto_server):
    write(
        salt_call,
        """\
        aws_runbook:
          ses_sending:
            smtp_users:
              no-regions:
                regions: []
                pillar_file: private/x.sls
              bad-region:
                regions: [us-east-1, eu-north-9]
                pillar_file: private/x.sls
            configuration_sets:
              credere:
                region: us-east-1
                event_destinations:
                  d:
                    events: [REJECT, BOUNCES]
                    sns_topic: t
            accounts:
              us-east-1:
                region: us-east-1
                production_access:
                  mail_type: TRANSACTIONAL
                  website_url: https://example.org
        """,
    )
    moto_server.reset_counts()
    _, results = salt_call.state_apply("aws_runbook.ses_sending")
    comments = {r["__id__"]: r["comment"] for r in results.values()}
    assert all(r["result"] is False for r in results.values()), results
    assert "regions: give one or more SES regions" in comments["aws-ses_smtp_user-no-regions"]
    assert "regions: unknown AWS region" in comments["aws-ses_smtp_user-bad-region"]
    assert (
        "event_destinations:d:events: unknown event type"
        in comments["aws-ses_configuration_set-credere"]
    )
    assert (
        "production_access:use_case_description: required" in comments["aws-ses_account-us-east-1"]
    )
    assert moto_server.calls() == []
