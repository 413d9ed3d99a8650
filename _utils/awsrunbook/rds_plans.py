"""The plans both database states share (``rds_postgres`` for a DB instance,
``rds_aurora_postgres`` for a DB cluster): create, correct drift, rotate the master password
or hand it to Secrets Manager, write the connection details, delete. Pure: the states read,
these plan, ``awsrunbook.state.run_plan`` applies.

What passes between the planners is named: ``Database`` (which database, where its details
go), ``Create`` (a new database's settings), ``PillarNow`` (what its pillar file holds) and
``Options`` (how ``present`` goes about it).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from salt.exceptions import SaltInvocationError

from awsrunbook import keys, plans, rds_connection, rds_drift, rds_passwords, rds_versions
from awsrunbook.rds_arguments import Shared
from awsrunbook.rds_connection import Held, Parts
from awsrunbook.rds_validate import CheckedAbsent

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
MODIFIABLE = {"instance": rds_drift.INSTANCE_MODIFIABLE, "cluster": rds_drift.CLUSTER_MODIFIABLE}

MANAGED_NOTE = (
    "the master password is in Secrets Manager, which rotates it every 7 days by default: "
    "set the secret's rotation schedule to what you want"
)

# A database as aws_rds describes it (a plain dict: "status", "host", "secret_arn", "tags",
# the settings by field), or None when there is none.
Current = Mapping[str, Any] | None


@dataclasses.dataclass(frozen=True)
class Database:
    """The database a state manages: ``kind`` (``instance`` or ``cluster``), its identifier
    and engine, the pillar file, its key paths (``pillar_keys`` merged over the defaults) and
    the length of the passwords to generate; ``encryption`` (``pillar_file.encryption_for``'s
    answer, ``None``: secrets in the clear) and ``plaintext``, the secret key paths the file
    holds in the clear while encryption is on (``awsrunbook.writers.encryption``)."""

    kind: str
    name: str
    engine: str
    pillar_file: str
    paths: rds_connection.Paths
    length: int
    encryption: Mapping[str, Any] | None = None
    plaintext: tuple[str, ...] = ()

    @property
    def what(self) -> str:
        return f"DB {self.kind} {self.name}"


@dataclasses.dataclass(frozen=True)
class Create:
    """A new database: its ``CreateDB*`` parameters (without identifier and password) and
    the settings as ``changes`` shows them."""

    settings: Mapping[str, Any]
    shown: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class PillarNow:
    """What the pillar file holds of the database: which secrets (``held``), the values of
    the other paths (``pillar_file.read``'s masked answer) and the connection details known
    without asking RDS for its host."""

    held: Held
    values: Mapping[str, Any]
    parts: Parts


@dataclasses.dataclass(frozen=True)
class Options:
    """How ``present`` goes about it: ``wait`` (seconds for the database to become
    available, or ``None``), ``managed`` (Secrets Manager keeps the password),
    ``apply_immediately``, ``stamp`` (``PASSWORD_TAG``'s value for a password set now),
    ``version`` (the version to move an existing database to, or ``None``) and ``rotation``
    (why the password is set again, or ``None``)."""

    wait: int | None
    managed: bool
    apply_immediately: bool
    stamp: str
    version: str | None
    rotation: str | None


def plan_context(
    db: Database,
    current: Current,
    desired: Mapping[str, Any],
    values_now: Mapping[str, Any],
    shared: Shared,
    version: str | None,
    now: datetime.datetime,
) -> tuple[PillarNow, Options]:
    """What ``plan_present`` needs beside the database and the settings, from what both
    states read (``values_now``: ``pillar_file.read``'s masked answer) and were given
    (``version``: the target version)."""
    managed = shared.manage_master_user_password
    held = rds_connection.held(db.paths, values_now)
    rotation = rds_passwords.rotation_reason(
        current is not None and not managed,
        held,
        rds_passwords.password_age_days(current and current["tags"], now),
        shared.rotate_password_after_days,
        shared.rotate_password,
        bool(current and current["secret_arn"]),
    )
    pillar = PillarNow(
        held=held,
        values=values_now,
        parts=Parts(
            port=current["port"] if current else 5432,
            username=desired["master_username"],
            dbname=desired["db_name"] or "postgres",
        ),
    )
    options = Options(
        wait=shared.wait,
        managed=managed,
        apply_immediately=shared.apply_immediately,
        stamp=rds_passwords.password_stamp(now),
        version=version if current else None,
        rotation=rotation,
    )
    return pillar, options


def _new_password_step(db: Database, path: str, shown: str) -> plans.Step:
    """Generate a password into the pillar file at ``path`` (encrypted when the state
    encrypts); ``changes`` shows ``password: <shown>``."""
    return plans.local_step(
        "password",
        None,
        shown,
        "aws_rds.new_password_into_pillar",
        one_line=True,
        pillar_file=db.pillar_file,
        path=path,
        length=db.length,
        encryption=db.encryption,
    )


def plan_create(db: Database, create: Create, held: Held, opts: Options) -> list[plans.Step]:
    """Create the database: its password is written into the pillar file BEFORE the create
    call (a crash after CreateDB* leaves the file holding the password the database got; a
    run that finds a password in the file and no database creates with that password).
    With ``opts.wait`` (seconds), poll until available and save the description as
    ``described``."""
    steps = []
    password_path = None if opts.managed else db.paths["password"]
    if password_path and not held.password:
        steps.append(_new_password_step(db, password_path, f"written to {db.pillar_file}"))
    steps.append(
        plans.step(
            db.kind,
            None,
            create.shown,
            CALLS[db.kind]["create"],
            save="created",
            name=db.name,
            settings=create.settings,
            pillar_file=db.pillar_file,
            password_path=password_path,
            tags={} if opts.managed else {rds_passwords.PASSWORD_TAG: opts.stamp},
        )
    )
    if opts.wait:
        steps.append(plan_wait(db, "creating", opts.wait))
    return steps


def plan_wait(db: Database, status: str, wait: int) -> plans.Step:
    return plans.step(
        "status",
        status,
        "available",
        CALLS[db.kind]["wait"],
        save="described",
        name=db.name,
        timeout=wait,
    )


def plan_modify(
    db: Database, changes: rds_drift.Changes, params: Mapping[str, Any], apply_immediately: bool
) -> list[plans.Step]:
    """One ModifyDB* call correcting every drifted setting (RDS takes one modification at a
    time); ``changes`` shows old/new per setting under ``settings``."""
    if not params:
        return []
    return [
        plans.step(
            "settings",
            {field: change["old"] for field, change in changes.items()},
            {field: change["new"] for field, change in changes.items()},
            CALLS[db.kind]["modify"],
            name=db.name,
            params=dict(params),
            apply_immediately=apply_immediately,
        )
    ]


def plan_rotation(
    db: Database, reason: str, held: Held, current: Mapping[str, Any], stamp: str
) -> list[plans.Step]:
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
    pending = rds_connection.pending_path(db.paths["password"])
    rotated = f"rotated, written to {db.pillar_file}"
    steps = []
    if not held.pending:
        steps.append(_new_password_step(db, pending, rotated))
    return [
        *steps,
        plans.step(
            "password",
            None,
            rotated,
            "aws_rds.set_master_password",
            one_line=True,
            says=f"master password {{would}}set: {reason}",
            name=db.name,
            kind=db.kind,
            engine=db.engine,
            pillar_file=db.pillar_file,
            path=pending,
            stop_managing=bool(current["secret_arn"]),
        ),
        plans.step(
            "password",
            None,
            rotated,
            "aws_rds.tag_resource",
            one_line=True,
            arn=current["arn"],
            tags={rds_passwords.PASSWORD_TAG: stamp},
        ),
        plans.local_step(
            "password",
            None,
            rotated,
            "aws_rds.promote_pending_password",
            one_line=True,
            pillar_file=db.pillar_file,
            pending=pending,
            path=db.paths["password"],
            encryption=db.encryption,
        ),
    ]


def plan_managed(db: Database, held: Held) -> list[plans.Step]:
    """Hand the password to Secrets Manager (``ManageMasterUserPassword``) and take it out
    of the pillar file; ``secret_arn`` is written once known."""
    steps = [
        plans.step(
            "manage_master_user_password",
            False,
            True,
            CALLS[db.kind]["modify"],
            save="described",
            name=db.name,
            params={"ManageMasterUserPassword": True},
            apply_immediately=True,
        )
    ]
    password = db.paths["password"]
    present = [
        path
        for path, there in (
            (password, held.password),
            (rds_connection.pending_path(password), held.pending),
        )
        if there
    ]
    if present:
        steps.append(
            plans.local_step(
                "pillar", present, None, "pillar_file.remove", path=db.pillar_file, keys=present
            )
        )
    return steps


def plan_url(
    db: Database, pillar: PillarNow, host: Any, rewrite: bool, managed: bool
) -> list[plans.Step]:
    """(Re)write the ``postgresql://`` URL when it is missing or ``rewrite`` (a part of it
    changed in this plan); ``host`` may be a ``Ref`` (``None``: not known yet, no URL)."""
    url_path = db.paths.get("url")
    if not url_path or host is None or (pillar.held.url and not rewrite):
        return []
    return [
        plans.local_step(
            "url",
            None,
            f"written to {db.pillar_file}",
            "aws_rds.write_connection_url",
            one_line=True,
            pillar_file=db.pillar_file,
            url_path=url_path,
            password_path=None if managed else db.paths["password"],
            encryption=db.encryption,
            host=host,
            **dataclasses.asdict(pillar.parts),
        )
    ]


def _host(value: Mapping[str, Any]) -> Any:
    return value["host"]


def _secret(value: Mapping[str, Any]) -> Any:
    return value["secret_arn"]


def plan_present(
    db: Database,
    current: Current,
    desired: Mapping[str, Any],
    create: Create,
    pillar: PillarNow,
    opts: Options,
) -> tuple[list[plans.Step], list[str]]:
    """Every step ``present`` takes for a DB instance or cluster, shared by both states.
    Returns ``(steps, notes)``; raises ``SaltInvocationError`` when the database differs in
    a way the state refuses to change (a create-only setting, a smaller disk, a major
    version without ``allow_major_version_upgrade``). ``create`` is used only when
    ``current`` is ``None``."""
    if current is None:
        steps = plan_create(db, create, pillar.held, opts)
        host, secret, notes = _new_host_and_secret(db, opts)
        rewrite = True
    else:
        steps, notes = _plan_existing(db, current, desired, pillar.held, opts)
        host, secret = current["host"], current["secret_arn"] if opts.managed else None
        if any(step["field"] == "manage_master_user_password" for step in steps):
            secret = plans.Ref("described", _secret, shown="(new secret)")
        rewrite = any(step["field"] == "password" for step in steps)
    values = rds_connection.connection_values(db.paths, host, pillar.parts, secret_arn=secret)
    value_steps = [
        plans.local_step(
            f"pillar {path}",
            pillar.values.get(path),
            value,
            "pillar_file.set_values",
            path=db.pillar_file,
            values={path: value},
        )
        for path, value in values.items()
        if pillar.values.get(path) != value
    ]
    if opts.managed:
        notes.append(MANAGED_NOTE)
    url = plan_url(db, pillar, host, rewrite or bool(value_steps), opts.managed)
    return steps + value_steps + url + plan_encrypt_in_place(db), notes


def plan_encrypt_in_place(db: Database) -> list[plans.Step]:
    """Encrypt the secrets the pillar file holds in the clear while encryption is on, after
    every other step (a create or a URL reads the password in the clear, no key needed):
    ``changes`` shows ``password: encrypted in place`` (``url`` likewise)."""
    names = {path: name for name, path in db.paths.items()}
    steps = []
    for name in ("password", "url"):
        own = [path for path in db.plaintext if names.get(path, "password") == name]
        steps += keys.plan_encrypt_in_place(db.pillar_file, db.encryption, own, name)
    return steps


def _new_host_and_secret(db: Database, opts: Options) -> tuple[Any, Any, list[str]]:
    """``(host, secret_arn, notes)`` of a database this plan creates: ``Ref``s to what the
    create (or the wait) returns, ``None`` where not known in this run."""
    # A cluster's endpoint name is in CreateDBCluster's answer; an instance's only once it is
    # available.
    host = plans.Ref("described", _host, shown="(once available)") if opts.wait else None
    if db.kind == "cluster" and not opts.wait:
        host = plans.Ref("created", _host, shown="(the cluster endpoint)")
    secret = plans.Ref("created", _secret, shown="(new secret)") if opts.managed else None
    notes = []
    if host is None:
        notes.append(
            f"{db.what} is being created: its host is written to {db.pillar_file} once it is "
            "available (run again, or give wait: SECONDS)"
        )
    return host, secret, notes


def _plan_existing(
    db: Database, current: Mapping[str, Any], desired: Mapping[str, Any], held: Held, opts: Options
) -> tuple[list[plans.Step], list[str]]:
    """Drift, password and Secrets Manager steps for a database that exists."""
    changes, params, fixed = rds_drift.drift(current, desired, MODIFIABLE[db.kind])
    refusal = rds_drift.fixed_refusal(db.what, fixed) or rds_drift.storage_refusal(current, desired)
    if refusal:
        raise SaltInvocationError(refusal)
    if opts.version:
        changes["engine_version"] = {"old": current["engine_version"], "new": opts.version}
        params["EngineVersion"] = opts.version
        if rds_versions.major_of(opts.version) != rds_versions.major_of(current["engine_version"]):
            params["AllowMajorVersionUpgrade"] = True
    notes = []
    if current["status"] != "available" and params:
        notes.append(
            f"{db.what} is {current['status']}: its settings are corrected once it is available"
        )
        changes, params = {}, {}
    steps = plan_modify(db, changes, params, opts.apply_immediately)
    if opts.managed and not current["secret_arn"]:
        steps += plan_managed(db, held)
    elif opts.rotation:
        steps += plan_rotation(db, opts.rotation, held, current, opts.stamp)
    return steps, notes


def plan_absent(
    kind: str, checked: CheckedAbsent, current: Current, in_pillar: Mapping[str, Any] | None
) -> list[plans.Step]:
    """Delete the database (after a final snapshot, when named) and remove its connection
    details from the pillar file (``in_pillar``: ``pillar_file.read``'s masked answer, or
    ``None`` without a file). Refused while deletion protection is on."""
    name, final_snapshot = checked.name, checked.final_snapshot
    if current is not None and current["deletion_protection"]:
        raise SaltInvocationError(
            f"DB {kind} {name} has deletion protection on: turn it off first (present with "
            "deletion_protection: false)"
        )
    steps = []
    if current is not None and current["status"] != "deleting":
        steps.append(
            plans.step(
                kind,
                {"status": current["status"], "engine_version": current["engine_version"]},
                None,
                f"aws_rds.delete_db_{kind}",
                says=f"final snapshot {final_snapshot} {{would}}taken" if final_snapshot else None,
                name=name,
                final_snapshot=final_snapshot,
            )
        )
    return steps + keys.plan_pillar_removal(checked.pillar_file, in_pillar or {})
