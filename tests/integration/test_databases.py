"""`salt-call --local state.apply aws_runbook.databases` against moto's server (RDS gaps filled by
tests/support/moto_rds_patches.py), read back with the AWS CLI; then `aws_rds.check_connection`
against a real PostgreSQL server given the password the state wrote."""

import pytest
import yaml

from tests.support.postgres_server import PostgresServer

pytestmark = pytest.mark.integration

PILLAR = """\
aws_runbook:
  connection:
    region: us-east-1
  databases:
    vpcs:
      aurora:
        cidr: 10.0.0.0/16
        subnets:
          aurora-a: {cidr: 10.0.1.0/24, az_index: 0}
          aurora-b: {cidr: 10.0.2.0/24, az_index: 1}
    security_groups:
      postgresql-anywhere:
        description: Allows PostgreSQL connections from anywhere
        ingress:
          - {protocol: tcp, port: 5432, cidr: 0.0.0.0/0}
          - {protocol: tcp, port: 5432, ipv6_cidr: "::/0"}
      postgresql-anywhere-aurora:
        name: postgresql-anywhere
        vpc: aurora
        description: Allows PostgreSQL connections from anywhere
        ingress:
          - {protocol: tcp, port: 5432, cidr: 0.0.0.0/0}
    instances:
      analytics:
        pillar_file: private/analytics.sls
        engine_version: latest
        wait: 60
        pillar_keys: {url: postgres:url}
    clusters:
      common:
        pillar_file: private/common.sls
        vpc: aurora
        subnets: [aurora-a, aurora-b]
"""


@pytest.fixture
def rds_cli(aws_cli, moto_server):
    """The AWS CLI's rds commands: awscli 1.x ignores AWS_ENDPOINT_URL for them (it calls
    https://rds.amazonaws.com/), so the endpoint is given explicitly."""

    def run(*args):
        return aws_cli("rds", *args, "--endpoint-url", moto_server.url, "--region", "us-east-1")

    return run


