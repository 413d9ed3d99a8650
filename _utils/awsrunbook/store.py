"""What one state run remembers, in one place with one rule.

The states of a run share what they read (the read-ahead's entries, an SNS topic an earlier
state made, the SES notifications read for several identities at once) and what they worked
out once (``Run.once``, the batches' bookkeeping). All of it lives in one ``Store`` per run,
kept in ``__context__`` under the run's id, and one rule keeps it true: a step about to write
a resource makes the run forget every entry that covers it (``forget``), so a later state
reads it again instead of planning from an answer that no longer holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, MutableMapping
from typing import Any

# Where a run's store lives in ``__context__``.
CONTEXT_KEY = "awsrunbook.run"
# Guards the choice of store in __context__: the states of a batch ask from several threads.
_CHOOSING = threading.Lock()

Resource = tuple[str, str]  # (kind, name): ("s3_bucket", "b"), ("sns_topic", "t")


class Store:
    """Entries ``(space, key) → value``, each covering the resources whose writes make it
    stale (none: an answer worked out from the run's low state). Thread-safe: the states of a
    batch and the read-ahead's threads use it at once (``lock`` is for a caller's
    read-then-write)."""

    def __init__(self, scope: Hashable) -> None:
        self.scope = scope
        self.lock = threading.RLock()
        self._entries: dict[tuple[str, Hashable], tuple[Any, frozenset[Resource]]] = {}

    def get(self, space: str, key: Hashable, default: Any = None) -> Any:
        with self.lock:
            found = self._entries.get((space, key))
        return default if found is None else found[0]

    def put(self, space: str, key: Hashable, value: Any, covers: Iterable[Resource] = ()) -> None:
        with self.lock:
            self._entries[(space, key)] = (value, frozenset(covers))

    def pop(self, space: str, key: Hashable, default: Any = None) -> Any:
        with self.lock:
            found = self._entries.pop((space, key), None)
        return default if found is None else found[0]

    def remember(self, space: str, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The value kept at ``key``, ``compute()`` kept there first if there is none."""
        with self.lock:
            if (space, key) not in self._entries:
                self.put(space, key, compute())
            return self._entries[(space, key)][0]

    def drop(self, space: str, which: Callable[[Hashable], bool]) -> None:
        """Drop the entries of ``space`` whose key ``which`` says."""
        with self.lock:
            for entry in [e for e in self._entries if e[0] == space and which(e[1])]:
                del self._entries[entry]

    def forget(self, resources: Iterable[Resource]) -> None:
        """The one rule: drop every entry covering one of ``resources`` (about to be
        written)."""
        resources = frozenset(resources)
        if not resources:
            return
        with self.lock:
            for entry in [e for e, (_, covers) in self._entries.items() if covers & resources]:
                del self._entries[entry]


def of_run(context: MutableMapping[str, Any] | None, scope: Hashable) -> Store | None:
    """The store of the state run ``scope`` (its ``__instance_id__``) in ``context``
    (``__context__``); a new one when the run is new; ``None`` outside a state run (``scope``
    is ``None``), where nothing is kept."""
    if scope is None or context is None:
        return None
    with _CHOOSING:
        kept = context.get(CONTEXT_KEY)
        if not isinstance(kept, Store) or kept.scope != scope:
            kept = context[CONTEXT_KEY] = Store(scope)
        return kept


def kept_in(context: MutableMapping[str, Any] | None) -> Store | None:
    """The store of the state run ``context`` (``__context__``) last kept, if any: for an
    execution function that writes, to forget what the run read of what it writes."""
    kept = (context or {}).get(CONTEXT_KEY)
    return kept if isinstance(kept, Store) else None
