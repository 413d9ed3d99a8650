"""A pillar file as one file, however it is spelled: ``/P/private/web.sls``,
``/P/private/./web.sls``, a symlink to it and a hard link of it are the same file. And where
this extension keeps what it needs per pillar file (locks, intents) outside the operator's
tree: under the minion's cache directory, keyed by the file's resolved path.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

CACHE_SUBDIR = "aws_runbook"


@dataclass(frozen=True)
class FileIdentity:
    """``path``: the file with every symlink followed (``os.path.realpath``); ``inode``:
    ``(device, inode)`` when the file exists, which tells hard links apart from copies."""

    path: str
    inode: tuple[int, int] | None = None

    def same_file(self, other: FileIdentity) -> bool:
        return self.path == other.path or (self.inode is not None and self.inode == other.inode)


def resolved(path: str) -> str:
    """``path`` with ``.``, ``..`` and symlinks resolved (a dangling link: the file it names)."""
    return os.path.realpath(path)


def identity(path: str) -> FileIdentity:
    """The identity of the file ``path`` names (see ``FileIdentity``)."""
    target = resolved(path)
    try:
        found = os.stat(target)
    except OSError:
        return FileIdentity(target)
    return FileIdentity(target, (found.st_dev, found.st_ino))


def cache_dir(cachedir: str, kind: str) -> str:
    """``<cachedir>/aws_runbook/<kind>``: where this extension keeps a ``kind`` of record."""
    return os.path.join(cachedir, CACHE_SUBDIR, kind)


def cache_path(cachedir: str, kind: str, path: str, suffix: str = "") -> str:
    """``<cachedir>/aws_runbook/<kind>/<sha256 of path resolved><suffix>``: where this
    extension keeps a ``kind`` of record (``locks``, ``intents``) about the file ``path``.
    Every spelling of one file gets the same place; it is never in the pillar directory, so
    a private pillar repository never shows it. Only processes sharing ``cachedir`` (one
    minion config) share it."""
    digest = hashlib.sha256(resolved(path).encode("utf-8", "surrogateescape")).hexdigest()
    return os.path.join(cache_dir(cachedir, kind), digest + suffix)


def outside_root(path: str, root: str) -> bool:
    """Whether ``path`` (resolved) lies outside the directory ``root`` (resolved)."""
    top = resolved(root)
    return os.path.commonpath([resolved(path), top]) != top
