"""Pure domain code for the RDS states (``rds_postgres``, ``rds_aurora_postgres``): the master
password (generation and the rules RDS and Aurora put on it), the engine version chosen from
``DescribeDBEngineVersions`` answers, the drift between a database and what the state
declares, the password plan (create, rotate, resume an interrupted rotation) and the
connection details written into the pillar file. No I/O here.
"""

import datetime
import re
import string
import urllib.parse

import awsrunbook_keys as keys
import awsrunbook_layout as layout
import awsrunbook_secrets as secrets_mod
import awsrunbook_state as st
import awsrunbook_validate as valid
import awsrunbook_writers as writers
from salt.exceptions import SaltInvocationError

# RDS forbids "/", '"', "@" and spaces in a master password. Of the rest, we leave out what
# needs quoting in a shell, a URL or a libpq connection string, so the value can be pasted
# anywhere: letters, digits and a few marks.
PASSWORD_MARKS = "-_.~+=^!*"
FORBIDDEN_IN_PASSWORD = '/"@ '
PASSWORD_LENGTHS = {"postgres": (8, 128), "aurora-postgresql": (8, 41)}
DEFAULT_PASSWORD_LENGTH = 32

# The tag recording when the state last set the master password (rotation age).
PASSWORD_TAG = "salt-aws-runbook:password-set"

_USERNAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,15}$")
_IDENTIFIER_RE = re.compile(r"^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$")
_DB_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_CLASS_RE = re.compile(
    r"^db\.[a-z]+[0-9]+[a-z-]*\."
    r"(micro|small|medium|large|xlarge|[0-9]+xlarge|metal|metal-[0-9]+xl|[0-9]+xlarge\.tpc[0-9]\.mem[0-9]+x)$"
)
_VERSION_RE = re.compile(r"^[0-9]+(\.[0-9]+)*$")
RESERVED_USERNAMES = ("rdsadmin", "rdsrepladmin", "rds_superuser", "public", "user", "admin")


def fail(arg, problem, value=None):
    shown = "" if value is None else f" (got {value!r})"
    raise SaltInvocationError(f"{arg}: {problem}{shown}")


# --- passwords -------------------------------------------------------------------------------


def password_length(value, engine, arg="password_length"):
    """A password length allowed for ``engine`` (RDS PostgreSQL 8-128, Aurora 8-41)."""
    low, high = PASSWORD_LENGTHS[engine]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(arg, f"must be a whole number from {low} to {high} for {engine}", value)
    return value


def new_password(length):
    """A random master password (a ``Secret``) of ``length`` letters, digits and
    ``PASSWORD_MARKS``, with at least one lower-case and upper-case letter, digit and mark."""
    unsafe = "".join(char for char in string.punctuation if char not in PASSWORD_MARKS)
    return secrets_mod.generate_password(length, forbidden=unsafe)


def password_acceptable(value, engine):
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


# --- validation ------------------------------------------------------------------------------


def identifier(value, arg="name"):
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


def master_username(value, arg="master_username"):
    if not isinstance(value, str) or not _USERNAME_RE.match(value):
        fail(arg, "must be 1-16 letters, digits and underscores, starting with a letter", value)
    if value.lower() in RESERVED_USERNAMES:
        fail(arg, "is a name RDS reserves", value)
    return value


def db_name(value, arg="db_name"):
    if value is None:
        return None
    if not isinstance(value, str) or not _DB_NAME_RE.match(value):
        fail(arg, "must be 1-63 letters, digits and underscores, starting with a letter", value)
    return value


def instance_class(value, arg="instance_class"):
    """A DB instance class such as ``db.t3.micro`` (a misspelt size is caught here)."""
    if not isinstance(value, str) or not _CLASS_RE.match(value):
        fail(arg, "is not a DB instance class such as db.t3.micro or db.m7g.large", value)
    return value


def allocated_storage(value, arg="allocated_storage"):
    if isinstance(value, bool) or not isinstance(value, int) or not 20 <= value <= 65536:
        fail(arg, "must be a whole number of GiB from 20 to 65536 (gp2/gp3)", value)
    return value


