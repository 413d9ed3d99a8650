"""Drift: how a database RDS describes (``aws_rds.describe_db_instance`` or
``describe_db_cluster``) differs from the settings a state declares, the ``ModifyDB*``
parameters that correct it, the differences no call may correct (refused with a message), and
Serverless v2 scaling in the API's spelling, as both sides compare it. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Fields a ModifyDB* call corrects, and the API parameter each maps to.
INSTANCE_MODIFIABLE = {
    "instance_class": "DBInstanceClass",
    "allocated_storage": "AllocatedStorage",
    "max_allocated_storage": "MaxAllocatedStorage",
    "publicly_accessible": "PubliclyAccessible",
    "security_group_ids": "VpcSecurityGroupIds",
    "backup_retention_days": "BackupRetentionPeriod",
    "storage_type": "StorageType",
    "performance_insights": "EnablePerformanceInsights",
    "deletion_protection": "DeletionProtection",
}
CLUSTER_MODIFIABLE = {
    "scaling": "ServerlessV2ScalingConfiguration",
    "security_group_ids": "VpcSecurityGroupIds",
    "backup_retention_days": "BackupRetentionPeriod",
    "deletion_protection": "DeletionProtection",
}
# Set only at creation: a difference is reported, never "corrected".
FIXED_AT_CREATE = ("storage_encrypted", "master_username", "db_name", "subnet_group")


# A database's settings by field ("instance_class", "scaling", ...): as described, or declared.
Settings = Mapping[str, Any]
# {field: {"old", "new"}}: what ``changes`` shows of a setting that differs.
Changes = dict[str, dict[str, Any]]


def drift(
    current: Settings, desired: Settings, modifiable: Mapping[str, str]
) -> tuple[Changes, dict[str, Any], Changes]:
    """``(changes, params, fixed)`` between a described database and the desired settings:
    ``changes`` ``{field: {"old", "new"}}`` for the modifiable fields that differ, ``params``
    the ModifyDB* parameters that set them, ``fixed`` the create-only fields that differ."""
    changes: Changes = {}
    params: dict[str, Any] = {}
    for field, param in modifiable.items():
        if field not in desired:
            continue
        old, new = current.get(field), desired[field]
        if isinstance(new, list):
            old, new = sorted(old or []), sorted(new)
        if old != new:
            changes[field] = {"old": old, "new": new}
            params[param] = desired[field]
    fixed = {
        field: {"old": current.get(field), "new": desired[field]}
        for field in FIXED_AT_CREATE
        if field in desired and desired[field] is not None and current.get(field) != desired[field]
    }
    return changes, params, fixed


def storage_refusal(current: Settings, desired: Settings) -> str | None:
    """RDS can grow storage but never shrink it: the message when ``desired`` asks to."""
    old, new = current.get("allocated_storage"), desired.get("allocated_storage")
    if old is not None and new is not None and new < old:
        return (
            f"allocated_storage {new} is less than the current {old} GiB: RDS cannot shrink storage"
        )
    return None


def fixed_refusal(what: str, fixed: Changes) -> str | None:
    """The message for create-only settings that differ (``drift``'s ``fixed``)."""
    if not fixed:
        return None
    listed = "; ".join(f"{field} is {d['old']!r}, not {d['new']!r}" for field, d in fixed.items())
    return f"{what}: {listed}. These are set when the database is created and cannot change"


def scaling(
    min_capacity: float, max_capacity: float, seconds_until_auto_pause: int | None
) -> dict[str, float | int]:
    """Serverless v2 scaling in the API's spelling, compared as such: the pause delay only
    counts when the minimum is 0 (RDS ignores it otherwise)."""
    config = {"MinCapacity": float(min_capacity), "MaxCapacity": float(max_capacity)}
    if min_capacity == 0 and seconds_until_auto_pause is not None:
        config["SecondsUntilAutoPause"] = int(seconds_until_auto_pause)
    return config