def apply(salt_call, *extra):
    proc, results = salt_call.state_apply("aws_runbook.databases", "-l", "all", *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return proc, results


@pytest.fixture
def applied(salt_call):
    salt_call.write_pillar("top.sls", "base:\n  '*':\n    - aws_runbook\n")
    salt_call.write_pillar("aws_runbook.sls", PILLAR)
    return salt_call


def secrets_of(salt_call):
    analytics = yaml.safe_load((salt_call.pillar_root / "private/analytics.sls").read_text())
    common = yaml.safe_load((salt_call.pillar_root / "private/common.sls").read_text())
    return analytics["postgres"], common["postgres"]


def test_test_mode_then_create_then_converged(applied, aws_cli, rds_cli, moto_server):
    salt_call = applied
    proc, preview = apply(salt_call, "test=True")
    assert all(r["result"] is None for r in preview.values()), preview
    assert moto_server.writes() == []
    assert not (salt_call.pillar_root / "private").exists()

    # Transient faults on RDS and EC2: botocore's standard retries carry the run through.
    moto_server.inject_faults("rds", "throttling", "unavailable")
    moto_server.inject_faults("ec2", "unavailable")
    proc, results = apply(salt_call)
    assert proc.returncode == 0, proc.stdout
    assert all(r["result"] is True and r["changes"] for r in results.values()), results
    assert moto_server.counter.faults == []
    order = [r["__run_num__"] for r in sorted(results.values(), key=lambda r: r["__run_num__"])]
    assert order == sorted(order)

    vpc = aws_cli("ec2", "describe-vpcs", "--filters", "Name=tag:Name,Values=aurora")["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    subnets = aws_cli("ec2", "describe-subnets", "--filters", f"Name=vpc-id,Values={vpc['VpcId']}")
    assert sorted(s["CidrBlock"] for s in subnets["Subnets"]) == ["10.0.1.0/24", "10.0.2.0/24"]
    assert len({s["AvailabilityZone"] for s in subnets["Subnets"]}) == 2
    groups = aws_cli(
        "ec2", "describe-security-groups", "--filters", "Name=group-name,Values=postgresql-anywhere"
    )["SecurityGroups"]
    assert len(groups) == 2
    assert {g["Description"] for g in groups} == {"Allows PostgreSQL connections from anywhere"}
    instance = rds_cli("describe-db-instances", "--db-instance-identifier", "analytics")
    instance = instance["DBInstances"][0]
    assert instance["DBInstanceClass"] == "db.t3.micro" and instance["EngineVersion"] == "17.5"
    assert instance["PubliclyAccessible"] is True and instance["BackupRetentionPeriod"] == 0
    cluster = rds_cli("describe-db-clusters", "--db-cluster-identifier", "common")
    cluster = cluster["DBClusters"][0]
    assert cluster["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 0.0
    assert cluster["HttpEndpointEnabled"] is True

    analytics, common = secrets_of(salt_call)
    assert analytics["host"] == instance["Endpoint"]["Address"]
    assert common["host"] == cluster["Endpoint"]
    log = salt_call.log_file.read_text()
    for secret in (analytics["password"], analytics["url"], common["password"]):
        assert secret not in proc.stdout and secret not in log

    moto_server.reset_counts()
    _, again = apply(salt_call)
    assert all(r["result"] is True and r["changes"] == {} for r in again.values()), again
    assert moto_server.writes() == []
    print(f"converged aws_runbook.databases: {len(moto_server.calls())} read calls, 0 writes")


def test_drift_is_corrected_and_absent_removes(applied, rds_cli):
    salt_call = applied
    apply(salt_call)
    rds_cli(
        "modify-db-instance",
        "--db-instance-identifier",
        "analytics",
        "--db-instance-class",
        "db.t3.small",
        "--apply-immediately",
    )
    _, fixed = apply(salt_call)
    changed = [r for r in fixed.values() if r["changes"]]
    assert [r["changes"] for r in changed] == [
        {
            "settings": {
                "old": {"instance_class": "db.t3.small"},
                "new": {"instance_class": "db.t3.micro"},
            }
        }
    ]
    instance = rds_cli("describe-db-instances", "--db-instance-identifier", "analytics")
    assert instance["DBInstances"][0]["DBInstanceClass"] == "db.t3.micro"

    removing = PILLAR
    for pillar_file in ("private/analytics.sls", "private/common.sls"):
        removing = removing.replace(
            f"        pillar_file: {pillar_file}\n",
            f"        pillar_file: {pillar_file}\n        absent: true\n"
            "        skip_final_snapshot: true\n",
        )
    salt_call.write_pillar("aws_runbook.sls", removing)
    _, removed = apply(salt_call)
    assert all(r["result"] is True for r in removed.values()), removed
    assert rds_cli("describe-db-instances")["DBInstances"] == []
    assert rds_cli("describe-db-clusters")["DBClusters"] == []
    for name in ("analytics", "common"):
        details = yaml.safe_load((salt_call.pillar_root / f"private/{name}.sls").read_text())
        assert "postgres" not in (details or {})
    # The cluster's DB subnet group goes on the next run, once the cluster is gone.
    _, last = apply(salt_call)
    assert [r["changes"] for r in last.values() if r["changes"]] == [
        {"subnet_group": {"old": "common", "new": None}}
    ]
    assert rds_cli("describe-db-subnet-groups")["DBSubnetGroups"] == []


def test_check_connection_with_the_password_the_state_wrote(applied):
    salt_call = applied
    apply(salt_call)
    analytics_file = salt_call.pillar_root / "private/analytics.sls"
    server = PostgresServer().start()
    try:
        data = yaml.safe_load(analytics_file.read_text())
        server.set_password("postgres", data["postgres"]["password"])
        # Point the details the state wrote at the local server instead of RDS.
        proc = salt_call.run(
            "pillar_file.set_values",
            str(analytics_file),
            f'{{"postgres:host": "127.0.0.1", "postgres:port": {server.port}}}',
        )
        assert proc.returncode == 0, proc.stderr
        proc = salt_call.run("aws_rds.check_connection", str(analytics_file), "-l", "all")
    finally:
        server.stop()
    import json

    result = json.loads(proc.stdout)["local"]
    assert result["connected"] is True, result
    assert result["server_version"].startswith("PostgreSQL ")
    assert data["postgres"]["password"] not in proc.stdout + proc.stderr
    assert data["postgres"]["password"] not in salt_call.log_file.read_text()


def test_rotation_failing_at_modify_keeps_a_working_password_and_converges(applied, moto_server):
    """ModifyDBInstance answers 503 to every attempt: the run fails, the file still holds the
    password the database accepts and the new one as pending; the next run sets the pending
    one and promotes it."""
    import moto.backends

    salt_call = applied
    apply(salt_call)
    database = moto.backends.get_backend("rds")["123456789012"]["us-east-1"].databases["analytics"]
    analytics_file = salt_call.pillar_root / "private/analytics.sls"
    before = yaml.safe_load(analytics_file.read_text())["postgres"]
    assert before["password"] == database._master_user_password

    rotating = PILLAR.replace(
        "        wait: 60\n", "        wait: 60\n        rotate_password: true\n"
    )
    salt_call.write_pillar("aws_runbook.sls", rotating)
    # botocore's standard mode: ten attempts in all (total_max_attempts 10).
    moto_server.inject_faults("rds", *["unavailable"] * 10, operation="ModifyDBInstance")
    proc, failed = apply(salt_call)
    assert moto_server.counter.faults == []
    result = next(r for r in failed.values() if r["name"] == "analytics")
    assert result["result"] is False and "ModifyDBInstance" in result["comment"]
    during = yaml.safe_load(analytics_file.read_text())["postgres"]
    assert during["password"] == before["password"] == database._master_user_password
    assert during["password_pending"] != before["password"]

    salt_call.write_pillar("aws_runbook.sls", PILLAR)
    proc, resumed = apply(salt_call)
    result = next(r for r in resumed.values() if r["name"] == "analytics")
    assert result["result"] is True and "interrupted" in result["comment"], result
    after = yaml.safe_load(analytics_file.read_text())["postgres"]
    assert after["password"] == during["password_pending"] == database._master_user_password
    assert "password_pending" not in after
    log = salt_call.log_file.read_text()
    for secret in (before["password"], after["password"]):
        assert secret not in proc.stdout and secret not in log
