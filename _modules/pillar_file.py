"""Edit values in a plain-YAML pillar file (``pillar/private/<server>.sls``), changing only
the lines of the keys written: comments, blank lines, quotes, list indentation, ``True``
spellings, anchors, CRLF line endings and everything else stay byte for byte.

Values are addressed by colon-delimited key paths (``aws:access_key``).

- Atomic: the new content goes to a temporary file in the target's directory, is fsynced,
  then renamed over the file, which is left with mode 0600; directories the writer creates
  get mode 0700. Once the rename is done the values are written: a directory fsync that the
  file system refuses (some FUSE, CIFS and 9p mounts) is only a warning.
- Serialised: writers take an advisory lock on ``.<name>.lock`` beside the file and read
  the file again under it, so concurrent writers (two ``salt-call`` processes, parallel
  states) never lose each other's keys.
- A symlinked pillar file is followed: its target is edited in place and keeps being the
  file the link names.
- A file that is not plain YAML (a Jinja template, a renderer shebang other than ``#!yaml``)
  or not UTF-8 is refused: editing it would corrupt it. Writing through a YAML alias or
  merge key is refused too; a value carrying an anchor keeps it, so its aliases follow.

Secrets: values are never logged and never appear in errors. ``read`` masks every value at
a secret path (see ``is_secret``, plus the ``mask`` argument),
whatever key is asked for; ``unmask=True`` shows them.

CLI examples::

    salt-call pillar_file.read /srv/pillar/private/web1.sls '["aws"]'
    salt-call pillar_file.check_writable /srv/pillar/private/web1.sls '["aws:secret_key"]'
    salt-call pillar_file.remove /srv/pillar/private/web1.sls '["smtp:password"]'
"""

import contextlib
import fcntl
import functools
import logging
import os
import re
import tempfile
import time

import awsrunbook_layout as layout
import awsrunbook_yamledit as yamledit
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "pillar_file"

LOCK_TIMEOUT = 60  # seconds a writer waits for another one to finish
LOCK_POLL = 0.05
MASKED = "**********"  # what Salt's own pillar masking shows
# Where this extension's states write secrets by default ("*" stands for any one key) ...
UTF8_BOM = b"\xef\xbb\xbf"

_TEMPLATE_RE = re.compile(r"{{|{%|{#")
_YAML_SHEBANG_RE = re.compile(r"^#!\s*yaml\s*$")


def __virtual__():
    return __virtualname__


# --- arguments --------------------------------------------------------------------------


def _check_path(path):
    if not isinstance(path, str) or not os.path.isabs(path):
        raise SaltInvocationError(f"pillar_file: must be an absolute path (got {path!r})")


def _check_keys(keys, written=True):
    """Key paths look like ``aws:access_key``; paths written together must not overlap."""
    if isinstance(keys, str) or not all(isinstance(key, str) for key in keys):
        raise SaltInvocationError("keys: must be a list of key paths like 'aws:access_key'")
    try:
        if written:
            yamledit.check_paths(keys)
        else:
            for key in keys:
                yamledit.split_path(key)
    except yamledit.YamlEditError as exc:
        raise SaltInvocationError(f"keys: {exc}") from None


def _check_values(values):
    if not isinstance(values, dict):
        raise SaltInvocationError("values: must be a mapping of key paths to values")
    _check_keys(list(values))
    for key, value in values.items():
        if not isinstance(value, yamledit.SCALAR_TYPES):
            raise SaltInvocationError(
                f"values: {key} must be a single value (text, number, true/false or null), "
                f"not {type(value).__name__}"
            )


# --- reading ----------------------------------------------------------------------------


def _target(path):
    """The file to edit: ``path`` with symlinks followed (a dangling link names the file to
    create)."""
    return os.path.realpath(path)


