"""The RDS master password: its rules (RDS and Aurora), its generation, and when the state sets
a new one on an existing database (rotation by age or on demand, an interrupted rotation, a
password leaving Secrets Manager). Pure: the password itself moves only between the pillar
file and RDS (``aws_rds``), never through here.
"""

from __future__ import annotations

import datetime
import string
from collections.abc import Mapping

from awsrunbook import secrets
from awsrunbook.rds_connection import Held
from awsrunbook.validate import fail

# RDS forbids "/", '"', "@" and spaces in a master password. Of the rest, we leave out what
# needs quoting in a shell, a URL or a libpq connection string, so the value can be pasted
# anywhere: letters, digits and a few marks.
PASSWORD_MARKS = "-_.~+=^!*"
FORBIDDEN_IN_PASSWORD = '/"@ '
PASSWORD_LENGTHS = {"postgres": (8, 128), "aurora-postgresql": (8, 41)}
DEFAULT_PASSWORD_LENGTH = 32

# The tag recording when the state last set the master password (rotation age).
PASSWORD_TAG = "salt-aws-runbook:password-set"


def password_length(value: object, engine: str, arg: str = "password_length") -> int:
    """A password length allowed for ``engine`` (RDS PostgreSQL 8-128, Aurora 8-41)."""
    low, high = PASSWORD_LENGTHS[engine]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(arg, f"must be a whole number from {low} to {high} for {engine}", value)
    return value


def new_password(length: int) -> secrets.Secret:
    """A random master password (a ``Secret``) of ``length`` letters, digits and
    ``PASSWORD_MARKS``, with at least one lower-case and upper-case letter, digit and mark."""
    unsafe = "".join(char for char in string.punctuation if char not in PASSWORD_MARKS)
    return secrets.generate_password(length, forbidden=unsafe)


def password_acceptable(value: object, engine: str) -> bool:
    """True when ``value`` meets RDS's rules for ``engine`` (used on a password a pillar file
    holds before it is sent; the value itself never appears in a message)."""
    low, high = PASSWORD_LENGTHS[engine]
    return (
        isinstance(value, str)
        and low <= len(value) <= high
        and value.isprintable()
        and value.isascii()
        and not any(char in FORBIDDEN_IN_PASSWORD for char in value)
    )


def password_age_days(tags: Mapping[str, str] | None, now: datetime.datetime) -> int | None:
    """Days since the state last set the password (the ``PASSWORD_TAG`` tag), or ``None``."""
    stamp = (tags or {}).get(PASSWORD_TAG)
    if not stamp:
        return None
    try:
        when = datetime.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return (now - when).days


def password_stamp(now: datetime.datetime) -> str:
    """``PASSWORD_TAG``'s value for a password set at ``now``."""
    return now.astimezone(datetime.timezone.utc).replace(microsecond=0).isoformat()


def rotation_reason(
    exists: bool,
    held: Held,
    age_days: int | None,
    rotate_after_days: int | None,
    rotate_now: bool,
    managed_now: bool,
) -> str | None:
    """Why the master password must be set on an existing database now, or ``None``.

    ``held``: what the pillar file holds; ``managed_now``: the database keeps its password in
    Secrets Manager today."""
    if not exists:
        return None
    if held.pending:
        return "a password rotation was interrupted: setting the pending password again"
    if managed_now:
        return "the password moves from Secrets Manager to the pillar file"
    if not held.password:
        return "the pillar file holds no password for it"
    if rotate_now:
        return "rotate_password is set"
    if rotate_after_days:
        if age_days is None:
            return "the password's age is unknown (rotate_password_after_days is set)"
        if age_days >= rotate_after_days:
            return (
                f"the password is {age_days} days old "
                f"(rotate_password_after_days: {rotate_after_days})"
            )
    return None
