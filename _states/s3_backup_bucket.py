"""S3 buckets for server backups, as the runbook's "Amazon S3" section makes them by hand.

.. code-block:: yaml

    ocp-redmine-backup:
      s3_backup_bucket.present:
        - region: eu-west-2
        - expire_days: 30            # the runbook's delete-after-30-days rule
        - abort_multipart_days: 7

    ocp-pgbackrest:                  # pgBackRest expires its own backups: no lifecycle rule
      s3_backup_bucket.present:
        - region: eu-west-2
        - expire_days: null

    ocp-shared-backup:               # one bucket, two kinds of backup under two prefixes
      s3_backup_bucket.present:
        - region: eu-west-2
        - rules:
            delete-after-30-days:    # site backups expire...
              prefix: incremental
              expire_days: 30
              abort_multipart_days: 7
            pgbackrest-uploads:      # ...pgBackRest's never do (it expires its own)
              prefix: pgbackrest
              expire_days: null
              abort_multipart_days: 7

    old-backups:
      s3_backup_bucket.absent:
        - force: true                # delete the objects in it too

Public access is fully blocked and default encryption is on (SSE-S3 where none is set; an
existing SSE-KMS default is kept, never downgraded). The lifecycle rule applies to the whole
bucket, or with ``prefix`` to the keys under ``PREFIX/``; ``rules`` manages several named
rules at once. Rules that the state does not manage are left alone unless
``exclusive_lifecycle: true``.
"""

from typing import TYPE_CHECKING

from awsrunbook import engine, plans, s3
from awsrunbook import readahead as ra
from awsrunbook import state as st
from awsrunbook import validate as valid
from salt.exceptions import CommandExecutionError

__virtualname__ = "s3_backup_bucket"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__

DEFAULT_RULE_NAME = "delete-after-30-days"
# The single rule's name when it expires nothing: a name must not claim what the rule does not do.
ABORT_ONLY_RULE_NAME = "abort-incomplete-uploads"
RULE_KEYS = ("expire_days", "abort_multipart_days", "prefix")
# In ``rules`` a rule expires nothing unless it says so: a default must never delete data.
RULE_DEFAULTS = {"expire_days": None, "abort_multipart_days": 7, "prefix": None}
# ``abort_multipart_days`` of the single rule when not given: 7 beside an expiry, else no rule.
ABORT_DEFAULT = "default"
# The single-rule arguments as ``present`` receives them when none is given.
SINGLE_DEFAULTS = {
    "rule_name": None,
    "expire_days": 30,
    "abort_multipart_days": ABORT_DEFAULT,
    "prefix": None,
}
MAX_DAYS = 36500  # a hundred years: anything longer is a typo, not a retention policy


def __virtual__():
    return __virtualname__


def desired_rules(rules, single):
    """``{rule name: rule or None}`` from the ``rules`` mapping, or from the one rule the
    single-rule arguments describe (``single``: rule_name, expire_days, abort_multipart_days,
    prefix; as in ``SINGLE_DEFAULTS`` when not given). Validated, and refused when an expiring
    rule covers a prefix another rule says never expires; raises naming the argument."""
    if rules is None:
        return _single_rule(single)
    wanted = _several_rules(rules, single)
    s3.refuse_expiry_over(list(filter(None, wanted.values())), never_expiring(rules, single))
    return wanted


def _single_rule(single):
    """The runbook's rule: 30 days, uploads aborted after 7. With ``expire_days: null`` it is
    a rule only when ``abort_multipart_days`` is given; the runbook's rule name is then
    removed (it would claim a deletion the rule does not do)."""
    expire_days = single["expire_days"]
    abort_days = single["abort_multipart_days"]
    if abort_days == ABORT_DEFAULT:
        abort_days = None if expire_days is None else 7
    rule_name = single["rule_name"]
    if rule_name is None:
        rule_name = DEFAULT_RULE_NAME if expire_days is not None else ABORT_ONLY_RULE_NAME
    valid.iam_name(rule_name, "rule_name", 255)
    spec = {"expire_days": expire_days, "abort_multipart_days": abort_days}
    wanted = {rule_name: _rule(rule_name, {**spec, "prefix": single["prefix"]}, "")}
    if single["rule_name"] is None and rule_name != DEFAULT_RULE_NAME:
        wanted = {DEFAULT_RULE_NAME: None, **wanted}
    return wanted


def _several_rules(rules, single):
    if single != SINGLE_DEFAULTS:
        valid.fail(
            "rules",
            "give either rules or rule_name/expire_days/abort_multipart_days/prefix",
        )
    if not isinstance(rules, dict) or not rules:
        valid.fail(
            "rules", "must map rule names to {expire_days, abort_multipart_days, prefix}", rules
        )
    result = {}
    for rule_name, spec in rules.items():
        valid.iam_name(rule_name, "rules", 255)
        spec = valid.known_keys(spec or {}, f"rules:{rule_name}", RULE_KEYS)
        result[rule_name] = _rule(rule_name, {**RULE_DEFAULTS, **spec}, f"rules:{rule_name}:")
    return result


def never_expiring(rules, single):
    """``{argument: key prefix as S3 filters it}`` of the rules that say ``expire_days: null``
    (``""``: the whole bucket). Call after ``desired_rules`` has validated the arguments."""
    if rules is None:
        if single["expire_days"] is not None:
            return {}
        return {"expire_days": s3.filter_prefix(valid.s3_prefix(single["prefix"]))}
    return {
        f"rules:{name}": s3.filter_prefix(valid.s3_prefix((spec or {}).get("prefix")))
        for name, spec in rules.items()
        if "expire_days" in (spec or {}) and spec["expire_days"] is None
    }


