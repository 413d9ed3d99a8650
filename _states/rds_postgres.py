"""RDS PostgreSQL instances, as the runbook's "Relational Database Service (RDS)" section makes
them by hand (free tier, "Auto generate a password", "View connection details"): the
database is created with a generated master password, and the connection details go into
the pillar file of the server that uses it.

.. code-block:: yaml

    postgresql-anywhere:
      ec2_security_group.present:
        - description: Allows PostgreSQL connections from anywhere
        - ingress:
            - {protocol: tcp, port: 5432, cidr: 0.0.0.0/0}
            - {protocol: tcp, port: 5432, ipv6_cidr: "::/0"}
        - region: us-east-1

    analytics:
      rds_postgres.present:
        # gets postgres:host, :port, :username, :password and :dbname
        - pillar_file: /srv/pillar/private/analytics.sls
        - engine_version: latest
        - wait: 1200                 # creation takes minutes; progress is logged at info
        - region: us-east-1
        - require:
          - ec2_security_group: postgresql-anywhere

The defaults are the runbook's: ``db.t3.micro``, 20 GiB gp2 without storage autoscaling,
publicly accessible, the ``postgresql-anywhere`` group only, no automated backups, no
encryption, no Performance Insights.

The master password: written into ``pillar_file`` BEFORE ``CreateDBInstance`` (so a crash
after the create leaves the file holding the password the database got, and a run that finds
a password in the file and no instance creates with it). Rotation (``rotate_password``, or
``rotate_password_after_days`` by the date tagged on the instance) writes the new password to
``<password key>_pending`` first, then ``ModifyDBInstance`` ``MasterUserPassword`` (applied
immediately), then moves it to the password key; a run that finds a pending password sets
it again and finishes. The password never appears in ``changes``, comments or logs.
"""

import datetime
from typing import TYPE_CHECKING

from awsrunbook import (
    engine,
    rds_arguments,
    rds_connection,
    rds_plans,
    rds_validate,
    rds_versions,
    writers,
)
from awsrunbook import state as st
from awsrunbook import validate as valid

__virtualname__ = "rds_postgres"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__

ENGINE = "postgres"
KIND = "instance"
STORAGE_TYPES = ("gp2", "gp3")

# What a present call writes in its pillar file, and which paths are secrets (see
# awsrunbook.layout.Writer): the run's collision check and pillar_file.read's masking.
PILLAR_WRITES = rds_connection.WRITER


def __virtual__():
    return __virtualname__


def _inputs(name, args):
    """Validate every argument (before any AWS call); returns them checked, with the desired
    settings."""
    checked = rds_validate.common_inputs(name, args, ENGINE)
    for flag in ("publicly_accessible", "performance_insights"):
        valid.boolean(args[flag], flag)
    valid.one_of(args["storage_type"], "storage_type", STORAGE_TYPES)
    storage = rds_validate.allocated_storage(args["allocated_storage"])
    max_storage = args["max_allocated_storage"]
    if max_storage is not None:
        rds_validate.whole_number(max_storage, "max_allocated_storage", storage + 1, 65536)
    retention = rds_validate.whole_number(
        args["backup_retention_days"], "backup_retention_days", 0, 35
    )
    return checked.declaring(
        instance_class=rds_validate.instance_class(args["instance_class"]),
        allocated_storage=storage,
        max_allocated_storage=max_storage or storage,
        storage_type=args["storage_type"],
        publicly_accessible=args["publicly_accessible"],
        backup_retention_days=retention,
        performance_insights=args["performance_insights"],
        subnet_group=args["subnet_group"],
    )


def _create_settings(desired, version, managed):
    settings = {
        "Engine": ENGINE,
        "EngineVersion": version,
        "DBInstanceClass": desired["instance_class"],
        "AllocatedStorage": desired["allocated_storage"],
        "StorageType": desired["storage_type"],
        "PubliclyAccessible": desired["publicly_accessible"],
        "VpcSecurityGroupIds": desired["security_group_ids"],
        "BackupRetentionPeriod": desired["backup_retention_days"],
        "StorageEncrypted": desired["storage_encrypted"],
        "EnablePerformanceInsights": desired["performance_insights"],
        "DeletionProtection": desired["deletion_protection"],
        "MasterUsername": desired["master_username"],
    }
    if desired["max_allocated_storage"] > desired["allocated_storage"]:
        settings["MaxAllocatedStorage"] = desired["max_allocated_storage"]
    optional = {
        "DBName": desired["db_name"],
        "DBSubnetGroupName": desired["subnet_group"],
        "ManageMasterUserPassword": managed or None,
    }
    settings.update({key: value for key, value in optional.items() if value is not None})
    return rds_plans.Create(
        settings=settings,
        shown={"engine_version": version, **{k: v for k, v in desired.items() if v is not None}},
    )


def _version(current, wanted, allow_major, conn):
    """The version to create with (``current`` ``None``) or to move to (``None``: stay)."""
    if current is None:
        if wanted is not None and not rds_versions.is_major(wanted) and wanted != "latest":
            return wanted
        versions = __salt__["aws_rds.engine_versions"](ENGINE, default_only=wanted is None, **conn)
        return rds_versions.choose_engine_version(versions, wanted or "latest")
    target = wanted
    if rds_versions.needs_version_list(current["engine_version"], wanted):
        target = rds_versions.choose_engine_version(
            __salt__["aws_rds.engine_versions"](ENGINE, **conn), wanted
        )
    target, refusal = rds_versions.version_change(current["engine_version"], target, allow_major)
    if refusal:
        valid.fail("engine_version", refusal)
    return target


