"""Where the states that write credentials put them in a pillar file (their ``pillar_keys``),
and the checks that keep those places apart: within one state, and between the states of one
run that write the same file. All run before any AWS call.

A layout maps a name (``access_key_id``, ``password``...) to a list of colon-delimited key
paths: each name may be written under several paths (``aws:access_key`` for site backups and
``postgres:backup:s3_key`` for pgBackRest on the same server).
"""

from __future__ import annotations

import re

import awsrunbook_validate as valid
from salt.exceptions import SaltInvocationError

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


# Where this extension's states write secrets by default ("*": any one key).
SECRET_PATHS = (
    "aws:secret_key",
    "postgres:backup:s3_key_secret",
    "smtp:password",
    "smtp:*:password",
    "aws_runbook:connection:key",
)
# A last key that names something secret, wherever it is.
SECRET_NAME_RE = re.compile(r"password|passwd|secret|token|private|credential", re.IGNORECASE)


def is_secret(path, mask=()):
    """Whether the value at ``path`` is (or may be) a secret: a path of ``SECRET_PATHS`` or
    ``mask`` (``*`` matches any one key), or a last key matching ``SECRET_NAME_RE``
    (``password``, ``s3_key_secret``, ``api_token``...). Such a value is never shown."""
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


def shown(path, value):
    """What ``changes`` may show of ``value``, read from the pillar file at ``path``."""
    if value is None or not is_secret(path):
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


def _chunk_paths(chunk):
    """``(pillar_file, [paths])`` a chunk of the low state writes, or ``None``."""
    if chunk.get("fun") != "present" or not chunk.get("pillar_file"):
        return None
    try:
        if chunk.get("state") == "iam_backup_user":
            return chunk["pillar_file"], every_path(backup_user(chunk.get("pillar_keys")))
        if chunk.get("state") == "ses_smtp_user":
            regions = chunk.get("regions") or []
            regions = [regions] if isinstance(regions, str) else regions
            return chunk["pillar_file"], every_path(smtp_user(chunk.get("pillar_keys"), regions))
    except (SaltInvocationError, TypeError):  # that state reports its own bad input
        return None
    return None


def pillar_writers(lowstate):
    """``{pillar_file: [(state, ID, paths)]}``: the key paths each chunk of the run's low state
    writes in each pillar file (for ``no_collision``)."""
    writers = {}
    for chunk in lowstate or []:
        found = _chunk_paths(chunk)
        if found:
            writers.setdefault(found[0], []).append((chunk["state"], chunk.get("__id__"), found[1]))
    return writers


def no_collision(writers, low, pillar_file, paths):
    """Fail when another state of this run (``writers``: ``pillar_writers`` of the run; ``low``
    is this state's chunk) writes a path of ``paths`` (or one inside it) in the same
    ``pillar_file``: the two would overwrite each other's keys run after run."""
    me = ((low or {}).get("state"), (low or {}).get("__id__"))
    for state, chunk_id, found in writers.get(pillar_file, []):
        if (state, chunk_id) == me:
            continue
        for path in paths:
            clash = next((other for other in found if _overlap(path, other)), None)
            if clash:
                valid.fail(
                    "pillar_keys",
                    f"{path} in {pillar_file} is also written by {state} "
                    f"{chunk_id} ({clash}): give each state its own key paths",
                )
