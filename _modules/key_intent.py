"""A run's record that it is creating an access key whose secret goes into a pillar file,
so that a run killed between ``CreateAccessKey`` and the pillar write leaves a trace.

The record lives under the minion's cache directory, never in the pillar tree (a private
pillar repository must show nothing of ours to ``git add -A``)::

    <cachedir>/aws_runbook/intents/<sha256 of the resolved pillar file>.<user>.json

It holds the user, the pillar file, when the run started creating the key, the user's keys
before it and, once IAM answered, the new key's ID: never a secret. It is written atomically
(a temporary file, fsynced, renamed; mode 0600 in a 0700 directory) and removed once the
pillar file holds the key. While the run that wrote it is alive it holds an advisory lock
on ``<same name>.lock``, so another run on this machine can tell a record being worked on
from one a killed run left (``read`` says ``in_progress``).

What a left record means is decided by ``awsrunbook.keys.leftover_of`` (pure); the states
read it with ``read``. ``aws_iam.create_access_key`` records; ``write_key`` writes the
pillar file and removes the record.

CLI example::

    salt-call key_intent.read /srv/pillar/private/web1.sls web1-backup
"""

import contextlib
import datetime
import fcntl
import glob
import json
import logging
import os
from typing import TYPE_CHECKING

from awsrunbook import files
from salt.exceptions import CommandExecutionError, SaltInvocationError

INTENTS = "intents"  # the kind of record, beside the pillar files' locks

log = logging.getLogger(__name__)

__virtualname__ = "key_intent"

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __opts__, __salt__

# Locks this process holds, by intent path: from ``record`` until ``forget``.
_HELD = {}


def __virtual__():
    return __virtualname__


def _directory():
    return files.cache_dir(__opts__["cachedir"], INTENTS)


def location(pillar_file, user):
    """Where the intent of ``user``'s key for ``pillar_file`` is kept (the file resolved, so
    every spelling of one file has one record).

    CLI example::

        salt-call key_intent.location /srv/pillar/private/web1.sls web1-backup
    """
    if not isinstance(pillar_file, str) or not os.path.isabs(pillar_file):
        raise SaltInvocationError(f"pillar_file: must be an absolute path (got {pillar_file!r})")
    if not isinstance(user, str) or not user or "/" in user or user.startswith("."):
        raise SaltInvocationError(f"user: not an IAM user name ({user!r})")
    return files.cache_path(__opts__["cachedir"], INTENTS, pillar_file, f".{user}.json")


def _lock_path(intent_path):
    return intent_path[: -len(".json")] + ".lock"


