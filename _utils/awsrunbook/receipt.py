"""Receiving mail through SES into an S3 bucket, and reading the address-verification message
that arrives there: the runbook's "Verify an email address" when the domain's MX points to AWS.
Pure code: the ``verify`` argument, the bucket policy, lifecycle rule and receipt rule SES
needs, the plans that set receiving up and take it down again, and picking the one
verification link out of a MIME message. The AWS calls are in ``_modules/aws_ses_receipt.py``.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import html
import json
import re
import urllib.parse
from typing import Any

from awsrunbook import arn as arns
from awsrunbook import dnsrecords, plans, s3, secrets
from awsrunbook import validate as valid

# The runbook's example names (003_*: "email-address-verification", "deliver-to-s3-bucket",
# "ocp-aws-verification").
DEFAULT_BUCKET = "ocp-aws-verification"
DEFAULT_RULE_SET = "email-address-verification"
DEFAULT_RULE = "deliver-to-s3-bucket"
DEFAULT_TIMEOUT = 900
AWS_SENDER = "no-reply-aws@amazon.com"
# SES writes this object under a rule's prefix when it tests write access to the bucket.
SETUP_NOTIFICATION = "AMAZON_SES_SETUP_NOTIFICATION"
# What a run remembers in the bucket (the rule set active before ours), for the next run.
RECORD_NAME = "awsrunbook-receiving.json"
LIFECYCLE_RULE_ID = "expire-received-mail"
MESSAGE_LIFETIME_DAYS = 1  # the messages carry a verification token
LINK_LIFETIME_SECONDS = 24 * 3600
# The minion config key that may replace the accepted verification link pattern.
LINK_PATTERN_OPTION = "aws_runbook_verification_link_pattern"
_VERIFY_KEYS = ("via", "bucket", "rule_set", "rule", "timeout", "cleanup", "resolvers", "dns")
_URL_RE = re.compile(r"https?://[^\s\"'<>]+")


# --- the verify argument --------------------------------------------------------------------


def _cleanup(value: Any) -> bool | str:
    if isinstance(value, bool) or value == "all":
        return value
    return valid.fail("verify:cleanup", "must be true, false or all", value)


def _timeout(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        valid.fail("verify:timeout", "must be a positive whole number of seconds", value)
    return value


def _dns_target(dns_settings: Any, address: str, pillar: Any = None):
    if dns_settings is None:
        return None
    target = dnsrecords.provider_settings(dns_settings, "verify:dns", pillar)
    if target[1] and not dnsrecords.in_zone(domain_of(address), target[1]):
        valid.fail("verify:dns:zone", f"does not hold {domain_of(address)}", target[1])
    return target


def verify_settings(
    verify: Any, identity: str, identity_type: str, pillar: Any = None
) -> dict | None:
    """The validated ``verify`` argument of ``ses_identity.present`` with the runbook's
    defaults filled in (``None`` when not given; ``pillar``: the minion's, to check a DNS
    secret read from it). Raises naming the bad key."""
    if verify is None:
        return None
    if identity_type != "EMAIL_ADDRESS":
        valid.fail("verify", "applies to email address identities only")
    if not isinstance(verify, dict):
        valid.fail("verify", "must be a mapping", verify)
    valid.known_keys(verify, "verify", _VERIFY_KEYS)
    if verify.get("via", "receipt_rule") != "receipt_rule":
        valid.fail("verify:via", "must be receipt_rule", verify.get("via"))
    resolvers = verify.get("resolvers")
    dnsrecords.resolver_addresses(resolvers, "verify:resolvers")
    return {
        "bucket": valid.bucket_name(verify.get("bucket", DEFAULT_BUCKET), "verify:bucket"),
        "rule_set": valid.receipt_rule_name(
            verify.get("rule_set", DEFAULT_RULE_SET), "verify:rule_set"
        ),
        "rule": valid.receipt_rule_name(verify.get("rule", DEFAULT_RULE), "verify:rule"),
        "timeout": _timeout(verify.get("timeout", DEFAULT_TIMEOUT)),
        "cleanup": _cleanup(verify.get("cleanup", True)),
        "resolvers": resolvers,
        "dns": _dns_target(verify.get("dns"), identity, pillar),
    }


# --- what SES receiving needs ---------------------------------------------------------------


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[1].lower()


def inbound_host(region: str) -> str:
    """The host the receiving MX points to."""
    return f"inbound-smtp.{region}.amazonaws.com"


def receiving_mx(domain: str, region: str) -> dict:
    """The MX record set (``group_records`` form) that sends ``domain``'s mail to SES in
    ``region``."""
    return {(domain, "MX"): [f"10 {inbound_host(region)}"]}


def mx_points_to_ses(values: list[str], region: str) -> bool:
    """Whether the MX values (``PREF HOST.``) all point to SES receiving in ``region``."""
    hosts = {value.split()[-1].rstrip(".").lower() for value in values}
    return bool(hosts) and hosts == {inbound_host(region)}


def mx_state(answer: dict, region: str) -> str:
    """Where a domain's mail goes, from its MX lookup (``dns_lookup.lookup``'s answer): ``ses``
    (SES receiving in ``region``), ``elsewhere``, ``missing`` (no MX record), or the
    lookup's ``timeout`` or ``error``."""
    if answer["status"] == "found":
        return "ses" if mx_points_to_ses(answer["values"], region) else "elsewhere"
    return answer["status"]


