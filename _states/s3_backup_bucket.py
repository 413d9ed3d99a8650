"""S3 buckets for server backups, as the runbook's "Amazon S3" section makes them by hand.

.. code-block:: yaml

    ocp-redmine-backup:
      s3_backup_bucket.present:
        - region: eu-west-2
        - expire_days: 30            # the runbook's delete-after-30-days rule
        - abort_multipart_days: 7

    ocp-pgbackrest:                  # pgBackRest expires its own backups: no expiry rule
      s3_backup_bucket.present:
        - region: eu-west-2
        - expire_days: null

    old-backups:
      s3_backup_bucket.absent:
        - force: true                # delete the objects in it too

Public access is fully blocked and default encryption is on (SSE-S3 where none is set; an
existing SSE-KMS default is kept, never downgraded). The lifecycle rule applies to the whole
bucket; rules that the state does not manage are left alone unless
``exclusive_lifecycle: true``.
"""

from typing import TYPE_CHECKING

import awsrunbook_state as st
import awsrunbook_validate as valid
from salt.exceptions import CommandExecutionError

__virtualname__ = "s3_backup_bucket"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook_typing import __opts__, __salt__

DEFAULT_RULE_NAME = "delete-after-30-days"
PUBLIC_ACCESS_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def __virtual__():
    return __virtualname__


def lifecycle_rule(rule_name, expire_days, abort_multipart_days):
    """The managed rule as S3's API spells it, or ``None`` when it would do nothing."""
    if expire_days is None and abort_multipart_days is None:
        return None
    rule = {"ID": rule_name, "Status": "Enabled", "Filter": {"Prefix": ""}}
    if expire_days is not None:
        rule["Expiration"] = {"Days": expire_days}
    if abort_multipart_days is not None:
        rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": abort_multipart_days}
    return rule


def _normalized(rule):
    """A rule with S3's equivalent spellings of "the whole bucket" folded into one."""
    rule = dict(rule)
    prefix = rule.pop("Prefix", None)
    if rule.get("Filter") in ({}, {"Prefix": ""}, None) and not prefix:
        rule["Filter"] = {"Prefix": ""}
    elif prefix:
        rule["Filter"] = {"Prefix": prefix}
    return rule


def plan_lifecycle(current_rules, desired_rule, rule_name, exclusive):
    """The full rule list the bucket should have, or ``None`` when it already has it. Our
    rule keeps its place in the list; other rules stay unless ``exclusive``."""
    rules = [_normalized(rule) for rule in current_rules]
    wanted, placed = [], False
    for rule in rules:
        if rule.get("ID") == rule_name:
            if desired_rule and not placed:
                wanted.append(desired_rule)
                placed = True
        elif not exclusive:
            wanted.append(rule)
    if desired_rule and not placed:
        wanted.append(desired_rule)
    return None if wanted == rules else wanted


def plan_bucket(name, current, region, desired_rule, rule_name, exclusive):
    """Steps that take ``current`` (``describe_bucket``'s answer, ``None`` if missing) to the
    desired bucket. Pure: no AWS."""
    steps = []
    if current is None:
        steps.append(
            st.step("bucket", None, {"region": region}, "aws_s3.create_bucket", bucket=name)
        )
        current = {"public_access_block": None, "encryption": None, "lifecycle_rules": []}
    if current["public_access_block"] != PUBLIC_ACCESS_BLOCKED:
        steps.append(
            st.step(
                "public_access_block",
                current["public_access_block"],
                PUBLIC_ACCESS_BLOCKED,
                "aws_s3.put_public_access_block",
                bucket=name,
                configuration=PUBLIC_ACCESS_BLOCKED,
            )
        )
    if not current["encryption"]:
        steps.append(
            st.step(
                "encryption",
                None,
                {"SSEAlgorithm": "AES256"},
                "aws_s3.put_encryption",
                bucket=name,
                algorithm="AES256",
            )
        )
    rules = plan_lifecycle(current["lifecycle_rules"], desired_rule, rule_name, exclusive)
    if rules is not None:
        steps.append(
            st.step(
                "lifecycle_rules",
                [_normalized(rule) for rule in current["lifecycle_rules"]],
                rules,
                "aws_s3.put_lifecycle",
                bucket=name,
                rules=rules,
            )
        )
    return steps


def plan_absent(name, region, empty, force):
    """The step deleting the bucket (none when it is gone: ``region`` is ``None``). Pure.
    Raises when it holds objects and ``force`` is not set."""
    if region is None:
        return []
    if not empty:
        raise CommandExecutionError(
            f"bucket {name} is not empty; set force: true to delete its objects"
        )
    return [
        st.step(
            "bucket", {"region": region}, None, "aws_s3.delete_bucket", bucket=name, force=force
        )
    ]


@st.reports_errors
def present(
    name,
    expire_days=30,
    abort_multipart_days=7,
    rule_name=DEFAULT_RULE_NAME,
    exclusive_lifecycle=False,
    **kwargs,
):
    """Ensure the backup bucket ``name`` exists with public access blocked, default
    encryption on and the lifecycle rule ``rule_name``.

    name
        The bucket name.
    expire_days
        Days after which current object versions expire (default 30). ``null``: no expiry.
    abort_multipart_days
        Days after which incomplete multipart uploads are aborted (default 7). ``null``: no
        abort rule.
    rule_name
        ID of the managed lifecycle rule (default ``delete-after-30-days``).
    exclusive_lifecycle
        Remove lifecycle rules the state does not manage (default false).
    region, profile, keyid, key, role_arn
        Connection arguments.
    """
    valid.bucket_name(name, "name")
    valid.positive_days(expire_days, "expire_days", allow_none=True)
    valid.positive_days(abort_multipart_days, "abort_multipart_days", allow_none=True)
    valid.iam_name(rule_name, "rule_name", 255)
    valid.boolean(exclusive_lifecycle, "exclusive_lifecycle")
    ret, conn, region = st.begin(name, kwargs, __salt__)

    current = __salt__["aws_s3.describe_bucket"](name, **conn)
    if current is not None and current["region"] != region:
        raise CommandExecutionError(
            f"bucket {name} exists in {current['region']}, not {region}: a bucket cannot move "
            "between regions (set region to match, or choose another name)"
        )
    desired_rule = lifecycle_rule(rule_name, expire_days, abort_multipart_days)
    steps = plan_bucket(name, current, region, desired_rule, rule_name, exclusive_lifecycle)
    st.run_plan(ret, steps, __salt__, conn, __opts__["test"], f"bucket {name}")
    return ret


@st.reports_errors
def absent(name, force=False, **kwargs):
    """Ensure the bucket ``name`` does not exist. A bucket that holds objects is refused
    unless ``force: true``, which deletes every object version in it first."""
    valid.bucket_name(name, "name")
    valid.boolean(force, "force")
    ret, conn, _ = st.begin(name, kwargs, __salt__)
    region = __salt__["aws_s3.bucket_region"](name, **conn)
    if region is not None:
        conn["region"] = region
    empty = region is None or force or __salt__["aws_s3.is_empty"](name, **conn)
    steps = plan_absent(name, region, empty, force)
    st.run_plan(ret, steps, __salt__, conn, __opts__["test"], f"bucket {name}", converged=st.ABSENT)
    return ret
