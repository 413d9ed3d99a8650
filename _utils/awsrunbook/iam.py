"""IAM policy documents, pure: the ones our states attach, and the comparison that tells
whether IAM already holds an equivalent one."""

from __future__ import annotations

import json

from awsrunbook import arn as arns

BACKUP_OBJECT_ACTIONS = ("s3:PutObject", "s3:GetObject", "s3:DeleteObject")


def backup_policy_document(bucket: str, prefix: str | None = None, partition: str = "aws") -> dict:
    """The runbook's backup policy; with ``prefix``, pgBackRest's variant limited to it."""
    bucket_arn = arns.s3_bucket(bucket, partition)
    if prefix is None:
        return {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [bucket_arn]},
                {
                    "Effect": "Allow",
                    "Action": list(BACKUP_OBJECT_ACTIONS),
                    "Resource": [f"{bucket_arn}/*"],
                },
            ],
        }
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [bucket_arn],
                "Condition": {"StringEquals": {"s3:prefix": ["", prefix], "s3:delimiter": ["/"]}},
            },
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket"],
                "Resource": [bucket_arn],
                "Condition": {"StringLike": {"s3:prefix": [f"{prefix}/*"]}},
            },
            {
                "Effect": "Allow",
                "Action": list(BACKUP_OBJECT_ACTIONS),
                "Resource": [f"{bucket_arn}/{prefix}/*"],
            },
        ],
    }


def ses_sending_policy_document(regions, account_id=None, identities=None) -> dict:
    """The SMTP user's inline policy: ``ses:SendRawEmail`` only; with ``identities``, only
    as them (in each of ``regions``: ``{region: its partition}``)."""
    if identities:
        resources = [
            arns.ses_identity(identity, region, account_id, partition)
            for region, partition in regions.items()
            for identity in identities
        ]
    else:
        resources = "*"
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ses:SendRawEmail", "Resource": resources}],
    }


def canonical_document(document: dict) -> dict:
    """A policy document with IAM's equivalent spellings folded (a lone string or a list for
    Action/Resource, any list order, ``Sid``), for comparing what IAM returns with what a
    state wants."""

    def fold(value):
        if isinstance(value, dict):
            return {k: fold(v) for k, v in value.items()}
        if isinstance(value, list):
            return sorted((fold(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        return value

    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    folded = []
    for statement in statements:
        statement = dict(statement)
        statement.pop("Sid", None)
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if isinstance(statement.get(key), str):
                statement[key] = [statement[key]]
        folded.append(statement)
    return fold({"Version": document.get("Version"), "Statement": folded})


def same_document(current: dict | None, wanted: dict) -> bool:
    """True when IAM's ``current`` document is equivalent to ``wanted``."""
    return current is not None and canonical_document(current) == canonical_document(wanted)


# --- what IAM says of users and policies ---------------------------------------------------


def user_record(attached_arns: list[str], access_keys: list[dict]) -> dict:
    """A user as ``aws_iam.describe_user`` gives it: its attached policies' ARNs, sorted, and
    its access keys as ID, status and creation date (never a secret)."""
    return {
        "attached_policies": sorted(attached_arns),
        "access_keys": [
            {key: item[key] for key in ("AccessKeyId", "Status", "CreateDate")}
            for item in access_keys
        ],
    }


def decoded_document(document: dict | str) -> dict:
    """A policy document as IAM returned it: boto3 decodes documents into dicts; a string
    means an older botocore."""
    return json.loads(document) if isinstance(document, str) else document


def policy_record(arn: str, policy: dict, default_document: dict | str) -> dict:
    """A customer managed policy as ``aws_iam.describe_policy`` gives it, from IAM's
    ``Policy`` (or ``ManagedPolicyDetail``) and its default version's document."""
    return {
        "arn": arn,
        "default_version": policy["DefaultVersionId"],
        "document": decoded_document(default_document),
        "attachment_count": policy.get("AttachmentCount", 0),
    }


def account_listing(pages: list[dict]) -> dict:
    """What ``GetAccountAuthorizationDetails`` pages (filtered to users and customer managed
    policies) say: ``{"users": {name: [attached policy ARNs]}, "policies": {ARN: record},
    "account_arn": an ARN of the account or None}`` (records as ``policy_record``; a policy is
    keyed by ARN, which names its path too)."""
    users, policies, account_arn = {}, {}, None
    for page in pages:
        for user in page.get("UserDetailList", []):
            account_arn = account_arn or user["Arn"]
            users[user["UserName"]] = sorted(
                p["PolicyArn"] for p in user.get("AttachedManagedPolicies", [])
            )
        for policy in page.get("Policies", []):
            default = next(
                v
                for v in policy.get("PolicyVersionList", [])
                if v["VersionId"] == policy["DefaultVersionId"]
            )
            policies[policy["Arn"]] = policy_record(policy["Arn"], policy, default["Document"])
    return {"users": users, "policies": policies, "account_arn": account_arn}
