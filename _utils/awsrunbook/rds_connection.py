"""A database's connection details in its pillar file: the key paths (``pillar_keys`` over the
defaults), which of them are secrets, what the file holds of them now, the values and the
``postgresql://`` URL written there, what a ``present`` call writes (the run's collision check)
and the message for a failed connection. Pure.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Mapping
from typing import Any

from awsrunbook import layout

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

# A database's key paths: {detail name (PILLAR_NAMES): key path}, the details left out absent.
Paths = Mapping[str, str]


@dataclasses.dataclass(frozen=True)
class Held:
    """Which secrets the pillar file holds now (never their values)."""

    password: bool = False
    pending: bool = False
    url: bool = False


@dataclasses.dataclass(frozen=True)
class Parts:
    """The parts of the connection details known before the database is (host aside)."""

    port: int
    username: str
    dbname: str


def paths_of(pillar_keys: object) -> dict[str, str]:
    """The key paths of ``pillar_keys`` (a state's argument) merged over the defaults."""
    return layout.single(pillar_keys, PILLAR_NAMES, DEFAULT_PILLAR_KEYS)


def pending_path(password_path: str) -> str:
    """Where a rotation keeps the new password until the database has it."""
    return f"{password_path}_pending"


def pillar_paths(paths: Paths) -> list[str]:
    """Every key path the database's details may occupy (with the pending password)."""
    found = list(paths.values())
    if "password" in paths:
        found.append(pending_path(paths["password"]))
    return found


def secret_paths(paths: Paths) -> list[str]:
    """The key paths whose values are secrets (read masked): password, pending, URL."""
    return [path for path in pillar_paths(paths) if path not in connection_paths(paths)]


def connection_paths(paths: Paths) -> list[str]:
    names = ("host", "port", "username", "dbname", "secret_arn")
    return [paths[name] for name in names if name in paths]


def held(paths: Paths, values_now: Mapping[str, Any]) -> Held:
    """Which secrets the pillar file holds (``values_now``: ``pillar_file.read``'s masked
    answer)."""
    password = paths.get("password")
    return Held(
        password=bool(password and values_now.get(password)),
        pending=bool(password and values_now.get(pending_path(password))),
        url=bool(values_now.get(paths.get("url"))),
    )


def pillar_writes(args: Mapping[str, Any]) -> layout.Writes:
    """What a ``present`` call with the arguments ``args`` (a chunk of the low state) writes
    in its pillar file (``awsrunbook.layout.Writes``): the host, the password and the URL
    are the database's own, so two databases never share their paths."""
    paths = paths_of(args.get("pillar_keys"))
    known = {
        "username": args.get("master_username") or "postgres",
        "dbname": args.get("db_name") or "postgres",
    }
    values = dict.fromkeys(pillar_paths(paths), layout.UNKNOWN)
    values.update({paths[name]: value for name, value in known.items() if name in paths})
    return layout.Writes(args["pillar_file"], values, frozenset(secret_paths(paths)))


WRITER = layout.Writer(DEFAULT_SECRETS, pillar_writes)


def connection_values(
    paths: Paths, host: Any, parts: Parts, secret_arn: Any = None
) -> dict[str, Any]:
    """``{pillar path: value}`` of the non-secret connection details that are known (a
    ``None`` is left out: the host appears only once the database is available; the host and
    ``secret_arn`` may be a ``plans.Ref``)."""
    known = {"host": host, **dataclasses.asdict(parts), "secret_arn": secret_arn}
    return {
        paths[name]: value for name, value in known.items() if name in paths and value is not None
    }


def postgres_url(
    host: str, port: int | str, username: str, password: str | None, dbname: str | None
) -> str:
    """``postgresql://user:password@host:port/dbname`` with every part percent-encoded
    (``password`` ``None``: a URL without one, for passwords kept in Secrets Manager)."""
    quote = urllib.parse.quote
    credentials = quote(username, safe="")
    if password is not None:
        credentials += ":" + quote(password, safe="")
    path = f"/{quote(dbname, safe='')}" if dbname else ""
    return f"postgresql://{credentials}@{host}:{int(port)}{path}"


# libpq reports connection failures without a SQLSTATE (psycopg's ``sqlstate`` is None), so
# the server's or libpq's message is all there is to tell them apart.
_CONNECTION_FAILURES = (
    ("password authentication failed", "authentication failed (wrong password?)"),
    ("no pg_hba.conf entry", "the server's pg_hba.conf rejects this client"),
    ("does not exist", "the database or role does not exist"),
    ("ssl", "TLS negotiation failed"),
    ("timeout expired", "the server did not answer in time (unreachable or firewalled?)"),
)


def connection_error(exc: Exception, password: str | None) -> str:
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
