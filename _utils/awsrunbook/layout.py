"""Where the states that write credentials put them in a pillar file (their ``pillar_keys``),
and the checks that keep those places apart: within one state, and between the states of one
run that write the same file. Pure: all run before any AWS call.

A layout maps a name (``access_key_id``, ``password``...) to a list of colon-delimited key
paths: each name may be written under several paths (``aws:access_key`` for site backups and
``postgres:backup:s3_key`` for pgBackRest on the same server).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from salt.exceptions import SaltInvocationError

from awsrunbook import validate as valid

BACKUP_NAMES = ("access_key_id", "secret_access_key", "region", "bucket", "prefix", "endpoint")
BACKUP_DEFAULTS = {
    "access_key_id": "aws:access_key",
    "secret_access_key": "aws:secret_key",
    "region": "aws:region",
}
BACKUP_SECRETS = ("secret_access_key",)

SMTP_NAMES = ("username", "password", "host", "port")
SMTP_DEFAULTS = {name: f"smtp:{name}" for name in SMTP_NAMES}
SMTP_MULTI_REGION_DEFAULTS = {name: f"smtp:{{region}}:{name}" for name in SMTP_NAMES}
SMTP_SECRETS = ("password",)


# Secrets in pillar that no writer state declares: the connection's secret key.
SECRET_PATHS = ("aws_runbook:connection:key",)
# A last key that names something secret, wherever it is (a second net under the paths the
# writer states declare: a value an operator keeps beside ours).
SECRET_NAME_RE = re.compile(r"password|passwd|secret|token|private|credential", re.IGNORECASE)


def is_secret(path: str, mask: Iterable[str] = ()) -> bool:
    """Whether the value at ``path`` is (or may be) a secret: a path of ``mask`` (the secret
    paths writer states declare) or ``SECRET_PATHS`` (``*`` matches any one key), or a last
    key matching ``SECRET_NAME_RE`` (``password``, ``s3_key_secret``, ``api_token``...).
    Such a value is never shown."""
    parts = path.split(":")
    if SECRET_NAME_RE.search(parts[-1]):
        return True
    for pattern in (*SECRET_PATHS, *mask):
        wanted = pattern.split(":")
        if len(wanted) == len(parts) and all(
            w in ("*", p) for w, p in zip(wanted, parts, strict=True)
        ):
            return True
    return False


def shown(path: str, value: object, mask: Iterable[str] = ()) -> object:
    """What ``changes`` may show of ``value``, read from the pillar file at ``path``
    (``mask``: the secret paths of the state showing it)."""
    if value is None or not is_secret(path, mask):
        return value
    return "(set)"


def _paths(value, arg):
    """One key path or a list of them; returns a list."""
    if isinstance(value, list):
        if not value:
            valid.fail(arg, "must be a key path or a non-empty list of them", value)
        return [valid.key_path(path, arg) for path in value]
    return [valid.key_path(value, arg)]


def layout(pillar_keys, names, defaults, required, arg="pillar_keys"):
    """``{name: [key paths]}``: ``pillar_keys`` over ``defaults``; ``None`` drops a name."""
    if pillar_keys is None:
        pillar_keys = {}
    what = f"must be a mapping of {sorted(names)} to pillar key paths"
    valid.known_keys(pillar_keys, arg, sorted(names), what, noun="name")
    merged = {**defaults, **pillar_keys}
    paths = {
        name: _paths(value, f"{arg}:{name}") for name, value in merged.items() if value is not None
    }
    for name in required:
        if name not in paths:
            valid.fail(f"{arg}:{name}", "a pillar key path is required")
    return paths


def single(pillar_keys, names, defaults, arg="pillar_keys"):
    """``{name: key path}``: a layout whose names take one path each (connection details that
    are read back, like a database's host and password)."""
    paths = layout(pillar_keys, names, defaults, (), arg)
    for name, entries in paths.items():
        if len(entries) != 1:
            valid.fail(f"{arg}:{name}", "takes one key path here, not a list", entries)
    distinct(paths, arg=arg)
    return {name: entries[0] for name, entries in paths.items()}


def backup_user(pillar_keys):
    """The layout of ``iam_backup_user``."""
    paths = layout(pillar_keys, BACKUP_NAMES, BACKUP_DEFAULTS, (*BACKUP_SECRETS, "access_key_id"))
    distinct(paths)
    return paths


def smtp_user(pillar_keys, regions):
    """The layout of ``ses_smtp_user``: ``{region: {name: [paths]}}`` with ``{region}``
    filled in (required in every path but the user name's when there are several regions)."""
    defaults = SMTP_DEFAULTS if len(regions) == 1 else SMTP_MULTI_REGION_DEFAULTS
    paths = layout(pillar_keys, SMTP_NAMES, defaults, ("username", "password"))
    if len(regions) > 1:
        for name in ("password", "host", "port"):
            for path in paths.get(name, []):
                if "{region}" not in path:
                    valid.fail(
                        f"pillar_keys:{name}",
                        "with several regions, must contain the {region} placeholder "
                        "(e.g. smtp:{region}:" + name + ")",
                        path,
                    )
    per_region = {
        region: {
            name: [path.replace("{region}", region) for path in entries]
            for name, entries in paths.items()
        }
        for region in regions
    }
    # The user name is the same key ID in every region: one path may serve them all.
    flat = {
        f"{name} ({region})": entries
        for region, p in per_region.items()
        for name, entries in p.items()
    }
    distinct(flat, shared=[f"username ({region})" for region in regions])
    return per_region


def _overlap(a, b):
    return a == b or a.startswith(b + ":") or b.startswith(a + ":")


def distinct(paths, shared=(), arg="pillar_keys"):
    """Every path of ``{name: [paths]}`` is distinct and none lies inside another (``aws:key``
    and ``aws:key:secret``): otherwise one value would overwrite another, a secret with a
    region name, say. Names in ``shared`` may share a path with each other."""
    seen = []
    for name, entries in paths.items():
        for path in entries:
            for other_name, other in seen:
                if _overlap(path, other) and not (name in shared and other_name in shared):
                    valid.fail(
                        arg,
                        f"{name} ({path}) and {other_name} ({other}) would write the same "
                        "place in the pillar file",
                    )
            seen.append((name, path))


def every_path(paths):
    """All key paths of a layout (``backup_user``'s or ``smtp_user``'s answer)."""
    if paths and isinstance(next(iter(paths.values())), dict):
        return sorted({p for per in paths.values() for entries in per.values() for p in entries})
    return sorted({p for entries in paths.values() for p in entries})


# --- what each writer state declares ---------------------------------------------------------


class _Unknown:
    """A value only the run will know (a new access key's ID, a database's host): equal to no
    other, so two states writing it at one path always collide."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Writes:
    """What one state call writes in its pillar file: the value at each key path (``UNKNOWN``
    where only the run will know it) and which of those paths hold secrets."""

    pillar_file: str
    values: Mapping[str, Any]
    secrets: frozenset[str] = field(default_factory=frozenset)

    @property
    def paths(self) -> list[str]:
        return sorted(self.values)


@dataclass(frozen=True)
class Writer:
    """A writer state's declaration (``pillar`` of ``awsrunbook.engine.state`` on its
    ``present``; its module's ``PILLAR_WRITES``): the secret key paths of
    its default layout (masked by ``pillar_file.read`` whoever asks), and ``writes(args)``:
    what a ``present`` call with the arguments ``args`` (a chunk of the low state) writes,
    or ``None`` when it writes no pillar file; raises ``SaltInvocationError`` on bad input."""

    default_secrets: tuple[str, ...]
    writes: Callable[[Mapping[str, Any]], Writes | None]


def declaration(function: Any) -> Writer | None:
    """The pillar writes a state function declares (see ``awsrunbook.engine.state``), or
    ``None``."""
    found = getattr(getattr(function, "__aws_runbook__", None), "pillar", None)
    return found if isinstance(found, Writer) else None


def region_value(args: Mapping[str, Any]) -> Any:
    """The region a state call works in, as far as its arguments tell: the same ``profile``
    without a ``region`` means the same default region."""
    return args.get("region") or ("the default region of profile", args.get("profile"))


def backup_writes(args: Mapping[str, Any], endpoint: Callable[[str], str]) -> Writes:
    """``iam_backup_user``'s writes (``endpoint``: a region's S3 endpoint)."""
    paths = backup_user(args.get("pillar_keys"))
    region = region_value(args)
    values = {
        "access_key_id": UNKNOWN,
        "secret_access_key": UNKNOWN,
        "region": region,
        "bucket": args.get("bucket"),
        "prefix": valid.s3_prefix(args.get("prefix")),
        "endpoint": endpoint(region) if isinstance(region, str) else ("endpoint", region),
    }
    return _writes(args["pillar_file"], paths, values, BACKUP_SECRETS)


def smtp_writes(
    args: Mapping[str, Any], regions: list[str], host: Callable[[str], str], port: int
) -> Writes:
    """``ses_smtp_user``'s writes (``host``: a region's SMTP endpoint)."""
    found, secrets = {}, set()
    for region, paths in smtp_user(args.get("pillar_keys"), regions).items():
        values = {"username": UNKNOWN, "password": UNKNOWN, "host": host(region), "port": port}
        one = _writes(args["pillar_file"], paths, values, SMTP_SECRETS)
        found.update(one.values)
        secrets |= one.secrets
    return Writes(args["pillar_file"], found, frozenset(secrets))


def _writes(pillar_file, paths, values, secret_names):
    """``Writes`` of a layout ``{name: [paths]}`` with ``values`` by name."""
    return Writes(
        pillar_file,
        {path: values[name] for name, entries in paths.items() for path in entries},
        frozenset(path for name in secret_names for path in paths.get(name, [])),
    )


# --- states of one run that write one file ----------------------------------------------------


@dataclass(frozen=True)
class RunWriter:
    """A chunk of the run's low state that writes pillar: its state, ID, file identity (see
    ``awsrunbook.files.FileIdentity``) and writes."""

    state: str
    chunk_id: Any
    identity: Any
    writes: Writes


def pillar_writers(lowstate, declared, identity) -> list[RunWriter]:
    """The chunks of ``lowstate`` that write pillar, from ``declared`` (``{state module:
    Writer}``); ``identity(path)`` tells which file a path is. A chunk with bad input is left
    out: its own state reports it."""
    writers = []
    for chunk in lowstate or []:
        writer = declared.get(chunk.get("state"))
        if writer is None or chunk.get("fun") != "present" or not chunk.get("pillar_file"):
            continue
        try:
            writes = writer.writes(chunk)
        except (SaltInvocationError, TypeError, AttributeError):
            continue
        if writes is not None:
            found = identity(writes.pillar_file)
            writers.append(RunWriter(chunk["state"], chunk.get("__id__"), found, writes))
    return writers


def _clash(mine: Writes, theirs: Writes, path: str, other: str) -> bool:
    """Whether ``path`` (of ``mine``) and ``other`` (of ``theirs``) would overwrite each
    other: one inside the other, a secret, or two different values at one path."""
    if path != other:
        return _overlap(path, other)
    if path in mine.secrets or path in theirs.secrets:
        return True
    value, their_value = mine.values[path], theirs.values[path]
    return value is UNKNOWN or their_value is UNKNOWN or value != their_value


def no_collision(writers, me, identity, writes: Writes) -> None:
    """Fail when another state of this run (``writers``: ``pillar_writers`` of the run; ``me``:
    ``(state, ID)`` of this state) writes the same file (``identity``) at a key path of
    ``writes`` or one inside it, unless both write the same value there and it is no secret:
    the two would overwrite each other's values run after run."""
    for other in writers:
        if (other.state, other.chunk_id) == me or not identity.same_file(other.identity):
            continue
        for path in writes.paths:
            clash = next(
                (p for p in other.writes.paths if _clash(writes, other.writes, path, p)), None
            )
            if clash:
                valid.fail(
                    "pillar_keys",
                    f"{path} in {writes.pillar_file} is also written by {other.state} "
                    f"{other.chunk_id} ({clash} in {other.writes.pillar_file}): give each state "
                    "its own key paths"
                    + (" (a secret is never shared)" if path in writes.secrets else ""),
                )
