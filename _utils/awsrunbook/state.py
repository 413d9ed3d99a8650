"""The read → plan → apply engine every state of this extension uses.

A plan is a list of steps (``awsrunbook.plans``, pure). ``test=True`` reports the steps as
``changes`` (old/new per field) and writes nothing; a real run calls each step's execution
function in order, running a step's ``undo`` when a later step fails before one that
``closes`` it. A failing step stops the run with the steps already done in ``changes``, so
the next run converges from there.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from salt.exceptions import CommandExecutionError, SaltInvocationError

from awsrunbook import batch, plans, readahead, regions
from awsrunbook import client as aws
from awsrunbook import validate as valid

# A state function's return: {"name", "result", "changes", "comment"}.
Ret = dict[str, Any]
# __salt__, or what stands for it: execution functions by name ("aws_s3.put_lifecycle").
SaltFunctions = Mapping[str, Callable[..., Any]]
# A state function: the resource's name, then the keywords an SLS file gives it.
StateFunction = Callable[..., Ret]

# What run_plan says when an ``absent`` function finds nothing to remove.
ABSENT = "is already absent"

# Where once_per_run keeps its answers in __context__.
ONCE_KEY = "awsrunbook_once_per_run"

# The state function being run ("s3_backup_bucket.present"), for messages that name it.
_FUNCTION = contextvars.ContextVar("awsrunbook_state_function", default="this state")


def new_ret(name: str) -> Ret:
    return {"name": name, "result": True, "changes": {}, "comment": ""}


def _comment(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _says(steps: Iterable[plans.Step], test: bool = False) -> list[str]:
    would = "would be " if test else ""
    return list(dict.fromkeys(item["says"].format(would=would) for item in steps if item["says"]))


class _Apply:
    """One real run of a plan: the execution functions, the connection, what the steps
    returned so far and the undo steps still open."""

    def __init__(self, salt_funcs: SaltFunctions, conn: dict[str, Any]) -> None:
        self.salt_funcs = salt_funcs
        self.conn = conn
        self.results: dict[str, Any] = {}
        self.open_undos: dict[str, plans.Step] = {}
        self.done: list[plans.Step] = []

    def call(self, item: plans.Step) -> Any:
        kwargs = plans.resolved(item["kwargs"], self.results)
        return self.salt_funcs[item["call"]](**kwargs, **(self.conn if item["aws"] else {}))

    def apply(self, item: plans.Step) -> None:
        value = self.call(item)
        if item["save"]:
            self.results[item["save"]] = value
            if item["undo"]:
                self.open_undos[item["save"]] = item["undo"]
        for name in item["closes"]:
            self.open_undos.pop(name, None)
        self.done.append(item)

    def undo(self) -> tuple[list[str], list[str]]:
        """Run the undo steps still open, newest first: ``(undone, could not be undone)``."""
        undone: list[str] = []
        failed: list[str] = []
        for name, undo in reversed(list(self.open_undos.items())):
            try:
                self.call(undo)
            except (CommandExecutionError, SaltInvocationError) as exc:
                failed.append(f"{undo['field']} ({name}): {exc}")
            else:
                undone.append(undo["field"])
        return undone, failed

    def failed(self, ret: Ret, what: str, item: plans.Step, exc: Exception) -> list[str]:
        """Undo what is open after ``item`` failed; fill ``ret``; the comment lines."""
        undone, failed_undos = self.undo()
        kept = [d for d in self.done if d["save"] not in self.open_undos]
        ret["result"] = False
        ret["changes"] = plans.changes_of(kept, self.results)
        lines = [f"{what}: {item['field']} failed: {exc}"]
        if undone:
            lines.append(f"Undone so that nothing is left half made: {', '.join(undone)}.")
        lines += [f"Could not undo {problem}: do it by hand." for problem in failed_undos]
        lines.append(f"Done before this: {', '.join(ret['changes']) or 'nothing'}.")
        return lines + _says(kept)


def run_plan(  # noqa: PLR0913 - converged and writes are keyword-only options
    ret: Ret,
    steps: list[plans.Step],
    salt_funcs: SaltFunctions,
    conn: dict[str, Any],
    test: bool,
    what: str,
    notes: Iterable[str] = (),
    *,
    converged: str = "is in the desired state",
    writes: tuple[Any, Iterable[tuple[str, str]]] | None = None,
) -> bool:
    """Report or apply ``steps``; fill ``ret``. ``what`` names the resource in comments;
    ``notes`` are lines added after the plan's own comment; ``converged`` says what no step
    means (``is already absent`` for ``absent``). ``writes``: ``(__context__, resources)``, the
    ``(kind, name)`` resources the steps write, which the run's read-ahead forgets before
    the first step runs. Returns True when every step was applied (or nothing was to
    do)."""
    notes = list(notes)
    if not steps:
        ret["comment"] = _comment(ret["comment"], f"{what} {converged}", *notes)
        return True
    if test:
        ret["result"] = None
        ret["changes"].update(plans.changes_of(steps))
        lines = [f"{what} would be changed: {', '.join(ret['changes'])}", *_says(steps, test=True)]
        ret["comment"] = _comment(ret["comment"], *lines, *notes)
        return True
    if writes:
        readahead.forget(*writes)
    run = _Apply(salt_funcs, conn)
    for item in steps:
        try:
            run.apply(item)
        except (CommandExecutionError, SaltInvocationError) as exc:
            ret["comment"] = _comment(ret["comment"], *run.failed(ret, what, item, exc), *notes)
            return False
    ret["changes"].update(plans.changes_of(run.done, run.results))
    lines = [f"{what} changed: {', '.join(ret['changes'])}", *_says(run.done)]
    ret["comment"] = _comment(ret["comment"], *lines, *notes)
    return True


def failed(ret: Ret, message: str) -> Ret:
    """Mark ``ret`` failed with ``message``; returns it (``return st.failed(ret, ...)``)."""
    ret["result"] = False
    ret["comment"] = message
    return ret


def begin(
    name: str,
    kwargs: dict[str, Any],
    salt_funcs: SaltFunctions,
    region_check: Callable[[Any], Any] = regions.region,
) -> tuple[Ret, dict[str, Any], str]:
    """What every state function does first: ``(ret, conn, region)``. Takes the connection
    arguments out of ``kwargs``, rejects any other argument the function does not take, and
    checks the region they resolve to with ``region_check`` (``regions.ses_region`` for SES
    states), before any AWS call."""
    conn = aws.split_connection_args(kwargs)
    valid.no_unknown(kwargs, _FUNCTION.get())
    region = region_check(aws.region_of(conn, salt_funcs.get("config.option")))
    return new_ret(name), conn, region


def run_id(state_globals: Mapping[str, Any]) -> Any:
    """The id of the state run Salt is in (its ``__instance_id__``, which Salt injects into
    the state module's ``globals()``), or ``None`` outside one."""
    return readahead.injected(state_globals).get("__instance_id__")


def low(state_globals: Mapping[str, Any]) -> Any:
    """The chunk Salt is running (its ``__low__``), or ``None`` outside a state run."""
    return readahead.injected(state_globals).get("__low__")


def once_per_run(
    state_globals: Mapping[str, Any],
    name: str,
    compute: Callable[[Any], Any],
    conn: Mapping[str, Any] | None = None,
) -> Any:
    """``compute(lowstate)`` for the run's low state, computed once per state run and connection
    ``conn`` (kept in ``__context__`` under ``name`` and the run's id), so that a state scanning
    the run's other states costs each of them nothing; outside a run, every time."""
    lowstate = readahead.injected(state_globals).get("__lowstate__")
    kept = aws.run_scoped(state_globals.get("__context__"), ONCE_KEY, run_id(state_globals))
    if kept is None:
        return compute(lowstate)
    key = (name, aws.conn_digest(conn or {}))
    if key not in kept:
        kept[key] = compute(lowstate)
    return kept[key]


def reports_errors(func: StateFunction) -> StateFunction:
    """Decorates every state function: the errors it raises on purpose (bad input, an AWS
    call that failed) become a failed state whose comment is the message, not a traceback."""
    errors = (CommandExecutionError, SaltInvocationError)
    make_ret, fail, current = new_ret, failed, _FUNCTION
    label = f"{func.__globals__.get('__virtualname__', func.__module__)}.{func.__name__}"

    def wrapper(name: str, *args: Any, **kwargs: Any) -> Ret:
        token = current.set(label)
        try:
            return func(name, *args, **kwargs)
        except errors as exc:
            return fail(make_ret(name), str(exc))
        finally:
            current.reset(token)

    # Everything the wrapper uses is in its closure: it runs with the state module's globals,
    # so that what Salt injects for a run (__lowstate__, __instance_id__) lands there.
    return batch.bound_to_module(wrapper, func)