def _read(path, target):
    """``(byte-order mark, text)`` of the file, or ``None`` when it does not exist."""
    try:
        with open(target, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CommandExecutionError(f"cannot read pillar file {path}: {exc.strerror}") from None
    bom = UTF8_BOM if raw.startswith(UTF8_BOM) else b""
    try:
        text = raw[len(bom) :].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = len(bom) + exc.start
        line = raw.count(b"\n", 0, offset) + 1
        raise CommandExecutionError(
            f"pillar file {path} is not UTF-8 text (byte {offset} on line {line} is not "
            "valid UTF-8); save it as UTF-8"
        ) from None
    _check_plain_yaml(path, text)
    return bom, text


def _check_plain_yaml(path, text):
    first = text.lstrip().split("\n", 1)[0]
    if first.startswith("#!") and not _YAML_SHEBANG_RE.match(first):
        raise CommandExecutionError(
            f"pillar file {path} uses the renderer {first!r}; only plain YAML files can be "
            "edited. Point pillar_file at a plain YAML file and include it from the template."
        )
    if _TEMPLATE_RE.search(text):
        raise CommandExecutionError(
            f"pillar file {path} looks like a Jinja template ({{{{, {{% or {{#); only plain "
            "YAML files can be edited. Point pillar_file at a plain YAML file and include it "
            "from the template."
        )


def _yaml_call(path, function, *args):
    try:
        return function(*args)
    except yamledit.YamlEditError as exc:
        raise CommandExecutionError(f"pillar file {path}: {exc}") from None


def _lookup(data, parts):
    node = data
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def is_secret(key, mask=()):
    """Whether the value at ``key`` (a key path) is a secret, which ``read`` masks: a path of
    ``awsrunbook_layout.SECRET_PATHS`` or ``mask`` (``*`` matches any one key), or a last
    key matching ``awsrunbook_layout.SECRET_NAME_RE``.

    CLI example::

        salt-call pillar_file.is_secret smtp:eu-west-1:password
    """
    return layout.is_secret(key, mask)


def _masked(value, key, mask):
    """``value`` (found at ``key``) with every secret below it replaced by ``MASKED``."""
    if isinstance(value, dict):
        shown = {}
        for name, item in value.items():
            below = f"{key}:{name}"
            hidden = item is not None and is_secret(below, mask)
            shown[name] = MASKED if hidden else _masked(item, below, mask)
        return shown
    if isinstance(value, list):
        return [_masked(item, key, mask) for item in value]
    return value


def read(path, keys, mask=(), unmask=False):
    """Return ``{key: value}`` for each key path in ``keys`` (``None`` where absent).

    A key that is itself a secret (see ``is_secret``; ``mask`` adds key paths) comes back as
    ``True``/``False``: present or not, never the value. Secrets inside a mapping asked for
    (``aws`` holds ``aws:secret_key``) come back as ``**********``. ``unmask=True`` shows
    them all, as Salt's ``pillar.items unmask=True`` does: they then reach the job cache.

    CLI example::

        salt-call pillar_file.read /srv/pillar/private/web1.sls '["aws:access_key", "aws"]'
    """
    _check_path(path)
    _check_keys(keys, written=False)
    found = _read(path, _target(path))
    data = _yaml_call(path, yamledit.load, found[1]) if found else {}
    result = {}
    for key in keys:
        value = _lookup(data, key.split(":"))
        if unmask:
            result[key] = value
        elif is_secret(key, mask):
            result[key] = value not in (None, "")
        else:
            result[key] = _masked(value, key, mask)
    return result


# --- writing ----------------------------------------------------------------------------


def _make_directories(directory):
    """Create ``directory`` and its missing parents with mode 0700: they hold secrets."""
    missing = []
    while not os.path.isdir(directory):
        missing.append(directory)
        directory = os.path.dirname(directory)
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(created, 0o700)


@contextlib.contextmanager
def _locked(path, target, timeout):
    """Hold the advisory lock of ``target`` (on ``.<name>.lock`` beside it)."""
    directory, name = os.path.split(target)
    lock_path = os.path.join(directory, f".{name}.lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise CommandExecutionError(
            f"cannot write pillar file {path}: cannot open its lock file {lock_path} "
            f"({exc.strerror})"
        ) from None
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise CommandExecutionError(
                        f"pillar file {path} is being written by another process, which has "
                        f"held its lock ({lock_path}) for more than {timeout} s; nothing was "
                        "written: run again when it is done"
                    ) from None
                time.sleep(LOCK_POLL)
        yield
    finally:
        os.close(fd)  # releases the lock


def _temp_prefix(target):
    return f".{os.path.basename(target)}."


def _remove_stale_temp_files(target):
    """Temporary files of writers that were killed (they may hold secrets): under the lock
    no other writer can be using one."""
    directory, prefix = os.path.dirname(target), _temp_prefix(target)
    for name in os.listdir(directory):
        if name.startswith(prefix) and name.endswith(".tmp"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, name))
            log.info("Removed %s, left by an interrupted write of %s", name, target)


def _replace(target, content):
    """Write ``content`` to a temporary file beside ``target`` and rename it over
    ``target``. Returns only once the rename is done."""
    directory = os.path.dirname(target)
    try:
        existing = os.stat(target)
    except FileNotFoundError:
        existing = None
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=_temp_prefix(target), suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        if existing is not None:
            # not root: the file stays ours, which is who can read it anyway
            with contextlib.suppress(PermissionError):
                os.fchown(fd, existing.st_uid, existing.st_gid)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _sync_directory(path, directory):
    """Make the rename durable. The values are written whatever happens here."""
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        log.warning(
            "Pillar file %s was written, but its directory could not be synced (%s): this "
            "file system may lose the change on a power failure",
            path,
            exc.strerror or exc,
        )


def _holds(target, content):
    with contextlib.suppress(OSError), open(target, "rb") as handle:
        return handle.read() == content
    return False


