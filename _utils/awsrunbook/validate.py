"""Input validation shared by every state, pure: each check names the argument it rejects and
runs before any AWS call. All raise ``SaltInvocationError``. The region checks, which read
botocore's endpoint data, are ``awsrunbook.regions``'."""

import ipaddress
import re
from collections.abc import Collection, Iterable
from typing import Any, NoReturn, TypeVar

from salt.exceptions import SaltInvocationError

_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IAM_NAME_RE = re.compile(r"^[\w+=,.@-]+$")
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_SES_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_RECEIPT_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9])?$")
_SNS_TOPIC_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_SQS_QUEUE_RE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
SUPPRESSION_REASONS = ("BOUNCE", "COMPLAINT")
_EMAIL_LOCAL_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")

T = TypeVar("T")


def fail(arg: str, problem: str, value: object = None) -> NoReturn:
    shown = "" if value is None else f" (got {value!r})"
    raise SaltInvocationError(f"{arg}: {problem}{shown}")


def bucket_name(value: object, arg: str = "bucket") -> str:
    """S3's bucket naming rules for general purpose buckets."""
    if not isinstance(value, str) or not value:
        fail(arg, "a bucket name is required", value)
    problems = []
    if not _BUCKET_RE.match(value):
        problems.append(
            "must be 3-63 characters of lowercase letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit"
        )
    if ".." in value or ".-" in value or "-." in value:
        problems.append("must not contain '..', '.-' or '-.'")
    if value.startswith(("xn--", "sthree-", "amzn-s3-demo-")) or value.endswith(
        ("-s3alias", "--ol-s3", ".mrap", "--x-s3")
    ):
        problems.append("uses a prefix or suffix that S3 reserves")
    try:
        ipaddress.IPv4Address(value)
        problems.append("must not be formatted as an IP address")
    except ValueError:
        pass
    if problems:
        fail(arg, "invalid S3 bucket name: " + "; ".join(problems), value)
    return value


def positive_days(
    value: object, arg: str, allow_none: bool = False, maximum: int = 36500
) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        extra = " or null" if allow_none else ""
        fail(arg, f"must be a positive whole number of days{extra}", value)
    if value > maximum:
        fail(arg, f"must be at most {maximum} days", value)
    return value


def boolean(value: object, arg: str) -> bool:
    if not isinstance(value, bool):
        fail(arg, "must be true or false", value)
    return value


def iam_name(value: object, arg: str, max_length: int) -> str:
    if not isinstance(value, str) or not value:
        fail(arg, "a name is required", value)
    if len(value) > max_length or not _IAM_NAME_RE.match(value):
        fail(
            arg,
            f"must be 1-{max_length} characters of letters, digits and +=,.@_-",
            value,
        )
    return value


