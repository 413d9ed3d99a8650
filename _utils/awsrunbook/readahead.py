"""Read-ahead: when a state run holds many resources, the run's first state that reads ahead
starts reading all of them concurrently, of every kind on its connection, and each state plans
from its own entry.

A state module lists what it reads ahead in ``READ_AHEAD``: one ``Kind`` per kind of resource
(a bucket; a backup user with its policy; an SES identity, and its SNS topic), each saying
what a chunk of the module's state reads (``peer_of``: a ``Peer``, naming the ``(kind, name)``
resources whose writes make the answer stale) and how to read it (``reader``). Entries live
for one state run (in ``__context__``, under the run's id) and serve one state each; a state
about to write a resource makes the run forget every entry covering it (``forget``, called by
``run_plan``), so a later state sharing it (a policy, an SNS topic) reads it again instead of
planning from an answer that no longer holds. Once the reads have started, a resource
without an entry is read as before.

The reads run in the background: a state waits only for its own entry, so the states of the
first kind plan while the reads of the later kinds are still under way. Each kind's first read
runs alone before the rest of that kind (what it teaches the run, the account ID, then serves
the others). The reads in flight are bounded per service (minion config
``aws_runbook_read_concurrency``: a number for every service, or a mapping of service to
number), and their clients use botocore's adaptive retry mode, so throttling slows the
read-ahead down instead of failing it. A run with one resource reads it as before: no thread,
no extra call.

The states of a batch (``awsrunbook.batch``) take and forget entries from several threads (a
lock guards them), and see what Salt injected for their own call through ``injected``.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextvars
import logging
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, NamedTuple

from salt.exceptions import CommandExecutionError, SaltInvocationError

from awsrunbook import client as aws

log = logging.getLogger(__name__)

CONFIG_OPTION = "aws_runbook_read_concurrency"
# Reads in flight at once, per service. S3 serves thousands of GET/HEAD requests a second per
# prefix. IAM publishes no per-call rate but throttles every account on one shared quota, and
# several SES control-plane calls are documented at about one a second: a few threads only,
# and adaptive retries slow those down further when AWS says so.
DEFAULT_CONCURRENCY = {"s3": 16, "sns": 8, "iam": 4, "ses": 2}
CACHE_KEY = "awsrunbook.readahead"
# How often a waiting read-ahead thread looks whether the process is exiting.
POLL_SECONDS = 0.2
# Guards the run's entries: the states of a batch (awsrunbook.batch) take and forget them
# from several threads.
_ENTRIES_LOCK = threading.RLock()


class Peer(NamedTuple):
    """One resource state's read: ``key`` is what the reader is called with, ``resources``
    the ``(kind, name)`` pairs whose writes make the answer stale."""

    key: Hashable
    resources: frozenset


def once(compute: Callable[[], Any]) -> Callable[[], Any]:
    """``compute()``, computed by the first caller and shared with the others (in any thread):
    what every read of a batch shares, such as one listing of the account. An error it raised
    is raised again to each caller, not computed again by each."""
    lock, kept = threading.Lock(), []

    def shared() -> Any:
        with lock:
            if not kept:
                try:
                    kept.append((compute(), None))
                except Exception as exc:  # every read of the batch gets it, as its own error
                    kept.append((None, exc))
            value, error = kept[0]
        if error is not None:
            raise error
        return value

    return shared


def peer(key: Hashable, *resources: tuple[str, str]) -> Peer:
    return Peer(key, frozenset(resources))


class Kind(NamedTuple):
    """A kind of resource a state module reads ahead (an item of its ``READ_AHEAD``): ``name``
    (its prefix names the service whose limit applies: ``s3_bucket``, ``s3``), ``peer_of``
    (what a chunk of the module's state reads, see ``peers``) and ``reader``: called with
    the execution functions, the connection, the run's id and how many keys it will read (1
    for a state's own read), it gives the function reading one key. The execution functions
    are the loader behind the reading state's ``__salt__`` (see ``_loader_of``), not the
    ``__salt__`` of the module the kind comes from."""

    name: str
    peer_of: Callable[[Mapping], Peer | None]
    reader: Callable[[Mapping[str, Callable], dict, Any, int], Callable[[Hashable], Any]]
    # Its reads need the account ID: they wait for the first read of each kind before it in
    # the run (a backup user's read teaches the account, which then saves an STS call).
    needs_account: bool = False


def reads_with(function: str, scoped: bool = False) -> Callable:
    """A ``Kind.reader`` that reads one key with the execution function ``function`` (given
    the run's id as ``scope`` when ``scoped``)."""

    def reader(salt_funcs: Mapping[str, Callable], conn: dict, run: Any, _size: int) -> Callable:
        extra = {"scope": run} if scoped else {}
        return lambda key: salt_funcs[function](key, **extra, **conn)

    return reader


# The state modules with a READ_AHEAD: the first of their states in a run reads for them all.
STATES = ("s3_backup_bucket", "iam_backup_user", "ses_identity")


def conn_of(chunk: Mapping) -> dict:
    """The connection arguments a chunk of the run gives."""
    return {k: chunk[k] for k in aws.CONNECTION_ARGS if chunk.get(k) is not None}


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
        if conn_of(chunk) != conn:
            continue
        try:
            value = peer_of(chunk)
        except SaltInvocationError:
            continue
        if value is not None:
            found.append(value)
    return list(dict.fromkeys(found))


def concurrency(
    service: str,
    configured: Any,
    option: str = CONFIG_OPTION,
    defaults: Mapping[str, int] = DEFAULT_CONCURRENCY,
) -> int:
    """How many of ``service``'s reads (or states: ``option`` and ``defaults`` name the setting)
    may be in flight: from ``configured`` (the option's value: a number, or a mapping of
    service to number), else the default."""
    if isinstance(configured, Mapping):
        configured = configured.get(service)
    if configured in (None, ""):  # config.option's answer when the option is not set
        return defaults[service]
    if isinstance(configured, bool) or not isinstance(configured, int) or configured < 1:
        raise SaltInvocationError(
            f"{option}: must be a whole number of at least 1, or a mapping of service "
            f"({', '.join(defaults)}) to one; got {configured!r}"
        )
    return configured


def process_exiting() -> bool:
    """Whether the interpreter is exiting (its main thread has ended): the state run is over,
    and nobody will take what the read-ahead has not read yet."""
    return not threading.main_thread().is_alive()


def _wait(futures: Iterable[concurrent.futures.Future], stopping: Callable[[], bool]) -> bool:
    """Wait until ``futures`` are done; ``False`` as soon as ``stopping()`` says so."""
    pending = set(futures)
    while pending:
        _, pending = concurrent.futures.wait(pending, timeout=POLL_SECONDS)
        if pending and stopping():
            return False
    return True


def _fill(future: concurrent.futures.Future, reader: Callable, key: Hashable) -> None:
    """Read ``key`` into ``future``, in adaptive retry mode."""
    if not future.set_running_or_notify_cancel():
        return
    try:
        with aws.adaptive_retries():
            future.set_result(reader(key))
    except Exception as exc:  # handed to the state that waits for it
        future.set_exception(exc)


def _drain(
    slots: threading.Semaphore, reader: Callable, queue: collections.deque, stopping: Callable
) -> None:
    """Read the keys of ``queue`` (``(key, future)``), each in one of its service's ``slots``,
    until none is left; once ``stopping()``, cancel the rest instead of reading them."""
    while queue:
        try:
            key, future = queue.popleft()
        except IndexError:  # another thread took the last one
            return
        while not stopping():
            if slots.acquire(timeout=POLL_SECONDS):
                try:
                    contextvars.copy_context().run(_fill, future, reader, key)
                finally:
                    slots.release()
                break
        else:
            future.cancel()


def _thread(name: str, target: Callable, *args: Any) -> threading.Thread:
    """A started thread ``name`` running ``target(*args)`` in a copy of the caller's context
    (Salt finds its loader, what ``__salt__`` means in a reader, there). Not a daemon: the
    interpreter joins it before it exits, instead of freezing it mid-read (or mid-write to
    stderr)."""
    run = contextvars.copy_context().run
    thread = threading.Thread(target=run, args=(target, *args), name=name)
    thread.start()
    return thread


def _read_kind(slots: tuple, reader: Callable, futures: list, after: list, stopping) -> None:
    """Read one kind's ``futures`` (``[(key, future)]``) in its service's ``slots``
    (``(semaphore, limit)``): its first read alone, once the futures ``after`` are done, then
    the rest, by as many threads as the limit allows (named as this one, numbered)."""
    if not _wait(after, stopping):
        for _, future in futures:
            future.cancel()
        return
    semaphore, limit = slots
    queue = collections.deque(futures)
    _drain(semaphore, reader, collections.deque([queue.popleft()]), stopping)
    count = min(limit, len(queue))
    prefix = threading.current_thread().name
    args = (_drain, semaphore, reader, queue, stopping)
    for thread in [_thread(f"{prefix}_{i}", *args) for i in range(count)]:
        thread.join()


def read_batches(
    batches: list,
    limits: Mapping[str, int],
    gate: Gate | None = None,
    stopping: Callable[[], bool] = process_exiting,
) -> None:
    """Fill the futures of ``batches`` (``(service, reader, [(key, future)], needs_account)``,
    one per kind, in run order), at most ``limits[service]`` reads of a service at once. The
    kinds are read at the same time, each batch's first read alone before the rest of its
    batch; a kind that needs the account starts once the first reads of the kinds before it
    (and the gate's own read) are done. With ``gate``, nothing is read unless it opens. Each
    read runs in a copy of the caller's context: Salt finds its loader (what ``__salt__``
    means in the reader) there. Once ``stopping()`` (by default: the process is exiting),
    the reads in flight end and the rest are cancelled: the run that wanted them is over."""
    if gate is not None and not gate.wait(stopping):
        return
    slots = {service: (threading.BoundedSemaphore(n), n) for service, n in limits.items()}
    threads, firsts = [], []
    mine = [gate.finished] if gate is not None else []
    for service, reader, futures, needs_account in batches:
        after = [*mine, *firsts] if needs_account else []
        args = (_read_kind, slots[service], reader, futures, after, stopping)
        threads.append(_thread(f"awsrunbook-{service}", *args))
        firsts.append(futures[0][1])
    for thread in threads:
        thread.join()


class Gate:
    """When the run's first read-ahead state reads its own resource, the others' reads wait for
    its first call that AWS answers (``open``): with bad credentials, or no connection, they
    are not sent at all. ``close``: its read failed before any answer. ``finished`` is done
    once that read is (the kinds that need the account wait for it too: it may teach it)."""

    def __init__(self) -> None:
        self._event, self.opened = threading.Event(), False
        self.finished = concurrent.futures.Future()

    def open(self) -> None:
        self.opened = True
        self._event.set()

    def close(self) -> None:
        self._event.set()

    def wait(self, stopping: Callable[[], bool] = process_exiting) -> bool:
        """Whether the gate opened (``False`` once it closed, or once ``stopping()``)."""
        while not self._event.wait(POLL_SECONDS):
            if stopping():
                return False
        return self.opened


def _module_kinds(state_globals: Mapping[str, Any]) -> list:
    """``[(state module name, its READ_AHEAD)]`` for the read-ahead modules in the run, in run
    order (each loaded through ``__states__`` if it is not yet)."""
    own, loader = state_globals["__virtualname__"], state_globals.get("__states__")
    lowstate = state_globals.get("__lowstate__") or ()
    found = []
    for name in dict.fromkeys(chunk.get("state") for chunk in lowstate):
        if name == own:
            found.append((name, state_globals["READ_AHEAD"]))
        elif name in STATES and loader is not None and f"{name}.present" in loader:
            # A module Salt could not hand over this way is left to its own states' reads.
            module_globals = getattr(loader[f"{name}.present"], "__globals__", {})
            if "READ_AHEAD" in module_globals:
                found.append((name, module_globals["READ_AHEAD"]))
    return found


def _loader_of(salt_funcs: Any) -> Any:
    """The execution-module loader itself behind a state's ``__salt__``. Salt injects a
    proxy that finds the loader through a context variable; under salt-ssh on Salt 3006 the
    read-ahead's threads do not see it. The loader's functions set their context themselves
    when called, in any thread."""
    value = getattr(salt_funcs, "value", None)
    return value() if callable(value) else salt_funcs


def _start(
    state_globals: Mapping[str, Any], entries: dict, conn: dict, mine: tuple, gate: Gate
) -> None:
    """Give every resource the run reads ahead on ``conn`` (but ``mine``, ``(kind, key)``)
    an entry, and start reading them in a background thread once ``gate`` opens."""
    scope, digest = state_globals["__instance_id__"], aws.conn_digest(conn)
    salt_funcs = _loader_of(state_globals["__salt__"])
    lowstate, batches = state_globals.get("__lowstate__"), []
    for state, kinds in _module_kinds(state_globals):
        for kind in kinds:
            futures = []
            for found in peers(lowstate, state, conn, kind.peer_of):
                if (kind.name, found.key) != mine:
                    future = concurrent.futures.Future()
                    with _ENTRIES_LOCK:
                        entries[(kind.name, digest, found.key)] = (future, found.resources)
                    futures.append((found.key, future))
            if futures:
                reader = kind.reader(salt_funcs, conn, scope, len(futures))
                service = kind.name.split("_", 1)[0]
                batches.append((service, reader, futures, kind.needs_account))
    if not batches:
        return
    option = state_globals["__salt__"]["config.option"](CONFIG_OPTION, None)
    limits = {service: concurrency(service, option) for service, *_ in batches}
    _thread("awsrunbook-readahead", read_batches, batches, limits, gate)


# What Salt injected for the state call this thread runs, when that is not what the state
# module's globals hold: the states of a batch (awsrunbook.batch) run in threads while Salt
# calls another state.
INJECTED = contextvars.ContextVar("awsrunbook_injected", default=None)


def injected(state_globals: Mapping[str, Any]) -> Mapping[str, Any]:
    """``state_globals`` (a state module's ``globals()``) with what Salt injected for the
    state call running in this thread (``__low__``, ``__instance_id__``, ``__lowstate__``)."""
    mine = INJECTED.get()
    return state_globals if mine is None else collections.ChainMap(mine, state_globals)


def resources_of(state_globals: Mapping[str, Any]) -> Callable[[Mapping], frozenset | None]:
    """For the chunks of the run: the ``(kind, name)`` resources a chunk of a read-ahead
    module writes (what its ``READ_AHEAD`` says it reads); ``None`` for a chunk of another
    module, or with bad input."""
    kinds = dict(_module_kinds(state_globals))

    def resources(chunk: Mapping) -> frozenset | None:
        if chunk.get("fun") != "present" or chunk.get("state") not in kinds:
            return None
        found = frozenset()
        for kind in kinds[chunk["state"]]:
            try:
                peer = kind.peer_of(chunk)
            except SaltInvocationError:
                return None
            found |= peer.resources if peer is not None else frozenset()
        return found

    return resources


def read(state_globals: Mapping[str, Any], kind: str, conn: dict, me: Peer) -> Any:
    """``me.key`` as ``kind``'s reader (in ``READ_AHEAD`` of the state module whose globals are
    ``state_globals``) reads it. Salt puts the run's ``__lowstate__``, ``__instance_id__``,
    ``__context__`` and ``__states__`` into those globals. The run's first state that reads
    ahead on ``conn`` reads its own resource, then starts reading every other one of the run
    on ``conn`` (see ``_start``); a state with an entry waits for it."""
    state_globals = injected(state_globals)
    context, scope = state_globals.get("__context__"), state_globals.get("__instance_id__")
    kinds = state_globals["READ_AHEAD"]
    reader = next(k for k in kinds if k.name == kind).reader(
        state_globals["__salt__"], conn, scope, 1
    )
    run = aws.run_scoped(context, CACHE_KEY, scope)
    if run is None:
        return reader(me.key)
    digest = aws.conn_digest(conn)
    with _ENTRIES_LOCK:
        entries, started = run.setdefault("entries", {}), run.setdefault("started", set())
        entry = entries.pop((kind, digest, me.key), None)
        first = entry is None and digest not in started
        started.add(digest)
    if entry is not None:
        try:
            return entry[0].result()
        except (CommandExecutionError, SaltInvocationError) as exc:
            log.debug("read-ahead of %s failed, read again by its state: %s", me.key, exc)
            return reader(me.key)
    if not first:
        return reader(me.key)
    # This state's own read first, as without read-ahead: the other reads start once AWS has
    # answered one of its calls, so that with bad credentials its errors are the only ones.
    gate = Gate()
    _start(state_globals, entries, conn, (kind, me.key), gate)
    try:
        with aws.on_answer(gate.open):
            mine = reader(me.key)
    except Exception:
        if not gate.opened:
            _drop(run, digest)
            gate.close()
        raise
    finally:
        gate.finished.set_result(None)
    gate.open()
    return mine


def _drop(run: dict, digest: str) -> None:
    """Forget the entries of the connection ``digest``: their reads will not be sent."""
    with _ENTRIES_LOCK:
        entries = run.get("entries", {})
        for key in [key for key in entries if key[1] == digest]:
            del entries[key]


def forget(context, resources: Iterable[tuple[str, str]]) -> None:
    """Drop every entry of the current run's read-ahead that covers one of ``resources``
    (they are about to be written)."""
    run = (context or {}).get(CACHE_KEY)
    resources = set(resources)
    entries = run["data"].get("entries") if run else None
    if not entries or not resources:
        return
    with _ENTRIES_LOCK:
        for key in [key for key, (_, covers) in entries.items() if covers & resources]:
            del entries[key]
