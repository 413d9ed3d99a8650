"""Aurora PostgreSQL on Serverless v2, as the 2020 runbook's "Aurora Serverless" section makes
it by hand (Serverless v1, which that runbook used, reached end of life on 2025-03-31): a
cluster in a VPC's subnets with a ``db.serverless`` writer, pausing after an hour idle, the
Data API on, and the connection details in the pillar file.

.. code-block:: yaml

    aurora:
      ec2_vpc.present:
        - cidr: 10.0.0.0/16
        - subnets:
            aurora-a: {cidr: 10.0.1.0/24, az_index: 0}
            aurora-b: {cidr: 10.0.2.0/24, az_index: 1}
        - region: us-east-1

    postgresql-anywhere:
      ec2_security_group.present:
        - description: Allows PostgreSQL connections from anywhere
        - vpc: aurora
        - ingress:
            - {protocol: tcp, port: 5432, cidr: 0.0.0.0/0}
        - region: us-east-1
        - require:
          - ec2_vpc: aurora

    common:
      rds_aurora_postgres.present:
        - pillar_file: /srv/pillar/private/common.sls
        - vpc: aurora
        - subnets: [aurora-a, aurora-b]
        - region: us-east-1
        - require:
          - ec2_security_group: postgresql-anywhere

Serverless v2 is ``EngineMode: provisioned`` with ``ServerlessV2ScalingConfiguration`` and a
``db.serverless`` instance. ``min_capacity: 0`` (auto-pause after
``seconds_until_auto_pause``) needs a version whose ``ServerlessV2FeaturesSupport`` allows
it; on one that does not, 0.5 is used and the comment says so. The cluster's availability
zones are not compared (RDS may add a third to the two of the subnet group); its subnet
group is. The master password follows ``rds_postgres``'s order: written to the pillar file
before ``CreateDBCluster``; rotated through ``<password key>_pending``.
"""

import dataclasses
import datetime
from typing import TYPE_CHECKING

from awsrunbook import (
    engine,
    plans,
    rds_arguments,
    rds_connection,
    rds_drift,
    rds_plans,
    rds_validate,
    rds_versions,
    writers,
)
from awsrunbook import state as st
from awsrunbook import validate as valid

__virtualname__ = "rds_aurora_postgres"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__

ENGINE = "aurora-postgresql"
KIND = "cluster"

# What a present call writes in its pillar file, and which paths are secrets (see
# awsrunbook.layout.Writer): the run's collision check and pillar_file.read's masking.
PILLAR_WRITES = rds_connection.WRITER


def __virtual__():
    return __virtualname__


@dataclasses.dataclass(frozen=True)
class _Inputs:
    """``present``'s arguments checked: what both database states check (``common``), the
    writer's identifier and the capacity range in ACUs."""

    common: rds_validate.Checked
    writer: str
    min_capacity: float
    max_capacity: float


def _inputs(name, args):
    """Validate every argument (before any AWS call)."""
    checked = rds_validate.common_inputs(name, args, ENGINE)
    valid.boolean(args["data_api"], "data_api")
    rds_validate.subnet_names(args["subnets"], "subnets")
    low = rds_validate.capacity(args["min_capacity"], "min_capacity")
    high = rds_validate.capacity(args["max_capacity"], "max_capacity", low=max(low, 1))
    rds_validate.whole_number(
        args["seconds_until_auto_pause"], "seconds_until_auto_pause", 300, 86400
    )
    retention = rds_validate.whole_number(
        args["backup_retention_days"], "backup_retention_days", 1, 35
    )
    return _Inputs(
        common=checked.declaring(backup_retention_days=retention, subnet_group=checked.name),
        writer=rds_validate.identifier(args["writer"] or f"{name}-writer", "writer"),
        min_capacity=low,
        max_capacity=high,
    )


def _version_and_floor(current, checked, allow_major, conn):
    """``(version to create with or move to, the version's lowest MinCapacity)``; reads the
    engine versions only when needed (creating, another major, or a min_capacity the
    cluster does not have)."""
    wanted, low = checked.common.engine_version, checked.min_capacity
    running = current["engine_version"] if current else None
    scaling_differs = current and current["scaling"] and current["scaling"]["MinCapacity"] != low
    if current and not rds_versions.needs_version_list(running, wanted) and not scaling_differs:
        target, refusal = rds_versions.version_change(running, wanted, allow_major)
        return target, None, refusal
    versions = __salt__["aws_rds.engine_versions"](ENGINE, **conn)
    chosen = (
        rds_versions.choose_aurora_version(versions, wanted) if wanted or not current else running
    )
    if current is None:
        return chosen, rds_versions.serverless_min_capacity(versions, chosen), None
    target, refusal = rds_versions.version_change(running, chosen, allow_major)
    return target, rds_versions.serverless_min_capacity(versions, target or running), refusal


