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
- A file that is not plain YAML (a Jinja template, a renderer shebang other than ``#!yaml``
  or ``#!yaml|gpg``) or not UTF-8 is refused: editing it would corrupt it. Writing through
  a YAML alias or merge key is refused too; a value carrying an anchor keeps it, so its
  aliases follow.

Encrypted at rest (``encryption``, see ``encryption_for`` and ``awsrunbook.gpg``): the values at
a state's secret paths are written as PGP-armored ciphertext in literal blocks, and the file
gets ``#!yaml|gpg`` as its first line, so that Salt's gpg renderer decrypts them. Plaintext
already at those paths is encrypted in place by ``encrypt_in_place``.

Secrets: values are never logged and never appear in errors. ``read`` masks every value at
a secret path (see ``is_secret``, plus the ``mask`` argument),
whatever key is asked for; ``unmask=True`` shows them.

CLI examples::

    salt-call pillar_file.read /srv/pillar/private/web1.sls '["aws"]'
    salt-call pillar_file.check_writable /srv/pillar/private/web1.sls '["aws:secret_key"]'
    salt-call pillar_file.remove /srv/pillar/private/web1.sls '["smtp:password"]'
"""

import contextlib
import contextvars
import fcntl
import functools
import logging
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import salt.loader
from awsrunbook import files, layout, yamledit
from awsrunbook import gpg as pgp
from salt.exceptions import CommandExecutionError, SaltInvocationError

if TYPE_CHECKING:  # what Salt's loader injects
    from awsrunbook.typing import __context__, __opts__, __salt__

log = logging.getLogger(__name__)

__virtualname__ = "pillar_file"

LOCK_TIMEOUT = 60  # seconds a writer waits for another one to finish
LOCK_POLL = 0.05
MASKED = "**********"  # what Salt's own pillar masking shows
CONTEXT_KEY = "aws_runbook.declared_secrets"
CHECKED_KEY = "aws_runbook.encryption_checked"  # (recipients, keyring) checked in this process
SCAN_NAMESPACE = "salt.loaded.aws_runbook_declarations"
UTF8_BOM = b"\xef\xbb\xbf"

_TEMPLATE_RE = re.compile(r"{{|{%|{#")
_YAML_SHEBANG_RE = re.compile(r"^#!\s*yaml\s*$")

T = TypeVar("T")
# An edit of the file's text: (new text, the key paths it changed).
Edit = Callable[[str], tuple[str, list[str]]]


def __virtual__() -> str:
    return __virtualname__


# --- arguments --------------------------------------------------------------------------


def _check_path(path: object) -> None:
    if not isinstance(path, str) or not os.path.isabs(path):
        raise SaltInvocationError(f"pillar_file: must be an absolute path (got {path!r})")


def _check_keys(keys: Iterable[object], written: bool = True) -> None:
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


def _check_values(values: object) -> None:
    if not isinstance(values, dict):
        raise SaltInvocationError("values: must be a mapping of key paths to values")
    _check_keys(list(values))
    for key, value in values.items():
        if not isinstance(value, yamledit.SCALAR_TYPES):
            raise SaltInvocationError(
                f"values: {key} must be a single value (text, number, true/false or null), "
                f"not {type(value).__name__}"
            )


def outside_root(path: str, root: str) -> bool:
    """Whether ``path`` lies outside the directory ``root`` once symlinks are followed (a
    relative ``pillar_file`` under a symlinked directory of the pillar root).

    CLI example::

        salt-call pillar_file.outside_root /srv/pillar/private/web1.sls /srv/pillar
    """
    _check_path(path)
    return files.outside_root(path, root)


# --- reading ----------------------------------------------------------------------------


def _target(path: str) -> str:
    """The file to edit: ``path`` with symlinks followed (a dangling link names the file to
    create)."""
    return os.path.realpath(path)


def _read(path: str, target: str) -> tuple[bytes, str] | None:
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


def _check_plain_yaml(path: str, text: str) -> None:
    first = text.lstrip().split("\n", 1)[0]
    if first.startswith("#!") and not (_YAML_SHEBANG_RE.match(first) or pgp.is_gpg_renderer(first)):
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


def _yaml_call(path: str, function: Callable[..., T], *args: Any) -> T:
    try:
        return function(*args)
    except yamledit.YamlEditError as exc:
        raise CommandExecutionError(f"pillar file {path}: {exc}") from None


def _lookup(data: object, parts: Iterable[str]) -> Any:
    node = data
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _data(path: str, keys: list[str]) -> Any:
    """What the file ``path`` holds (``{}`` when missing), once ``path`` and the key paths
    ``keys`` to look up were checked."""
    _check_path(path)
    _check_keys(keys, written=False)
    found = _read(path, _target(path))
    return _yaml_call(path, yamledit.load, found[1]) if found else {}


def declared_secrets() -> list[str]:
    """The secret key paths of every writer state's default layout, as each declares them
    beside itself (its module's ``PILLAR_WRITES``): found through Salt's state loader among
    the state modules that are not Salt's own, once per process.

    CLI example::

        salt-call pillar_file.declared_secrets
    """
    if "__context__" not in globals():  # imported outside Salt's loader: no states to ask
        return []
    if CONTEXT_KEY not in __context__:
        # In a context of its own: loading modules sets Salt's loader context variables,
        # which must not change what the running state's __opts__ (test mode) resolve to.
        found = contextvars.copy_context().run(_scan_declared_secrets)
        __context__[CONTEXT_KEY] = sorted(found)
    return list(__context__[CONTEXT_KEY])


def _scan_declared_secrets() -> set[str]:
    # A namespace of its own: the run's state loader keeps its modules and their __opts__.
    loader = salt.loader.states(
        dict(__opts__), __salt__, {}, {}, context={}, loaded_base_name=SCAN_NAMESPACE
    )
    # salt/loader/__init__.py: two levels up is Salt's own package
    salt_own = os.path.dirname(os.path.dirname(os.path.realpath(salt.loader.__file__))) + os.sep
    found: set[str] = set()
    for name, entry in getattr(loader, "file_mapping", {}).items():
        if os.path.realpath(entry[0]).startswith(salt_own):
            continue  # Salt's own states write no pillar
        try:
            function = loader[f"{name}.present"]
        except KeyError:
            continue
        writer = layout.declaration(function)
        if writer is not None:
            found.update(writer.default_secrets)
    return found


def is_secret(key: str, mask: Iterable[str] = ()) -> bool:
    """Whether the value at ``key`` (a key path) is a secret, which ``read`` masks: a path of
    ``mask`` (``*`` matches any one key; without one, the paths the writer states declare,
    ``declared_secrets``), or a last key matching ``awsrunbook.layout.SECRET_NAME_RE``.

    CLI example::

        salt-call pillar_file.is_secret smtp:eu-west-1:password
    """
    return layout.is_secret(key, _secret_paths(mask))


def _secret_paths(mask: Iterable[str]) -> tuple[str, ...]:
    """``mask``, or without one (a read from the command line) the paths the writer states
    declare. States always give their own, so a state run never loads state modules here."""
    return tuple(mask) if mask else tuple(declared_secrets())


def _masked(value: Any, key: str, mask: Iterable[str]) -> Any:
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


def read(
    path: str,
    keys: list[str],
    mask: Iterable[str] = (),
    unmask: bool = False,
    decrypt: bool = False,
) -> dict[str, Any]:
    """Return ``{key: value}`` for each key path in ``keys`` (``None`` where absent).

    A key that is itself a secret (see ``is_secret``; ``mask`` adds key paths) comes back as
    ``True``/``False``: present or not, never the value. Secrets inside a mapping asked for
    (``aws`` holds ``aws:secret_key``) come back as ``**********``. ``unmask=True`` shows
    them all, as Salt's ``pillar.items unmask=True`` does: they then reach the job cache.
    With ``decrypt=True`` too, a key holding ciphertext comes back decrypted with the
    secret keys of ``gpg_keydir`` (as Salt's gpg renderer would); an error names the key
    when none there decrypts it.

    CLI example::

        salt-call pillar_file.read /srv/pillar/private/web1.sls '["aws:access_key", "aws"]'
    """
    data = _data(path, keys)
    result = {}
    for key in keys:
        value = _lookup(data, key.split(":"))
        if unmask:
            result[key] = _decrypted(path, key, value) if decrypt else value
        elif is_secret(key, mask):
            result[key] = value not in (None, "")
        else:
            result[key] = _masked(value, key, mask)
    return result


def _decrypted(path: str, key: str, value: Any) -> Any:
    if not pgp.is_ciphertext(value):
        return value
    try:
        return pgp.decrypt(value, keydir())
    except pgp.NotDecrypted as exc:
        raise pgp.NotDecrypted(f"{key} in pillar file {path} is encrypted: {exc}") from None


def plaintext_secrets(path: str, keys: list[str]) -> list[str]:
    """The key paths of ``keys`` (secret paths) that hold a secret in the clear in ``path``:
    text that is not ciphertext (see ``encrypt_in_place``). Shows no value.

    CLI example::

        salt-call pillar_file.plaintext_secrets /srv/pillar/private/web1.sls '["aws:secret_key"]'
    """
    data = _data(path, keys)
    return [key for key in keys if pgp.is_plaintext_secret(_lookup(data, key.split(":")))]


# --- encryption ---------------------------------------------------------------------------


def keydir() -> str:
    """The keyring Salt's gpg renderer decrypts with, and ``read`` with ``decrypt=True``:
    ``gpg_keydir``, by default ``<config dir>/gpgkeys`` (``salt/renderers/gpg.py``).

    CLI example::

        salt-call pillar_file.keydir
    """
    found = __salt__["config.get"]("gpg_keydir")
    if found:
        return str(found)
    config_dir = __opts__.get("config_dir") or os.path.dirname(__opts__["conf_file"])
    return str(__opts__.get("gpg_keydir") or os.path.join(config_dir, "gpgkeys"))


def encryption_for(
    path: str, secrets: list[str], recipients: list[str] | None = None
) -> pgp.Encryption | None:
    """How a state call writing the secret key paths ``secrets`` into the pillar file
    ``path`` encrypts them (``awsrunbook.gpg.Encryption``), or ``None`` when encryption is
    off: ``recipients`` (the state's ``gpg_recipients``; ``[]`` turns it off) over the
    ``aws_runbook_gpg`` config key (``recipients``, ``gnupghome``: by default
    ``gpg_keydir``). Checks that encryption works (gpg, the keyring, every recipient's key,
    a probe; once per process for one set of recipients and keyring) and that the file's
    renderer line allows it, naming the setting or the file: states call it before any AWS
    call.

    CLI example::

        salt-call pillar_file.encryption_for /srv/pillar/private/web1.sls '["aws:secret_key"]'
    """
    _check_path(path)
    _check_keys(secrets, written=False)
    config = __salt__["config.get"](pgp.CONFIG_KEY) or None
    found = pgp.settings(recipients, config, keydir(), secrets)
    if found is None:
        return None
    # Once per process and keyring: two gpg runs per state call add up over 200 users.
    checked = __context__.setdefault(CHECKED_KEY, set())
    if (tuple(found["recipients"]), found["gnupghome"]) not in checked:
        pgp.check(found)
        checked.add((tuple(found["recipients"]), found["gnupghome"]))
    first = ""
    with contextlib.suppress(OSError), open(_target(path), encoding="utf-8", errors="replace") as f:
        first = f.readline()  # (a file that cannot be read fails by name when it is read)
    problem = pgp.renderer_problem(path, first)
    if problem:
        raise CommandExecutionError(problem)
    return found


def _encrypted(values: dict[str, Any], encryption: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with the plaintext at ``encryption``'s secret paths encrypted."""
    return {
        key: pgp.encrypt(value, encryption["recipients"], encryption["gnupghome"])
        if key in encryption["secrets"] and pgp.is_plaintext_secret(value)
        else value
        for key, value in values.items()
    }


def _with_renderer(path: str, edit: Edit, encryption: Mapping[str, Any] | None) -> Edit:
    """``edit`` that also starts the text with ``#!yaml|gpg`` when ``encryption`` is on."""
    if not encryption:
        return edit

    def edit_encrypted(text: str) -> tuple[str, list[str]]:
        problem = pgp.renderer_problem(path, text)
        if problem:
            raise CommandExecutionError(problem)
        return edit(pgp.with_renderer_line(text))

    return edit_encrypted


def encrypt_in_place(
    path: str,
    keys: list[str],
    encryption: Mapping[str, Any] | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
) -> dict[str, Any]:
    """Encrypt the plaintext secrets at the key paths ``keys`` of ``path`` as they are (the
    same secret, as ciphertext), with ``encryption`` (``encryption_for``'s answer; by
    default the ``aws_runbook_gpg`` config's); returns the key paths encrypted.

    CLI example::

        salt-call pillar_file.encrypt_in_place /srv/pillar/private/web1.sls '["aws:secret_key"]'
    """
    encryption = encryption or encryption_for(path, keys)
    if encryption is None:
        raise CommandExecutionError(
            f"encryption is off: set {pgp.CONFIG_KEY}:recipients in the minion config"
        )

    def encrypt_plaintext(text: str) -> tuple[str, list[str]]:
        data = yamledit.load(text)
        found = {key: _lookup(data, key.split(":")) for key in keys}
        plain = {key: value for key, value in found.items() if pgp.is_plaintext_secret(value)}
        values = _encrypted(plain, {**encryption, "secrets": list(plain)})
        return yamledit.set_values(text, values, secrets=list(values), blocks=list(values))

    edit = _with_renderer(path, encrypt_plaintext, encryption)
    return {"path": path, "encrypted": _edit(path, keys, lock_timeout, edit, False)}


# --- writing ----------------------------------------------------------------------------


def _make_directories(directory: str) -> None:
    """Create ``directory`` and its missing parents with mode 0700: they hold secrets."""
    missing = []
    while not os.path.isdir(directory):
        missing.append(directory)
        directory = os.path.dirname(directory)
    for created in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(created, 0o700)


def lock_path(path: str) -> str:
    """The lock file writers of the pillar file ``path`` take: under the minion's cache
    directory, keyed by the resolved path (``awsrunbook.files.cache_path``), so every
    spelling of one file takes one lock and the pillar directory gets no lock file."""
    return files.cache_path(__opts__["cachedir"], "locks", path, ".lock")


def _open_lock(path: str, lock: str) -> int:
    _make_directories(os.path.dirname(lock))
    try:
        return os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise CommandExecutionError(
            f"cannot write pillar file {path}: cannot open its lock file {lock} ({exc.strerror})"
        ) from None


def _flock(fd: int, deadline: float) -> bool:
    """Take the lock on ``fd``; ``False`` when ``deadline`` passed first. A file system that
    cannot lock a directory (some network file systems) counts as locked: the lock file
    under the cache directory still holds."""
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(LOCK_POLL)
        except OSError:
            if not stat.S_ISDIR(os.fstat(fd).st_mode):
                raise
            return True


@contextlib.contextmanager
def _locked(path: str, target: str, timeout: float) -> Iterator[None]:
    """Hold the locks of ``target``: its lock file under the cache directory (``lock_path``),
    which serialises every process with this minion config, then a lock on the file's
    directory itself, which also serialises processes with another cache directory (a
    second minion config on the machine: their lock files differ) and leaves nothing in
    that directory."""
    lock = lock_path(target)
    fds = [_open_lock(path, lock)]
    try:
        with contextlib.suppress(OSError):  # unreadable: the lock file alone serialises
            fds.append(os.open(os.path.dirname(target), os.O_RDONLY | os.O_CLOEXEC))
        deadline = time.monotonic() + timeout
        for fd in fds:  # always in this order, so two writers never wait for each other
            if not _flock(fd, deadline):
                raise CommandExecutionError(
                    f"pillar file {path} is being written by another process, which has "
                    f"held its lock ({lock}) for more than {timeout} s; nothing was "
                    "written: run again when it is done"
                ) from None
        yield
    finally:
        for fd in fds:
            os.close(fd)  # releases the lock


def _check_single_link(path: str, target: str) -> None:
    """A file with hard links elsewhere is refused: writing replaces the file (atomically),
    which would leave the other names holding the old content."""
    with contextlib.suppress(FileNotFoundError):
        links = os.stat(target).st_nlink
        if links > 1:
            raise CommandExecutionError(
                f"cannot write pillar file {path}: it has {links} hard links, and writing "
                "replaces the file, which would leave the other names with the old content; "
                "keep one name and make the others symlinks to it"
            )


def _temp_prefix(target: str) -> str:
    return f".{os.path.basename(target)}."


def _remove_stale_temp_files(target: str) -> None:
    """Temporary files of writers that were killed (they may hold secrets): under the lock
    no other writer can be using one."""
    directory, prefix = os.path.dirname(target), _temp_prefix(target)
    for name in os.listdir(directory):
        if name.startswith(prefix) and name.endswith(".tmp"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, name))
            log.info("Removed %s, left by an interrupted write of %s", name, target)


def _replace(target: str, content: bytes) -> None:
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


def _sync_directory(path: str, directory: str) -> None:
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


def _holds(target: str, content: bytes) -> bool:
    with contextlib.suppress(OSError), open(target, "rb") as handle:
        return handle.read() == content
    return False


def _write(path: str, target: str, content: bytes) -> None:
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


def _edit(path: str, keys: list[str], lock_timeout: float, edit: Edit, create: bool) -> list[str]:
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
        _check_single_link(path, target)
        _remove_stale_temp_files(target)
        found = _read(path, target)
        bom, text = found or (b"", "")
        new_text, keys = _yaml_call(path, edit, text)
        if new_text != text or found is None:
            _write(path, target, bom + new_text.encode("utf-8"))
        elif (os.stat(target).st_mode & 0o777) != 0o600:
            os.chmod(target, 0o600)
    return keys


def _unchanged(path: str, text: str, expect: dict[str, Any], mask: Iterable[str]) -> None:
    """Refuse the write unless the file (``text``, read under the lock) still holds what
    ``expect`` says it held when the caller read it."""
    data = _yaml_call(path, yamledit.load, text)
    for key, wanted in expect.items():
        now = _lookup(data, key.split(":"))
        if now != wanted:
            shown = "" if layout.is_secret(key, mask) else f" (it holds {now!r}, not {wanted!r})"
            raise CommandExecutionError(
                f"pillar file {path}: {key} was changed by another writer since it was "
                f"read{shown}; nothing was written"
            )


def set_values(
    path: str,
    values: dict[str, Any],
    lock_timeout: float = LOCK_TIMEOUT,
    expect: dict[str, Any] | None = None,
    mask: Iterable[str] = (),
    encryption: dict[str, Any] | None = None,
) -> dict[str, Any]:
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
    mask
        Key paths whose values are secrets besides those the key-name rule finds: a secret
        is never written into a mapping that carries an anchor other keys alias.
    encryption
        ``encryption_for``'s answer: the text at its secret paths is encrypted first, and
        the file starts with ``#!yaml|gpg``. Ciphertext is written as it is, in a block.

    CLI example::

        salt-call pillar_file.set_values /srv/pillar/private/web1.sls '{"aws:region": "eu-west-1"}'
    """
    _check_values(values)
    secrets = [key for key in values if layout.is_secret(key, mask)]
    if encryption:
        values = _encrypted(values, encryption)
    blocks = [key for key, value in values.items() if pgp.is_ciphertext(value)]
    edit: Edit = functools.partial(
        yamledit.set_values, values=values, secrets=secrets, blocks=blocks
    )
    edit = _with_renderer(path, edit, encryption)
    if expect:
        _check_keys(list(expect), written=False)
        set_them = edit

        def edit(text: str) -> tuple[str, list[str]]:
            _unchanged(path, text, expect, mask)
            return set_them(text)

    return {"path": path, "changed": _edit(path, list(values), lock_timeout, edit, True)}


def remove(path: str, keys: list[str], lock_timeout: float = LOCK_TIMEOUT) -> dict[str, Any]:
    """Remove key paths from the file, and mappings left empty by that. Returns the key paths
    that were there.

    CLI example::

        salt-call pillar_file.remove /srv/pillar/private/web1.sls '["smtp:password"]'
    """
    edit = functools.partial(yamledit.remove, keys=keys)
    return {"path": path, "removed": _edit(path, keys, lock_timeout, edit, False)}


def _writable_directory(path: str, target: str) -> None:
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


def check_writable(path: str, keys: list[str], mask: Iterable[str] = ()) -> bool:
    """Raise an error naming ``path`` and the problem unless every key path in ``keys`` can
    be written: the file is plain UTF-8 YAML, no parent of a key is a single value or a
    list, no alias or merge key is in the way, no secret (``mask``, or by its key name) would
    go into a mapping whose anchor other keys alias, the file has no other hard link, and
    this user can write the directory. Writes nothing; states call it before any AWS call,
    in test mode too.

    CLI example::

        salt-call pillar_file.check_writable /srv/pillar/private/web1.sls '["aws:secret_key"]'
    """
    _check_path(path)
    _check_keys(keys)
    target = _target(path)
    if os.path.isdir(target):
        raise CommandExecutionError(f"cannot write pillar file {path}: it is a directory")
    _check_single_link(path, target)
    found = _read(path, target)
    secrets = [key for key in keys if layout.is_secret(key, mask)]
    _yaml_call(path, yamledit.check_writable, found[1] if found else "", keys, secrets)
    _writable_directory(path, target)
    return True
