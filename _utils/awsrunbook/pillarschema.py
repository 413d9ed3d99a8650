"""The ``aws_runbook:`` pillar tree that ``salt/aws_runbook/*.sls`` reads, as plain data, and a
pure check of a tree against it.

The SLS files check the tree with ``validate`` before they render any state
(``aws_runbook_pillar.problems``), and the docs' pillar reference is generated from ``SECTIONS``
(``docs/_ext/pillar_reference.py``): what is checked and what is documented are the same data.
Tests keep it equal to what the SLS files read and to the states' signatures.

Shape: ``SECTIONS`` maps each section under ``aws_runbook:`` to either ``keys`` (a mapping of
settings: ``connection``) or ``groups``: each group maps an entry's key (a bucket name, an
identity, ...) to the arguments of one state, described by the group's ``keys``. A key is
``{"types": (...), "default": ..., "meaning": "..."}`` (``default_text`` where the default is
not a value); types are ``string``, ``integer``,
``number``, ``boolean``, ``list``, ``mapping`` and ``null``.

Messages never show a value (a connection ``key`` is a secret), only its type, except a
``pillar_file`` path.
"""

import difflib
from collections.abc import Mapping

STRING, INTEGER, NUMBER, BOOLEAN = "string", "integer", "number", "boolean"
LIST, MAPPING, NULL = "list", "mapping", "null"


def _key(types: tuple[str, ...], default, meaning: str) -> dict:
    return {"types": types, "default": default, "meaning": meaning}


def _optional(kind: str, meaning: str) -> dict:
    return _key((kind, NULL), None, meaning)


def _flag(default: bool, meaning: str) -> dict:
    return _key((BOOLEAN,), default, meaning)


CONNECTION = {
    "region": _optional(STRING, "AWS region; default: boto3's (``AWS_REGION``, ~/.aws/config)."),
    "profile": _key(
        (STRING, MAPPING, NULL),
        None,
        "An AWS CLI profile name, or a mapping of ``keyid``, ``key``, ``region``.",
    ),
    "keyid": _optional(STRING, "Access key ID; default: boto3's credential chain."),
    "key": _optional(STRING, "Secret access key that goes with ``keyid``."),
    "role_arn": _optional(STRING, "A role to assume for every call."),
}

# Keys the SLS files read themselves, beside the state's arguments (map.jinja's ``resource``).
ENTRY_KEYS = {
    "name": {
        **_key((STRING,), None, "The resource's name when it is not the entry's key."),
        "default_text": "the entry's key",
    },
    "absent": _flag(False, "``true``: remove the resource instead (with the state's ``absent``)."),
}

_PILLAR_FILE = _optional(
    STRING,
    "The server's plain-YAML pillar file that gets the credentials: absolute, or relative to "
    "the first ``pillar_roots`` directory (no ``..`` parts).",
)
_ROTATE_AFTER_DAYS = _optional(
    INTEGER, "Replace the key once it is this many days old (new key written first)."
)
_PRUNE_KEYS = _flag(False, "Delete the user's keys the pillar file does not hold (else report).")
_GPG_RECIPIENTS = _optional(
    LIST,
    "Key fingerprints to encrypt its secrets to, over the ``aws_runbook_gpg`` config "
    "(``[]``: in the clear); see secrets-encryption.",
)

BUCKET_KEYS = {
    "expire_days": _key((INTEGER, NULL), 30, "Days after which objects expire; null: never."),
    "abort_multipart_days": {
        # The state's marker for "not given": 7 beside an expiry, no rule without one.
        **_key(
            (INTEGER, NULL), "default", "Days after which incomplete multipart uploads are aborted."
        ),
        "default_text": "7; none with ``expire_days: null``",
    },
    "rule_name": {
        **_key((STRING,), None, "ID of the managed lifecycle rule."),
        "default_text": "``delete-after-30-days`` (``abort-incomplete-uploads`` without expiry)",
    },
    "prefix": _optional(STRING, "Limit the rule to keys under ``PREFIX/``."),
    "rules": _optional(
        MAPPING,
        "Several rules instead: ``{rule name: {expire_days, abort_multipart_days, prefix}}``; "
        "a rule without ``expire_days`` expires nothing.",
    ),
    "exclusive_lifecycle": _flag(False, "Remove lifecycle rules the state does not manage."),
    "force": _flag(False, "With ``absent``: delete the objects too (else a full bucket stays)."),
}

