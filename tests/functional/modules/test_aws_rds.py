"""aws_rds.check_connection against a real PostgreSQL server (Debian's package) on 127.0.0.1,
with the password rds_postgres.present wrote into the pillar file; the reads both database
states make before they plan (read_for_present, read_for_absent) against moto."""

import json

import boto3
import pytest
import yaml
from awsrunbook import rds_connection
from salt.exceptions import CommandExecutionError

from tests.support import moto_rds_patches
from tests.support.calls import recorded_calls
from tests.support.postgres_server import PostgresServer

moto_rds_patches.apply()


@pytest.fixture(scope="module")
def postgres():
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def pillar_file(states, tmp_path, postgres):
    """A pillar file written by the state, its host and port then pointed at the local
    server, whose postgres role gets the password the state generated."""
    boto3.client("ec2", region_name="us-east-1").create_security_group(
        GroupName="postgresql-anywhere", Description="PostgreSQL"
    )
    path = tmp_path / "analytics.sls"
    ret = states.rds_postgres.present(
        "analytics", pillar_file=str(path), region="us-east-1", wait=30
    )
    assert ret.result is True, ret.comment
    data = yaml.safe_load(path.read_text())
    data["postgres"].update({"host": "127.0.0.1", "port": postgres.port})
    path.write_text(yaml.safe_dump(data))
    postgres.set_password("postgres", data["postgres"]["password"])
    return path


def password_of(path):
    return yaml.safe_load(path.read_text())["postgres"]["password"]


def test_connects_with_the_pillar_password(modules, pillar_file, postgres):
    result = modules.aws_rds.check_connection(str(pillar_file))
    assert result["connected"] is True, result
    assert result["server_version"].startswith("PostgreSQL ")
    assert result["host"] == "127.0.0.1" and result["port"] == postgres.port
    assert password_of(pillar_file) not in json.dumps(result)


def test_wrong_password_is_reported_without_it(modules, pillar_file, postgres):
    postgres.set_password("postgres", "Another-Password-42")
    result = modules.aws_rds.check_connection(str(pillar_file))
    assert result["connected"] is False
    assert result["error"].startswith("authentication failed")
    assert password_of(pillar_file) not in json.dumps(result)


def test_unreachable_and_tls_failures_are_named(modules, pillar_file, postgres):
    result = modules.aws_rds.check_connection(str(pillar_file), sslmode="require")
    assert result["connected"] is False and result["error"].startswith("TLS negotiation failed")
    data = yaml.safe_load(pillar_file.read_text())
    data["postgres"]["port"] = 1
    pillar_file.write_text(yaml.safe_dump(data))
    result = modules.aws_rds.check_connection(str(pillar_file))
    assert result["connected"] is False
    assert result["error"].startswith("the server could not be reached")


def test_missing_details_are_named(modules, tmp_path):
    path = tmp_path / "empty.sls"
    path.write_text("postgres:\n  port: 5432\n")
    result = modules.aws_rds.check_connection(str(path))
    assert result == {
        "connected": False,
        "error": f"{path} lacks postgres:host, postgres:username, postgres:password",
    }


PATHS = {**rds_connection.DEFAULT_PILLAR_KEYS, "url": "postgres:url"}
HELD = (
    "postgres:\n  host: db.example\n  port: 5432\n  password: S3cret-pass\n"
    "  password_pending: N3w-pass\n"
)


def test_read_for_present_masks_the_secrets(modules, tmp_path):
    path = tmp_path / "db.sls"
    path.write_text(HELD)
    with recorded_calls() as calls:
        found = modules.aws_rds.read_for_present(
            "instance", "analytics", str(path), PATHS, region="us-east-1"
        )
    assert found == {
        "pillar": {
            "postgres:host": "db.example",
            "postgres:port": 5432,
            "postgres:username": None,
            "postgres:password": True,
            "postgres:dbname": None,
            "postgres:url": False,
            "postgres:password_pending": True,
        },
        "database": None,
    }
    assert calls == [("rds", "DescribeDBInstances")]


def test_read_for_present_refuses_a_file_that_cannot_take_the_details_first(modules, tmp_path):
    path = tmp_path / "db.sls"
    path.write_text("postgres: a single value\n")
    with recorded_calls() as calls, pytest.raises(CommandExecutionError, match=str(path)):
        modules.aws_rds.read_for_present("cluster", "common", str(path), PATHS, region="us-east-1")
    assert calls == []  # RDS is asked nothing


def test_read_for_absent_masks_every_value(modules, tmp_path):
    path = tmp_path / "db.sls"
    path.write_text(HELD)
    found = modules.aws_rds.read_for_absent(
        "cluster", "common", str(path), PATHS, region="us-east-1"
    )
    assert found["database"] is None
    assert found["pillar"]["postgres:host"] is True and found["pillar"]["postgres:url"] is False
    assert "S3cret-pass" not in json.dumps(found) and "db.example" not in json.dumps(found)
    assert modules.aws_rds.read_for_absent("cluster", "common", region="us-east-1") == {
        "database": None,
        "pillar": None,
    }
