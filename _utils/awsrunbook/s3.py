"""Pure S3 settings shared by the states that make buckets: the public access block they
all want, and lifecycle rules as S3's API spells them, planned so that rules the state does
not manage keep their place; and the plan steps that set them."""

from collections.abc import Iterable, Mapping
from typing import Any

from awsrunbook import plans
from awsrunbook import validate as valid

# A lifecycle rule as S3's API spells it ({"ID": ..., "Status": ..., "Filter": ...}).
Rule = dict[str, Any]

PUBLIC_ACCESS_BLOCKED = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}


def lifecycle_rule(
    rule_name: str,
    expire_days: int | None,
    abort_multipart_days: int | None,
    prefix: str | None = None,
) -> Rule | None:
    """The rule as S3's API spells it (for the whole bucket, or the keys under
    ``PREFIX/``), or ``None`` when it would do nothing."""
    if expire_days is None and abort_multipart_days is None:
        return None
    rule: Rule = {
        "ID": rule_name,
        "Status": "Enabled",
        "Filter": {"Prefix": f"{prefix}/" if prefix else ""},
    }
    if expire_days is not None:
        rule["Expiration"] = {"Days": expire_days}
    if abort_multipart_days is not None:
        rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": abort_multipart_days}
    return rule


def normalized(rule: Rule) -> Rule:
    """A rule with S3's equivalent spellings of "the whole bucket" folded into one."""
    rule = dict(rule)
    prefix = rule.pop("Prefix", None)
    if rule.get("Filter") in ({}, {"Prefix": ""}, None) and not prefix:
        rule["Filter"] = {"Prefix": ""}
    elif prefix:
        rule["Filter"] = {"Prefix": prefix}
    return rule


def plan_lifecycle(
    current_rules: Iterable[Rule], desired_rules: Mapping[str, Rule | None], exclusive: bool
) -> list[Rule] | None:
    """The full rule list the bucket should have, or ``None`` when it already has it.
    ``desired_rules``: ``{rule name: rule, or None to remove it}``. Our rules keep their
    place in the list; other rules stay unless ``exclusive``."""
    rules = [normalized(rule) for rule in current_rules]
    wanted: list[Rule] = []
    placed: set[str] = set()
    for rule in rules:
        name = rule.get("ID")
        if name is not None and name in desired_rules:
            desired = desired_rules[name]
            if desired and name not in placed:
                wanted.append(desired)
                placed.add(name)
        elif not exclusive:
            wanted.append(rule)
    wanted += [rule for name, rule in desired_rules.items() if rule and name not in placed]
    return None if wanted == rules else wanted


def public_access_steps(field: str, bucket: str, current: object) -> list[plans.Step]:
    """The step blocking all public access to ``bucket`` (``current``: its public access block
    now), or none when it is blocked already."""
    if current == PUBLIC_ACCESS_BLOCKED:
        return []
    return [
        plans.step(
            field,
            current,
            PUBLIC_ACCESS_BLOCKED,
            "aws_s3.put_public_access_block",
            bucket=bucket,
            configuration=PUBLIC_ACCESS_BLOCKED,
        )
    ]


def lifecycle_steps(
    field: str,
    bucket: str,
    current_rules: Iterable[Rule],
    desired_rules: Mapping[str, Rule | None],
    exclusive: bool,
    never: Mapping[str, str] | None = None,
) -> list[plans.Step]:
    """The step giving ``bucket`` the rule list ``plan_lifecycle`` plans (``changes`` shows the
    current rules normalised), or none when it has them already. Refused when a rule of that
    list expires keys ``never`` (``{argument: prefix}``) says must never expire."""
    rules = plan_lifecycle(current_rules, desired_rules, exclusive)
    old = [normalized(rule) for rule in current_rules]
    refuse_expiry_over(old if rules is None else rules, never or {})
    if rules is None:
        return []
    return [plans.step(field, old, rules, "aws_s3.put_lifecycle", bucket=bucket, rules=rules)]


def filter_prefix(prefix: str | None) -> str:
    """A validated ``prefix`` argument as S3's filter spells it (``""``: the whole bucket)."""
    return f"{prefix}/" if prefix else ""


def rule_prefix(rule: Rule) -> str:
    """The key prefix an S3 lifecycle rule applies to (``""``: the whole bucket)."""
    rule = normalized(rule)
    rule_filter = rule.get("Filter") or {}
    prefix: str = rule_filter.get("Prefix", (rule_filter.get("And") or {}).get("Prefix", ""))
    return prefix


def _expires(rule: Rule) -> bool:
    expiration = rule.get("Expiration") or {}
    return rule.get("Status") == "Enabled" and ("Days" in expiration or "Date" in expiration)


def _keys(prefix: str) -> str:
    return f"the keys under {prefix}" if prefix else "the whole bucket"


def refuse_expiry_over(rules: Iterable[Rule], never: Mapping[str, str]) -> None:
    """Raise, naming both rules, when an enabled rule in ``rules`` expires keys that a rule
    of ``never`` (``{argument: prefix}``, from ``expire_days: null``) keeps: a wider or equal
    prefix expires everything under the narrower one."""
    for arg, kept in never.items():
        for rule in filter(_expires, rules):
            if kept.startswith(rule_prefix(rule)):
                valid.fail(
                    arg,
                    f"says expire_days: null for {_keys(kept)}, but lifecycle rule "
                    f"{rule.get('ID')!r} of the same bucket expires {_keys(rule_prefix(rule))} "
                    "and so deletes them; narrow that rule's prefix or remove it",
                )
