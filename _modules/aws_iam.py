"""AWS IAM: managed policies, users, attachments and access keys.

Every function accepts the connection arguments ``region``, ``profile``, ``keyid``, ``key``
and ``role_arn``. ``create_access_key`` is a step of the states' plans: the secret it
returns is wrapped (it shows as ``********``) and goes only into the pillar-file write that
follows it.

CLI example::

    salt-call aws_iam.describe_user redmine-backup
"""

import json
import logging
import time
from typing import TYPE_CHECKING

import awsrunbook_arn as arns
import awsrunbook_client as aws
import awsrunbook_iam as iam_docs
import awsrunbook_secrets as secrets
import botocore.exceptions
from salt.exceptions import CommandExecutionError

log = logging.getLogger(__name__)

__virtualname__ = "aws_iam"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook_typing import __context__, __salt__

IAM_POLICY_VERSION_LIMIT = 5
# A throttled CreateAccessKey is sent this many times in all, waiting 1, 2, 4... seconds.
CREATE_KEY_ATTEMPTS = 5
CREATE_KEY_BACKOFF = 1.0


def __virtual__():
    return __virtualname__


def _iam(kwargs, retry=True):
    return aws.connect("iam", kwargs, __salt__, retry)


def policy_arn(name, path="/", **kwargs):
    """The ARN a customer managed policy called ``name`` has (or would have)."""
    who = __salt__["aws_sts.caller_identity"](**kwargs)
    return arns.iam_policy(name, who["account"], who["partition"], path)


def describe_policy(name, path="/", listing=None, **kwargs):
    """``{"arn", "default_version", "document", "attachment_count"}`` of the managed policy
    ``name``, or ``None``. With ``listing`` (``list_users_and_policies``'s answer), from that
    instead of IAM.

    CLI example::

        salt-call aws_iam.describe_policy redmine-backup
    """
    arn = policy_arn(name, path, **kwargs)
    if listing is not None:
        return listing["policies"].get(arn)
    iam, _ = _iam(kwargs)
    policy = aws.call(iam, "get_policy", arn, missing=("NoSuchEntity",), PolicyArn=arn)
    if policy is None:
        return None
    version_id = policy["Policy"]["DefaultVersionId"]
    version = aws.call(iam, "get_policy_version", arn, PolicyArn=arn, VersionId=version_id)
    return iam_docs.policy_record(arn, policy["Policy"], version["PolicyVersion"]["Document"])


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


def describe_user(name, listing=None, **kwargs):
    """``{"attached_policies", "access_keys"}`` of the IAM user ``name``, or ``None``. Access
    keys are listed as ID, status and creation date (never a secret). With ``listing``
    (``list_users_and_policies``'s answer), only the access keys are read from IAM.

    CLI example::

        salt-call aws_iam.describe_user redmine-backup
    """
    iam, conn = _iam(kwargs)
    if listing is not None:
        arns = listing["users"].get(name)
    else:
        # No GetUser: listing the attachments answers NoSuchEntity for a missing user too.
        attached = aws.call(
            iam, "list_attached_user_policies", name, missing=("NoSuchEntity",), UserName=name
        )
        arns = attached and [p["PolicyArn"] for p in attached["AttachedPolicies"]]
    if arns is None:
        return None
    access_keys = aws.call(iam, "list_access_keys", name, UserName=name)
    for arn in arns:
        # A policy attached to a user of this account is an AWS one (account "aws") or
        # belongs to this account: the account ID without asking STS.
        aws.learn_caller_account(conn, __salt__.get("config.option"), __context__, arn)
    return iam_docs.user_record(arns, access_keys["AccessKeyMetadata"])