BACKUP_USER_KEYS = {
    "bucket": _optional(STRING, "The bucket the user may list, read, write and delete in."),
    "pillar_file": _PILLAR_FILE,
    "prefix": _optional(STRING, "Limit the user to this key prefix (pgBackRest's repo1-path)."),
    "policy_name": _optional(STRING, "The managed policy's name (default: the user name)."),
    "pillar_keys": _optional(
        MAPPING,
        "Where ``access_key_id``, ``secret_access_key``, ``region``, ``bucket``, ``prefix``, "
        "``endpoint`` go (key paths; default ``aws:access_key``, ``aws:secret_key``, "
        "``aws:region``).",
    ),
    "rotate_after_days": _ROTATE_AFTER_DAYS,
    "prune_keys": _PRUNE_KEYS,
    "gpg_recipients": _GPG_RECIPIENTS,
}

IDENTITY_KEYS = {
    "dkim": _optional(
        STRING, "Easy DKIM key length: ``RSA_2048_BIT`` (default) or ``RSA_1024_BIT``."
    ),
    "mail_from_domain": _key(
        (STRING, BOOLEAN, NULL), None, "Custom MAIL FROM subdomain; ``false`` removes it."
    ),
    "behavior_on_mx_failure": _key(
        (STRING,), "USE_DEFAULT_VALUE", "``USE_DEFAULT_VALUE`` or ``REJECT_MESSAGE``."
    ),
    "notifications": _optional(
        MAPPING,
        "Feedback to an SNS topic: ``topic``, ``subscribers``, ``bounce``, ``complaint``, "
        "``delivery``, ``include_headers``, ``feedback_forwarding``, ``queue``.",
    ),
    "configuration_set": _key(
        (STRING, BOOLEAN, NULL), None, "The default configuration set; ``false`` removes it."
    ),
    "tags": _optional(MAPPING, "Tag names to values (tags not listed are removed)."),
    "dmarc": _key(
        (STRING, BOOLEAN, NULL),
        None,
        "DMARC TXT value (default ``v=DMARC1; p=none;``); ``false``: the domain has one.",
    ),
    "wait": _optional(INTEGER, "Seconds to wait for verification before failing."),
    "dns": _optional(
        MAPPING, "Publish the records: ``provider``, ``zone`` and the provider's settings."
    ),
    "check_dns": _flag(False, "Check each record live and say which one blocks verification."),
    "resolvers": _key(
        (LIST, STRING, NULL), None, "``HOST`` or ``HOST:PORT`` resolvers for ``check_dns``."
    ),
    "verify": _optional(
        MAPPING, "For an address without a mailbox: ``via: receipt_rule`` and its settings."
    ),
}

SMTP_USER_KEYS = {
    "regions": _key((LIST, STRING, NULL), None, "The SES region(s) the server sends through."),
    "pillar_file": _PILLAR_FILE,
    "pillar_keys": _optional(
        MAPPING,
        "Where ``username``, ``password``, ``host``, ``port`` go (default ``smtp:*``; "
        "``smtp:{region}:*`` for several regions).",
    ),
    "identities": _optional(LIST, "Domains or addresses it may send as (default: any)."),
    "policy_name": _key((STRING, NULL), "AmazonSesSendingAccess", "The inline policy's name."),
    "rotate_after_days": _ROTATE_AFTER_DAYS,
    "prune_keys": _PRUNE_KEYS,
    "gpg_recipients": _GPG_RECIPIENTS,
}

_SUPPRESSED_REASONS = _optional(LIST, "Suppression list reasons: ``[BOUNCE, COMPLAINT]``, ``[]``.")

CONFIGURATION_SET_KEYS = {
    "event_destinations": _optional(
        MAPPING,
        "``{name: {events, sns_topic, subscribers, queue, enabled}}``: exactly these.",
    ),
    "suppressed_reasons": _SUPPRESSED_REASONS,
    "reputation_metrics": _optional(BOOLEAN, "Reputation metrics on or off."),
    "sending_enabled": _optional(BOOLEAN, "Sending with this set on or off."),
    "custom_redirect_domain": _optional(STRING, "Domain of open and click tracking links."),
}

ACCOUNT_KEYS = {
    "suppressed_reasons": _SUPPRESSED_REASONS,
    "sending_enabled": _optional(BOOLEAN, "Sending for the whole account in the region."),
    "production_access": _optional(
        MAPPING,
        "Request to leave the sandbox: ``mail_type``, ``website_url``, "
        "``use_case_description``, ``additional_contact_email_addresses``, "
        "``contact_language``.",
    ),
}

VPC_KEYS = {
    "cidr": _optional(STRING, "The VPC's IPv4 block, /16 to /28."),
    "subnets": _optional(MAPPING, "``{Name: {cidr, az or az_index}}``."),
    "internet_gateway": _flag(False, "Attach an internet gateway and route the subnets to it."),
}

SECURITY_GROUP_KEYS = {
    "description": _optional(STRING, "Required; EC2 cannot change it later."),
    "vpc": _optional(STRING, "VPC ID or Name tag (default: the region's default VPC)."),
    "ingress": _optional(LIST, "Inbound rules ``{protocol, port, cidr or ipv6_cidr}``."),
    "egress": _optional(LIST, "Outbound rules, same shape (default: AWS's, left alone)."),
    "replace": _flag(False, "Re-create the group when its description differs."),
}

