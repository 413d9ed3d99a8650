"""AWS IAM: managed policies, users, attachments and access keys.

Every function accepts the connection arguments ``region``, ``profile``, ``keyid``, ``key``
and ``role_arn``. No function returns a secret: a new access key's secret goes straight from
IAM's answer into the pillar file (``create_access_key_into_pillar``).

CLI example::

    salt-call aws_iam.describe_user redmine-backup
"""

import json
import logging

import awsrunbook_client as aws
import awsrunbook_keys as keys
from salt.exceptions import CommandExecutionError

log = logging.getLogger(__name__)

__virtualname__ = "aws_iam"

IAM_POLICY_VERSION_LIMIT = 5


def __virtual__():
    return __virtualname__


def _iam(kwargs):
    conn = aws.split_connection_args(kwargs)
    return aws.client("iam", conn, __salt__.get("config.option")), conn


def account_id(**kwargs):
    """The account the credentials belong to (asked once per run).

    CLI example::

        salt-call aws_iam.account_id
    """
    conn = aws.split_connection_args(kwargs)
    return aws.caller_identity(conn, __salt__.get("config.option"), __context__)["account"]


def policy_arn(name, path="/", **kwargs):
    """The ARN a customer managed policy called ``name`` has (or would have)."""
    conn = aws.split_connection_args(kwargs)
    who = aws.caller_identity(conn, __salt__.get("config.option"), __context__)
    return f"arn:{who['partition']}:iam::{who['account']}:policy{path}{name}"


def describe_policy(name, path="/", **kwargs):
    """``{"arn", "default_version", "document", "attachment_count"}`` of the managed policy
    ``name``, or ``None``.

    CLI example::

        salt-call aws_iam.describe_policy redmine-backup
    """
    arn = policy_arn(name, path, **kwargs)
    iam, _ = _iam(kwargs)
    policy = aws.call(iam, "get_policy", arn, missing=("NoSuchEntity",), PolicyArn=arn)
    if policy is None:
        return None
    version_id = policy["Policy"]["DefaultVersionId"]
    version = aws.call(iam, "get_policy_version", arn, PolicyArn=arn, VersionId=version_id)[
        "PolicyVersion"
    ]
    return {
        "arn": arn,
        "default_version": version_id,
        "document": _document(version["Document"]),
        "attachment_count": policy["Policy"].get("AttachmentCount", 0),
    }


def _document(document):
    # boto3 decodes policy documents into dicts; a string means an older botocore.
    return json.loads(document) if isinstance(document, str) else document


def create_policy(name, document, path="/", description="", **kwargs):
    """Create the managed policy ``name`` with ``document`` (a mapping); returns its ARN."""
    iam, _ = _iam(kwargs)
    resp = aws.call(
        iam,
        "create_policy",
        name,
        PolicyName=name,
        Path=path,
        PolicyDocument=json.dumps(document),
        Description=description,
    )
    return resp["Policy"]["Arn"]


def set_policy_document(arn, document, **kwargs):
    """Make ``document`` the default version of the policy ``arn``. IAM keeps five versions:
    when five exist, the oldest non-default one is deleted first."""
    iam, _ = _iam(kwargs)
    versions = aws.call(iam, "list_policy_versions", arn, PolicyArn=arn)["Versions"]
    if len(versions) >= IAM_POLICY_VERSION_LIMIT:
        oldest = min(
            (v for v in versions if not v["IsDefaultVersion"]), key=lambda v: v["CreateDate"]
        )
        aws.call(iam, "delete_policy_version", arn, PolicyArn=arn, VersionId=oldest["VersionId"])
    aws.call(
        iam,
        "create_policy_version",
        arn,
        PolicyArn=arn,
        PolicyDocument=json.dumps(document),
        SetAsDefault=True,
    )
    return True


def delete_policy(arn, **kwargs):
    """Delete the managed policy ``arn`` with its non-default versions. Detach it first."""
    iam, _ = _iam(kwargs)
    versions = aws.call(iam, "list_policy_versions", arn, missing=("NoSuchEntity",), PolicyArn=arn)
    if versions is None:
        return False
    for version in versions["Versions"]:
        if not version["IsDefaultVersion"]:
            aws.call(
                iam, "delete_policy_version", arn, PolicyArn=arn, VersionId=version["VersionId"]
            )
    aws.call(iam, "delete_policy", arn, PolicyArn=arn)
    return True


def describe_user(name, **kwargs):
    """``{"attached_policies", "access_keys"}`` of the IAM user ``name``, or ``None``. Access
    keys are listed as ID, status and creation date (never a secret).

    CLI example::

        salt-call aws_iam.describe_user redmine-backup
    """
    iam, conn = _iam(kwargs)
    # No GetUser: listing the attachments answers NoSuchEntity for a missing user too.
    attached = aws.call(
        iam, "list_attached_user_policies", name, missing=("NoSuchEntity",), UserName=name
    )
    if attached is None:
        return None
    access_keys = aws.call(iam, "list_access_keys", name, UserName=name)
    arns = sorted(p["PolicyArn"] for p in attached["AttachedPolicies"])
    for arn in arns:
        # A policy attached to a user of this account is an AWS one (account "aws") or
        # belongs to this account: the account ID without asking STS.
        aws.learn_caller_account(conn, __salt__.get("config.option"), __context__, arn)
    return {
        "attached_policies": arns,
        "access_keys": [
            {key: item[key] for key in ("AccessKeyId", "Status", "CreateDate")}
            for item in access_keys["AccessKeyMetadata"]
        ],
    }


