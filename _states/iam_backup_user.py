"""IAM users that a server's backup scripts use, as the runbook's "Identity and Access
Management" section makes them by hand: a managed policy for one bucket, the user, the
attachment and one access key, whose ID and secret are written into the server's pillar.

.. code-block:: yaml

    redmine-backup:
      iam_backup_user.present:
        - bucket: ocp-redmine-backup
        # gets aws:access_key, aws:secret_key and aws:region:
        - pillar_file: /srv/pillar/private/redmine.sls
        - region: eu-west-2
        - rotate_after_days: 90

    kingfisher-pgbackrest:                               # the pgBackRest variant
      iam_backup_user.present:
        - bucket: ocp-pgbackrest
        - prefix: kingfisher
        - pillar_file: /srv/pillar/private/kingfisher.sls
        - pillar_keys:
            access_key_id: postgres:backup:s3_key
            secret_access_key: postgres:backup:s3_key_secret
            region: postgres:backup:s3_region
            bucket: postgres:backup:s3_bucket
        - region: eu-west-2

    old-backup:
      iam_backup_user.absent:
        - pillar_file: /srv/pillar/private/old.sls

The secret access key is never shown: ``changes`` reports
``secret_access_key: written to <pillar_file>``.
"""

from typing import TYPE_CHECKING

from awsrunbook import engine, iam, keys, layout, plans, regions, writers
from awsrunbook import readahead as ra
from awsrunbook import state as st
from awsrunbook import validate as valid
from salt.exceptions import CommandExecutionError

__virtualname__ = "iam_backup_user"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__


def __virtual__():
    return __virtualname__


def plan_user(name, policy_name, policy_arn, document, current_policy, current_user, matches):
    """Steps for the policy, the user and the attachment. Pure. ``matches``: the current
    document is equivalent to ``document`` (IAM's spellings folded)."""
    steps = []
    if current_policy is None:
        steps.append(
            plans.step(
                "policy",
                None,
                document,
                "aws_iam.create_policy",
                name=policy_name,
                document=document,
            )
        )
    elif not matches:
        steps.append(
            plans.step(
                "policy",
                current_policy["document"],
                document,
                "aws_iam.set_policy_document",
                arn=policy_arn,
                document=document,
            )
        )
    if current_user is None:
        steps.append(plans.step("user", None, name, "aws_iam.create_user", name=name))
    attached = current_user["attached_policies"] if current_user else []
    if policy_arn not in attached:
        steps.append(
            plans.step(
                "attached_policies",
                attached,
                sorted([*attached, policy_arn]),
                "aws_iam.attach_user_policy",
                user=name,
                arn=policy_arn,
            )
        )
    return steps


def _inputs(
    name, bucket, prefix, policy_name, pillar_file, pillar_keys, rotate_after_days, prune_keys
):
    valid.iam_name(name, "name", 64)
    valid.bucket_name(bucket, "bucket")
    prefix = valid.s3_prefix(prefix)
    valid.iam_name(policy_name, "policy_name", 128)
    valid.file_path(pillar_file, "pillar_file")
    paths = layout.backup_user(pillar_keys)
    valid.positive_days(rotate_after_days, "rotate_after_days", allow_none=True)
    valid.boolean(prune_keys, "prune_keys")
    return prefix, paths


def _user(chunk):
    """A backup user state's read: its user and its policy (for the run's read-ahead)."""
    name, policy_name = chunk["name"], chunk.get("policy_name") or chunk["name"]
    valid.iam_name(name, "name", 64)
    valid.iam_name(policy_name, "policy_name", 128)
    return ra.peer((name, policy_name), ("iam_user", name), ("iam_policy", policy_name))


def _describe(salt_funcs, names, conn, listing=None):
    """``(user, policy)`` as they are now; ``names``: ``(user name, policy name)``. The user
    first: its attached policy tells the account, so the policy's ARN needs no STS call. With
    ``listing`` (``aws_iam.list_users_and_policies``), only the user's access keys are read."""
    user = salt_funcs["aws_iam.describe_user"](names[0], listing=listing, **conn)
    return user, salt_funcs["aws_iam.describe_policy"](names[1], listing=listing, **conn)