def s3_prefix(value: object, arg: str = "prefix") -> str | None:
    """A key prefix without leading or trailing slashes (``pgbackrest/server1``)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip("/"):
        fail(arg, "must be a non-empty key prefix such as 'pgbackrest/server'", value)
    if "*" in value or "?" in value:
        fail(arg, "must not contain wildcards", value)
    return value.strip("/")


def key_path(value: object, arg: str) -> str:
    """A colon-delimited pillar key path such as ``aws:access_key``."""
    if not isinstance(value, str) or not value or any(not p for p in value.split(":")):
        fail(arg, "must be a colon-delimited pillar key path such as 'aws:access_key'", value)
    return value


def file_path(value: object, arg: str) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        fail(arg, "must be an absolute file path", value)
    return value


def domain(value: object, arg: str = "name") -> str:
    """A DNS domain name (case-insensitive; returned lower-case)."""
    if not isinstance(value, str):
        fail(arg, "must be a domain name", value)
    name = value.rstrip(".").lower()
    labels = name.split(".")
    if len(name) > 253 or len(labels) < 2 or not all(_LABEL_RE.match(lbl) for lbl in labels):
        fail(arg, "is not a valid domain name", value)
    if labels[-1].isdigit():
        fail(arg, "is not a valid domain name (the last label is numeric)", value)
    return name


def email_address(value: object, arg: str = "name", keep_case: bool = False) -> str:
    """An email address: local part kept as given (case-sensitive), domain lower-cased
    unless ``keep_case``."""
    if not isinstance(value, str) or value.count("@") != 1:
        fail(arg, "is not a valid email address", value)
    local, _, host = value.partition("@")
    if not _EMAIL_LOCAL_RE.match(local) or local.startswith(".") or ".." in local:
        fail(arg, "is not a valid email address", value)
    host_name = domain(host, arg)
    return value if keep_case else f"{local}@{host_name}"


def known_keys(
    value: object, arg: str, allowed: Iterable[str], what: str | None = None, noun: str = "key"
) -> dict[str, Any]:
    """``value`` must be a mapping whose keys are all in ``allowed``; returns it."""
    if not isinstance(value, dict):
        fail(arg, what or f"must be a mapping of {list(allowed)}", value)
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        fail(arg, f"unknown {noun}(s) {unknown}; allowed: {list(allowed)}")
    return value


def ses_identity(value: object, arg: str = "name") -> tuple[str, str]:
    """``(name, "DOMAIN" | "EMAIL_ADDRESS")`` of an SES identity: a domain
    (case-insensitive, returned lower-case) or an email address, exactly as given (SES
    treats ``Ops@Example.org`` and ``Ops@example.org`` as two identities)."""
    if isinstance(value, str) and "@" in value:
        return email_address(value, arg, keep_case=True), "EMAIL_ADDRESS"
    return domain(value, arg), "DOMAIN"


def one_of(value: T, arg: str, choices: Collection[object]) -> T:
    if value not in choices:
        fail(arg, f"must be one of {list(choices)}", value)
    return value


def no_unknown(kwargs: Iterable[str], function: str) -> None:
    """Reject arguments ``function`` does not take (Salt's own ``__*__`` keys aside)."""
    unknown = sorted(k for k in kwargs if not k.startswith("__"))
    if unknown:
        fail(", ".join(unknown), f"unknown argument(s) for {function}")


def email_addresses(value: object, arg: str) -> list[str]:
    """A list of email addresses (``None`` is an empty list)."""
    if value is None:
        return []
    if not isinstance(value, list):
        fail(arg, "must be a list of email addresses", value)
    return [email_address(item, arg) for item in value]


def ses_name(value: object, arg: str = "name") -> str:
    """A configuration set or event destination name."""
    if not isinstance(value, str) or not _SES_NAME_RE.match(value):
        fail(arg, "must be 1-64 letters, digits, underscores and hyphens", value)
    return value


def receipt_rule_name(value: object, arg: str) -> str:
    """The name of an SES receipt rule set or rule: letters, digits, underscores, hyphens and
    periods, starting and ending with a letter or digit, at most 64 characters."""
    if not isinstance(value, str) or not _RECEIPT_NAME_RE.match(value):
        fail(
            arg,
            "must be 1-64 letters, digits, underscores, hyphens and periods, starting and "
            "ending with a letter or digit",
            value,
        )
    return value


def sns_topic_name(value: object, arg: str) -> str:
    """The name of a Standard SNS topic."""
    if not isinstance(value, str) or not _SNS_TOPIC_RE.match(value):
        fail(
            arg, "must be an SNS topic name: 1-256 letters, digits, hyphens and underscores", value
        )
    return value


def sqs_queue_name(value: object, arg: str) -> str:
    """The name of a standard SQS queue (SNS sends only to FIFO queues from FIFO topics)."""
    if not isinstance(value, str) or not _SQS_QUEUE_RE.match(value):
        fail(
            arg,
            "must be an SQS queue name: 1-80 letters, digits, hyphens and underscores",
            value,
        )
    return value


def suppressed_reasons(value: object, arg: str = "suppressed_reasons") -> list[str] | None:
    """``None`` (not managed) or a list of ``BOUNCE``/``COMPLAINT`` (``[]``: none); sorted."""
    if value is None:
        return None
    if not isinstance(value, list):
        fail(arg, f"must be a list of {list(SUPPRESSION_REASONS)} (or [])", value)
    for reason in value:
        one_of(reason, arg, SUPPRESSION_REASONS)
    return sorted(set(value))