def create_user(name, path="/", **kwargs):
    """Create the IAM user ``name``."""
    iam, _ = _iam(kwargs)
    aws.call(iam, "create_user", name, UserName=name, Path=path)
    return True


def attach_user_policy(user, arn, **kwargs):
    iam, _ = _iam(kwargs)
    aws.call_after_create(iam, "attach_user_policy", user, UserName=user, PolicyArn=arn)
    return True


def detach_user_policy(user, arn, **kwargs):
    iam, _ = _iam(kwargs)
    aws.call(
        iam, "detach_user_policy", user, missing=("NoSuchEntity",), UserName=user, PolicyArn=arn
    )
    return True


def delete_access_key(user, key_id, **kwargs):
    """Delete the access key ``key_id`` of ``user`` (already gone counts as done)."""
    iam, _ = _iam(kwargs)
    aws.call(
        iam, "delete_access_key", user, missing=("NoSuchEntity",), UserName=user, AccessKeyId=key_id
    )
    return True


def create_access_key_into_pillar(user, pillar_file, id_paths, secret_paths, values=None, **kwargs):
    """Create an access key for ``user`` and write it into ``pillar_file``; return its ID.

    id_paths
        Pillar key paths that get the access key ID (``["aws:access_key"]``).
    secret_paths
        ``{pillar key path: what}``, where ``what`` is ``secret`` (the secret access key) or
        ``smtp_password:REGION`` (the SES SMTP password derived from it for REGION).
    values
        Other ``{pillar key path: value}`` to write in the same atomic write.

    If the file cannot be written the new key is deleted again, so no key is left whose
    secret nobody has; the error says so. The secret is never returned or logged.
    """
    iam, conn = _iam(kwargs)
    for what in secret_paths.values():
        _check_secret_kind(what)
    created = aws.call_after_create(iam, "create_access_key", user, UserName=user)["AccessKey"]
    key_id = created["AccessKeyId"]
    to_write = dict.fromkeys(id_paths, key_id)
    for path, what in secret_paths.items():
        to_write[path] = _secret_value(created["SecretAccessKey"], what)
    to_write.update(values or {})
    try:
        __salt__["pillar_file.set_values"](pillar_file, to_write)
    except Exception as exc:  # any failure: the key must not outlive it
        message = f"could not write the new access key {key_id} of {user} to {pillar_file}: {exc}"
        try:
            delete_access_key(user, key_id, **conn)
        except CommandExecutionError as delete_exc:
            raise CommandExecutionError(
                f"{message}. Deleting that key failed too ({delete_exc}): delete access key "
                f"{key_id} of {user} by hand"
            ) from None
        raise CommandExecutionError(
            f"{message}. The new key was deleted again, so nothing was lost: fix the file and "
            "run again"
        ) from None
    log.info("Wrote new access key %s of %s to %s", key_id, user, pillar_file)
    return key_id


def _check_secret_kind(what):
    kind, _, region = what.partition(":")
    if what != "secret" and not (kind == "smtp_password" and region):
        raise CommandExecutionError(
            f"unknown secret kind {what!r}: use 'secret' or 'smtp_password:REGION'"
        )


def _secret_value(secret, what):
    if what == "secret":
        return secret
    return keys.smtp_password(secret, what.partition(":")[2])


def delete_user(name, **kwargs):
    """Delete the IAM user ``name`` with its access keys and policy attachments.

    CLI example::

        salt-call aws_iam.delete_user old-backup
    """
    iam, conn = _iam(kwargs)
    current = describe_user(name, **conn)
    if current is None:
        return False
    for key in current["access_keys"]:
        delete_access_key(name, key["AccessKeyId"], **conn)
    for arn in current["attached_policies"]:
        detach_user_policy(name, arn, **conn)
    aws.call(iam, "delete_user", name, UserName=name)
    return True


def get_user_policy(user, policy_name, **kwargs):
    """The document (a mapping) of the inline policy ``policy_name`` of ``user``, or ``None``
    when the user or the policy does not exist.

    CLI example::

        salt-call aws_iam.get_user_policy ses-smtp-web1 AmazonSesSendingAccess
    """
    iam, _ = _iam(kwargs)
    found = aws.call(
        iam,
        "get_user_policy",
        f"{user}/{policy_name}",
        missing=("NoSuchEntity",),
        UserName=user,
        PolicyName=policy_name,
    )
    if found is None:
        return None
    return _document(found["PolicyDocument"])


def put_user_policy(user, policy_name, document, **kwargs):
    """Create or replace the inline policy ``policy_name`` of ``user``."""
    iam, _ = _iam(kwargs)
    aws.call_after_create(
        iam,
        "put_user_policy",
        f"{user}/{policy_name}",
        UserName=user,
        PolicyName=policy_name,
        PolicyDocument=json.dumps(document),
    )
    return True


def delete_user_policy(user, policy_name, **kwargs):
    """Delete the inline policy ``policy_name`` of ``user`` (already gone counts as done)."""
    iam, _ = _iam(kwargs)
    aws.call(
        iam,
        "delete_user_policy",
        f"{user}/{policy_name}",
        missing=("NoSuchEntity",),
        UserName=user,
        PolicyName=policy_name,
    )
    return True


def canonical_document(document):
    """A policy document with IAM's equivalent spellings folded (a lone string or a list for
    Action/Resource, any list order, ``Sid``), for comparing what IAM returns with what a
    state wants. Pure."""

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