# From this many users on, the read-ahead lists the account's users and policies once (a call
# per 1,000 of them) instead of reading three times per user; ListAccessKeys stays per user.
LISTING_FROM = 5


def _reader(salt_funcs, conn, _run, size):
    if size < LISTING_FROM:
        return lambda names: _describe(salt_funcs, names, conn)
    listing = ra.once(lambda: salt_funcs["aws_iam.list_users_and_policies"](**conn))
    # Without the permission to list (None), each user is read on its own, as below the limit.
    return lambda names: _describe(salt_funcs, names, conn, listing())


READ_AHEAD = (ra.Kind("iam_backup_user", _user, _reader),)
# What a present call writes in its pillar file, and which paths are secrets (see
# awsrunbook.layout.Writer): the run's collision check and pillar_file.read's masking.
PILLAR_WRITES = layout.Writer(
    tuple(layout.BACKUP_DEFAULTS[name] for name in layout.BACKUP_SECRETS),
    lambda args: layout.backup_writes(args, regions.s3_endpoint),
)


def managed_buckets(lowstate):
    """The buckets an ``s3_backup_bucket.present`` of the run's low state makes. Pure."""
    return {
        chunk.get("name")
        for chunk in lowstate or []
        if (chunk.get("state"), chunk.get("fun")) == ("s3_backup_bucket", "present")
    }


def _bucket_warning(bucket, conn, run):
    """A note when ``bucket`` is neither made by this run nor in AWS: the key would work on
    nothing (a misspelt bucket, or its pillar entry missing). One HeadBucket, unless made."""
    if bucket in run.once("managed_buckets", managed_buckets):
        return []
    try:
        if __salt__["aws_s3.bucket_region"](bucket, **conn) is not None:
            return []
    except CommandExecutionError:  # there, but these credentials may not look: no warning
        return []
    return [f"warning: bucket {bucket} is not managed in this run and does not exist in AWS"]


@engine.state(service="iam", reads=READ_AHEAD, pillar=PILLAR_WRITES)
def present(
    name,
    bucket=None,
    pillar_file=None,
    prefix=None,
    policy_name=None,
    pillar_keys=None,
    rotate_after_days=None,
    prune_keys=False,
    gpg_recipients=None,
    *,
    run,
    **kwargs,
):
    """Ensure the backup user ``name`` exists with its policy and one access key, and that
    the key is in ``pillar_file``.

    name
        The IAM user name.
    bucket
        The backup bucket the user may list, read, write and delete in.
    pillar_file
        Absolute path of the plain-YAML pillar file that gets the credentials.
    prefix
        Limit the user to this key prefix (pgBackRest's ``repo1-path``, without slashes).
    policy_name
        Name of the managed policy (default: the user name).
    pillar_keys
        Where each value goes in the file: a mapping of ``access_key_id``,
        ``secret_access_key``, ``region``, ``bucket``, ``prefix`` and ``endpoint`` (the S3
        endpoint of the region, ``s3.REGION.amazonaws.com``, as pgBackRest's
        ``repo1-s3-endpoint`` wants it) to a colon-delimited key path, or a list of them
        (the same credentials under ``aws:*`` and ``postgres:backup:*``). Default
        ``aws:access_key``, ``aws:secret_key``, ``aws:region``; a name mapped to ``null`` is
        not written.
    rotate_after_days
        Replace the key once it is this many days old: the new key is written before the
        old one is deleted.
    prune_keys
        Delete the user's keys that the pillar file does not reference (default: report
        them).
    gpg_recipients
        Key fingerprints to encrypt the secret access key to (over the ``aws_runbook_gpg``
        config key's ``recipients``; ``[]``: no encryption for this state). See
        :doc:`/secrets-encryption`.
    region, profile, keyid, key, role_arn
        Connection arguments; ``region`` is also what ``pillar_keys:region`` gets.
    """
    policy_name = policy_name or name
    prefix, paths = _inputs(
        name, bucket, prefix, policy_name, pillar_file, pillar_keys, rotate_after_days, prune_keys
    )
    args = {"pillar_file": pillar_file, "pillar_keys": pillar_keys, "bucket": bucket}
    writes = PILLAR_WRITES.writes({**args, "prefix": prefix, **kwargs})  # before begin takes
    ret, conn, region = run.begin(name, kwargs)  # the connection out of kwargs
    document = iam.backup_policy_document(bucket, prefix, regions.partition_of(region))
    run.check_no_collision(writes)
    encryption, plaintext = writers.encryption(__salt__, writes, gpg_recipients)
    values = {
        "region": region,
        "bucket": bucket,
        "prefix": prefix,
        "endpoint": regions.s3_endpoint(region),
    }
    wanted = {
        path: values[field]
        for field in ("region", "bucket", "prefix", "endpoint")
        for path in paths.get(field, [])
        if values[field] is not None
    }
    secret_paths = dict.fromkeys(paths["secret_access_key"], "secret")
    # The file must take every value before AWS makes a key whose secret it would get.
    __salt__["pillar_file.check_writable"](
        pillar_file, layout.every_path(paths), mask=list(secret_paths)
    )
    pillar_now = __salt__["pillar_file.read"](
        pillar_file, layout.every_path(paths), mask=list(secret_paths)
    )
    me = _user({"name": name, "policy_name": policy_name})
    current_user, current_policy = run.read("iam_backup_user", conn, me)
    policy_arn = __salt__["aws_iam.policy_arn"](policy_name, **conn)

    matches = iam.same_document(current_policy and current_policy["document"], document)
    steps = plan_user(
        name, policy_name, policy_arn, document, current_policy, current_user, matches
    )
    key = keys.pillar_key(
        pillar_file, paths["access_key_id"], secret_paths, wanted, pillar_now, encryption, plaintext
    )
    what = f"backup user {name}"
    rotation = keys.rotation(rotate_after_days, prune_keys)
    # A run stopped between CreateAccessKey and the pillar write left a record of it.
    intent = __salt__["key_intent.read"](pillar_file, name)
    key_steps, notes = keys.plan_user_key(what, name, current_user, key, rotation, intent)
    # Only when the user or its key is made or changed: a converged run reads nothing more.
    if steps or key_steps:
        notes += _bucket_warning(bucket, conn, run)
    run.apply(ret, steps + key_steps, what, notes, writes=me.resources)
    return ret


