"""Read-ahead: when a state run holds many resources, the run's first state that reads ahead
starts reading all of them concurrently, of every kind on its connection, and each state plans
from its own entry.

A state function declares what it reads ahead (``reads`` of ``awsrunbook.engine.state``): one
``Kind`` per kind of resource (a bucket; a backup user with its policy; an SES identity, and
its SNS topic), each saying what a chunk of the state reads (``peer_of``: a ``Peer``, naming
the ``(kind, name)`` resources whose writes make the answer stale) and how to read it
(``reader``). Entries live in the run's store (``awsrunbook.store``) and serve one state each;
a state about to write a resource makes the run forget every entry covering it (the store's
one rule, applied by ``run_plan``), so a later state sharing it (a policy, an SNS topic)
reads it again instead of planning from an answer that no longer holds. Once the reads have
started, a resource without an entry is read as before.

The reads run in the background: a state waits only for its own entry, so the states of the
first kind plan while the reads of the later kinds are still under way. Each kind's first read
runs alone before the rest of that kind (what it teaches the run, the account ID, then serves
the others). The reads in flight are bounded per service (minion config
``aws_runbook_read_concurrency``: a number for every service, or a mapping of service to
number), and their clients use botocore's adaptive retry mode, so throttling slows the
read-ahead down instead of failing it. A run with one resource reads it as before: no thread,
no extra call.

The states of a batch (``awsrunbook.batch``) take and forget entries from several threads
(the store's lock guards them), each with its own run.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextvars
import logging
import threading
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from salt.exceptions import CommandExecutionError, SaltInvocationError

from awsrunbook import client as aws

if TYPE_CHECKING:
    from awsrunbook.engine import Run

log = logging.getLogger(__name__)

CONFIG_OPTION = "aws_runbook_read_concurrency"
# Reads in flight at once, per service. S3 serves thousands of GET/HEAD requests a second per
# prefix. IAM publishes no per-call rate but throttles every account on one shared quota, and
# several SES control-plane calls are documented at about one a second: a few threads only,
# and adaptive retries slow those down further when AWS says so.
DEFAULT_CONCURRENCY = {"s3": 16, "sns": 8, "iam": 4, "ses": 2}
# The run's entries in its store (``(kind, connection digest, key)`` → future) and the
# connections whose reads have started (``digest`` → True).
SPACE = "readahead"
STARTED = "readahead.started"
# How often a waiting read-ahead thread looks whether the process is exiting.
POLL_SECONDS = 0.2


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
    """A kind of resource a state function reads ahead (an item of its declared ``reads``):
    ``name`` (its prefix names the service whose limit applies: ``s3_bucket``, ``s3``),
    ``peer_of`` (what a chunk of the state reads, see ``peers``) and ``reader``: called with
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


def conn_of(chunk: Mapping) -> dict:
    """The connection arguments a chunk of the run gives."""
    return {k: chunk[k] for k in aws.CONNECTION_ARGS if chunk.get(k) is not None}


def peers(
    lowstate: Iterable[Mapping] | None,
    state: str,
    conn: dict,
    peer_of: Callable[[Mapping], Any],
    fun: str = "present",
) -> list:
    """What ``peer_of(chunk)`` says of each ``state.fun`` chunk of the run on the connection
    ``conn``, in run order, each once. A chunk for which it says ``None`` is left out, and so
    is one with bad input (``SaltInvocationError``): its own state reports that."""
    found = []
    for chunk in lowstate or ():
        if chunk.get("state") != state or chunk.get("fun") != fun:
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


def _kinds_of(run: Run) -> list:
    """``[((state, fun), its declared reads)]`` for the state functions of the run that read
    ahead, in run order (each found through the run's ``__states__``: Salt loads it anyway)."""
    found = []
    for state, fun in dict.fromkeys((c.get("state"), c.get("fun")) for c in run.lowstate):
        declared = run.declaration_of({"state": state, "fun": fun})
        if declared is not None and declared.reads:
            found.append(((state, fun), declared.reads))
    return found


