"""A database's connection details in its pillar file."""

import urllib.parse

import pytest
from awsrunbook import layout, rds_connection
from awsrunbook.rds_connection import Held, Parts
from salt.exceptions import SaltInvocationError

PATHS = dict(rds_connection.DEFAULT_PILLAR_KEYS)


def test_key_paths_and_which_are_secret():
    paths = rds_connection.paths_of({"url": "postgres:url", "dbname": None})
    assert paths == {
        "host": "postgres:host",
        "port": "postgres:port",
        "username": "postgres:username",
        "password": "postgres:password",
        "url": "postgres:url",
    }
    assert rds_connection.pending_path("postgres:password") == "postgres:password_pending"
    assert rds_connection.pillar_paths(paths)[-1] == "postgres:password_pending"
    assert rds_connection.secret_paths(paths) == [
        "postgres:password",
        "postgres:url",
        "postgres:password_pending",
    ]
    # the default layout's secrets are those every reader masks
    assert set(rds_connection.secret_paths({**PATHS, "url": "postgres:url"})) == set(
        rds_connection.DEFAULT_SECRETS
    )
    with pytest.raises(SaltInvocationError, match=r"^pillar_keys"):
        rds_connection.paths_of({"hots": "postgres:host"})


def test_what_the_file_holds():
    values = {"postgres:password": True, "postgres:password_pending": False, "postgres:url": None}
    assert rds_connection.held(PATHS, values) == Held(password=True)
    assert rds_connection.held({"host": "postgres:host"}, {}) == Held()


def test_connection_values_leave_out_the_unknown():
    values = rds_connection.connection_values(PATHS, None, Parts(5432, "postgres", None))
    assert values == {"postgres:port": 5432, "postgres:username": "postgres"}
    values = rds_connection.connection_values(PATHS, "h.example", Parts(5432, "postgres", "common"))
    assert values["postgres:host"] == "h.example" and values["postgres:dbname"] == "common"
    assert "postgres:password" not in values
    with_secret = {**PATHS, "secret_arn": "postgres:secret_arn"}
    values = rds_connection.connection_values(
        with_secret, "h", Parts(5432, "postgres", "postgres"), secret_arn="arn:secret"
    )
    assert values["postgres:secret_arn"] == "arn:secret"


def test_what_a_present_call_writes():
    writes = rds_connection.pillar_writes(
        {"pillar_file": "/srv/pillar/a.sls", "pillar_keys": None, "db_name": "common"}
    )
    assert writes.pillar_file == "/srv/pillar/a.sls"
    assert writes.values["postgres:username"] == "postgres"
    assert writes.values["postgres:dbname"] == "common"
    assert writes.values["postgres:host"] is layout.UNKNOWN
    assert writes.secrets == {"postgres:password", "postgres:password_pending"}
    assert rds_connection.WRITER.writes is rds_connection.pillar_writes


def test_url_quotes_every_part():
    url = rds_connection.postgres_url("db.example", 5432, "postgres", "a+b=c!*^", "common")
    assert url == "postgresql://postgres:a%2Bb%3Dc%21%2A%5E@db.example:5432/common"
    parsed = urllib.parse.urlsplit(url)
    assert urllib.parse.unquote(parsed.password) == "a+b=c!*^"
    assert rds_connection.postgres_url("db.example", "5432", "postgres", None, None) == (
        "postgresql://postgres@db.example:5432"
    )


def test_connection_errors_are_classified_and_scrubbed():
    message = rds_connection.connection_error(
        Exception('FATAL:  password authentication failed for user "postgres" s3cret-Value'),
        "s3cret-Value",
    )
    assert message.startswith("authentication failed") and "s3cret-Value" not in message
    error = rds_connection.connection_error
    assert error(Exception("server does not support SSL"), "x").startswith("TLS")
    assert error(Exception("Connection refused"), "x").startswith("the server could not be reached")
