"""SES SMTP credentials for a server, as the runbook's "Create SMTP credentials" step makes
them by hand: an IAM user allowed only ``ses:SendRawEmail`` (inline policy
``AmazonSesSendingAccess``, as the SES console names it), one access key, and the SMTP
password derived from the key's secret for each region, written into the server's pillar.

.. code-block:: yaml

    ses-smtp-web1:
      ses_smtp_user.present:
        - regions: [us-east-1]
        # gets smtp:host, smtp:port, smtp:username and smtp:password:
        - pillar_file: /srv/pillar/private/web1.sls
        - identities: [open-contracting.org]     # optional: only these may be From
        - rotate_after_days: 180

    ses-smtp-mailer:                             # several regions: one key, one password each
      ses_smtp_user.present:
        - regions: [us-east-1, eu-west-1]
        - pillar_file: /srv/pillar/private/mailer.sls
        # default layout smtp:REGION:host, smtp:REGION:port, smtp:REGION:username,
        # smtp:REGION:password; or give pillar_keys with a {region} placeholder

    old-smtp-user:
      ses_smtp_user.absent:
        - pillar_file: /srv/pillar/private/old.sls
        - regions: [us-east-1]

The access key follows the same rules as ``iam_backup_user`` (shared code): idempotent
through the key ID in the pillar file, rotation, IAM's two-key limit, ``prune_keys``. The
secret access key is never written anywhere (only the SMTP passwords derived from it), and
no secret appears in ``changes``, comments, logs or errors. Adding a region to ``regions``
needs a new key, since the password for it can only be derived from the secret.
"""

from typing import TYPE_CHECKING

from awsrunbook import engine, iam, keys, layout, plans, ses, writers
from awsrunbook import regions as aws_regions
from awsrunbook import state as st
from awsrunbook import validate as valid

__virtualname__ = "ses_smtp_user"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__

DEFAULT_POLICY_NAME = "AmazonSesSendingAccess"


def __virtual__():
    return __virtualname__


def _regions(regions):
    if isinstance(regions, str):
        regions = [regions]
    if not isinstance(regions, list) or not regions:
        valid.fail("regions", "give one or more SES regions, e.g. [us-east-1]", regions)
    for region in regions:
        aws_regions.ses_region(region, "regions")
    if len(set(regions)) != len(regions):
        valid.fail("regions", "lists a region twice", regions)
    return regions


def _pillar_writes(args):
    regions = _regions(args.get("regions"))
    return layout.smtp_writes(args, regions, ses.smtp_host, ses.SMTP_PORT)


# What a present call writes in its pillar file, and which paths are secrets (see
# awsrunbook.layout.Writer): the run's collision check and pillar_file.read's masking.
PILLAR_WRITES = layout.Writer(("smtp:password", "smtp:*:password"), _pillar_writes)


def _identities(identities):
    if identities is None:
        return None
    if not isinstance(identities, list) or not identities:
        valid.fail("identities", "must be a non-empty list of domains or email addresses")
    return [valid.ses_identity(item, "identities")[0] for item in identities]