def _write(path, target, content):
    try:
        _replace(target, content)
    except OSError as exc:
        # What is on disk decides: a rename reported as failed may still have happened.
        if not _holds(target, content):
            raise CommandExecutionError(
                f"cannot write pillar file {path}: {exc.strerror or exc}; it was left as it was"
            ) from None
        log.warning(
            "Writing pillar file %s reported an error (%s), but it holds the new content",
            path,
            exc.strerror or exc,
        )
    _sync_directory(path, os.path.dirname(target))


def _edit(path, keys, lock_timeout, edit, create):
    """Read-modify-write ``path`` under its lock: ``edit(text) -> (new text, keys)``, for the
    key paths ``keys`` (checked first)."""
    _check_path(path)
    _check_keys(keys)
    log.debug("Editing %s in pillar file %s", ", ".join(keys), path)
    target = _target(path)
    if create:
        _make_directories(os.path.dirname(target))
    elif not os.path.exists(target):
        return []
    with _locked(path, target, lock_timeout):
        _remove_stale_temp_files(target)
        found = _read(path, target)
        bom, text = found or (b"", "")
        new_text, keys = _yaml_call(path, edit, text)
        if new_text != text or found is None:
            _write(path, target, bom + new_text.encode("utf-8"))
        elif (os.stat(target).st_mode & 0o777) != 0o600:
            os.chmod(target, 0o600)
    return keys


def _unchanged(path, text, expect):
    """Refuse the write unless the file (``text``, read under the lock) still holds what
    ``expect`` says it held when the caller read it."""
    data = _yaml_call(path, yamledit.load, text)
    for key, wanted in expect.items():
        now = _lookup(data, key.split(":"))
        if now != wanted:
            shown = "" if is_secret(key) else f" (it holds {now!r}, not {wanted!r})"
            raise CommandExecutionError(
                f"pillar file {path}: {key} was changed by another writer since it was "
                f"read{shown}; nothing was written"
            )


def set_values(path, values, lock_timeout=LOCK_TIMEOUT, expect=None):
    """Set each ``{key path: value}`` in ``values`` (single values: text, numbers,
    true/false, null) and write the file atomically (mode 0600), creating it and its
    directory if missing. Only the lines of those keys change (plus new lines for new
    keys). Returns the key paths whose value changed; values are not echoed back.

    lock_timeout
        Seconds to wait for another writer of the same file (default 60).
    expect
        ``{key path: value}`` the file must still hold (``null``: absent), checked under
        the lock: otherwise nothing is written (a compare-and-set, so that a value read
        before a slow step is not overwritten if another writer changed it meanwhile).

    CLI example::

        salt-call pillar_file.set_values /srv/pillar/private/web1.sls '{"aws:region": "eu-west-1"}'
    """
    _check_values(values)
    edit = functools.partial(yamledit.set_values, values=values)
    if expect:
        _check_keys(list(expect), written=False)
        set_them = edit

        def edit(text):
            _unchanged(path, text, expect)
            return set_them(text)

    return {"path": path, "changed": _edit(path, list(values), lock_timeout, edit, True)}


def remove(path, keys, lock_timeout=LOCK_TIMEOUT):
    """Remove key paths from the file, and mappings left empty by that. Returns the key paths
    that were there.

    CLI example::

        salt-call pillar_file.remove /srv/pillar/private/web1.sls '["smtp:password"]'
    """
    edit = functools.partial(yamledit.remove, keys=keys)
    return {"path": path, "removed": _edit(path, keys, lock_timeout, edit, False)}


def _writable_directory(path, target):
    directory = os.path.dirname(target)
    while not os.path.isdir(directory):
        if os.path.exists(directory):
            raise CommandExecutionError(
                f"cannot write pillar file {path}: {directory} is not a directory"
            )
        directory = os.path.dirname(directory)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise CommandExecutionError(
            f"cannot write pillar file {path}: this user (uid {os.geteuid()}) cannot write "
            f"in the directory {directory}"
        )


def check_writable(path, keys):
    """Raise an error naming ``path`` and the problem unless every key path in ``keys`` can
    be written: the file is plain UTF-8 YAML, no parent of a key is a single value or a
    list, no alias or merge key is in the way, and this user can write the directory.
    Writes nothing; states call it before any AWS call, in test mode too.

    CLI example::

        salt-call pillar_file.check_writable /srv/pillar/private/web1.sls '["aws:secret_key"]'
    """
    _check_path(path)
    _check_keys(keys)
    target = _target(path)
    if os.path.isdir(target):
        raise CommandExecutionError(f"cannot write pillar file {path}: it is a directory")
    found = _read(path, target)
    _yaml_call(path, yamledit.check_writable, found[1] if found else "", keys)
    _writable_directory(path, target)
    return True