def _try_lock(intent_path):
    """An open descriptor holding the intent's lock, or ``None`` when another process holds
    it (a run creating that key now)."""
    fd = os.open(_lock_path(intent_path), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _make_directory():
    directory = _directory()
    os.makedirs(directory, mode=0o700, exist_ok=True)
    return directory


def _write(intent_path, record):
    """Replace the record atomically (a crash leaves the old one or the new one, and at
    worst a temporary file of its process, which ``forget`` removes)."""
    tmp = f"{intent_path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, json.dumps(record, sort_keys=True).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, intent_path)
    directory = os.open(os.path.dirname(intent_path), os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _load(intent_path):
    try:
        with open(intent_path, encoding="utf-8") as handle:
            return json.load(handle)
    except (FileNotFoundError, NotADirectoryError):
        return None  # (a cache directory that is not one fails at ``record``, by name)
    except (OSError, ValueError) as exc:
        raise CommandExecutionError(
            f"cannot read the key creation record {intent_path} ({exc}); delete it once no "
            "run is creating a key"
        ) from None


def read(pillar_file, user):
    """The record of a key creation for ``user`` into ``pillar_file``, or ``None``:
    ``{"user", "pillar_file", "started", "known_keys", "access_key_id", "in_progress"}``,
    ``in_progress`` true while the run that wrote it is still running.

    CLI example::

        salt-call key_intent.read /srv/pillar/private/web1.sls web1-backup
    """
    intent_path = location(pillar_file, user)
    record = _load(intent_path)
    if record is None:
        return None
    # Held by this process: left by an earlier state run of a long-lived minion (a run
    # plans a user's key for a file once), whose create failed and could not be settled.
    fd = _HELD.pop(intent_path, None) or _try_lock(intent_path)
    if fd is not None:
        os.close(fd)
    return {**record, "in_progress": fd is None}


@contextlib.contextmanager
def _cache_errors(intent_path):
    """A file system error on the record names it, instead of a traceback."""
    try:
        yield
    except OSError as exc:
        raise CommandExecutionError(
            f"cannot write the key creation record {intent_path}: {exc.strerror or exc}; "
            "no key was created"
        ) from None


def record(pillar_file, user, known_keys):
    """Record that this run is about to create an access key for ``user`` whose secret goes
    into ``pillar_file``; ``known_keys``: the user's keys before it. Holds the record's lock
    until ``forget``. Refused while another run on this machine holds it."""
    intent_path = location(pillar_file, user)
    with _cache_errors(intent_path):
        _make_directory()
        if intent_path not in _HELD:
            fd = _try_lock(intent_path)
            if fd is None:
                raise CommandExecutionError(
                    f"another run is creating an access key of {user} for {pillar_file} now "
                    f"(its record {intent_path} is locked); run again when it is done"
                )
            _HELD[intent_path] = fd
        _write(intent_path, _new_record(pillar_file, user, known_keys))
    return intent_path


def _new_record(pillar_file, user, known_keys):
    started = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return {
        "user": user,
        "pillar_file": pillar_file,
        "resolved_pillar_file": os.path.realpath(pillar_file),
        "started": started.isoformat(),
        "known_keys": sorted(known_keys),
        "access_key_id": None,
        "pid": os.getpid(),
    }


def record_key(pillar_file, user, access_key_id):
    """Add the ID of the key IAM made (never its secret) to this run's record."""
    intent_path = location(pillar_file, user)
    found = _load(intent_path)
    if found is None or intent_path not in _HELD:
        raise CommandExecutionError(
            f"no key creation of {user} for {pillar_file} is recorded by this run"
        )
    with _cache_errors(intent_path):
        _write(intent_path, {**found, "access_key_id": access_key_id})
    return True


def forget(pillar_file, user):
    """Remove the record (this run's, or one a stopped run left). A record another live run
    holds is left alone: returns False then."""
    intent_path = location(pillar_file, user)
    fd = _HELD.pop(intent_path, None)
    if fd is None:
        fd = _try_lock(intent_path)
        if fd is None:
            return False
    try:
        for name in (intent_path, *glob.glob(glob.escape(intent_path) + ".*.tmp")):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)
    finally:
        os.close(fd)
    return True


def _held_now(path, expect):
    """What the file holds at the paths of ``expect`` now (``None`` if it cannot be read)."""
    try:
        return __salt__["pillar_file.read"](path, list(expect))
    except CommandExecutionError:
        return None


def write_key(path, user, values, expect, access_key_id, encryption=None):
    """Write the new key ``access_key_id`` (``values``: what ``pillar_file.set_values``
    writes, encrypted with ``encryption`` when given) into the pillar file ``path``, provided
    it still holds ``expect`` (the key this run read there), then remove the run's record.

    Two runs rotating one user at once (two laptops on one pillar checkout) are caught
    here: when another run wrote its key since this one read the file, nothing is written
    and the error names both keys; the state then deletes this run's key again, and the
    file keeps the other run's, whose secret it holds."""
    try:
        written = __salt__["pillar_file.set_values"](
            path, values, expect=expect, encryption=encryption
        )
    except CommandExecutionError as exc:
        now = _held_now(path, expect)
        if now is None or now == expect:
            raise exc from None
        theirs = ", ".join(sorted({str(v) for v in now.values()}))
        raise CommandExecutionError(
            f"two runs created a key of {user} at once: {path} now names {theirs}, written "
            f"by another run since this one read it, and this run made {access_key_id}; "
            f"{access_key_id} was not written"
        ) from None
    forget(path, user)
    return written