def list_users_and_policies(**kwargs):
    """Every IAM user of the account with the ARNs of its attached managed policies, and every
    customer managed policy with its default version's document:
    ``{"users": {name: [ARN]}, "policies": {ARN: describe_policy's record}}``, from
    ``GetAccountAuthorizationDetails`` (a page per 1,000 entries), or ``None`` when the
    credentials may not call it (``iam:GetAccountAuthorizationDetails``). A run with many
    backup users reads them ahead from this instead of three calls per user.

    CLI example::

        salt-call aws_iam.list_users_and_policies
    """
    iam, conn = _iam(kwargs)
    pages = iam.get_paginator("get_account_authorization_details").paginate(
        Filter=["User", "LocalManagedPolicy"], PaginationConfig={"PageSize": 1000}
    )
    with aws.aws_errors("GetAccountAuthorizationDetails", "the account"):
        try:
            listing = iam_docs.account_listing(list(pages))
        except botocore.exceptions.ClientError as exc:
            if aws.error_code(exc) in ("AccessDenied", "AccessDeniedException"):
                log.info("IAM: not allowed to list the account (%s)", aws.error_code(exc))
                return None
            raise
    if listing["account_arn"]:
        aws.learn_caller_account(
            conn, __salt__.get("config.option"), __context__, listing["account_arn"]
        )
    return listing


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


def create_access_key(user, known_keys=(), **kwargs):
    """Create an access key for ``user``: ``{"access_key_id", "secret"}``, the secret wrapped
    so that it prints as ``********``. For the states' plans, whose next step writes it into
    the pillar file: from the command line use ``iam_backup_user.present`` instead.

    CreateAccessKey is not idempotent, so it is never re-sent blindly: after an error or a
    timeout IAM may still have made a key, whose secret nobody has. The user's keys are then
    listed, and a key that is not in ``known_keys`` (the user's keys before this call) is
    deleted; the error says what was found. A throttled call (which IAM refused before doing
    anything) is sent again after that read, with backoff, up to ``CREATE_KEY_ATTEMPTS``
    times in all.
    """
    iam, conn = _iam(kwargs, retry=False)
    for attempt in range(1, CREATE_KEY_ATTEMPTS + 1):
        try:
            answer = aws.call(iam, "create_access_key", user, missing=aws.THROTTLED, UserName=user)
        except CommandExecutionError as exc:
            raise CommandExecutionError(
                f"{exc}. {_reconcile_keys(user, known_keys, conn)}"
            ) from None
        if answer is not None:
            break
        found = _reconcile_keys(user, known_keys, conn)
        if attempt == CREATE_KEY_ATTEMPTS:
            raise CommandExecutionError(
                f"CreateAccessKey on {user} was throttled {attempt} times: run again later. {found}"
            )
        delay = CREATE_KEY_BACKOFF * 2 ** (attempt - 1)
        log.info("CreateAccessKey on %s was throttled (%s); again in %.1f s", user, found, delay)
        time.sleep(delay)
    created = answer["AccessKey"]
    log.info("Created access key %s of %s", created["AccessKeyId"], user)
    return {
        "access_key_id": created["AccessKeyId"],
        "secret": secrets.Secret(created["SecretAccessKey"]),
    }


def _reconcile_keys(user, known_keys, conn):
    """After a failed CreateAccessKey: delete any key it made anyway; say what was found."""
    try:
        listed = describe_user(user, **conn)
    except CommandExecutionError as exc:
        return f"Could not list the keys of {user} to check for a key made anyway ({exc})"
    made = sorted(
        k["AccessKeyId"]
        for k in (listed or {}).get("access_keys", [])
        if k["AccessKeyId"] not in known_keys
    )
    if not made:
        return f"IAM made no key: {user} has {_key_list(listed)}"
    for key_id in made:
        delete_access_key(user, key_id, **conn)
    return (
        f"IAM had made key {', '.join(made)} anyway; deleted it, since its secret was lost. "
        f"{user} has {_key_list(describe_user(user, **conn))}"
    )


def _key_list(listed):
    ids = [k["AccessKeyId"] for k in (listed or {}).get("access_keys", [])]
    return f"keys {', '.join(ids)}" if ids else "no keys"


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
    return iam_docs.decoded_document(found["PolicyDocument"])


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