def _rule(rule_name, spec, where):
    for arg in ("expire_days", "abort_multipart_days"):
        valid.positive_days(spec[arg], f"{where}{arg}", allow_none=True, maximum=MAX_DAYS)
    prefix = valid.s3_prefix(spec["prefix"], f"{where}prefix")
    return s3.lifecycle_rule(rule_name, spec["expire_days"], spec["abort_multipart_days"], prefix)


def plan_bucket(name, current, region, rules, exclusive, never=None):
    """Steps that take ``current`` (``describe_bucket``'s answer, ``None`` if missing) to the
    desired bucket. Pure: no AWS. Raises when a rule the bucket keeps would expire keys
    ``never`` (``never_expiring``) says must stay."""
    steps = []
    if current is None:
        steps.append(
            plans.step("bucket", None, {"region": region}, "aws_s3.create_bucket", bucket=name)
        )
        current = {"public_access_block": None, "encryption": None, "lifecycle_rules": []}
    steps += s3.public_access_steps("public_access_block", name, current["public_access_block"])
    if not current["encryption"]:
        steps.append(
            plans.step(
                "encryption",
                None,
                {"SSEAlgorithm": "AES256"},
                "aws_s3.put_encryption",
                bucket=name,
                algorithm="AES256",
            )
        )
    steps += s3.lifecycle_steps(
        "lifecycle_rules", name, current["lifecycle_rules"], rules, exclusive, never
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
        plans.step(
            "bucket", {"region": region}, None, "aws_s3.delete_bucket", bucket=name, force=force
        )
    ]


def _bucket(chunk):
    """A bucket state's read: its bucket (for the run's read-ahead)."""
    valid.bucket_name(chunk["name"], "name")
    return ra.peer(chunk["name"], ("s3_bucket", chunk["name"]))


READ_AHEAD = (ra.Kind("s3_bucket", _bucket, ra.reads_with("aws_s3.describe_bucket")),)


@engine.state(service="s3", reads=READ_AHEAD)
def present(
    name,
    expire_days=SINGLE_DEFAULTS["expire_days"],
    abort_multipart_days=ABORT_DEFAULT,
    rule_name=None,
    prefix=None,
    rules=None,
    exclusive_lifecycle=False,
    *,
    run,
    **kwargs,
):
    """Ensure the backup bucket ``name`` exists with public access blocked, default
    encryption on and the lifecycle rule ``rule_name``.

    name
        The bucket name.
    expire_days
        Days after which current object versions expire (default 30, the runbook's rule).
        ``null``: no expiry, and then no lifecycle rule at all unless ``abort_multipart_days``
        is given (the runbook's ``delete-after-30-days`` rule is removed).
    abort_multipart_days
        Days after which incomplete multipart uploads are aborted (default 7 beside an
        expiry; none with ``expire_days: null`` unless given). ``null``: no abort rule.
    rule_name
        ID of the managed lifecycle rule (default ``delete-after-30-days``, or
        ``abort-incomplete-uploads`` for a rule that expires nothing).
    prefix
        Limit the rule to the keys under ``PREFIX/`` (default: the whole bucket).
    rules
        Instead of the four arguments above, several rules: ``{rule name: {expire_days,
        abort_multipart_days, prefix}}``. A rule expires nothing unless it gives
        ``expire_days``; ``abort_multipart_days`` defaults to 7. A bucket shared by site
        backups (expiring) and pgBackRest (never expiring: ``expire_days: null``). A rule
        that expires the keys a rule with ``expire_days: null`` covers (the whole bucket, or
        a wider prefix) is refused, whether declared here or already on the bucket.
    exclusive_lifecycle
        Remove lifecycle rules the state does not manage (default false).
    region, profile, keyid, key, role_arn
        Connection arguments.
    """
    valid.bucket_name(name, "name")
    single = {
        "rule_name": rule_name,
        "expire_days": expire_days,
        "abort_multipart_days": abort_multipart_days,
        "prefix": prefix,
    }
    wanted_rules = desired_rules(rules, single)
    valid.boolean(exclusive_lifecycle, "exclusive_lifecycle")
    ret, conn, region = run.begin(name, kwargs)

    current = run.read("s3_bucket", conn, _bucket({"name": name}))
    if current is not None and current["region"] != region:
        raise CommandExecutionError(
            f"bucket {name} exists in {current['region']}, not {region}: a bucket cannot move "
            "between regions (set region to match, or choose another name)"
        )
    never = never_expiring(rules, single)
    steps = plan_bucket(name, current, region, wanted_rules, exclusive_lifecycle, never)
    run.apply(ret, steps, f"bucket {name}", writes=[("s3_bucket", name)])
    return ret


@engine.state()
def absent(name, force=False, *, run, **kwargs):
    """Ensure the bucket ``name`` does not exist. A bucket that holds objects is refused
    unless ``force: true``, which deletes every object version in it first."""
    valid.bucket_name(name, "name")
    valid.boolean(force, "force")
    ret, conn, _ = run.begin(name, kwargs)
    region = __salt__["aws_s3.bucket_region"](name, **conn)
    if region is not None:
        conn["region"] = region
    empty = region is None or force or __salt__["aws_s3.is_empty"](name, **conn)
    steps = plan_absent(name, region, empty, force)
    what, writes = f"bucket {name}", [("s3_bucket", name)]
    run.apply(ret, steps, what, conn=conn, converged=st.ABSENT, writes=writes)
    return ret
