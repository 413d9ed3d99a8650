"""Amazon RDS: the DB instances, Aurora clusters and DB subnet groups behind ``rds_postgres``
and ``rds_aurora_postgres``, the master password in the pillar file, and a real connection
check. One function per read or write; plain dicts back.

The master password only ever moves between the pillar file and RDS: functions that send it
read it from the file themselves (``pillar_file`` + key path), so it never passes through a
state's arguments, ``changes``, return values or logs.

Every AWS function accepts the connection arguments ``region``, ``profile``, ``keyid``,
``key`` and ``role_arn``.

CLI examples::

    salt-call aws_rds.describe_db_instance analytics
    salt-call aws_rds.check_connection /srv/pillar/private/analytics.sls
"""

import logging
import time
from typing import TYPE_CHECKING

from awsrunbook import client as aws
from awsrunbook import errors, rds_connection, rds_drift, rds_passwords
from awsrunbook import gpg as pgp
from salt.exceptions import CommandExecutionError

try:
    import psycopg

    HAS_PSYCOPG = True
except ImportError:
    HAS_PSYCOPG = False

log = logging.getLogger(__name__)

__virtualname__ = "aws_rds"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __salt__

AVAILABLE = "available"
POLL_SECONDS = 15


def __virtual__():
    return __virtualname__


def _rds(kwargs):
    return aws.connect("rds", kwargs, __salt__)[0]


def _tags(item):
    return {tag["Key"]: tag["Value"] for tag in item.get("TagList") or []}


def _secret_arn(item):
    return (item.get("MasterUserSecret") or {}).get("SecretArn")


def _described(item, kind, status):
    """What an instance and a cluster (``kind``: ``Instance`` or ``Cluster``, as the API
    spells its fields) have in common, as the states compare it."""
    return {
        "name": item[f"DB{kind}Identifier"],
        "arn": item[f"DB{kind}Arn"],
        "status": item[status],
        "engine": item["Engine"],
        "engine_version": item["EngineVersion"],
        "security_group_ids": sorted(
            g["VpcSecurityGroupId"] for g in item.get("VpcSecurityGroups", [])
        ),
        "storage_encrypted": item.get("StorageEncrypted", False),
        "deletion_protection": item.get("DeletionProtection", False),
        "master_username": item.get("MasterUsername"),
        "secret_arn": _secret_arn(item),
        "tags": _tags(item),
    }