def _loader_of(salt_funcs: Any) -> Any:
    """The execution-module loader itself behind a state's ``__salt__``. Salt injects a
    proxy that finds the loader through a context variable; under salt-ssh on Salt 3006 the
    read-ahead's threads do not see it. The loader's functions set their context themselves
    when called, in any thread."""
    value = getattr(salt_funcs, "value", None)
    return value() if callable(value) else salt_funcs


def _start(run: Run, conn: dict, mine: tuple, gate: Gate) -> None:
    """Give every resource the run reads ahead on ``conn`` (but ``mine``, ``(kind, key)``)
    an entry in the run's store, and start reading them in a background thread once
    ``gate`` opens."""
    digest, store = aws.conn_digest(conn), run.store
    salt_funcs = _loader_of(run.salt)
    batches = []
    for (state, fun), kinds in _kinds_of(run):
        for kind in kinds:
            futures = []
            for found in peers(run.lowstate, state, conn, kind.peer_of, fun):
                if (kind.name, found.key) != mine:
                    future = concurrent.futures.Future()
                    store.put(SPACE, (kind.name, digest, found.key), future, found.resources)
                    futures.append((found.key, future))
            if futures:
                reader = kind.reader(salt_funcs, conn, run.id, len(futures))
                service = kind.name.split("_", 1)[0]
                batches.append((service, reader, futures, kind.needs_account))
    if not batches:
        return
    option = run.salt["config.option"](CONFIG_OPTION, None)
    limits = {service: concurrency(service, option) for service, *_ in batches}
    _thread("awsrunbook-readahead", read_batches, batches, limits, gate)


def resources_of(run: Run) -> Callable[[Mapping], frozenset | None]:
    """For the chunks of the run: the ``(kind, name)`` resources a chunk writes (what its
    state function declares it reads); ``None`` for a chunk of a function that reads nothing
    ahead, or with bad input."""

    def resources(chunk: Mapping) -> frozenset | None:
        declared = run.declaration_of(chunk)
        if declared is None or not declared.reads:
            return None
        found = frozenset()
        for kind in declared.reads:
            try:
                peer = kind.peer_of(chunk)
            except SaltInvocationError:
                return None
            found |= peer.resources if peer is not None else frozenset()
        return found

    return resources


def read(run: Run, kind: str, conn: dict, me: Peer) -> Any:
    """``me.key`` as the reader of ``kind`` (one of the reads ``run``'s state function
    declares) reads it. The run's first state that reads ahead on ``conn`` reads its own
    resource, then starts reading every other one of the run on ``conn`` (see ``_start``); a
    state with an entry waits for it."""
    declared = next(k for k in run.declaration.reads if k.name == kind)
    reader = declared.reader(run.salt, conn, run.id, 1)
    store = run.store
    if store is None:
        return reader(me.key)
    digest = aws.conn_digest(conn)
    with store.lock:
        entry = store.pop(SPACE, (kind, digest, me.key))
        first = entry is None and store.get(STARTED, digest) is None
        store.put(STARTED, digest, True)
    if entry is not None:
        try:
            return entry.result()
        except (CommandExecutionError, SaltInvocationError) as exc:
            log.debug("read-ahead of %s failed, read again by its state: %s", me.key, exc)
            return reader(me.key)
    if not first:
        return reader(me.key)
    # This state's own read first, as without read-ahead: the other reads start once AWS has
    # answered one of its calls, so that with bad credentials its errors are the only ones.
    gate = Gate()
    _start(run, conn, (kind, me.key), gate)
    try:
        with aws.on_answer(gate.open):
            mine = reader(me.key)
    except Exception:
        if not gate.opened:
            # Forget the entries of this connection: their reads will not be sent.
            store.drop(SPACE, lambda key: key[1] == digest)
            gate.close()
        raise
    finally:
        gate.finished.set_result(None)
    gate.open()
    return mine