def _network(vpc, subnets, groups, conn, test):
    """Subnet and security group IDs; in a test run, names of those an earlier state (ec2_vpc,
    ec2_security_group) would create."""
    vpc_id = __salt__["aws_ec2.vpc_id"](vpc, missing_ok=test, **conn)
    subnet_ids = __salt__["aws_ec2.subnet_ids"](vpc_id, subnets, missing_ok=test, **conn)
    group_ids = __salt__["aws_ec2.security_group_ids"](groups, vpc_id, missing_ok=test, **conn)
    return sorted(subnet_ids.values()), sorted(group_ids)


def _check_zones(subnet_group, subnet_ids, conn):
    """Refuse, before any write, subnets in fewer than two zones (RDS would refuse the subnet
    group). Their zones are known only from EC2: read once, only when the group is to be made
    or changed and every subnet exists (a test run may name subnets not made yet)."""
    if subnet_group is not None and subnet_group["subnet_ids"] == subnet_ids:
        return
    if all(subnet.startswith("subnet-") for subnet in subnet_ids):
        rds_validate.subnets_in_two_zones(__salt__["aws_ec2.subnet_zones"](subnet_ids, **conn))


def plan_network_and_writer(
    name, writer, subnet_group, subnet_ids, current_writer, data_api, current
):
    """The DB subnet group (before the cluster), the Data API and the writer (after it).
    Pure."""
    before, after = [], []
    if subnet_group is None:
        before.append(
            plans.step(
                "subnet_group",
                None,
                subnet_ids,
                "aws_rds.create_db_subnet_group",
                name=name,
                subnet_ids=subnet_ids,
            )
        )
    elif subnet_group["subnet_ids"] != subnet_ids:
        before.append(
            plans.step(
                "subnet_group",
                subnet_group["subnet_ids"],
                subnet_ids,
                "aws_rds.modify_db_subnet_group",
                name=name,
                subnet_ids=subnet_ids,
            )
        )
    current_api = current["data_api"] if current else False
    if data_api != current_api:
        arn = current["arn"] if current else plans.Ref("created", lambda found: found["arn"])
        after.append(
            plans.step(
                "data_api", current_api, data_api, "aws_rds.set_data_api", arn=arn, enabled=data_api
            )
        )
    if current_writer is None:
        after.append(
            plans.step(
                "writer",
                None,
                {"name": writer, "instance_class": "db.serverless"},
                "aws_rds.create_cluster_instance",
                name=writer,
                cluster=name,
                engine=ENGINE,
            )
        )
    elif current_writer["instance_class"] != "db.serverless":
        after.append(
            plans.step(
                "writer",
                {"instance_class": current_writer["instance_class"]},
                {"instance_class": "db.serverless"},
                "aws_rds.modify_db_instance",
                name=writer,
                params={"DBInstanceClass": "db.serverless"},
            )
        )
    return before, after


