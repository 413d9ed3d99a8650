"""Edit values in a plain-YAML pillar file (``pillar/private/<server>.sls``), keeping the rest
of the file as it was: comments, key order and quoting survive.

Values are addressed by colon-delimited key paths (``aws:access_key``). Writes are atomic
(a temporary file in the same directory, fsynced, then renamed over the original) and the
file is left with mode 0600, since it holds secrets. A file that is not plain YAML (a Jinja
template, or one with a renderer shebang other than ``#!yaml``) is refused: editing it as
YAML would corrupt it.

CLI examples::

    salt-call pillar_file.read /srv/pillar/private/web1.sls '["aws:access_key"]'
    salt-call pillar_file.remove /srv/pillar/private/web1.sls '["smtp:password"]'

Values are never logged, and keys listed in ``mask`` are reported only as present/absent.
"""

import contextlib
import io
import os
import re
import tempfile

from salt.exceptions import CommandExecutionError, SaltInvocationError

try:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import YAMLError

    HAS_RUAMEL = True
except ImportError:
    HAS_RUAMEL = False

__virtualname__ = "pillar_file"

_TEMPLATE_RE = re.compile(r"{{|{%|{#")
_YAML_SHEBANG_RE = re.compile(r"^#!\s*yaml\s*$")


def __virtual__():
    if not HAS_RUAMEL:
        return False, "pillar_file needs ruamel.yaml (pip install ruamel.yaml)"
    return __virtualname__


def _yaml():
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines the operator wrote
    return yaml


def _check_path(path):
    if not isinstance(path, str) or not os.path.isabs(path):
        raise SaltInvocationError(f"pillar_file: must be an absolute path (got {path!r})")


def _split(key):
    if not isinstance(key, str) or not key or any(not part for part in key.split(":")):
        raise SaltInvocationError(f"pillar key path {key!r}: must look like 'aws:access_key'")
    return key.split(":")


def _load(path):
    """Parse ``path``; a missing or empty file is an empty mapping."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return CommentedMap()
    except OSError as exc:
        raise CommandExecutionError(f"cannot read pillar file {path}: {exc.strerror}") from None
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
    try:
        data = _yaml().load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise CommandExecutionError(f"pillar file {path} is not valid YAML{where}") from None
    if data is None:
        return CommentedMap()
    if not isinstance(data, dict):
        raise CommandExecutionError(f"pillar file {path} must hold a mapping at the top level")
    return data


def _get(data, parts):
    node = data
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _write(path, data):
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        if existing is not None and hasattr(os, "fchown"):
            # not root: the file stays ours, which is who can read it anyway
            with contextlib.suppress(PermissionError):
                os.fchown(fd, existing.st_uid, existing.st_gid)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read(path, keys, mask=()):
    """Return ``{key: value}`` for each key path in ``keys`` (``None`` where absent). Keys in
    ``mask`` (secrets) come back as ``True``/``False``: present or not, never the value.

    CLI example::

        salt-call pillar_file.read /srv/pillar/private/web1.sls '["aws:access_key"]'
    """
    _check_path(path)
    data = _load(path)
    result = {}
    for key in keys:
        value = _get(data, _split(key))
        result[key] = value not in (None, "") if key in mask else _plain(value)
    return result


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def set_values(path, values):
    """Set each ``{key path: value}`` in ``values`` and write the file atomically (mode
    0600), creating it and its directory if missing. Returns the key paths whose value
    changed; values are not echoed back."""
    _check_path(path)
    data = _load(path)
    changed = []
    for key, value in values.items():
        parts = _split(key)
        node = data
        for depth, part in enumerate(parts[:-1]):
            if part not in node or node[part] is None:
                node[part] = CommentedMap()
            node = node[part]
            if not isinstance(node, dict):
                where = ":".join(parts[: depth + 1])
                raise CommandExecutionError(
                    f"pillar file {path}: {where} is not a mapping, cannot set {key}"
                )
        if node.get(parts[-1]) != value:
            node[parts[-1]] = value
            changed.append(key)
    if changed or not os.path.exists(path):
        try:
            _write(path, data)
        except OSError as exc:
            raise CommandExecutionError(
                f"cannot write pillar file {path}: {exc.strerror or exc}"
            ) from None
    elif (os.stat(path).st_mode & 0o777) != 0o600:
        os.chmod(path, 0o600)
    return {"path": path, "changed": changed}


def remove(path, keys):
    """Remove key paths from the file, and mappings left empty by that. Returns the key paths
    that were there."""
    _check_path(path)
    if not os.path.exists(path):
        return {"path": path, "removed": []}
    data = _load(path)
    removed = []
    for key in keys:
        parts = _split(key)
        parent = _get(data, parts[:-1]) if len(parts) > 1 else data
        if isinstance(parent, dict) and parts[-1] in parent:
            del parent[parts[-1]]
            removed.append(key)
            for depth in range(len(parts) - 1, 0, -1):
                container = _get(data, parts[: depth - 1]) if depth > 1 else data
                if container[parts[depth - 1]] == {}:
                    del container[parts[depth - 1]]
    if removed:
        try:
            _write(path, data)
        except OSError as exc:
            raise CommandExecutionError(
                f"cannot write pillar file {path}: {exc.strerror}"
            ) from None
    return {"path": path, "removed": removed}