def _group_ids(groups, vpc, subnet_group, conn, test):
    """Security group IDs; in a test run, names of groups an earlier state would create."""
    if all(group.startswith("sg-") for group in groups):
        return sorted(groups)
    if subnet_group and not vpc:
        vpc = __salt__["aws_rds.describe_db_subnet_group"](subnet_group, **conn)["vpc_id"]
    vpc_id = __salt__["aws_ec2.vpc_id"](vpc, missing_ok=test, **conn)
    return sorted(__salt__["aws_ec2.security_group_ids"](groups, vpc_id, missing_ok=test, **conn))


@rds_arguments.shows(rds_arguments.Shared)
@engine.state(pillar=PILLAR_WRITES)
def present(
    name,
    pillar_file=None,
    engine_version=None,
    instance_class="db.t3.micro",
    allocated_storage=20,
    max_allocated_storage=None,
    storage_type="gp2",
    publicly_accessible=True,
    security_groups=("postgresql-anywhere",),
    vpc=None,
    subnet_group=None,
    backup_retention_days=0,
    storage_encrypted=False,
    performance_insights=False,
    deletion_protection=False,
    master_username="postgres",
    db_name=None,
    *,
    run,
    **kwargs,
):
    """Ensure the RDS PostgreSQL instance ``name`` exists as declared, and that
    ``pillar_file`` holds its connection details.

    name
        The DB instance identifier.
    pillar_file
        Absolute path of the plain-YAML pillar file that gets the connection details.
    pillar_keys
        Where each detail goes: a mapping of ``host``, ``port``, ``username``, ``password``,
        ``dbname``, ``url`` (a ``postgresql://`` URL, off by default) and ``secret_arn``
        to key paths. Default ``postgres:host``, ``postgres:port``, ``postgres:username``,
        ``postgres:password``, ``postgres:dbname``; ``null`` leaves one out.
    engine_version
        Default: the region's default version (resolved with DescribeDBEngineVersions at
        creation). ``latest``: the newest; a major (``17``): its newest minor; or a full
        version. A major version change is refused unless
        ``allow_major_version_upgrade: true``.
    instance_class, allocated_storage, max_allocated_storage, storage_type
        ``db.t3.micro``, 20 GiB, no storage autoscaling (give a maximum to turn it on),
        ``gp2``.
    publicly_accessible, security_groups, vpc, subnet_group
        Public access (default true); security group names (in ``vpc``, by default the
        region's default VPC, or the subnet group's) or IDs, default
        ``[postgresql-anywhere]``; a DB subnet group.
    backup_retention_days, storage_encrypted, performance_insights, deletion_protection
        0 (automated backups off), false, false, false.
    master_username, db_name
        ``postgres``; an initial database (default none: ``dbname`` gets ``postgres``).
    password_length
        Length of generated passwords (8-128; default 32).
    rotate_password_after_days, rotate_password
        Set a new master password once the current one is this old; or on this run.
    manage_master_user_password
        Leave the password to RDS and Secrets Manager (the pillar gets ``secret_arn``).
    apply_immediately
        Apply setting corrections now rather than in the maintenance window (default true).
    wait
        Seconds to wait for the instance to become available (progress logged at info).
    gpg_recipients
        Key fingerprints to encrypt the password (and URL) to, over the ``aws_runbook_gpg``
        config key's ``recipients`` (``[]``: no encryption for this state). Creating the
        database or rotating its password reads the password back: with encryption on,
        that needs the secret key in ``gpg_keydir``. See :doc:`/secrets-encryption`.
    region, profile, keyid, key, role_arn
        Connection arguments.
    """
    args, shared = rds_arguments.split(locals())
    checked = _inputs(name, args)
    writes = PILLAR_WRITES.writes(args)
    run.check_no_collision(writes)
    name = checked.name
    ret, conn, _ = run.begin(args["name"], kwargs)
    # Encryption must work (and a plaintext secret be found) before RDS is asked anything.
    encryption, plaintext = writers.encryption(__salt__, writes, shared.gpg_recipients)
    db = rds_plans.Database(
        KIND, name, ENGINE, pillar_file, checked.paths, checked.length, encryption, (*plaintext,)
    )
    found = __salt__["aws_rds.read_for_present"](
        KIND, db.name, pillar_file, db.paths, shared.wait, **conn
    )
    current = found["database"]
    version = _version(current, checked.engine_version, shared.allow_major_version_upgrade, conn)
    desired = {
        **checked.desired,
        "security_group_ids": _group_ids(list(security_groups), vpc, subnet_group, conn, run.test),
    }

    now = datetime.datetime.now(datetime.timezone.utc)
    pillar, opts = rds_plans.plan_context(
        db, current, desired, found["pillar"], shared, version, now
    )
    create = _create_settings(desired, version, shared.manage_master_user_password)
    steps, notes = rds_plans.plan_present(db, current, desired, create, pillar, opts)
    run.apply(ret, steps, f"DB instance {name}", notes)
    return ret


@rds_arguments.shows(rds_arguments.Absent)
@engine.state()
def absent(name, *, run, **kwargs):
    """Ensure the DB instance ``name`` is gone. Give ``final_snapshot: NAME`` (a snapshot is
    taken first) or ``skip_final_snapshot: true``: data is never deleted silently. An
    instance with deletion protection is refused (turn it off with ``present`` first). With
    ``pillar_file``, its connection details are removed from the file."""
    checked = rds_validate.absent_inputs(name, rds_arguments.take(rds_arguments.Absent, kwargs))
    name = checked.name
    ret, conn, _ = run.begin(name, kwargs)
    found = __salt__["aws_rds.read_for_absent"](
        KIND, name, checked.pillar_file, checked.paths, **conn
    )
    steps = rds_plans.plan_absent(KIND, checked, found["database"], found["pillar"])
    run.apply(ret, steps, f"DB instance {name}", converged=st.ABSENT)
    return ret
