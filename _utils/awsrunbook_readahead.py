"""Read-ahead: when a state run holds many resources of one kind, the first state of that kind
reads all of them concurrently, and each state plans from its own entry.

Every state names the resources its read covers as ``(kind, name)`` pairs (a bucket
``("s3_bucket", NAME)``; a backup user covers its user and its policy). Entries live for one
state run (in ``__context__``, under the run's id) and serve one state each; a state about to
write a resource makes the run forget every entry covering it (``forget``, called by
``run_plan``), so a later state sharing it (a policy, an SNS topic) reads it again instead of
planning from an answer that no longer holds. Once the kind has been read ahead, a resource
without an entry is read as before.

The pool is bounded per service (minion config ``aws_runbook_read_concurrency``: a number for
every service, or a mapping of service to number), and its clients use botocore's adaptive
retry mode, so throttling slows the read-ahead down instead of failing it. A run with one
resource of a kind reads it as before: no pool, no extra call.
"""

from __future__ import annotations

import concurrent.futures
import contextvars
import logging
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, NamedTuple

import awsrunbook_client as aws
from salt.exceptions import CommandExecutionError, SaltInvocationError

log = logging.getLogger(__name__)

CONFIG_OPTION = "aws_runbook_read_concurrency"
# Reads in flight at once, per service. S3 serves thousands of GET/HEAD requests a second per
# prefix. IAM publishes no per-call rate but throttles every account on one shared quota, and
# several SES control-plane calls are documented at about one a second: a few threads only,
# and adaptive retries slow those down further when AWS says so.
DEFAULT_CONCURRENCY = {"s3": 16, "sns": 8, "iam": 4, "ses": 2}
CACHE_KEY = "awsrunbook_readahead"


class Peer(NamedTuple):
    """One resource state's read: ``key`` is what the reader is called with, ``resources``
    the ``(kind, name)`` pairs whose writes make the answer stale."""

    key: Hashable
    resources: frozenset


def peer(key: Hashable, *resources: tuple[str, str]) -> Peer:
    return Peer(key, frozenset(resources))


def peers(
    lowstate: Iterable[Mapping] | None,
    state: str,
    conn: dict,
    peer_of: Callable[[Mapping], Any],
) -> list:
    """What ``peer_of(chunk)`` says of each ``state.present`` chunk of the run on the connection
    ``conn``, in run order, each once. A chunk for which it says ``None`` is left out, and so
    is one with bad input (``SaltInvocationError``): its own state reports that."""
    found = []
    for chunk in lowstate or ():
        if chunk.get("state") != state or chunk.get("fun") != "present":
            continue
        if aws.split_connection_args({k: v for k, v in chunk.items() if v is not None}) != conn:
            continue
        try:
            value = peer_of(chunk)
        except SaltInvocationError:
            continue
        if value is not None:
            found.append(value)
    return list(dict.fromkeys(found))


def concurrency(service: str, configured: Any) -> int:
    """How many reads of ``service`` may be in flight: from ``configured`` (the config option's
    value: a number, or a mapping of service to number), else the default."""
    if isinstance(configured, Mapping):
        configured = configured.get(service)
    if configured in (None, ""):  # config.option's answer when the option is not set
        return DEFAULT_CONCURRENCY[service]
    if isinstance(configured, bool) or not isinstance(configured, int) or configured < 1:
        raise SaltInvocationError(
            f"{CONFIG_OPTION}: must be a whole number of at least 1, or a mapping of service "
            f"({', '.join(DEFAULT_CONCURRENCY)}) to one; got {configured!r}"
        )
    return configured


def read_all(keys: Iterable[Hashable], reader: Callable[[Hashable], Any], limit: int) -> dict:
    """``{key: reader(key)}``, read by at most ``limit`` threads at once, each client in
    adaptive retry mode. A read that fails is left out: its own state reads it again and
    reports the error."""

    def read_one(key):
        with aws.adaptive_retries():
            return reader(key)

    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(limit, len(keys))) as pool:
        # Each read in a copy of the caller's context: Salt finds its loader (what
        # ``__salt__`` means in the reader) there.
        futures = {key: pool.submit(contextvars.copy_context().run, read_one, key) for key in keys}
    answers = {}
    for key, future in futures.items():
        try:
            answers[key] = future.result()
        except (CommandExecutionError, SaltInvocationError) as exc:
            log.debug("read-ahead of %s failed, left to its state: %s", key, exc)
    return answers


def _store(context, scope, kind: str, conn: dict) -> dict | None:
    run = aws.run_scoped(context, CACHE_KEY, scope)
    if run is None:
        return None
    return run.setdefault((kind, aws.conn_digest(conn)), {"done": False, "entries": {}})


def read(
    state_globals: Mapping[str, Any],
    kind: str,
    conn: dict,
    me: Peer,
    peer_of: Callable[[Mapping], Peer | None],
    reader: Callable[[Hashable], Any],
) -> Any:
    """``reader(me.key)``, for the state whose module globals are ``state_globals`` (Salt puts
    the run's ``__lowstate__``, ``__instance_id__`` and ``__context__`` there). The first state
    of ``kind`` on ``conn`` in the run also reads its peers (``peer_of`` of every chunk of its
    state module, see ``peers``) concurrently and keeps their answers for them; ``kind``'s
    prefix names the service whose limit applies (``s3_bucket``: ``s3``)."""
    context, scope = state_globals.get("__context__"), state_globals.get("__instance_id__")
    store = _store(context, scope, kind, conn)
    if store is None:
        return reader(me.key)
    if me.key in store["entries"]:
        return store["entries"].pop(me.key)[0]
    if store["done"]:
        return reader(me.key)
    store["done"] = True
    # This state's own read first, alone and as without read-ahead: its errors are its own,
    # and what it teaches the run (the account ID) then serves the peers' reads.
    mine = reader(me.key)
    lowstate = state_globals.get("__lowstate__")
    others = {
        p.key: p.resources
        for p in peers(lowstate, state_globals["__virtualname__"], conn, peer_of)
        if p.key != me.key
    }
    if others:
        option = state_globals["__salt__"]["config.option"](CONFIG_OPTION, None)
        answers = read_all(others, reader, concurrency(kind.split("_", 1)[0], option))
        store["entries"].update({key: (answers[key], others[key]) for key in answers})
    return mine


def forget(context, resources: Iterable[tuple[str, str]]) -> None:
    """Drop every entry of the current run's read-ahead that covers one of ``resources``
    (they are about to be written)."""
    run = (context or {}).get(CACHE_KEY)
    resources = set(resources)
    if not run or not resources:
        return
    for store in run["data"].values():
        stale = [key for key, (_, covers) in store["entries"].items() if covers & resources]
        for key in stale:
            del store["entries"][key]
