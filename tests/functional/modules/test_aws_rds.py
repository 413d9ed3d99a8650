"""aws_rds.check_connection against a real PostgreSQL server (Debian's package) on 127.0.0.1,
with the password rds_postgres.present wrote into the pillar file."""

import json

import boto3
import pytest
import yaml

from tests.support import moto_rds_patches
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