def plan_absent(name, policy_name, current_user, current_policy):
    """Steps removing the user and (unless attached elsewhere) its policy, and a note when
    the policy is kept. Pure."""
    steps, notes = [], []
    if current_user is not None:
        steps.append(plans.step("user", name, None, "aws_iam.delete_user", name=name))
    if current_policy is None:
        return steps, notes
    ours = current_user is not None and current_policy["arn"] in current_user["attached_policies"]
    if current_policy["attachment_count"] - int(ours) == 0:
        steps.append(
            plans.step(
                "policy",
                current_policy["document"],
                None,
                "aws_iam.delete_policy",
                arn=current_policy["arn"],
            )
        )
    else:
        notes.append(f"policy {policy_name} is still attached elsewhere; kept")
    return steps, notes


@engine.state()
def absent(name, policy_name=None, pillar_file=None, pillar_keys=None, *, run, **kwargs):
    """Ensure the backup user ``name`` and its policy are gone, and (with ``pillar_file``)
    that its credentials are removed from the pillar file. A policy still attached to
    other users, groups or roles is left in place.
    """
    policy_name = policy_name or name
    valid.iam_name(name, "name", 64)
    valid.iam_name(policy_name, "policy_name", 128)
    paths = {}
    if pillar_file is not None:
        valid.file_path(pillar_file, "pillar_file")
        paths = layout.backup_user(pillar_keys)
    ret, conn, _ = run.begin(name, kwargs)

    current_user, current_policy = _describe(__salt__, (name, policy_name), conn)
    in_pillar = (
        __salt__["pillar_file.read"](
            pillar_file, layout.every_path(paths), mask=paths["secret_access_key"]
        )
        if pillar_file
        else {}
    )
    steps, notes = plan_absent(name, policy_name, current_user, current_policy)
    steps += keys.plan_pillar_removal(pillar_file, in_pillar)
    what = f"backup user {name}"
    writes = _user({"name": name, "policy_name": policy_name}).resources
    run.apply(ret, steps, what, notes, converged=st.ABSENT, writes=writes)
    return ret