def whole_number(value, arg, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        fail(arg, f"must be a whole number from {low} to {high}", value)
    return value


def engine_version(value, arg="engine_version"):
    """``None`` (the region's default), ``latest``, a major (``17``) or a full version."""
    if value is None or value == "latest":
        return value
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not _VERSION_RE.match(text):
        fail(arg, "must be 'latest', a major version such as 17 or a version such as 17.2", value)
    return text


def capacity(value, arg, low=0, high=256):
    """Aurora capacity units: 0 to 256 in steps of 0.5."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        fail(arg, f"must be a number of ACUs from {low} to {high}", value)
    if (value * 2) != int(value * 2):
        fail(arg, "must be a multiple of 0.5", value)
    return float(value)


COMMON_FLAGS = (
    "storage_encrypted",
    "deletion_protection",
    "manage_master_user_password",
    "rotate_password",
    "allow_major_version_upgrade",
    "apply_immediately",
)


def names_list(value, arg):
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


def subnets_in_two_zones(zones: dict[str, str], arg: str = "subnets") -> None:
    """Refuse subnets (``{subnet: zone}``, as read) that are not in two zones or more."""
    if len(set(zones.values())) < 2:
        listed = ", ".join(f"{subnet} in {zone}" for subnet, zone in sorted(zones.items()))
        fail(arg, f"must be in at least two availability zones for RDS: {listed}")


def common_inputs(name, args, engine):
    """Check the arguments both database states take (``args``: the state's arguments);
    returns ``{"name", "engine_version", "length", "paths", "desired"}`` with the common
    part of the desired settings."""
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
    paths = layout.single(args["pillar_keys"], PILLAR_NAMES, DEFAULT_PILLAR_KEYS)
    if "password" not in paths and not args["manage_master_user_password"]:
        # The generated master password is written nowhere else: without a path it is lost.
        fail(
            "pillar_keys:password",
            "a pillar key path is required for the generated master password "
            "(or set manage_master_user_password: true to leave it to Secrets Manager)",
        )
    return {
        "name": identifier(name),
        "engine_version": engine_version(args["engine_version"]),
        "length": password_length(args["password_length"], engine),
        "paths": paths,
        "desired": {
            "deletion_protection": args["deletion_protection"],
            "storage_encrypted": args["storage_encrypted"],
            "master_username": master_username(args["master_username"]),
            "db_name": db_name(args["db_name"]),
        },
    }


# --- engine versions -------------------------------------------------------------------------


def version_key(version):
    """Sort key of a version string (``16.10`` after ``16.9``)."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def major_of(version):
    """The major version: ``16`` of ``16.3``, ``9.6`` of ``9.6.24`` (before PostgreSQL 10)."""
    parts = version.split(".")
    return ".".join(parts[:2]) if parts[0] == "9" else parts[0]


def choose_engine_version(versions, wanted, default=None):
    """The version to create: ``wanted`` resolved against ``versions`` (the
    ``DBEngineVersions`` of ``DescribeDBEngineVersions``). ``None`` → ``default`` (the region's
    default, from the ``DefaultOnly`` answer); ``latest`` → the newest; a major → its newest
    minor; a full version must be listed. Raises ``SaltInvocationError`` naming
    ``engine_version`` when nothing matches."""
    names = sorted({item["EngineVersion"] for item in versions}, key=version_key)
    if wanted is None:
        if default:
            return default
        wanted = "latest"
    if wanted == "latest":
        if not names:
            fail("engine_version", "the region lists no versions for this engine")
        return names[-1]
    if wanted in names:
        return wanted
    minors = [name for name in names if major_of(name) == wanted]
    if minors:
        return minors[-1]
    fail("engine_version", f"not offered in this region; available: {', '.join(names)}", wanted)
    return None


def serverless_min_capacity(versions, version):
    """The lowest ``MinCapacity`` Serverless v2 allows on ``version`` (0 where it can pause,
    else 0.5); ``None`` when the version does not support Serverless v2."""
    for item in versions:
        if item["EngineVersion"] == version:
            support = item.get("ServerlessV2FeaturesSupport")
            return float(support["MinCapacity"]) if support else None
    return None


def choose_aurora_version(versions, wanted):
    """The Aurora PostgreSQL version to create: by default the newest whose Serverless v2
    support allows ``MinCapacity`` 0 (auto-pause), else the newest with Serverless v2."""
    serverless = [item for item in versions if item.get("ServerlessV2FeaturesSupport")]
    if wanted is None:
        pausing = [
            item for item in serverless if item["ServerlessV2FeaturesSupport"]["MinCapacity"] == 0
        ]
        return choose_engine_version(pausing or serverless, "latest")
    return choose_engine_version(serverless, wanted)


def effective_min_capacity(wanted, version_floor):
    """``(min_capacity, note)``: ``wanted`` raised to what the version allows, with a note
    saying so (``None`` when no raise was needed)."""
    if version_floor is None or wanted >= version_floor:
        return wanted, None
    return version_floor, (
        f"min_capacity {wanted:g} is not supported by this engine version (it cannot pause); "
        f"using {version_floor:g}"
    )


def is_major(version):
    """``17`` or ``9.6``: a major version, not a full one."""
    return major_of(version) == version


def needs_version_list(current, wanted):
    """Whether ``wanted`` must be resolved with ``DescribeDBEngineVersions`` for a database
    on ``current`` (``latest``, or another major than the running one)."""
    if wanted is None:
        return False
    return wanted == "latest" or (is_major(wanted) and wanted != major_of(current))


def version_change(current, target, allow_major):
    """``(target, refusal)`` for a database on ``current`` asked for ``target`` (a full
    version, a major or ``None``). ``target`` comes back ``None`` when nothing changes;
    ``refusal`` explains a downgrade or a major upgrade that was not allowed."""
    if target is None or target == current or (is_major(target) and target == major_of(current)):
        return None, None
    if version_key(target) < version_key(current):
        return (
            None,
            f"engine_version {target} is older than the running {current}: RDS cannot downgrade",
        )
    if major_of(target) != major_of(current) and not allow_major:
        return None, (
            f"engine_version {target} is a major version upgrade from {current}; set "
            "allow_major_version_upgrade: true to do it"
        )
    return target, None


# --- drift -----------------------------------------------------------------------------------

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


def drift(current, desired, modifiable):
    """``(changes, params, fixed)`` between a described database and the desired settings:
    ``changes`` ``{field: {"old", "new"}}`` for the modifiable fields that differ, ``params``
    the ModifyDB* parameters that set them, ``fixed`` the create-only fields that differ."""
    changes, params = {}, {}
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


def storage_refusal(current, desired):
    """RDS can grow storage but never shrink it: the message when ``desired`` asks to."""
    old, new = current.get("allocated_storage"), desired.get("allocated_storage")
    if old is not None and new is not None and new < old:
        return (
            f"allocated_storage {new} is less than the current {old} GiB: RDS cannot shrink storage"
        )
    return None


def fixed_refusal(what, fixed):
    """The message for create-only settings that differ (``drift``'s ``fixed``)."""
    if not fixed:
        return None
    listed = "; ".join(f"{field} is {d['old']!r}, not {d['new']!r}" for field, d in fixed.items())
    return f"{what}: {listed}. These are set when the database is created and cannot change"


# --- the master password in the pillar file --------------------------------------------------


def pending_path(password_path):
    """Where a rotation keeps the new password until the database has it."""
    return f"{password_path}_pending"


def password_age_days(tags, now):
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


def password_stamp(now):
    return now.astimezone(datetime.timezone.utc).replace(microsecond=0).isoformat()


def rotation_reason(exists, in_pillar, age_days, rotate_after_days, rotate_now, managed_now):
    """Why the master password must be set on an existing database now, or ``None``.

    ``in_pillar``: ``{"password": bool, "pending": bool}`` (present in the pillar file);
    ``managed_now``: the database keeps its password in Secrets Manager today."""
    if not exists:
        return None
    if in_pillar["pending"]:
        return "a password rotation was interrupted: setting the pending password again"
    if managed_now:
        return "the password moves from Secrets Manager to the pillar file"
    if not in_pillar["password"]:
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


# --- connection details ----------------------------------------------------------------------

PILLAR_NAMES = ("host", "port", "username", "password", "dbname", "url", "secret_arn")
DEFAULT_PILLAR_KEYS = {
    "host": "postgres:host",
    "port": "postgres:port",
    "username": "postgres:username",
    "password": "postgres:password",
    "dbname": "postgres:dbname",
}


# The secret key paths of the default layout (the URL has no default path: this is the one the
# documentation suggests), masked by pillar_file.read whoever asks.
DEFAULT_SECRETS = ("postgres:password", "postgres:password_pending", "postgres:url")


def pillar_writes(args):
    """What a ``present`` call with the arguments ``args`` (a chunk of the low state) writes
    in its pillar file (``awsrunbook_layout.Writes``): the host, the password and the URL
    are the database's own, so two databases never share their paths."""
    paths = layout.single(args.get("pillar_keys"), PILLAR_NAMES, DEFAULT_PILLAR_KEYS)
    known = {
        "username": args.get("master_username") or "postgres",
        "dbname": args.get("db_name") or "postgres",
    }
    values = dict.fromkeys(pillar_paths(paths), layout.UNKNOWN)
    values.update({paths[name]: value for name, value in known.items() if name in paths})
    return layout.Writes(args["pillar_file"], values, frozenset(secret_paths(paths)))


WRITER = layout.Writer(DEFAULT_SECRETS, pillar_writes)


def connection_values(paths, host, port, username, dbname, secret_arn=None):
    """``{pillar path: value}`` of the non-secret connection details that are known (a
    ``None`` is left out: the host appears only once the database is available)."""
    known = {
        "host": host,
        "port": port,
        "username": username,
        "dbname": dbname,
        "secret_arn": secret_arn,
    }
    return {
        paths[name]: value for name, value in known.items() if name in paths and value is not None
    }


def postgres_url(host, port, username, password, dbname):
    """``postgresql://user:password@host:port/dbname`` with every part percent-encoded
    (``password`` ``None``: a URL without one, for passwords kept in Secrets Manager)."""
    quote = urllib.parse.quote
    credentials = quote(username, safe="")
    if password is not None:
        credentials += ":" + quote(password, safe="")
    path = f"/{quote(dbname, safe='')}" if dbname else ""
    return f"postgresql://{credentials}@{host}:{int(port)}{path}"


def scaling(min_capacity, max_capacity, seconds_until_auto_pause):
    """Serverless v2 scaling in the API's spelling, compared as such: the pause delay only
    counts when the minimum is 0 (RDS ignores it otherwise)."""
    config = {"MinCapacity": float(min_capacity), "MaxCapacity": float(max_capacity)}
    if min_capacity == 0 and seconds_until_auto_pause is not None:
        config["SecondsUntilAutoPause"] = int(seconds_until_auto_pause)
    return config


# libpq reports connection failures without a SQLSTATE (psycopg's ``sqlstate`` is None), so
# the server's or libpq's message is all there is to tell them apart.
_CONNECTION_FAILURES = (
    ("password authentication failed", "authentication failed (wrong password?)"),
    ("no pg_hba.conf entry", "the server's pg_hba.conf rejects this client"),
    ("does not exist", "the database or role does not exist"),
    ("ssl", "TLS negotiation failed"),
    ("timeout expired", "the server did not answer in time (unreachable or firewalled?)"),
)


def connection_error(exc, password):
    """A message for a failed connection that names the kind of failure and never the
    password (scrubbed should a driver ever echo it)."""
    text = " ".join(str(exc).split())
    if password:
        text = text.replace(password, "***")
    lowered = text.lower()
    meaning = next(
        (meaning for needle, meaning in _CONNECTION_FAILURES if needle in lowered),
        "the server could not be reached",
    )
    return f"{meaning}: {text}"


# --- plans shared by rds_postgres and rds_aurora_postgres ------------------------------------

CALLS = {
    "instance": {
        "create": "aws_rds.create_db_instance",
        "modify": "aws_rds.modify_db_instance",
        "wait": "aws_rds.wait_for_db_instance",
    },
    "cluster": {
        "create": "aws_rds.create_db_cluster",
        "modify": "aws_rds.modify_db_cluster",
        "wait": "aws_rds.wait_for_db_cluster",
    },
}


def database(kind, name, engine, pillar_file, paths, length):
    """What the plans below need to know about the database a state manages: ``kind``
    (``instance`` or ``cluster``), its identifier and engine, the pillar file, its key paths
    (``pillar_keys`` merged over the defaults) and the password length to generate."""
    return {
        "kind": kind,
        "name": name,
        "engine": engine,
        "pillar_file": pillar_file,
        "paths": paths,
        "length": length,
    }


def read_database(kind, engine, checked, args, salt_funcs):
    """The start both database states' ``present`` share, after their arguments were checked
    (``checked``; ``args``: ``present``'s arguments): ``(ret, conn, db, what the pillar file
    holds, the database as RDS describes it)``; ``db`` also gets ``encryption`` and
    ``plaintext`` (``awsrunbook_writers.encryption``). The pillar file must be able to take
    every detail, and encryption must work, before RDS is asked anything."""
    ret, conn, _ = st.begin(args["name"], args["kwargs"], salt_funcs)
    pillar_file = args["pillar_file"]
    db = database(kind, checked["name"], engine, pillar_file, checked["paths"], checked["length"])
    paths = pillar_paths(checked["paths"])
    mask = secret_paths(checked["paths"])
    db["encryption"], db["plaintext"] = writers.encryption(
        salt_funcs, WRITER.writes(args), args["gpg_recipients"]
    )
    salt_funcs["pillar_file.check_writable"](pillar_file, paths, mask=mask)
    values_now = salt_funcs["pillar_file.read"](pillar_file, paths, mask=mask)
    current = salt_funcs["aws_rds.describe_settled"](kind, checked["name"], args["wait"], **conn)
    return ret, conn, db, values_now, current


def plan_create(db, settings, shown, in_pillar, stamp, wait, managed):
    """Create the database: its password is written into the pillar file BEFORE the create
    call (a crash after CreateDB* leaves the file holding the password the database got; a
    run that finds a password in the file and no database creates with that password).
    ``shown``: the settings as ``changes`` shows them. With ``wait`` (seconds), poll until
    available and save the description as ``described``."""
    steps = []
    password_path = None if managed else db["paths"]["password"]
    if password_path and not in_pillar["password"]:
        steps.append(_new_password_step(db, password_path, f"written to {db['pillar_file']}"))
    steps.append(
        st.step(
            db["kind"],
            None,
            shown,
            CALLS[db["kind"]]["create"],
            save="created",
            name=db["name"],
            settings=settings,
            pillar_file=db["pillar_file"],
            password_path=password_path,
            tags={} if managed else {PASSWORD_TAG: stamp},
        )
    )
    if wait:
        steps.append(plan_wait(db, "creating", wait))
    return steps


def _new_password_step(db, path, shown):
    """Generate a password into the pillar file at ``path`` (encrypted when the state
    encrypts); ``changes`` shows ``password: <shown>``."""
    return st.local_step(
        "password",
        None,
        shown,
        "aws_rds.new_password_into_pillar",
        one_line=True,
        pillar_file=db["pillar_file"],
        path=path,
        length=db["length"],
        encryption=db.get("encryption"),
    )


def plan_wait(db, status, wait):
    return st.step(
        "status",
        status,
        "available",
        CALLS[db["kind"]]["wait"],
        save="described",
        name=db["name"],
        timeout=wait,
    )


def plan_modify(db, changes, params, apply_immediately):
    """One ModifyDB* call correcting every drifted setting (RDS takes one modification at a
    time); ``changes`` shows old/new per setting under ``settings``."""
    if not params:
        return []
    return [
        st.step(
            "settings",
            {field: change["old"] for field, change in changes.items()},
            {field: change["new"] for field, change in changes.items()},
            CALLS[db["kind"]]["modify"],
            name=db["name"],
            params=params,
            apply_immediately=apply_immediately,
        )
    ]


def plan_rotation(db, reason, in_pillar, current, stamp):
    """Set a new master password on an existing database without ever leaving the pillar
    file with a password the database refuses, nor losing one it was given:

    1. the new password is written to the pending key (``<password path>_pending``);
    2. ``ModifyDB*`` ``MasterUserPassword`` with it, applied immediately;
    3. the rotation date is tagged (``PASSWORD_TAG``);
    4. the pending password is promoted to the password key and the pending key removed.

    A run stopped after 1 or 2 finds the pending key and starts at 2 with the same password
    (setting it twice is harmless); stopped during 4, both keys hold the new password. A
    database whose password Secrets Manager manages (``current["secret_arn"]``) stops that
    in step 2.
    """
    pending = pending_path(db["paths"]["password"])
    rotated = f"rotated, written to {db['pillar_file']}"
    steps = []
    if not in_pillar["pending"]:
        steps.append(_new_password_step(db, pending, rotated))
    return [
        *steps,
        st.step(
            "password",
            None,
            rotated,
            "aws_rds.set_master_password",
            one_line=True,
            says=f"master password {{would}}set: {reason}",
            name=db["name"],
            kind=db["kind"],
            engine=db["engine"],
            pillar_file=db["pillar_file"],
            path=pending,
            stop_managing=bool(current["secret_arn"]),
        ),
        st.step(
            "password",
            None,
            rotated,
            "aws_rds.tag_resource",
            one_line=True,
            arn=current["arn"],
            tags={PASSWORD_TAG: stamp},
        ),
        st.local_step(
            "password",
            None,
            rotated,
            "aws_rds.promote_pending_password",
            one_line=True,
            pillar_file=db["pillar_file"],
            pending=pending,
            path=db["paths"]["password"],
            encryption=db.get("encryption"),
        ),
    ]


def plan_managed(db, in_pillar):
    """Hand the password to Secrets Manager (``ManageMasterUserPassword``) and take it out
    of the pillar file; ``secret_arn`` is written once known."""
    steps = [
        st.step(
            "manage_master_user_password",
            False,
            True,
            CALLS[db["kind"]]["modify"],
            save="described",
            name=db["name"],
            params={"ManageMasterUserPassword": True},
            apply_immediately=True,
        )
    ]
    present = [
        path
        for name, path in (
            ("password", db["paths"]["password"]),
            ("pending", pending_path(db["paths"]["password"])),
        )
        if in_pillar[name]
    ]
    if present:
        steps.append(
            st.local_step(
                "pillar", present, None, "pillar_file.remove", path=db["pillar_file"], keys=present
            )
        )
    return steps


def plan_url(db, in_pillar, parts, rewrite, managed):
    """(Re)write the ``postgresql://`` URL when it is missing or ``rewrite`` (a part of it
    changed in this plan); ``parts``: host, port, username, dbname (the host may be a
    ``Ref``; ``None``: not known yet, no URL)."""
    url_path = db["paths"].get("url")
    if not url_path or parts["host"] is None or (in_pillar["url"] and not rewrite):
        return []
    return [
        st.local_step(
            "url",
            None,
            f"written to {db['pillar_file']}",
            "aws_rds.write_connection_url",
            one_line=True,
            pillar_file=db["pillar_file"],
            url_path=url_path,
            password_path=None if managed else db["paths"]["password"],
            encryption=db.get("encryption"),
            **parts,
        )
    ]


def _host(value):
    return value["host"]


def _secret(value):
    return value["secret_arn"]


def plan_context(db, current, desired, values_now, args, version, now):
    """``(pillar, opts)`` for ``plan_present`` from what both states read and were given
    (``args``: the state's arguments; ``version``: the target version)."""
    managed = args["manage_master_user_password"]
    found = in_pillar(db["paths"], values_now)
    rotation = rotation_reason(
        current is not None and not managed,
        found,
        password_age_days(current and current["tags"], now),
        args["rotate_password_after_days"],
        args["rotate_password"],
        bool(current and current["secret_arn"]),
    )
    pillar = {
        "in": found,
        "values": values_now,
        "parts": {
            "port": current["port"] if current else 5432,
            "username": desired["master_username"],
            "dbname": desired["db_name"] or "postgres",
        },
    }
    opts = {
        "wait": args["wait"],
        "managed": managed,
        "apply_immediately": args["apply_immediately"],
        "stamp": password_stamp(now),
        "modifiable": INSTANCE_MODIFIABLE if db["kind"] == "instance" else CLUSTER_MODIFIABLE,
        "version": version if current else None,
        "rotation": rotation,
    }
    return pillar, opts


MANAGED_NOTE = (
    "the master password is in Secrets Manager, which rotates it every 7 days by default: "
    "set the secret's rotation schedule to what you want"
)


def plan_present(db, current, desired, create, pillar, opts):
    """Every step ``present`` takes for a DB instance or cluster, shared by both states.
    Returns ``(steps, notes)``; raises ``SaltInvocationError`` when the database differs in
    a way the state refuses to change (a create-only setting, a smaller disk, a major
    version without ``allow_major_version_upgrade``).

    ``create``: ``{"settings", "shown"}`` for a new database. ``pillar``: ``{"in": {password,
    pending, url: bool}, "values": {path: value}, "parts": {port, username, dbname}}``.
    ``opts``: ``wait``, ``managed``, ``apply_immediately``, ``stamp``, ``modifiable``,
    ``version`` (the target version or ``None``), ``rotation`` (a reason or ``None``)."""
    if current is None:
        steps = plan_create(
            db,
            create["settings"],
            create["shown"],
            pillar["in"],
            opts["stamp"],
            opts["wait"],
            opts["managed"],
        )
        # A cluster's endpoint name is in CreateDBCluster's answer; an instance's only once
        # it is available.
        host = st.Ref("described", _host, shown="(once available)") if opts["wait"] else None
        if db["kind"] == "cluster" and not opts["wait"]:
            host = st.Ref("created", _host, shown="(the cluster endpoint)")
        secret = st.Ref("created", _secret, shown="(new secret)") if opts["managed"] else None
        notes = (
            []
            if host
            else [
                f"DB {db['kind']} {db['name']} is being created: its host is written to "
                f"{db['pillar_file']} once it is available (run again, or give wait: SECONDS)"
            ]
        )
        rewrite = True
    else:
        steps, notes = _plan_existing(db, current, desired, pillar, opts)
        host, secret = current["host"], current["secret_arn"] if opts["managed"] else None
        if any(step["field"] == "manage_master_user_password" for step in steps):
            secret = st.Ref("described", _secret, shown="(new secret)")
        rewrite = any(step["field"] == "password" for step in steps)
    values = connection_values(db["paths"], host, secret_arn=secret, **pillar["parts"])
    value_steps = [
        st.local_step(
            f"pillar {path}",
            pillar["values"].get(path),
            value,
            "pillar_file.set_values",
            path=db["pillar_file"],
            values={path: value},
        )
        for path, value in values.items()
        if pillar["values"].get(path) != value
    ]
    if opts["managed"]:
        notes.append(MANAGED_NOTE)
    parts = {"host": host, **pillar["parts"]}
    url = plan_url(db, pillar["in"], parts, rewrite or bool(value_steps), opts["managed"])
    return steps + value_steps + url + plan_encrypt_in_place(db), notes


def plan_encrypt_in_place(db):
    """Encrypt the secrets the pillar file holds in the clear while encryption is on, after
    every other step (a create or a URL reads the password in the clear, no key needed):
    ``changes`` shows ``password: encrypted in place`` (``url`` likewise)."""
    plaintext = db.get("plaintext") or []
    names = {path: name for name, path in db["paths"].items()}
    steps = []
    for name in ("password", "url"):
        own = [p for p in plaintext if names.get(p, "password") == name]
        steps += keys.plan_encrypt_in_place(db["pillar_file"], db.get("encryption"), own, name)
    return steps


def _plan_existing(db, current, desired, pillar, opts):
    """Drift, password and Secrets Manager steps for a database that exists."""
    what = f"DB {db['kind']} {db['name']}"
    changes, params, fixed = drift(current, desired, opts["modifiable"])
    refusal = fixed_refusal(what, fixed) or storage_refusal(current, desired)
    if refusal:
        raise SaltInvocationError(refusal)
    if opts["version"]:
        changes["engine_version"] = {"old": current["engine_version"], "new": opts["version"]}
        params["EngineVersion"] = opts["version"]
        if major_of(opts["version"]) != major_of(current["engine_version"]):
            params["AllowMajorVersionUpgrade"] = True
    notes = []
    if current["status"] != "available" and params:
        notes.append(
            f"{what} is {current['status']}: its settings are corrected once it is available"
        )
        changes, params = {}, {}
    steps = plan_modify(db, changes, params, opts["apply_immediately"])
    if opts["managed"] and not current["secret_arn"]:
        steps += plan_managed(db, pillar["in"])
    elif opts["rotation"]:
        steps += plan_rotation(db, opts["rotation"], pillar["in"], current, opts["stamp"])
    return steps, notes


def plan_absent(kind, name, current, final_snapshot, pillar_file, in_pillar):
    """Delete the database (after a final snapshot, when named) and remove its connection
    details from ``pillar_file`` (``in_pillar``: ``pillar_file.read``'s masked answer).
    Refused while deletion protection is on."""
    if current is not None and current["deletion_protection"]:
        raise SaltInvocationError(
            f"DB {kind} {name} has deletion protection on: turn it off first (present with "
            "deletion_protection: false)"
        )
    steps = []
    if current is not None and current["status"] != "deleting":
        steps.append(
            st.step(
                kind,
                {"status": current["status"], "engine_version": current["engine_version"]},
                None,
                f"aws_rds.delete_db_{kind}",
                says=f"final snapshot {final_snapshot} {{would}}taken" if final_snapshot else None,
                name=name,
                final_snapshot=final_snapshot,
            )
        )
    return steps + keys.plan_pillar_removal(pillar_file, in_pillar or {})


def read_absent(kind, args, salt_funcs):
    """The start both database states' ``absent`` share: check its arguments (``args``), read
    the database and what the pillar file holds of it, and plan their removal. Returns
    ``(ret, conn, name, the database as RDS describes it, steps)``."""
    name = identifier(args["name"])
    final_snapshot, pillar_file = args["final_snapshot"], args["pillar_file"]
    paths = absent_inputs(
        final_snapshot, args["skip_final_snapshot"], pillar_file, args["pillar_keys"]
    )
    ret, conn, _ = st.begin(name, args["kwargs"], salt_funcs)
    current = salt_funcs[f"aws_rds.describe_db_{kind}"](name, **conn)
    everything = pillar_paths(paths)
    in_pillar = pillar_file and salt_funcs["pillar_file.read"](
        pillar_file, everything, mask=everything
    )
    return (
        ret,
        conn,
        name,
        current,
        plan_absent(kind, name, current, final_snapshot, pillar_file, in_pillar),
    )


def pillar_paths(paths):
    """Every key path the database's details may occupy (with the pending password)."""
    found = list(paths.values())
    if "password" in paths:
        found.append(pending_path(paths["password"]))
    return found


def secret_paths(paths):
    """The key paths whose values are secrets (read masked): password, pending, URL."""
    return [path for path in pillar_paths(paths) if path not in connection_paths(paths)]


def connection_paths(paths):
    names = ("host", "port", "username", "dbname", "secret_arn")
    return [paths[name] for name in names if name in paths]


def in_pillar(paths, values_now):
    """Which secrets the pillar file holds (``pillar_file.read``'s masked answer)."""
    password = paths.get("password")
    return {
        "password": bool(password and values_now.get(password)),
        "pending": bool(password and values_now.get(pending_path(password))),
        "url": bool(values_now.get(paths.get("url"))),
    }


def absent_inputs(final_snapshot, skip_final_snapshot, pillar_file, pillar_keys):
    """Check ``absent``'s arguments; returns the pillar key paths (``{}`` without a file)."""
    if not isinstance(skip_final_snapshot, bool):
        fail("skip_final_snapshot", "must be true or false", skip_final_snapshot)
    if (final_snapshot is None) == (not skip_final_snapshot):
        fail(
            "final_snapshot",
            "give final_snapshot: NAME or skip_final_snapshot: true (not both): data is never "
            "deleted silently",
        )
    if final_snapshot is not None:
        identifier(final_snapshot, "final_snapshot")
    if pillar_file is None:
        return {}
    if not isinstance(pillar_file, str) or not pillar_file.startswith("/"):
        fail("pillar_file", "must be an absolute file path", pillar_file)
    return layout.single(pillar_keys, PILLAR_NAMES, DEFAULT_PILLAR_KEYS)
