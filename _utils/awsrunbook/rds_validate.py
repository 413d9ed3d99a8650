"""Argument checks of ``rds_postgres`` and ``rds_aurora_postgres``, before any AWS call: each
names the argument it rejects (``awsrunbook.validate.fail``). ``common_inputs`` checks what
both states' ``present`` take and returns it as ``Checked``; ``absent_inputs`` checks both
states' ``absent``. Pure.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from awsrunbook import rds_arguments, rds_connection
from awsrunbook import validate as valid
from awsrunbook.rds_passwords import password_length
from awsrunbook.validate import fail

_USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
_IDENTIFIER_RE = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$")
_DB_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_CLASS_RE = re.compile(
    r"^db\.[a-z]+[0-9]+[a-z-]*\."
    r"(micro|small|medium|large|xlarge|[0-9]+xlarge|metal|metal-[0-9]+xl|[0-9]+xlarge\.tpc[0-9]\.mem[0-9]+x)$"
)
_VERSION_RE = re.compile(r"^[0-9]+(\.[0-9]+)*$")
RESERVED_USERNAMES = ("rdsadmin", "rdsrepladmin", "rds_superuser", "public", "user", "admin")

COMMON_FLAGS = (
    "storage_encrypted",
    "deletion_protection",
    "manage_master_user_password",
    "rotate_password",
    "allow_major_version_upgrade",
    "apply_immediately",
)


@dataclasses.dataclass(frozen=True)
class Checked:
    """What both states' ``present`` were given, checked: the identifier (lower-case), the
    engine version asked for (``None``, ``latest``, a major or a full version), the password
    length, the pillar key paths and the settings declared (``{field: value}``, as
    ``awsrunbook.rds_drift`` compares them; each state adds its own)."""

    name: str
    engine_version: str | None
    length: int
    paths: rds_connection.Paths
    desired: Mapping[str, Any]

    def declaring(self, **settings: Any) -> Checked:
        """This, with ``settings`` added to the settings declared."""
        return dataclasses.replace(self, desired={**self.desired, **settings})


def identifier(value: object, arg: str = "name") -> str:
    """A DB instance or cluster identifier: 1-63 letters, digits and hyphens, starting with a
    letter, no trailing or double hyphen. RDS stores it lower-case."""
    if not isinstance(value, str) or not _IDENTIFIER_RE.match(value):
        fail(
            arg,
            "must be 1-63 letters, digits and hyphens, start with a letter, and not end with "
            "a hyphen or contain two in a row",
            value,
        )
    return value.lower()


def master_username(value: object, arg: str = "master_username") -> str:
    if not isinstance(value, str) or not _USERNAME_RE.match(value):
        fail(arg, "must be 1-16 letters, digits and underscores, starting with a letter", value)
    if value.lower() in RESERVED_USERNAMES:
        fail(arg, "is a name RDS reserves", value)
    return value


def db_name(value: object, arg: str = "db_name") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _DB_NAME_RE.match(value):
        fail(arg, "must be 1-63 letters, digits and underscores, starting with a letter", value)
    return value


def instance_class(value: object, arg: str = "instance_class") -> str:
    """A DB instance class such as ``db.t3.micro`` (a misspelt size is caught here)."""
    if not isinstance(value, str) or not _CLASS_RE.match(value):
        fail(arg, "is not a DB instance class such as db.t3.micro or db.m7g.large", value)
    return value


def allocated_storage(value: object, arg: str = "allocated_storage") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 20 <= value <= 65536:
        fail(arg, "must be a whole number of GiB from 20 to 65536 (gp2/gp3)", value)
    return value


def whole_number(value: object, arg: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(arg, f"must be a whole number from {low} to {high}", value)
    return value


def engine_version(value: object, arg: str = "engine_version") -> str | None:
    """``None`` (the region's default), ``latest``, a major (``17``) or a full version."""
    if value is None or value == "latest":
        return value
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _VERSION_RE.match(text):
        fail(arg, "must be 'latest', a major version such as 17 or a version such as 17.2", value)
    return text


def capacity(value: object, arg: str, low: float = 0, high: float = 256) -> float:
    """Aurora capacity units: 0 to 256 in steps of 0.5."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        fail(arg, f"must be a number of ACUs from {low} to {high}", value)
    if (value * 2) != int(value * 2):
        fail(arg, "must be a multiple of 0.5", value)
    return float(value)


def names_list(value: object, arg: str) -> list[str] | tuple[str, ...]:
    """A non-empty list (or tuple: a default) of names or IDs (security groups, subnets)."""
    if (
        not isinstance(value, (list, tuple))
        or not value
        or not all(isinstance(v, str) and v for v in value)
    ):
        fail(arg, "must be a list of names or IDs", value)
    return value


def subnet_names(value: object, arg: str = "subnets") -> list[str]:
    """The subnets of a DB subnet group: two or more distinct names or IDs (RDS wants subnets
    in at least two availability zones)."""
    names_list(value, arg)
    if len(set(value)) != len(value):
        fail(arg, "names a subnet twice", value)
    if len(value) < 2:
        fail(arg, "a DB subnet group needs at least two subnets, in two availability zones", value)
    return value


def subnets_in_two_zones(zones: Mapping[str, str], arg: str = "subnets") -> None:
    """Refuse subnets (``{subnet: zone}``, as read) that are not in two zones or more."""
    if len(set(zones.values())) < 2:
        listed = ", ".join(f"{subnet} in {zone}" for subnet, zone in sorted(zones.items()))
        fail(arg, f"must be in at least two availability zones for RDS: {listed}")


def common_inputs(name: object, args: Mapping[str, Any], engine: str) -> Checked:
    """Check the arguments both database states' ``present`` take (``args``: every argument
    of the call by name, ``rds_arguments.split``'s first answer)."""
    valid.file_path(args["pillar_file"], "pillar_file")
    for flag in COMMON_FLAGS:
        valid.boolean(args[flag], flag)
    valid.positive_days(args["rotate_password_after_days"], "rotate_password_after_days", True)
    if args["wait"] is not None:
        whole_number(args["wait"], "wait", 1, 86400)
    if args["manage_master_user_password"] and (
        args["rotate_password"] or args["rotate_password_after_days"]
    ):
        fail(
            "rotate_password", "Secrets Manager rotates a managed password; set its schedule there"
        )
    names_list(args["security_groups"], "security_groups")
    paths = rds_connection.paths_of(args["pillar_keys"])
    if "password" not in paths and not args["manage_master_user_password"]:
        # The generated master password is written nowhere else: without a path it is lost.
        fail(
            "pillar_keys:password",
            "a pillar key path is required for the generated master password "
            "(or set manage_master_user_password: true to leave it to Secrets Manager)",
        )
    return Checked(
        name=identifier(name),
        engine_version=engine_version(args["engine_version"]),
        length=password_length(args["password_length"], engine),
        paths=paths,
        desired={
            "deletion_protection": args["deletion_protection"],
            "storage_encrypted": args["storage_encrypted"],
            "master_username": master_username(args["master_username"]),
            "db_name": db_name(args["db_name"]),
        },
    )


@dataclasses.dataclass(frozen=True)
class CheckedAbsent:
    """What both states' ``absent`` were given, checked: the identifier (lower-case), the
    final snapshot (``None``: skipped), the pillar file and its key paths (``{}`` without
    one)."""

    name: str
    final_snapshot: str | None
    pillar_file: str | None
    paths: rds_connection.Paths


def absent_inputs(name: object, args: rds_arguments.Absent) -> CheckedAbsent:
    """Check ``absent``'s arguments."""
    name = identifier(name)
    if not isinstance(args.skip_final_snapshot, bool):
        fail("skip_final_snapshot", "must be true or false", args.skip_final_snapshot)
    if (args.final_snapshot is None) == (not args.skip_final_snapshot):
        fail(
            "final_snapshot",
            "give final_snapshot: NAME or skip_final_snapshot: true (not both): data is never "
            "deleted silently",
        )
    if args.final_snapshot is not None:
        identifier(args.final_snapshot, "final_snapshot")
    paths = {}
    if args.pillar_file is not None:
        if not isinstance(args.pillar_file, str) or not args.pillar_file.startswith("/"):
            fail("pillar_file", "must be an absolute file path", args.pillar_file)
        paths = rds_connection.paths_of(args.pillar_keys)
    return CheckedAbsent(name, args.final_snapshot, args.pillar_file, paths)
