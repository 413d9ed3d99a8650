"""IAM policy documents: the ones our states attach, and the comparison that tells whether
IAM already holds an equivalent one."""

from __future__ import annotations

import json

import awsrunbook_arn as arns

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
    as them (in each of ``regions``)."""
    if identities:
        resources = [
            arns.ses_identity(identity, region, account_id)
            for region in regions
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