# What rds_postgres and rds_aurora_postgres share.
_DATABASE_KEYS = {
    "pillar_file": _optional(
        STRING,
        "The pillar file that gets the connection details (absolute, or relative to the "
        "first ``pillar_roots`` directory).",
    ),
    "pillar_keys": _optional(
        MAPPING,
        "Where ``host``, ``port``, ``username``, ``password``, ``dbname``, ``url``, "
        "``secret_arn`` go (default ``postgres:*``).",
    ),
    "engine_version": _key(
        (STRING, INTEGER, NULL), None, "``latest``, a major (``17``) or a full version."
    ),
    "security_groups": _key(
        (LIST, NULL), ["postgresql-anywhere"], "Security group names (in ``vpc``) or IDs."
    ),
    "storage_encrypted": _flag(False, "Encrypt the storage."),
    "deletion_protection": _flag(False, "Refuse deletion."),
    "master_username": _key((STRING,), "postgres", "The master user's name."),
    "password_length": _key((INTEGER,), 32, "Length of generated passwords."),
    "rotate_password_after_days": _optional(
        INTEGER, "Set a new master password once it is this old."
    ),
    "rotate_password": _flag(False, "Set a new master password on this run."),
    "manage_master_user_password": _flag(
        False, "Leave the password to RDS and Secrets Manager (pillar gets ``secret_arn``)."
    ),
    "allow_major_version_upgrade": _flag(False, "Allow a major ``engine_version`` change."),
    "apply_immediately": _flag(True, "Apply corrections now, not in the maintenance window."),
    "wait": _optional(INTEGER, "Seconds to wait until it is available."),
    "gpg_recipients": _GPG_RECIPIENTS,
    "final_snapshot": _optional(STRING, "With ``absent``: take this snapshot first."),
    "skip_final_snapshot": _flag(False, "With ``absent``: delete without a final snapshot."),
}

INSTANCE_KEYS = {
    **_DATABASE_KEYS,
    "instance_class": _key((STRING,), "db.t3.micro", "The instance class."),
    "allocated_storage": _key((INTEGER,), 20, "Storage in GiB."),
    "max_allocated_storage": _optional(INTEGER, "Turn on storage autoscaling up to this."),
    "storage_type": _key((STRING,), "gp2", "The storage type."),
    "publicly_accessible": _flag(True, "Give the instance a public address."),
    "vpc": _optional(STRING, "VPC ID or Name tag (default: the region's default VPC)."),
    "subnet_group": _optional(STRING, "A DB subnet group."),
    "backup_retention_days": _key((INTEGER,), 0, "Days of automated backups (0: off)."),
    "performance_insights": _flag(False, "Turn on Performance Insights."),
    "db_name": _optional(STRING, "An initial database (``dbname`` gets ``postgres`` without)."),
}

CLUSTER_KEYS = {
    **_DATABASE_KEYS,
    "vpc": _optional(STRING, "VPC ID or Name tag (default: the region's default VPC)."),
    "subnets": _optional(LIST, "Subnet Names or IDs in at least two zones."),
    "min_capacity": _key((NUMBER,), 0, "Minimum Aurora capacity units (0 pauses)."),
    "max_capacity": _key((NUMBER,), 2, "Maximum Aurora capacity units."),
    "seconds_until_auto_pause": _key((INTEGER, NULL), 3600, "Idle seconds before pausing."),
    "data_api": _flag(True, "Turn on the RDS Data API."),
    "db_name": _key((STRING,), "common", "The initial database."),
    "backup_retention_days": _key((INTEGER,), 1, "Days of automated backups."),
    "writer": _optional(STRING, "The writer instance's identifier (default ``NAME-writer``)."),
}


def _group(state: str, entry: str, meaning: str, keys: dict, functions=("present", "absent")):
    """An entry is one state call; map.jinja's own keys join a group of ``present``/``absent``
    states (``resource``), the connection keys join every group."""
    own = ENTRY_KEYS if "absent" in functions else {}
    return {
        "state": state,
        "functions": functions,
        "entry": entry,
        "meaning": meaning,
        "keys": {**own, **keys, **CONNECTION},
    }