@rds_arguments.shows(rds_arguments.Shared)
@engine.state(pillar=PILLAR_WRITES)
def present(
    name,
    pillar_file=None,
    vpc=None,
    subnets=None,
    security_groups=("postgresql-anywhere",),
    engine_version=None,
    min_capacity=0,
    max_capacity=2,
    seconds_until_auto_pause=3600,
    data_api=True,
    db_name="common",
    backup_retention_days=1,
    storage_encrypted=False,
    deletion_protection=False,
    master_username="postgres",
    writer=None,
    *,
    run,
    **kwargs,
):
    """Ensure the Aurora PostgreSQL Serverless v2 cluster ``name`` exists as declared, with
    one ``db.serverless`` writer, and that ``pillar_file`` holds its connection details.

    name
        The DB cluster identifier (also the DB subnet group's name).
    pillar_file, pillar_keys, password_length
        As ``rds_postgres`` (passwords 8-41 characters for Aurora; default 32).
    rotate_password_after_days, rotate_password, manage_master_user_password
        As ``rds_postgres``.
    apply_immediately, wait, gpg_recipients
        As ``rds_postgres``.
    vpc, subnets
        A VPC (ID or Name tag; default the region's default VPC) and its subnets (Names or
        IDs, in at least two zones) for the DB subnet group.
    security_groups
        Names (in ``vpc``) or IDs; default ``[postgresql-anywhere]``.
    engine_version
        Default: the newest version that can pause (Serverless v2 ``MinCapacity`` 0).
        ``latest``, a major or a full version as ``rds_postgres``.
    min_capacity, max_capacity, seconds_until_auto_pause
        Aurora capacity units (0 pauses; default 0 and 2) and the idle seconds before
        pausing (default 3600, the runbook's hour).
    data_api, db_name, backup_retention_days
        The runbook's: true, ``common``, 1 day.
    storage_encrypted, deletion_protection, master_username
        false, false, ``postgres``.
    writer
        The writer instance's identifier (default ``<name>-writer``).
    region, profile, keyid, key, role_arn
        Connection arguments.
    """
    args, shared = rds_arguments.split(locals())
    checked = _inputs(name, args)
    writes = PILLAR_WRITES.writes(args)
    run.check_no_collision(writes)
    name = checked.common.name
    ret, conn, _ = run.begin(args["name"], kwargs)
    # Encryption must work (and a plaintext secret be found) before RDS is asked anything.
    encryption, plaintext = writers.encryption(__salt__, writes, shared.gpg_recipients)
    common = checked.common
    db = rds_plans.Database(
        KIND, name, ENGINE, pillar_file, common.paths, common.length, encryption, (*plaintext,)
    )
    found = __salt__["aws_rds.read_for_present"](
        KIND, name, pillar_file, db.paths, shared.wait, **conn
    )
    current = found["database"]
    version, floor, refusal = _version_and_floor(
        current, checked, shared.allow_major_version_upgrade, conn
    )
    if refusal:
        valid.fail("engine_version", refusal)
    subnet_ids, group_ids = _network(vpc, subnets, list(security_groups), conn, run.test)
    subnet_group = __salt__["aws_rds.describe_db_subnet_group"](name, **conn)
    _check_zones(subnet_group, subnet_ids, conn)
    current_writer = __salt__["aws_rds.describe_db_instance"](checked.writer, **conn)

    low, note = rds_versions.effective_min_capacity(checked.min_capacity, floor)
    desired = {
        **checked.common.desired,
        "security_group_ids": group_ids,
        "scaling": rds_drift.scaling(low, checked.max_capacity, seconds_until_auto_pause),
    }
    now = datetime.datetime.now(datetime.timezone.utc)
    pillar, opts = rds_plans.plan_context(
        db, current, desired, found["pillar"], shared, version, now
    )
    settings = {
        "Engine": ENGINE,
        "EngineVersion": version,
        "EngineMode": "provisioned",
        "ServerlessV2ScalingConfiguration": desired["scaling"],
        "DatabaseName": desired["db_name"],
        "BackupRetentionPeriod": desired["backup_retention_days"],
        "DBSubnetGroupName": name,
        "VpcSecurityGroupIds": desired["security_group_ids"],
        "StorageEncrypted": storage_encrypted,
        "DeletionProtection": deletion_protection,
        "MasterUsername": desired["master_username"],
        **({"ManageMasterUserPassword": True} if opts.managed else {}),
    }
    before, after = plan_network_and_writer(
        name, checked.writer, subnet_group, subnet_ids, current_writer, data_api, current
    )
    create = rds_plans.Create(settings=settings, shown={"engine_version": version, **desired})
    steps, notes = rds_plans.plan_present(db, current, desired, create, pillar, opts)
    what = f"DB cluster {name}"
    run.apply(ret, before + steps + after, what, [note, *notes] if note else notes)
    return ret


@rds_arguments.shows(rds_arguments.Absent)
@engine.state()
def absent(name, *, run, **kwargs):
    """Ensure the cluster ``name`` (with its instances and its DB subnet group) is gone.
    ``final_snapshot: NAME`` or ``skip_final_snapshot: true`` is required; deletion
    protection is refused. With ``pillar_file``, its connection details are removed."""
    checked = rds_validate.absent_inputs(name, rds_arguments.take(rds_arguments.Absent, kwargs))
    name = checked.name
    ret, conn, _ = run.begin(name, kwargs)
    found = __salt__["aws_rds.read_for_absent"](
        KIND, name, checked.pillar_file, checked.paths, **conn
    )
    current = found["database"]
    steps = rds_plans.plan_absent(KIND, checked, current, found["pillar"])
    notes = []
    if __salt__["aws_rds.describe_db_subnet_group"](name, **conn):
        if current is None:
            steps.append(
                plans.step("subnet_group", name, None, "aws_rds.delete_db_subnet_group", name=name)
            )
        else:
            # RDS keeps the group while the cluster is being deleted (minutes on AWS).
            notes.append(
                f"DB subnet group {name}: deleted by a later run, once the cluster is gone"
            )
    run.apply(ret, steps, f"DB cluster {name}", notes, converged=st.ABSENT)
    return ret