@engine.state(pillar=PILLAR_WRITES)
def present(
    name,
    regions=None,
    pillar_file=None,
    pillar_keys=None,
    identities=None,
    policy_name=DEFAULT_POLICY_NAME,
    rotate_after_days=None,
    prune_keys=False,
    gpg_recipients=None,
    *,
    run,
    **kwargs,
):
    """Ensure the SMTP user ``name`` exists with its sending policy and one access key, and
    that ``pillar_file`` holds the SMTP user name, password, host and port for each region.

    name
        The IAM user name.
    regions
        The SES region(s) the server sends through (one or more); each gets its own
        password, all derived from the same key.
    pillar_file
        Absolute path of the plain-YAML pillar file that gets the credentials.
    pillar_keys
        Where each value goes: a mapping of ``username``, ``password``, ``host`` and
        ``port`` to a colon-delimited key path, or a list of them. Default
        ``smtp:username``, ``smtp:password``, ``smtp:host``, ``smtp:port`` for one region,
        ``smtp:{region}:username`` and so on for several (``{region}`` is replaced by each
        region). ``null`` skips a value.
    identities
        Domains or addresses the user may send as (default: any verified identity).
    policy_name
        The inline policy's name (default ``AmazonSesSendingAccess``).
    rotate_after_days, prune_keys
        As for ``iam_backup_user``.
    gpg_recipients
        Key fingerprints to encrypt the SMTP passwords to (over the ``aws_runbook_gpg``
        config key's ``recipients``; ``[]``: no encryption for this state). See
        :doc:`/secrets-encryption`.
    region, profile, keyid, key, role_arn
        Connection arguments (IAM is global; ``region`` only picks the endpoint).
    """
    valid.iam_name(name, "name", 64)
    regions = _regions(regions)
    valid.file_path(pillar_file, "pillar_file")
    per_region = layout.smtp_user(pillar_keys, regions)
    identities = _identities(identities)
    valid.iam_name(policy_name, "policy_name", 128)
    valid.positive_days(rotate_after_days, "rotate_after_days", allow_none=True)
    valid.boolean(prune_keys, "prune_keys")
    args = {"pillar_file": pillar_file, "pillar_keys": pillar_keys, "regions": regions}
    writes = PILLAR_WRITES.writes({**args, **kwargs})  # before begin takes the connection
    ret, conn, _ = run.begin(name, kwargs)

    all_paths = layout.every_path(per_region)
    run.check_no_collision(writes)
    encryption, plaintext = writers.encryption(__salt__, writes, gpg_recipients)
    # The file gets the SMTP password derived from the secret, not the secret itself.
    secret_paths = {
        path: f"smtp_password:{region}"
        for region, p in per_region.items()
        for path in p["password"]
    }
    wanted_values = {}
    for region, p in per_region.items():
        wanted_values.update(dict.fromkeys(p.get("host", []), ses.smtp_host(region)))
        wanted_values.update(dict.fromkeys(p.get("port", []), ses.SMTP_PORT))

    # The file must take every value before AWS makes a key whose secret it would get.
    __salt__["pillar_file.check_writable"](pillar_file, all_paths, mask=list(secret_paths))
    pillar_now = __salt__["pillar_file.read"](pillar_file, all_paths, mask=list(secret_paths))
    account_id = __salt__["aws_sts.caller_identity"](**conn)["account"] if identities else None
    partitions = {region: aws_regions.partition_of(region) for region in regions}
    document = iam.ses_sending_policy_document(partitions, account_id, identities)
    current_user = __salt__["aws_iam.describe_user"](name, **conn)
    current_policy = (
        __salt__["aws_iam.get_user_policy"](name, policy_name, **conn) if current_user else None
    )

    matches = iam.same_document(current_policy, document)
    steps = plan_user(name, policy_name, document, current_user, current_policy, matches)
    id_paths = sorted({path for p in per_region.values() for path in p["username"]})
    key = keys.pillar_key(
        pillar_file, id_paths, secret_paths, wanted_values, pillar_now, encryption, plaintext
    )
    what = f"SMTP user {name}"
    # A run stopped between CreateAccessKey and the pillar write left a record of it.
    intent = __salt__["key_intent.read"](pillar_file, name)
    rotation = keys.rotation(rotate_after_days, prune_keys)
    key_steps, notes = keys.plan_user_key(what, name, current_user, key, rotation, intent)
    run.apply(ret, steps + key_steps, what, notes, writes=[("iam_user", name)])
    return ret


def plan_user(name, policy_name, document, current_user, current_policy, policy_matches):
    """Steps for the user and its inline sending policy. Pure. ``policy_matches``: the
    current document is equivalent to ``document`` (IAM's spellings folded)."""
    steps = []
    if current_user is None:
        steps.append(plans.step("user", None, name, "aws_iam.create_user", name=name))
    if current_policy is None or not policy_matches:
        steps.append(
            plans.step(
                "policy",
                current_policy,
                document,
                "aws_iam.put_user_policy",
                user=name,
                policy_name=policy_name,
                document=document,
            )
        )
    return steps


def plan_absent(name, policy_name, current_user, current_policy):
    """Steps removing the inline policy and the user (with its keys). Pure."""
    steps = []
    if current_policy is not None:
        steps.append(
            plans.step(
                "policy",
                current_policy,
                None,
                "aws_iam.delete_user_policy",
                user=name,
                policy_name=policy_name,
            )
        )
    if current_user is not None:
        steps.append(plans.step("user", name, None, "aws_iam.delete_user", name=name))
    return steps


@engine.state()
def absent(
    name, pillar_file=None, pillar_keys=None, regions=None, policy_name=None, *, run, **kwargs
):
    """Ensure the SMTP user ``name`` is gone with its keys and inline policy, and (with
    ``pillar_file``) that its SMTP settings are removed from the pillar file (give
    ``regions`` when the pillar layout has a ``{region}`` placeholder)."""
    valid.iam_name(name, "name", 64)
    policy_name = policy_name or DEFAULT_POLICY_NAME
    valid.iam_name(policy_name, "policy_name", 128)
    all_paths, password_paths = [], []
    if pillar_file is not None:
        valid.file_path(pillar_file, "pillar_file")
        regions = _regions(regions if regions is not None else ["us-east-1"])
        per_region = layout.smtp_user(pillar_keys, regions)
        all_paths = layout.every_path(per_region)
        password_paths = [path for p in per_region.values() for path in p["password"]]
    ret, conn, _ = run.begin(name, kwargs)

    current_user = __salt__["aws_iam.describe_user"](name, **conn)
    current_policy = (
        __salt__["aws_iam.get_user_policy"](name, policy_name, **conn) if current_user else None
    )
    in_pillar = (
        __salt__["pillar_file.read"](pillar_file, all_paths, mask=password_paths)
        if pillar_file
        else {}
    )
    steps = plan_absent(name, policy_name, current_user, current_policy)
    steps += keys.plan_pillar_removal(pillar_file, in_pillar)
    what = f"SMTP user {name}"
    run.apply(ret, steps, what, converged=st.ABSENT, writes=[("iam_user", name)])
    return ret