def _instance(item):
    endpoint = item.get("Endpoint") or {}
    return {
        **_described(item, "Instance", "DBInstanceStatus"),
        "instance_class": item["DBInstanceClass"],
        "allocated_storage": item.get("AllocatedStorage"),
        # RDS leaves MaxAllocatedStorage out when storage autoscaling is off.
        "max_allocated_storage": item.get("MaxAllocatedStorage", item.get("AllocatedStorage")),
        "publicly_accessible": item.get("PubliclyAccessible", False),
        "backup_retention_days": item.get("BackupRetentionPeriod", 0),
        "storage_type": item.get("StorageType"),
        "performance_insights": item.get("PerformanceInsightsEnabled", False),
        "db_name": item.get("DBName"),
        "subnet_group": (item.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
        "host": endpoint.get("Address"),
        "port": endpoint.get("Port") or item.get("DbInstancePort"),
        "cluster": item.get("DBClusterIdentifier"),
    }


def _cluster(item):
    scaling = item.get("ServerlessV2ScalingConfiguration") or {}
    return {
        **_described(item, "Cluster", "Status"),
        "engine_mode": item.get("EngineMode", "provisioned"),
        "scaling": rds_drift.scaling(
            scaling.get("MinCapacity"),
            scaling.get("MaxCapacity"),
            scaling.get("SecondsUntilAutoPause"),
        )
        if scaling
        else None,
        "data_api": item.get("HttpEndpointEnabled", False),
        "backup_retention_days": item.get("BackupRetentionPeriod", 1),
        "db_name": item.get("DatabaseName"),
        "subnet_group": item.get("DBSubnetGroup"),
        "host": item.get("Endpoint"),
        "port": item.get("Port"),
        "members": {
            m["DBInstanceIdentifier"]: m.get("IsClusterWriter", False)
            for m in item.get("DBClusterMembers", [])
        },
    }


# What each kind of database is read with: (operation, identifier parameter, answer list,
# the plain-dict maker).
_DESCRIBE = {
    "instance": (
        "describe_db_instances",
        "DBInstanceIdentifier",
        "DBInstances",
        _instance,
    ),
    "cluster": (
        "describe_db_clusters",
        "DBClusterIdentifier",
        "DBClusters",
        _cluster,
    ),
}


def _describe(kind, name, kwargs):
    operation, parameter, answers, make = _DESCRIBE[kind]
    found = aws.call(_rds(kwargs), operation, name, none_if=errors.NotFound, **{parameter: name})
    return make(found[answers][0]) if found else None


def describe_db_instance(name, **kwargs):
    """The DB instance ``name`` as a plain dict (see ``_instance``), or ``None``.

    CLI example::

        salt-call aws_rds.describe_db_instance analytics
    """
    return _describe("instance", name, kwargs)


def describe_db_cluster(name, **kwargs):
    """The DB cluster ``name`` as a plain dict (see ``_cluster``), or ``None``.

    CLI example::

        salt-call aws_rds.describe_db_cluster common
    """
    return _describe("cluster", name, kwargs)


def engine_versions(engine, default_only=False, **kwargs):
    """``[{"EngineVersion", "ServerlessV2FeaturesSupport"}]`` of ``engine`` in the region
    (``default_only``: the region's default alone).

    CLI example::

        salt-call aws_rds.engine_versions aurora-postgresql
    """
    client = _rds(kwargs)
    params = {"Engine": engine, "DefaultOnly": default_only}
    versions = []
    with aws.aws_errors("DescribeDBEngineVersions", engine):
        for page in client.get_paginator("describe_db_engine_versions").paginate(**params):
            versions += [
                {
                    "EngineVersion": item["EngineVersion"],
                    "ServerlessV2FeaturesSupport": item.get("ServerlessV2FeaturesSupport"),
                }
                for item in page["DBEngineVersions"]
            ]
    return versions


def describe_db_subnet_group(name, **kwargs):
    """``{"name", "vpc_id", "subnet_ids"}`` of the DB subnet group ``name``, or ``None``."""
    client = _rds(kwargs)
    found = aws.call(
        client,
        "describe_db_subnet_groups",
        name,
        none_if=errors.NotFound,
        DBSubnetGroupName=name,
    )
    if not found:
        return None
    group = found["DBSubnetGroups"][0]
    return {
        "name": group["DBSubnetGroupName"],
        "vpc_id": group.get("VpcId"),
        "subnet_ids": sorted(s["SubnetIdentifier"] for s in group.get("Subnets", [])),
    }


def create_db_subnet_group(name, subnet_ids, description=None, **kwargs):
    client = _rds(kwargs)
    aws.call(
        client,
        "create_db_subnet_group",
        name,
        DBSubnetGroupName=name,
        DBSubnetGroupDescription=description or f"{name} (salt-aws-runbook)",
        SubnetIds=subnet_ids,
    )


def modify_db_subnet_group(name, subnet_ids, **kwargs):
    client = _rds(kwargs)
    aws.call(client, "modify_db_subnet_group", name, DBSubnetGroupName=name, SubnetIds=subnet_ids)


def delete_db_subnet_group(name, **kwargs):
    client = _rds(kwargs)
    aws.call(
        client,
        "delete_db_subnet_group",
        name,
        none_if=errors.NotFound,
        DBSubnetGroupName=name,
    )


# --- the master password: pillar file <-> RDS ------------------------------------------------


def _password_from(pillar_file, path, engine):
    # Encrypted, it is decrypted with gpg_keydir's secret key, or the error says it is not there.
    value = __salt__["pillar_file.read"](pillar_file, [path], unmask=True, decrypt=True)[path]
    if value is None:
        raise CommandExecutionError(f"pillar file {pillar_file} holds no {path}")
    if not rds_passwords.password_acceptable(value, engine):
        low, high = rds_passwords.PASSWORD_LENGTHS[engine]
        raise CommandExecutionError(
            f"the password at {path} in {pillar_file} breaks RDS's rules for {engine} "
            f'({low}-{high} printable ASCII characters, none of / " @ or space)'
        )
    return value


def new_password_into_pillar(pillar_file, path, length, encryption=None, **kwargs):
    """Generate a master password of ``length`` characters and write it at ``path`` in
    ``pillar_file`` (encrypted with ``encryption``, ``pillar_file.encryption_for``'s answer,
    when given). The value is not returned."""
    __salt__["pillar_file.set_values"](
        pillar_file, {path: rds_passwords.new_password(length).value}, encryption=encryption
    )
    log.info("Wrote a new database password to %s at %s", pillar_file, path)
    return {"path": path}


def promote_pending_password(pillar_file, pending, path, encryption=None, **kwargs):
    """Move the password at ``pending`` to ``path`` in ``pillar_file`` (after the database
    accepted it). A crash between the two writes leaves both equal: harmless, and the next
    run finishes it. Ciphertext moves as it is (nothing is decrypted); with ``encryption``,
    a password in the clear is encrypted on the way."""
    value = __salt__["pillar_file.read"](pillar_file, [pending], unmask=True)[pending]
    if value is None:
        raise CommandExecutionError(f"pillar file {pillar_file} holds no {pending}")
    __salt__["pillar_file.set_values"](pillar_file, {path: value}, encryption=encryption)
    __salt__["pillar_file.remove"](pillar_file, [pending])
    return {"path": path}


def write_connection_url(
    pillar_file, url_path, password_path, host, port, username, dbname, encryption=None, **kwargs
):
    """Write ``postgresql://...`` at ``url_path``, with the password the file holds at
    ``password_path`` (``None``: a URL without password; encrypted: decrypted with
    ``gpg_keydir``'s secret key, or the URL is not written and the error says why), itself
    encrypted with ``encryption`` when given."""
    password = None
    if password_path:
        password = __salt__["pillar_file.read"](
            pillar_file, [password_path], unmask=True, decrypt=True
        )[password_path]
    url = rds_connection.postgres_url(host, port, username, password, dbname)
    __salt__["pillar_file.set_values"](pillar_file, {url_path: url}, encryption=encryption)
    return {"path": url_path}


def _create(kind, name, settings, pillar_file, password_path, tags, kwargs):
    operation, parameter, answer = {
        "instance": ("create_db_instance", "DBInstanceIdentifier", "DBInstance"),
        "cluster": ("create_db_cluster", "DBClusterIdentifier", "DBCluster"),
    }[kind]
    params = {**settings, parameter: name, "Tags": _tag_list(tags)}
    if password_path:
        params["MasterUserPassword"] = _password_from(
            pillar_file, password_path, settings["Engine"]
        )
    created = aws.call(_rds(kwargs), operation, name, **params)[answer]
    log.info("Creating DB %s %s", kind, name)
    return _DESCRIBE[kind][3](created)


def create_db_instance(name, settings, pillar_file=None, password_path=None, tags=None, **kwargs):
    """Create the DB instance ``name``. ``settings`` are CreateDBInstance parameters without
    the identifier and the password; the password is read from ``pillar_file`` at
    ``password_path`` (without them, ``settings`` must ask RDS to manage it). Returns the
    described instance."""
    return _create("instance", name, settings, pillar_file, password_path, tags, kwargs)


def create_db_cluster(name, settings, pillar_file=None, password_path=None, tags=None, **kwargs):
    """Create the DB cluster ``name`` (as ``create_db_instance``); returns it described."""
    return _create("cluster", name, settings, pillar_file, password_path, tags, kwargs)


def _tag_list(tags):
    return [{"Key": key, "Value": value} for key, value in sorted((tags or {}).items())]


def create_cluster_instance(name, cluster, engine, instance_class="db.serverless", **kwargs):
    """Create the instance ``name`` in ``cluster`` (Aurora's writer)."""
    client = _rds(kwargs)
    aws.call_after_create(
        client,
        "create_db_instance",
        name,
        DBInstanceIdentifier=name,
        DBClusterIdentifier=cluster,
        Engine=engine,
        DBInstanceClass=instance_class,
    )


def _modify(kind, name, params, apply_immediately, kwargs):
    spelled = kind.capitalize()  # the API's "Instance" or "Cluster"
    answer = aws.call(
        _rds(kwargs),
        f"modify_db_{kind}",
        name,
        **{f"DB{spelled}Identifier": name},
        ApplyImmediately=apply_immediately,
        **params,
    )
    return _DESCRIBE[kind][3](answer[f"DB{spelled}"])


def modify_db_instance(name, params, apply_immediately=True, **kwargs):
    """ModifyDBInstance with ``params`` (API spelling); returns the instance described."""
    return _modify("instance", name, params, apply_immediately, kwargs)


def modify_db_cluster(name, params, apply_immediately=True, **kwargs):
    """ModifyDBCluster with ``params`` (API spelling); returns the cluster described."""
    return _modify("cluster", name, params, apply_immediately, kwargs)


def set_master_password(name, kind, engine, pillar_file, path, stop_managing=False, **kwargs):
    """Give the instance or cluster (``kind``) ``name`` the password at ``path`` in
    ``pillar_file``, applied immediately (with ``stop_managing``, Secrets Manager stops
    managing it)."""
    client = _rds(kwargs)
    params = {
        "MasterUserPassword": _password_from(pillar_file, path, engine),
        "ApplyImmediately": True,
    }
    if stop_managing:
        params["ManageMasterUserPassword"] = False
    if kind == "cluster":
        aws.call(client, "modify_db_cluster", name, DBClusterIdentifier=name, **params)
    else:
        aws.call(client, "modify_db_instance", name, DBInstanceIdentifier=name, **params)
    log.info("Set a new master password on %s %s", kind, name)
    return {"name": name}


def set_data_api(arn, enabled, **kwargs):
    """Turn the Data API (HTTP endpoint) of the cluster ``arn`` on or off (Serverless v2 and
    provisioned clusters: EnableHttpEndpoint/DisableHttpEndpoint)."""
    client = _rds(kwargs)
    operation = "enable_http_endpoint" if enabled else "disable_http_endpoint"
    aws.call_after_create(client, operation, arn, ResourceArn=arn)


def tag_resource(arn, tags, **kwargs):
    client = _rds(kwargs)
    aws.call(client, "add_tags_to_resource", arn, ResourceName=arn, Tags=_tag_list(tags))


def delete_db_instance(name, final_snapshot=None, **kwargs):
    """Delete the DB instance ``name``, taking ``final_snapshot`` first when given."""
    client = _rds(kwargs)
    params = (
        {"FinalDBSnapshotIdentifier": final_snapshot}
        if final_snapshot
        else {"SkipFinalSnapshot": True}
    )
    aws.call(client, "delete_db_instance", name, DBInstanceIdentifier=name, **params)


def delete_db_cluster(name, final_snapshot=None, **kwargs):
    """Delete the DB cluster ``name`` and its instances, with an optional final snapshot."""
    client = _rds(kwargs)
    cluster = describe_db_cluster(name, **aws.split_connection_args(dict(kwargs)))
    for member in cluster["members"] if cluster else {}:
        aws.call(
            client,
            "delete_db_instance",
            member,
            none_if=errors.NotFound,
            DBInstanceIdentifier=member,
        )
    params = (
        {"FinalDBSnapshotIdentifier": final_snapshot}
        if final_snapshot
        else {"SkipFinalSnapshot": True}
    )
    aws.call(client, "delete_db_cluster", name, DBClusterIdentifier=name, **params)


def _wait(kind, name, describe, timeout, interval):
    started = time.monotonic()
    while True:
        current = describe()
        elapsed = int(time.monotonic() - started)
        status = current["status"] if current else "missing"
        log.info("DB %s %s: %s (%d s of %d s)", kind, name, status, elapsed, timeout)
        if status == AVAILABLE:
            return current
        if elapsed + interval > timeout:
            raise CommandExecutionError(
                f"DB {kind} {name} is still {status} after {elapsed} s (wait: {timeout}); "
                "run again later to finish"
            )
        time.sleep(interval)


def wait_for_db_instance(name, timeout, interval=POLL_SECONDS, **kwargs):
    """Poll until the DB instance is ``available`` (progress at info level); returns it
    described. Fails with the last status after ``timeout`` seconds."""
    conn = aws.split_connection_args(kwargs)
    return _wait("instance", name, lambda: describe_db_instance(name, **conn), timeout, interval)


def wait_for_db_cluster(name, timeout, interval=POLL_SECONDS, **kwargs):
    """As ``wait_for_db_instance``, for a DB cluster."""
    conn = aws.split_connection_args(kwargs)
    return _wait("cluster", name, lambda: describe_db_cluster(name, **conn), timeout, interval)


def describe_settled(kind, name, wait=None, **kwargs):
    """The DB ``kind`` (``instance`` or ``cluster``) ``name`` described; with ``wait``
    (seconds), one that is not ``available`` yet is waited for first. ``None`` when missing."""
    conn = aws.split_connection_args(kwargs)
    describe = describe_db_instance if kind == "instance" else describe_db_cluster
    current = describe(name, **conn)
    if current and current["status"] != AVAILABLE and wait:
        current = _wait(kind, name, lambda: describe(name, **conn), wait, POLL_SECONDS)
    return current


def read_for_present(kind, name, pillar_file, paths, wait=None, **kwargs):
    """What a database state's ``present`` reads before it plans: ``{"pillar": what
    ``pillar_file`` holds at the database's key paths (``paths``: ``{detail: key path}``;
    the secrets masked), "database": the DB ``kind`` ``name`` described (see
    ``describe_settled``) or None}``. A pillar file that could not take every detail is
    refused first, before RDS is asked anything.

    CLI example::

        salt-call aws_rds.read_for_present instance analytics /srv/pillar/private/db.sls \
            '{host: "postgres:host", password: "postgres:password"}'
    """
    everything = rds_connection.pillar_paths(paths)
    mask = rds_connection.secret_paths(paths)
    __salt__["pillar_file.check_writable"](pillar_file, everything, mask=mask)
    values = __salt__["pillar_file.read"](pillar_file, everything, mask=mask)
    return {"pillar": values, "database": describe_settled(kind, name, wait, **kwargs)}


def read_for_absent(kind, name, pillar_file=None, paths=None, **kwargs):
    """What a database state's ``absent`` reads before it plans: ``{"database": the DB
    ``kind`` ``name`` described or None, "pillar": which of the database's key paths
    (``paths``) ``pillar_file`` holds (every value masked), or None without a file}``.

    CLI example::

        salt-call aws_rds.read_for_absent instance analytics
    """
    current = _describe(kind, name, kwargs)
    held = None
    if pillar_file:
        everything = rds_connection.pillar_paths(paths or {})
        held = __salt__["pillar_file.read"](pillar_file, everything, mask=everything)
    return {"database": current, "pillar": held}


# --- the connection check --------------------------------------------------------------------


def check_connection(pillar_file, pillar_keys=None, timeout=10, sslmode="prefer"):
    """Connect with the details ``pillar_file`` holds and run ``SELECT version()``.

    pillar_keys
        Where the details are (as the states' ``pillar_keys``; default ``postgres:host``,
        ``postgres:port``, ``postgres:username``, ``postgres:password``, ``postgres:dbname``).
    sslmode
        libpq's ``sslmode`` (``require`` or ``verify-full`` to insist on TLS).

    Returns ``{"connected": true, "server_version", "host", "port", "dbname", "username"}``
    or ``{"connected": false, "error"}``; never the password. An encrypted password is
    decrypted with ``gpg_keydir``'s secret key; without it, ``{"connected": null,
    "not_checked"}`` says what was not checked.

    CLI example::

        salt-call aws_rds.check_connection /srv/pillar/private/analytics.sls
    """
    if not HAS_PSYCOPG:
        raise CommandExecutionError(
            "check_connection needs psycopg 3 (pip install 'psycopg[binary]')"
        )
    paths = {**rds_connection.DEFAULT_PILLAR_KEYS, **(pillar_keys or {})}
    names = ("host", "port", "username", "password", "dbname")
    try:
        values = __salt__["pillar_file.read"](
            pillar_file, [paths[name] for name in names], unmask=True, decrypt=True
        )
    except pgp.NotDecrypted as exc:
        return {"connected": None, "not_checked": f"the connection was not checked: {exc}"}
    details = {name: values[paths[name]] for name in names}
    missing = [
        paths[name]
        for name in ("host", "port", "username", "password")
        if details[name] in (None, "")
    ]
    if missing:
        return {"connected": False, "error": f"{pillar_file} lacks {', '.join(missing)}"}
    shown = {key: details[key] for key in ("host", "port", "dbname", "username")}
    password = details.pop("password")
    try:
        with psycopg.connect(
            host=details["host"],
            port=int(details["port"]),
            user=details["username"],
            password=password,
            dbname=details["dbname"] or "postgres",
            connect_timeout=timeout,
            sslmode=sslmode,
        ) as connection:
            version = connection.execute("SELECT version()").fetchone()[0]
    except psycopg.Error as exc:
        return {
            "connected": False,
            **shown,
            "error": rds_connection.connection_error(exc, password),
        }
    return {"connected": True, **shown, "server_version": version}