SECTIONS = {
    "connection": {
        "meaning": "Connection arguments given to every AWS state (all optional).",
        "keys": CONNECTION,
    },
    "backup": {
        "meaning": "Backup buckets and the IAM users whose keys the servers' backups use.",
        "groups": {
            "buckets": _group("s3_backup_bucket", "bucket name", "S3 backup buckets.", BUCKET_KEYS),
            "users": _group(
                "iam_backup_user", "IAM user name", "IAM backup users.", BACKUP_USER_KEYS
            ),
        },
    },
    "ses": {
        "meaning": "SES identities.",
        "groups": {
            "identities": _group(
                "ses_identity", "domain or address", "Domains and addresses.", IDENTITY_KEYS
            ),
        },
    },
    "ses_sending": {
        "meaning": "SES sending: SMTP credentials, configuration sets, account settings.",
        "groups": {
            "smtp_users": _group(
                "ses_smtp_user", "IAM user name", "SMTP credentials.", SMTP_USER_KEYS
            ),
            "configuration_sets": _group(
                "ses_configuration_set",
                "set name",
                "Configuration sets and their event destinations.",
                CONFIGURATION_SET_KEYS,
            ),
            "accounts": _group(
                "ses_account",
                "label",
                "Account-level settings, one entry per region.",
                ACCOUNT_KEYS,
                functions=("configured",),
            ),
        },
    },
    "databases": {
        "meaning": "Databases and their network; absent entries are removed last.",
        "groups": {
            "vpcs": _group("ec2_vpc", "Name tag", "VPCs and their subnets.", VPC_KEYS),
            "security_groups": _group(
                "ec2_security_group", "label", "Security groups.", SECURITY_GROUP_KEYS
            ),
            "instances": _group(
                "rds_postgres", "DB instance identifier", "RDS PostgreSQL.", INSTANCE_KEYS
            ),
            "clusters": _group(
                "rds_aurora_postgres",
                "DB cluster identifier",
                "Aurora PostgreSQL Serverless v2.",
                CLUSTER_KEYS,
            ),
        },
    },
}

ROOT = "aws_runbook"


def type_name(value) -> str:
    """The schema's name for the type of ``value`` (a YAML ``true`` is not an integer)."""
    if value is None:
        return NULL
    for kind, types in ((BOOLEAN, bool), (INTEGER, int), (NUMBER, float), (STRING, str)):
        if isinstance(value, types):
            return kind
    if isinstance(value, Mapping):
        return MAPPING
    return LIST if isinstance(value, list | tuple) else type(value).__name__


def _accepts(types, value) -> bool:
    kind = type_name(value)
    return kind in types or (kind == INTEGER and NUMBER in types)


def _article(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}" if kind != NULL else NULL


def _wrong_type(path: str, types, value) -> str:
    wanted = " or ".join(_article(kind) for kind in types)
    return f"{path}: must be {wanted}, not {_article(type_name(value))}"


def _unknown(path: str, name, known, what: str) -> str:
    close = difflib.get_close_matches(str(name), list(known), n=1)
    hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(known)}"
    return f"{path}:{name}: unknown {what}; {hint}"


def _pillar_file(path: str, value) -> list[str]:
    if isinstance(value, str) and not value.startswith("/") and ".." in value.split("/"):
        return [
            f"{path}: {value}: a relative path must stay inside the pillar root (no '..' "
            "parts); give an absolute path for a file elsewhere"
        ]
    return []


def _items(path: str, value) -> tuple[list[str], list]:
    """``(problems, items)`` of a value that must be a mapping: null is an empty one."""
    if value is None:
        return [], []
    if not isinstance(value, Mapping):
        return [_wrong_type(path, (MAPPING,), value)], []
    return [], list(value.items())


def _settings(path: str, value, keys: Mapping) -> list[str]:
    """Problems of a mapping of settings (``value`` checked against ``keys``)."""
    problems, items = _items(path, value)
    for name, setting in items:
        if name not in keys:
            problems.append(_unknown(path, name, keys, "key"))
        elif not _accepts(keys[name]["types"], setting):
            problems.append(_wrong_type(f"{path}:{name}", keys[name]["types"], setting))
        elif name == "pillar_file":
            problems += _pillar_file(f"{path}:{name}", setting)
    return problems


def _section(path: str, value, section: Mapping) -> list[str]:
    if "keys" in section:
        return _settings(path, value, section["keys"])
    groups = section["groups"]
    problems, items = _items(path, value)
    for name, entries in items:
        if name not in groups:
            problems.append(_unknown(path, name, groups, "key"))
            continue
        more, labelled = _items(f"{path}:{name}", entries)
        problems += more
        for label, entry in labelled:
            problems += _settings(f"{path}:{name}:{label}", entry, groups[name]["keys"])
    return problems


def validate(tree) -> list[str]:
    """One line per problem of the ``aws_runbook`` pillar ``tree`` (``None``: no such pillar,
    nothing to check), each naming the pillar path: an unknown section or key (with the
    closest known name), a value of the wrong type, a ``..`` in a relative ``pillar_file``."""
    problems, items = _items(ROOT, tree)
    for name, value in items:
        if name in SECTIONS:
            problems += _section(f"{ROOT}:{name}", value, SECTIONS[name])
        else:
            problems.append(_unknown(ROOT, name, SECTIONS, "section"))
    return problems
