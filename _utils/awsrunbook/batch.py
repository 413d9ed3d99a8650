"""Batches: once Salt has run a bucket, backup user or SES identity state, the run's later
states of that function that do not depend on anything still to come run at once.

A first run spends its time in writes, one round trip after another: a bucket's four, a
backup user's four, an SES identity's seven. Different buckets (users, identities) do not
depend on one another, so after Salt has run the first state of a kind, the states of that
kind that come next in the run are started in a bounded pool of threads (``dispatch``, for
a state function declared with a ``service``: see ``awsrunbook.engine``), each called as Salt
would call it, with a run of its own built from its own chunk; when Salt reaches one, it
collects its answer instead of running it. Test mode (which writes nothing) and ``failhard``
runs do not batch.

Which later states join the batch (``members``), scanning the run in Salt's order:

- a state of the same function and connection joins when its only requisites are
  ``require``\\ s of states that have succeeded, or that run in an earlier batch (it then
  waits for them, and does not run if one failed: Salt will not call it either), when no
  state ``prereq``\\ s it, when it sets no run-time option (``onlyif``, ``retry``...) and no
  argument its declaration keeps alone (``alone_with``: an SES identity publishing DNS
  records), and when the resources it writes are not written by a state before it that has
  not run yet;
- a bucket, user or identity state that does not join is passed over (the batch's states
  then run before it: their resources are disjoint from its, by the rule above);
- any other state ends the scan: Salt's order around it holds.

"Resources" are what each state function declares it reads (``reads``) for a chunk (a
bucket; a user and its policy; an identity and its topic), so two users of one policy, or two
identities of one topic, still run one after the other.

The states in flight at once are bounded per service (minion config
``aws_runbook_write_concurrency``: a number for every service, or a mapping of service to
number; 1 turns batches off), and their clients use botocore's adaptive retry mode, so
throttling slows the batch down instead of failing it. A create that is not idempotent is
still sent once (see ``awsrunbook.client.client``).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, NamedTuple

import salt.state
import salt.utils.args
from salt.exceptions import SaltInvocationError

from awsrunbook import readahead as ra

if TYPE_CHECKING:
    from awsrunbook.engine import Run

log = logging.getLogger(__name__)

CONFIG_OPTION = "aws_runbook_write_concurrency"
# States in flight at once, per service: as for the read-ahead, few for IAM and SES, whose
# control planes throttle each account far below S3.
DEFAULT_CONCURRENCY = {"s3": 8, "iam": 4, "ses": 2}
# The batches' bookkeeping in the run's store (awsrunbook.store): covers no resource.
SPACE = "batch"
# Every keyword Salt reads in a chunk besides the state's arguments (``test`` too)...
SALT_KEYWORDS = salt.state.STATE_INTERNAL_KEYWORDS | {"test"}
# ...and those a chunk may carry and still join a batch.
HARMLESS_KEYS = frozenset(
    {
        "__id__",
        "__sls__",
        "__env__",
        "__sls_included_from__",
        "__orchestration_jid__",
        "fun",
        "state",
        "name",
        "order",
        "fire_event",
        "saltenv",
        "no_log",
        "require",
    }
)


def tag(chunk: Mapping) -> str:
    """Salt's key for a chunk in a run's results (``state_|-id_|-name_|-fun``)."""
    return f"{chunk['state']}_|-{chunk['__id__']}_|-{chunk['name']}_|-{chunk['fun']}"


class LowState(NamedTuple):
    """Salt's ordered low state of the run, indexed once per run for the scans of ``members``
    (``low_state(chunks)``)."""

    chunks: list
    tags: list
    position: dict  # tag → index in chunks
    named: dict  # (state or "id", id or name) → the tags of the chunks a requisite so names
    prereqs: set  # (state or "id", id or name) of every state another state prereqs


def low_state(chunks: Iterable[Mapping]) -> LowState:
    """``chunks`` (Salt's ordered low state) indexed for ``members``."""
    chunks = list(chunks)
    tags = [tag(c) for c in chunks]
    named, prereqs = {}, set()
    for chunk, key in zip(chunks, tags, strict=True):
        for kind in ("id", chunk.get("state")):
            for value in dict.fromkeys((chunk.get("__id__"), chunk.get("name"))):
                named.setdefault((kind, value), []).append(key)
        for item in chunk.get("prereq") or ():
            if isinstance(item, Mapping):
                prereqs.update((kind, str(value)) for kind, value in item.items())
    return LowState(chunks, tags, {key: i for i, key in enumerate(tags)}, named, prereqs)


def _waits(chunk: Mapping, indexed: LowState, running: Mapping, pending: set) -> set | None:
    """The tags of the states in ``pending`` (an earlier batch's) that ``chunk`` requires,
    once every other state it requires has succeeded (``running``: Salt's results so far);
    ``None`` when one has not, or for a requisite this does not read plainly (``sls:``, a
    glob)."""
    require = chunk.get("require", [])
    if not isinstance(require, list):
        return None
    waits = set()
    for item in require:
        if not isinstance(item, Mapping) or len(item) != 1:
            return None
        ((kind, value),) = item.items()
        if kind == "sls" or not isinstance(value, str) or any(c in value for c in "*?["):
            return None
        named = indexed.named.get((kind, value), [])
        for key in named:
            if key in pending:
                waits.add(key)
            elif running.get(key, {}).get("result") is not True:
                return None
        if not named:
            return None
    return waits


def _alone(chunk: Mapping, prereqs: set, alone_with: Iterable[str]) -> bool:
    """Whether ``chunk`` must run when Salt reaches it: a requisite other than ``require``, a
    run-time option, an argument of ``alone_with`` set, or another state's ``prereq`` on it."""
    if any(k in SALT_KEYWORDS and k not in HARMLESS_KEYS for k in chunk):
        return True
    if any(chunk.get(arg) not in (None, False) for arg in alone_with):
        return True
    names = (chunk.get("__id__"), chunk.get("name"))
    return any((kind, name) in prereqs for kind in ("id", chunk.get("state")) for name in names)


def members(
    indexed: LowState,
    low: Mapping,
    running: Mapping[str, Mapping],
    resources_of: Callable[[Mapping], frozenset | None],
    alone_with: Iterable[str] = (),
    pending: Iterable[str] = (),
) -> list:
    """``[(chunk, tags it waits for)]``: the states after ``low`` in ``indexed`` (Salt's ordered
    low state) that may run at once, now that ``low`` has run (see the module's docstring).
    Pure. ``running``: Salt's results so far; ``resources_of(chunk)``: the resources a chunk
    writes, ``None`` for a state of another kind or with bad input; ``alone_with``: the
    arguments that make a state run on its own; ``pending``: the tags of earlier batches'
    states that Salt has not collected yet."""
    if tag(low) not in indexed.position:
        return []
    pending, conn = set(pending), ra.conn_of(low)
    before, found = set(), []  # the resources of the states passed over, and the batch's
    for index in range(indexed.position[tag(low)] + 1, len(indexed.chunks)):
        chunk, key = indexed.chunks[index], indexed.tags[index]
        if key in running:  # Salt ran it early, for another state's requisite
            continue
        resources = resources_of(chunk)
        if resources is None:
            break
        joins = (
            (chunk["state"], chunk["fun"]) == (low["state"], low["fun"])
            and key not in pending
            and ra.conn_of(chunk) == conn
            and not _alone(chunk, indexed.prereqs, alone_with)
            and not resources & before
        )
        waits = _waits(chunk, indexed, running, pending) if joins else None
        before |= resources
        if waits is not None:
            found.append((chunk, waits))
    return found


def _loader_running(salt_funcs: Any) -> Any:
    """The loader Salt runs the state in: what the proxy Salt injects as ``__salt__`` finds
    through a context variable (``None`` outside Salt)."""
    loader = getattr(salt_funcs, "loader", None)
    return loader() if callable(loader) else None


def _run_member(member: Callable, call: Mapping, mine: Mapping, waits: list, loader: Any) -> Any:
    """One state of a batch, in its thread: ``member`` (which builds the state's own run
    from ``mine``, what Salt would inject for it) with the arguments Salt would give it, once
    the states it requires have succeeded (``None`` if one did not: Salt will not call it).
    It runs in ``loader``'s context, as Salt runs a state: under salt-ssh a thread does not
    inherit it."""
    if any((future.result() or {}).get("result") is not True for future in waits):
        return None
    name, *args = call["args"]
    if loader is None:
        return member(mine, name, tuple(args), call["kwargs"])
    return loader.run(member, mine, name, tuple(args), call["kwargs"])


def _start(run: Run, public: Callable, injected: Mapping, member: Callable, limit: int) -> None:
    """Start the batch after the state just run (``run``), at most ``limit`` at a time;
    ``public``: the state function as Salt sees it; ``injected``: what Salt injected for the
    state just run; ``member``: runs one state of the batch (see ``_run_member``)."""
    store = run.store
    # Indexed once per run: each state not in a batch scans it.
    indexed = store.remember(SPACE, "low_state", lambda: low_state(run.lowstate))
    resources_of = store.remember(
        SPACE, "resources_of", lambda: _once_per_chunk(ra.resources_of(run))
    )
    started, low = store.remember(SPACE, "started", dict), run.low
    alone_with = run.declaration.alone_with
    found = members(indexed, low, run.running, resources_of, alone_with, started)
    if len(found) < 2:
        return
    log.info(
        "After %s, %d later %s.%s states run at once, %d at a time: %s",
        low["__id__"],
        len(found),
        low["state"],
        low["fun"],
        limit,
        ", ".join(str(chunk["__id__"]) for chunk, _ in found),
    )
    pool = ThreadPoolExecutor(limit, f"awsrunbook-batch-{run.declaration.service}")
    loader = _loader_running(run.salt)
    for chunk, waits in found:
        call = salt.utils.args.format_call(
            public, chunk, expected_extra_kws=salt.state.STATE_INTERNAL_KEYWORDS
        )
        mine, after = {**injected, "__low__": chunk}, [started[key] for key in waits]
        in_context = contextvars.copy_context().run
        started[tag(chunk)] = pool.submit(
            in_context, _run_member, member, call, mine, after, loader
        )
    pool.shutdown(wait=False)  # the states queued still run; the threads then end


def _once_per_chunk(resources_of: Callable[[Mapping], Any]) -> Callable[[Mapping], Any]:
    """``resources_of``, worked out once per chunk of the run."""
    known = {}

    def resources(chunk: Mapping) -> Any:
        key = tag(chunk)
        if key not in known:
            known[key] = resources_of(chunk)
        return known[key]

    return resources


def _limit(run: Run) -> int:
    """How many states of the run's service a batch runs at once in this run: 1 (no batches)
    in test mode and with ``failhard``, else the config option's (read once per run)."""
    if run.test or run.opts.get("failhard"):
        return 1
    option = run.store.remember(
        SPACE, "option", lambda: run.salt["config.option"](CONFIG_OPTION, None)
    )
    return ra.concurrency(run.declaration.service, option, CONFIG_OPTION, DEFAULT_CONCURRENCY)


def dispatch(
    run: Run,
    public: Callable,
    injected: Mapping[str, Any],
    call: Callable[[Any, tuple, dict], dict],
    member: Callable,
    name: Any,
    args: tuple,
    kwargs: dict,
) -> dict:
    """Salt's call of a state function that batches (``awsrunbook.engine.state`` with a
    ``service``): its answer from the batch that ran it, or ``call(name, args, kwargs)``,
    after which the batch of the run's next states of it starts (see ``_start``)."""
    if run.store is None or not run.low:
        return call(name, args, kwargs)
    started = run.store.remember(SPACE, "started", dict)
    future = started.pop(tag(run.low), None)
    ret = future.result() if future is not None else None
    if ret is not None:
        return ret
    # Not in a batch (or, against expectation, a batch did not run it): as Salt would.
    try:
        limit = _limit(run)
    except SaltInvocationError as exc:  # before the state does anything
        return {"name": name, "result": False, "changes": {}, "comment": str(exc)}
    ret = call(name, args, kwargs)
    if limit > 1:
        _start(run, public, injected, member, limit)
    return ret
