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

from awsrunbook import arn as arns
from awsrunbook import client as aws
from awsrunbook import errors, secrets
from awsrunbook import iam as iam_docs
from salt.exceptions import CommandExecutionError

log = logging.getLogger(__name__)

__virtualname__ = "aws_iam"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __context__, __salt__

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
    policy = aws.call(iam, "get_policy", arn, none_if=errors.NotFound, PolicyArn=arn)
    if policy is None:
        return None
    version_id = policy["Policy"]["DefaultVersionId"]
    version = aws.call(iam, "get_policy_version", arn, PolicyArn=arn, VersionId=version_id)
    return iam_docs.policy_record(arn, policy["Policy"], version["PolicyVersion"]["Document"])


def create_policy(name, document, path="/", description="", **kwargs):
    """Create the managed policy ``name`` with ``document`` (a mapping); returns its ARN.

    When IAM says the policy exists (the answer to this create was lost and botocore's retry
    met the policy it had made, or another run made it meanwhile), it is read: the same
    document is success, another one an error."""
    iam, conn = _iam(kwargs)
    resp = aws.call(
        iam,
        "create_policy",
        name,
        none_if=errors.AlreadyExists,
        PolicyName=name,
        Path=path,
        PolicyDocument=json.dumps(document),
        Description=description,
    )
    if resp is not None:
        return resp["Policy"]["Arn"]
    found = describe_policy(name, path, **conn)
    if found is None or not iam_docs.same_document(found["document"], document):
        raise CommandExecutionError(
            f"CreatePolicy on {name} failed: IAM says it exists, "
            + ("but it cannot be read" if found is None else "with another document")
            + ", made by another run meanwhile: run again to compare and update it"
        )
    log.info("CreatePolicy on %s: IAM already had it, with this document", name)
    return found["arn"]


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
    versions = aws.call(iam, "list_policy_versions", arn, none_if=errors.NotFound, PolicyArn=arn)
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
            iam, "list_attached_user_policies", name, none_if=errors.NotFound, UserName=name
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
    try:
        with aws.aws_errors("GetAccountAuthorizationDetails", "the account"):
            listing = iam_docs.account_listing(list(pages))
    except errors.AccessDenied as exc:
        log.info("IAM: not allowed to list the account (%s)", exc.code)
        return None
    if listing["account_arn"]:
        aws.learn_caller_account(
            conn, __salt__.get("config.option"), __context__, listing["account_arn"]
        )
    return listing


def create_user(name, path="/", **kwargs):
    """Create the IAM user ``name``. When IAM says it exists (this create's answer was lost
    and botocore's retry met the user it had made, or another run made it meanwhile), the
    user is read: one at ``path`` is success."""
    iam, _ = _iam(kwargs)
    made = aws.call(
        iam, "create_user", name, none_if=errors.AlreadyExists, UserName=name, Path=path
    )
    if made is not None:
        return True
    found = aws.call(iam, "get_user", name, none_if=errors.NotFound, UserName=name)
    if found is None or found["User"]["Path"] != path:
        raise CommandExecutionError(
            f"CreateUser on {name} failed: IAM says it exists, but "
            + ("it cannot be read" if found is None else f"at path {found['User']['Path']}")
        )
    log.info("CreateUser on %s: IAM already had it", name)
    return True


def attach_user_policy(user, arn, **kwargs):
    iam, _ = _iam(kwargs)
    aws.call_after_create(iam, "attach_user_policy", user, UserName=user, PolicyArn=arn)
    return True


def detach_user_policy(user, arn, **kwargs):
    iam, _ = _iam(kwargs)
    aws.call(iam, "detach_user_policy", user, none_if=errors.NotFound, UserName=user, PolicyArn=arn)
    return True


def delete_access_key(user, key_id, pillar_file=None, **kwargs):
    """Delete the access key ``key_id`` of ``user`` (already gone counts as done). With
    ``pillar_file``: a key this run made for that file and did not write, whose recorded
    intent is then done with."""
    iam, _ = _iam(kwargs)
    aws.call(
        iam, "delete_access_key", user, none_if=errors.NotFound, UserName=user, AccessKeyId=key_id
    )
    if pillar_file:
        __salt__["key_intent.forget"](pillar_file, user)
    return True


