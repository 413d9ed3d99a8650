"""The explicit run: what a state function works with, built once at the start of each call.

Every state function of this extension is decorated with ``state``::

    @engine.state(service="s3", reads=READ_AHEAD)
    def present(name, expire_days=30, ..., *, run, **kwargs):
        ret, conn, region = run.begin(name, kwargs)
        current = run.read("s3_bucket", conn, me)
        run.apply(ret, steps, f"bucket {name}", writes=[("s3_bucket", name)])
        return ret

At the start of each call the decorator reads what Salt's loader put into the state's module
(``__salt__``, ``__opts__``, ``__context__``, ``__states__``) and what Salt injected for the
call (``__low__``, ``__lowstate__``, ``__running__``, ``__instance_id__``: Salt injects them
into the globals of the function it calls, which has a namespace of its own), once, into a
frozen ``Run`` that it hands to the body as ``run``; nothing after that reads globals. The
function Salt sees keeps the body's signature without ``run`` (``sys.state_argspec``,
``state.doc``, ``format_call`` and ``map.jinja`` see the state's own arguments). The errors
a state raises on purpose (bad input, an AWS call that failed) become a failed state whose
comment is the message.

What a state declares to the decorator (``Declaration``) is how the rest of the run finds
it: the read-ahead reads what the run's states declare in ``reads``, a batch
(``service``) joins the states whose ``reads`` do not overlap, and the pillar collision
check compares what their ``pillar`` declarations write. Each is found through
``__states__["state.fun"].__aws_runbook__`` for a chunk of the low state: no list of state
names, and no other module's globals.

Code reached through ``__salt__`` during a state call finds that call's run with
``current()``: the one context variable of the engine. Threads the engine starts (a batch's
states, the read-ahead's reads) run in a copy of the caller's context, and a batch's state
runs with a run of its own, built from its own chunk.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import inspect
import types
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from salt.exceptions import CommandExecutionError, SaltInvocationError

from awsrunbook import batch, layout, plans, readahead, regions, writers
from awsrunbook import client as aws
from awsrunbook import state as st
from awsrunbook import store as stores
from awsrunbook import validate as valid

# The attribute of a decorated state function that holds its declaration.
ATTRIBUTE = "__aws_runbook__"
# What Salt's loader puts into a state module, read from the body's module.
PACKED = ("__salt__", "__opts__", "__context__", "__states__")
# What Salt injects for one call into the globals of the function it calls (for a decorated
# state, that function's own namespace), from just before the call until it returns. Read
# once, at the start of the call.
PER_CALL = ("__low__", "__lowstate__", "__running__", "__instance_id__")


# A state function: the resource's name, then the keywords an SLS file gives it.
StateFunction = Callable[..., st.Ret]
# Checks the region a connection resolves to (``regions.region``, ``regions.ses_region``).
RegionCheck = Callable[[Any], Any]


@dataclasses.dataclass(frozen=True)
class Declaration:
    """What a state function declares (see the module's docstring): ``function``
    (``s3_backup_bucket.present``), ``reads`` (``readahead.Kind``\\ s: what a chunk of it reads,
    and so writes), ``service`` (its states batch, this service's write concurrency
    bounding them; ``None``: no batches), ``alone_with`` (arguments that, set, keep a state
    out of batches), ``pillar`` (``layout.Writer``: what it writes in a pillar file) and
    ``region`` (the check of the region its connection resolves to)."""

    function: str
    reads: tuple[readahead.Kind, ...] = ()
    service: str | None = None
    alone_with: tuple[str, ...] = ()
    pillar: layout.Writer | None = None
    region: RegionCheck = regions.region


@dataclasses.dataclass(frozen=True)
class Run:
    """One state call's view of the run it is in. ``low``: its chunk; ``lowstate``: the run's
    chunks in Salt's order; ``running``: Salt's results so far; ``id``: the run's
    ``__instance_id__`` (``None`` outside a state run); ``store``: what the run remembers
    (``awsrunbook.store``; ``None`` outside a run); ``conn``: the connection arguments of the
    call. ``adaptive`` and ``on_answer`` are for the clients made and the calls sent in this
    thread (see ``awsrunbook.client``)."""

    declaration: Declaration = Declaration("this state")
    conn: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    test: bool = False
    low: Mapping[str, Any] | None = None
    lowstate: Sequence[Mapping[str, Any]] = ()
    running: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    salt: st.SaltFunctions = dataclasses.field(default_factory=dict)
    opts: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    states: Any = None
    id: Hashable = None
    store: stores.Store | None = None
    adaptive: bool = False
    on_answer: Callable[[], None] | None = None

    @classmethod
    def of_call(
        cls, declaration: Declaration, injected: Mapping[str, Any], kwargs: Mapping[str, Any]
    ) -> Run:
        """The run of a call with ``kwargs``, from what Salt ``injected`` for it."""
        context, run_id = injected.get("__context__"), injected.get("__instance_id__")
        opts = injected.get("__opts__") or {}
        return cls(
            declaration=declaration,
            conn={k: kwargs[k] for k in aws.CONNECTION_ARGS if k in kwargs},
            test=bool(opts.get("test")),
            low=injected.get("__low__"),
            lowstate=injected.get("__lowstate__") or (),
            running=injected.get("__running__") or {},
            salt=injected.get("__salt__") or {},
            opts=opts,
            states=injected.get("__states__"),
            id=run_id,
            store=stores.of_run(context, run_id),
        )

    @property
    def function(self) -> str:
        return self.declaration.function

    @functools.cached_property
    def region(self) -> Any:
        """The region the call's connection resolves to, checked as the state declares."""
        return self.declaration.region(
            aws.region_of(dict(self.conn), self.salt.get("config.option"))
        )

    def begin(self, name: str, kwargs: dict[str, Any]) -> tuple[st.Ret, dict[str, Any], Any]:
        """What a state function does first: ``(ret, conn, region)``. Takes the connection
        arguments out of ``kwargs``, rejects any other argument the function does not take,
        and checks the region, before any AWS call."""
        conn = aws.split_connection_args(kwargs)
        valid.no_unknown(kwargs, self.function)
        return st.new_ret(name), conn, self.region

    def declaration_of(self, chunk: Mapping[str, Any]) -> Declaration | None:
        """The declaration of the state function a chunk of the run calls (this one's own,
        else through ``__states__``), ``None`` for one of another extension."""
        function = f"{chunk.get('state')}.{chunk.get('fun')}"
        if function == self.function:
            return self.declaration
        if self.states is None or function not in self.states:
            return None
        found = getattr(self.states[function], ATTRIBUTE, None)
        return found if isinstance(found, Declaration) else None

    def read(self, kind: str, conn: dict[str, Any], me: readahead.Peer) -> Any:
        """``me.key`` as the declared read ``kind`` reads it, from the run's read-ahead."""
        return readahead.read(self, kind, conn, me)

    def apply(
        self,
        ret: st.Ret,
        steps: list[plans.Step],
        what: str,
        notes: Iterable[str] = (),
        *,
        conn: Mapping[str, Any] | None = None,
        converged: str = "is in the desired state",
        writes: Iterable[stores.Resource] = (),
    ) -> bool:
        """``st.run_plan`` with this run's execution functions, test mode and store;
        ``conn``: the connection the steps use (default: the call's). ``writes``: the
        resources the steps write, forgotten by the run before the first one runs."""
        conn = dict(self.conn if conn is None else conn)
        return st.run_plan(
            ret,
            steps,
            self.salt,
            conn,
            self.test,
            what,
            notes,
            converged=converged,
            writes=writes,
            store=self.store,
        )

    def once(
        self,
        name: str,
        compute: Callable[[Sequence[Mapping[str, Any]]], Any],
        conn: Mapping[str, Any] | None = None,
    ) -> Any:
        """``compute(lowstate)``, once per run and connection ``conn`` (a state scanning the
        run's other states costs each of them nothing); outside a run, every time."""
        if self.store is None:
            return compute(self.lowstate)
        key = (name, aws.conn_digest(dict(conn or {})))
        return self.store.remember("once", key, lambda: compute(self.lowstate))

    def check_no_collision(self, writes: layout.Writes | None) -> None:
        """Refuse, naming ``pillar_keys``, when another state of this run writes the file of
        ``writes`` where this state does (see ``awsrunbook.writers``)."""
        writers.check_no_collision(self, writes)


_CURRENT: contextvars.ContextVar[Run | None] = contextvars.ContextVar(
    "awsrunbook_run", default=None
)


def current() -> Run | None:
    """The run of the state call this code runs for (``None`` outside one)."""
    return _CURRENT.get()


@contextlib.contextmanager
def running(run: Run) -> Iterator[Run]:
    """In the block (in this thread), ``run`` is the current run."""
    token = _CURRENT.set(run)
    try:
        yield run
    finally:
        _CURRENT.reset(token)


def changed(**changes: Any) -> contextlib.AbstractContextManager[Run]:
    """In the block, the current run (an empty one outside a run) with ``changes``
    (``adaptive=True``, ``on_answer=callback``)."""
    return running(dataclasses.replace(current() or Run(), **changes))


def _call(
    body: StateFunction, run: Run, name: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> st.Ret:
    """The body's call with ``run``; a raised error of ours becomes a failed state."""
    with running(run):
        try:
            ret: st.Ret = body(name, *args, run=run, **kwargs)
            return ret
        except (CommandExecutionError, SaltInvocationError) as exc:
            return st.failed(st.new_ret(name), str(exc))


def _public_signature(body: StateFunction) -> inspect.Signature:
    """The body's signature without its keyword-only ``run``: what Salt sees."""
    signature = inspect.signature(body)
    params = [p for p in signature.parameters.values() if p.name != "run"]
    return signature.replace(parameters=params)


def state(
    *,
    service: str | None = None,
    reads: Iterable[readahead.Kind] = (),
    alone_with: Iterable[str] = (),
    pillar: layout.Writer | None = None,
    region: RegionCheck = regions.region,
) -> Callable[[StateFunction], StateFunction]:
    """Decorates a state function whose body takes a keyword-only ``run`` (see the module's
    docstring and ``Declaration`` for the arguments)."""

    def decorate(body: StateFunction) -> StateFunction:
        module = body.__globals__  # the body's own module: what Salt's loader packs in it
        declared = Declaration(
            f"{module.get('__virtualname__', body.__module__)}.{body.__name__}",
            tuple(reads),
            service,
            tuple(alone_with),
            pillar,
            region,
        )

        def member(
            injected: Mapping[str, Any], name: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
        ) -> st.Ret:
            # A state of a batch: its clients retry adaptively (throttling slows the batch).
            run = dataclasses.replace(Run.of_call(declared, injected, kwargs), adaptive=True)
            return _call(body, run, name, args, kwargs)

        def salt_calls(name: Any, *args: Any, **kwargs: Any) -> st.Ret:
            per_call = salt_calls.__globals__  # its own namespace, see below
            injected = {key: module[key] for key in PACKED if key in module}
            injected.update({key: per_call[key] for key in PER_CALL if key in per_call})
            run = Run.of_call(declared, injected, kwargs)
            if service is None:
                return _call(body, run, name, args, kwargs)
            call = functools.partial(_call, body, run)
            return batch.dispatch(run, salt_calls, injected, call, member, name, args, kwargs)

        # Salt injects what it has for a call into the globals of the function it calls:
        # this one gets a namespace of its own (a copy of this module's), so that each
        # loader's function, like each loader's state module, keeps its own.
        code, closure = salt_calls.__code__, salt_calls.__closure__
        salt_calls = types.FunctionType(code, dict(globals()), body.__name__, None, closure)
        functools.update_wrapper(salt_calls, body)
        # Salt reads a function's arguments from the end of its __wrapped__ chain: it must
        # find the public signature, not the body's with ``run``.
        delattr(salt_calls, "__wrapped__")
        setattr(salt_calls, "__signature__", _public_signature(body))  # noqa: B010
        setattr(salt_calls, ATTRIBUTE, declared)
        return salt_calls

    return decorate