def prefix_of(address: str) -> str:
    """The object key prefix the rule for ``address`` delivers under."""
    return f"{address}/"


def record_key(address: str) -> str:
    return prefix_of(address) + RECORD_NAME


def rule_arn(region: str, account: str, partition: str, rule_set: str, rule: str) -> str:
    return arns.arn(
        "ses",
        f"receipt-rule-set/{rule_set}:receipt-rule/{rule}",
        partition=partition,
        region=region,
        account=account,
    )


def _statement_id(rule_set: str, rule: str) -> str:
    return "AllowSESPuts" + re.sub(r"[^A-Za-z0-9]", "", f"{rule_set}{rule}")


def policy_statement(receiving: dict, region: str, account: str, partition: str) -> dict:
    """The bucket policy statement letting SES store mail for the rule under its prefix,
    and only for this account's rule (the confused-deputy conditions AWS documents)."""
    bucket = receiving["bucket"]
    return {
        "Sid": _statement_id(receiving["rule_set"], receiving["rule"]),
        "Effect": "Allow",
        "Principal": {"Service": "ses.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": f"{arns.s3_bucket(bucket, partition)}/{receiving['prefix']}*",
        "Condition": {
            "StringEquals": {
                "AWS:SourceAccount": account,
                "AWS:SourceArn": rule_arn(
                    region, account, partition, receiving["rule_set"], receiving["rule"]
                ),
            }
        },
    }


def merged_policy(current: str | None, statement: dict) -> str | None:
    """The bucket policy (JSON) with ``statement`` in it, other statements kept; ``None`` when
    ``current`` already has it as is."""
    document = json.loads(current) if current else {"Version": "2012-10-17", "Statement": []}
    others = [s for s in document.get("Statement", []) if s.get("Sid") != statement["Sid"]]
    if len(others) < len(document.get("Statement", [])) and statement in document["Statement"]:
        return None
    return json.dumps({**document, "Statement": [*others, statement]}, sort_keys=True)


def receipt_rule(receiving: dict) -> dict:
    """The receipt rule: mail to exactly the address, stored in the bucket under its prefix."""
    return {
        "Name": receiving["rule"],
        "Enabled": True,
        "TlsPolicy": "Optional",
        "Recipients": [receiving["address"]],
        "Actions": [
            {
                "S3Action": {
                    "BucketName": receiving["bucket"],
                    "ObjectKeyPrefix": receiving["prefix"],
                }
            }
        ],
        "ScanEnabled": False,
    }


def receiving_target(address: str, bucket: str, rule_set: str, rule: str) -> dict:
    """What receiving for ``address`` is made of (the ``receiving`` the planners take)."""
    return {
        "address": address,
        "bucket": bucket,
        "rule_set": rule_set,
        "rule": rule,
        "prefix": prefix_of(address),
    }


# --- plans ----------------------------------------------------------------------------------


def _bucket_steps(receiving: dict, bucket: dict | None, policy: str | None, statement: dict):
    name = receiving["bucket"]
    steps = []
    if bucket is None:
        steps.append(
            plans.step("verification_bucket", None, name, "aws_s3.create_bucket", bucket=name)
        )
        bucket = {"public_access_block": None, "lifecycle_rules": []}
    steps += s3.public_access_steps(
        "verification_bucket_public_access_block", name, bucket["public_access_block"]
    )
    expiry = s3.lifecycle_rule(LIFECYCLE_RULE_ID, MESSAGE_LIFETIME_DAYS, None)
    steps += s3.lifecycle_steps(
        "verification_bucket_lifecycle",
        name,
        bucket["lifecycle_rules"],
        {LIFECYCLE_RULE_ID: expiry},
        exclusive=False,
    )
    new_policy = merged_policy(policy, statement)
    if new_policy is not None:
        steps.append(
            plans.step(
                "verification_bucket_policy",
                json.loads(policy) if policy else None,
                json.loads(new_policy),
                "aws_ses_receipt.put_bucket_policy",
                bucket=name,
                policy=new_policy,
            )
        )
    return steps


def _rule_steps(receiving: dict, rule_set: dict | None):
    name, wanted = receiving["rule_set"], receipt_rule(receiving)
    steps = []
    if rule_set is None:
        steps.append(
            plans.step(
                "receipt_rule_set", None, name, "aws_ses_receipt.create_rule_set", rule_set=name
            )
        )
        rule_set = {"name": name, "rules": []}
    have = next((r for r in rule_set["rules"] if r["Name"] == receiving["rule"]), None)
    if have != wanted:
        call = "aws_ses_receipt.create_rule" if have is None else "aws_ses_receipt.update_rule"
        steps.append(plans.step("receipt_rule", have, wanted, call, rule_set=name, rule=wanted))
    return steps


def plan_receiving(
    receiving: dict,
    found: dict,
    region: str,
    account: str,
    partition: str,
    temporary_mx: bool = False,
) -> list:
    """Steps that make SES receive mail for the address into the bucket: the bucket (public
    access blocked, objects expiring after a day, the policy SES needs), the rule set and
    the rule, and the rule set made active, remembering in the bucket which one was active
    before and whether the receiving MX was added for the run (``temporary_mx``); ``found``
    is ``aws_ses_receipt.describe_receiving``'s answer. Pure."""
    statement = policy_statement(receiving, region, account, partition)
    steps = _bucket_steps(receiving, found["bucket"], found["bucket_policy"], statement)
    steps += _rule_steps(receiving, found["rule_set"])
    if found["active_rule_set"] != receiving["rule_set"]:
        steps.append(
            plans.step(
                "active_receipt_rule_set",
                found["active_rule_set"],
                receiving["rule_set"],
                "aws_ses_receipt.activate_rule_set",
                rule_set=receiving["rule_set"],
                bucket=receiving["bucket"],
                record=record_key(receiving["address"]),
                remember={
                    "previous_active": found["active_rule_set"],
                    "temporary_mx": temporary_mx,
                },
            )
        )
    return steps


def remembered(found: dict, fact: str):
    """What the run that set receiving up remembered in the bucket (``previous_active``,
    ``temporary_mx``); ``None`` when nothing was."""
    return (found.get("record") or {}).get(fact)


def previous_active(found: dict, receiving: dict) -> str | None:
    """The rule set to make active again at cleanup: the one active now, unless that is ours
    (a run that stopped half way): then the one that run remembered."""
    if found["active_rule_set"] != receiving["rule_set"]:
        return found["active_rule_set"]
    return remembered(found, "previous_active")


def _other_rules(found: dict, receiving: dict) -> list:
    rule_set = found["rule_set"] or {"rules": []}
    return [r for r in rule_set["rules"] if r["Name"] != receiving["rule"]]


def plan_cleanup(receiving: dict, found: dict, cleanup: bool | str = True) -> list:
    """Steps that take receiving down again (``found`` as read before ``plan_receiving``):
    the previously active rule set (or none) active again, our rule deleted, our rule set
    too when no other rule is left in it, the received messages deleted; with ``cleanup:
    all`` the bucket too. Pure."""
    if cleanup is False:
        return []
    restore = previous_active(found, receiving)
    name = receiving["rule_set"]
    steps = []
    if restore != name:
        steps.append(
            plans.step(
                "cleanup_active_receipt_rule_set",
                name,
                restore,
                "aws_ses_receipt.set_active_rule_set",
                rule_set=restore,
            )
        )
    steps.append(
        plans.step(
            "cleanup_receipt_rule",
            receiving["rule"],
            None,
            "aws_ses_receipt.delete_rule",
            rule_set=name,
            rule=receiving["rule"],
        )
    )
    if not _other_rules(found, receiving) and restore != name:
        steps.append(
            plans.step(
                "cleanup_receipt_rule_set",
                name,
                None,
                "aws_ses_receipt.delete_rule_set",
                rule_set=name,
            )
        )
    if cleanup == "all":
        steps.append(
            plans.step(
                "cleanup_verification_bucket",
                receiving["bucket"],
                None,
                "aws_s3.delete_bucket",
                bucket=receiving["bucket"],
                force=True,
            )
        )
    else:
        steps.append(
            plans.step(
                "cleanup_received_messages",
                receiving["prefix"],
                None,
                "aws_ses_receipt.delete_messages",
                bucket=receiving["bucket"],
                prefix=receiving["prefix"],
            )
        )
    return steps


# --- the verification message ---------------------------------------------------------------


def default_link_pattern(region: str) -> str:
    host = re.escape(f"email-verification.{region}.amazonaws.com")
    return rf"https://{host}/\?[^#\s]*"


def link_names(url: str, address: str) -> bool:
    """Whether the link's query confirms exactly ``address``."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return query.get("Identity.IdentityName") == [address] and query.get("Operation") == [
        "ConfirmVerification"
    ]


def _texts(message: email.message.EmailMessage):
    for part in message.walk():
        if part.get_content_maintype() == "text":
            yield part.get_content()  # decodes quoted-printable and base64


def verification_link(raw: bytes, address: str, pattern: str) -> secrets.Secret | None:
    """The verification link of the message ``raw`` for ``address``: sent by AWS's sender,
    exactly one distinct link matching ``pattern`` in full whose query confirms ``address``.
    Any other link is ignored; ``None`` when there is not exactly one. Pure."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    sender = email.utils.parseaddr(str(message.get("From", "")))[1].lower()
    if sender != AWS_SENDER:
        return None
    links = {
        html.unescape(url).rstrip(".,;)")
        for text in _texts(message)
        for url in _URL_RE.findall(text)
    }
    accepted = [url for url in links if re.fullmatch(pattern, url) and link_names(url, address)]
    return secrets.Secret(accepted[0]) if len(accepted) == 1 else None