def create_access_key(user, known_keys=(), pillar_file=None, **kwargs):
    """Create an access key for ``user``: ``{"access_key_id", "secret"}``, the secret wrapped
    so that it prints as ``********``. For the states' plans, whose next step writes it into
    the pillar file: from the command line use ``iam_backup_user.present`` instead.

    CreateAccessKey is not idempotent, so it is never re-sent blindly: after an error or a
    timeout IAM may still have made a key, whose secret nobody has. The user's keys are then
    listed, and a key that is not in ``known_keys`` (the user's keys before this call) is
    deleted; the error says what was found. A throttled call (which IAM refused before doing
    anything) is sent again after that read, with backoff, up to ``CREATE_KEY_ATTEMPTS``
    times in all.

    With ``pillar_file`` (the file the key's secret goes to), the intent is recorded first
    (``key_intent``: outside the pillar tree), with the new key's ID once IAM answered, so
    that a run killed before the pillar write leaves a record the next run acts on. The
    user's keys are then listed once more: a key that is neither known nor this one was
    made by another run at the same time (two rotations at once); this run's key is deleted
    again and the error names both.
    """
    iam, conn = _iam(kwargs, retry=False)
    if pillar_file:
        __salt__["key_intent.record"](pillar_file, user, known_keys)
    for attempt in range(1, CREATE_KEY_ATTEMPTS + 1):
        try:
            answer = aws.call(iam, "create_access_key", user, UserName=user)
            break
        except errors.Throttled as exc:
            aws.answered()  # IAM answered (and did nothing): the credentials work
            throttled = exc
        except errors.AwsError as exc:
            found = _after_failed_create(exc, user, known_keys, conn, pillar_file)
            raise exc.with_message(f"{exc}. {found}") from None
        if attempt == CREATE_KEY_ATTEMPTS:
            found = _reconciled(user, known_keys, conn, pillar_file)
            raise throttled.with_message(
                f"CreateAccessKey on {user} was throttled {attempt} times: run again later. {found}"
            )
        found, _ = _reconcile_keys(user, known_keys, conn)
        delay = CREATE_KEY_BACKOFF * 2 ** (attempt - 1)
        log.info("CreateAccessKey on %s was throttled (%s); again in %.1f s", user, found, delay)
        time.sleep(delay)
    created = answer["AccessKey"]
    log.info("Created access key %s of %s", created["AccessKeyId"], user)
    if pillar_file:
        __salt__["key_intent.record_key"](pillar_file, user, created["AccessKeyId"])
        _no_other_new_key(user, known_keys, created["AccessKeyId"], conn, pillar_file)
    return {
        "access_key_id": created["AccessKeyId"],
        "secret": secrets.Secret(created["SecretAccessKey"]),
    }


def _after_failed_create(exc, user, known_keys, conn, pillar_file):
    """What was found after the CreateAccessKey that failed with ``exc`` (not throttled)."""
    if exc.status is not None and not isinstance(exc, errors.Temporary):
        # IAM answered and refused (a 4xx): it did nothing, so a key the user has that this
        # run did not know is another's.
        if pillar_file:
            __salt__["key_intent.forget"](pillar_file, user)
        return f"IAM made no key: {user} has {_key_list(describe_user(user, **conn))}"
    # What IAM did is not known (a 5xx, a timeout) or the call was never sent.
    return _reconciled(user, known_keys, conn, pillar_file)


def _no_other_new_key(user, known_keys, key_id, conn, pillar_file):
    """Raise, with this run's key ``key_id`` deleted again, when the user has a key made
    since ``known_keys`` were read that is not ``key_id``: another run's."""
    try:
        listed = describe_user(user, **conn)
    except CommandExecutionError as exc:
        # The pillar write still refuses to overwrite another run's key (its expect).
        log.warning("Could not list the keys of %s after creating %s (%s)", user, key_id, exc)
        return
    others = sorted(
        k["AccessKeyId"]
        for k in (listed or {}).get("access_keys", [])
        if k["AccessKeyId"] not in (*known_keys, key_id)
    )
    if not others:
        return
    delete_access_key(user, key_id, pillar_file=pillar_file, **conn)
    raise CommandExecutionError(
        f"two runs created a key of {user} at once: another run made {', '.join(others)} "
        f"since this one read the user's keys, and this run made {key_id}; {key_id} was "
        f"deleted again, nothing was written to {pillar_file}"
    )


def _reconciled(user, known_keys, conn, pillar_file):
    """After a create that failed for good: reconcile, and forget the intent once the
    user's keys say no key of this run is left."""
    found, settled = _reconcile_keys(user, known_keys, conn)
    if settled and pillar_file:
        __salt__["key_intent.forget"](pillar_file, user)
    return found


def _reconcile_keys(user, known_keys, conn):
    """After a failed CreateAccessKey: delete any key it made anyway; say what was found,
    and whether the keys could be listed (``(text, listed)``)."""
    try:
        listed = describe_user(user, **conn)
    except CommandExecutionError as exc:
        return f"Could not list the keys of {user} to check for a key made anyway ({exc})", False
    made = sorted(
        k["AccessKeyId"]
        for k in (listed or {}).get("access_keys", [])
        if k["AccessKeyId"] not in known_keys
    )
    if not made:
        return f"IAM made no key: {user} has {_key_list(listed)}", True
    for key_id in made:
        delete_access_key(user, key_id, **conn)
    return (
        f"IAM had made key {', '.join(made)} anyway; deleted it, since its secret was lost. "
        f"{user} has {_key_list(describe_user(user, **conn))}"
    ), True


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
        none_if=errors.NotFound,
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
        none_if=errors.NotFound,
        UserName=user,
        PolicyName=policy_name,
    )
    return True
