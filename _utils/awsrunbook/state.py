"""Applying a plan: the read → plan → apply engine every state of this extension uses (through
``Run.apply``, see ``awsrunbook.engine``).

A plan is a list of steps (``awsrunbook.plans``, pure). ``test=True`` reports the steps as
``changes`` (old/new per field) and writes nothing; a real run calls each step's execution
function in order, running a step's ``undo`` when a later step fails before one that
``closes`` it. A failing step stops the run with the steps already done in ``changes``, so
the next run converges from there.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from salt.exceptions import CommandExecutionError, SaltInvocationError

from awsrunbook import plans
from awsrunbook.store import Resource, Store

# A state function's return: {"name", "result", "changes", "comment"}.
Ret = dict[str, Any]
# __salt__, or what stands for it: execution functions by name ("aws_s3.put_lifecycle").
SaltFunctions = Mapping[str, Callable[..., Any]]

# What run_plan says when an ``absent`` function finds nothing to remove.
ABSENT = "is already absent"


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


def _check_call(item: plans.Step, salt_funcs: SaltFunctions, conn: dict[str, Any]) -> None:
    """Raise unless ``item``'s execution function exists and takes its arguments (with the
    connection arguments for a step that talks to AWS): test mode finds a misspelt call."""
    try:
        function = salt_funcs[item["call"]]
    except KeyError:
        raise CommandExecutionError(
            f"{item['field']}: no execution function {item['call']} (a step of the plan)"
        ) from None
    kwargs = {**plans.resolved(item["kwargs"], None), **(conn if item["aws"] else {})}
    try:
        inspect.signature(function).bind(**kwargs)
    except TypeError as exc:
        raise CommandExecutionError(
            f"{item['field']}: {item['call']} does not take the arguments of the plan: {exc}"
        ) from None


def _check_calls(
    steps: Iterable[plans.Step], salt_funcs: SaltFunctions, conn: dict[str, Any]
) -> None:
    """``_check_call`` for each step and the undo step it carries."""
    for item in steps:
        _check_call(item, salt_funcs, conn)
        if item["undo"]:
            _check_call(item["undo"], salt_funcs, conn)


def run_plan(  # noqa: PLR0913 - converged, writes and store are keyword-only options
    ret: Ret,
    steps: list[plans.Step],
    salt_funcs: SaltFunctions,
    conn: dict[str, Any],
    test: bool,
    what: str,
    notes: Iterable[str] = (),
    *,
    converged: str = "is in the desired state",
    writes: Iterable[Resource] = (),
    store: Store | None = None,
) -> bool:
    """Report or apply ``steps``; fill ``ret``. ``what`` names the resource in comments;
    ``notes`` are lines added after the plan's own comment; ``converged`` says what no step
    means (``is already absent`` for ``absent``). ``writes``: the ``(kind, name)`` resources
    the steps write, which the run (its ``store``) forgets before the first step runs. In
    test mode each step's execution function must exist and take the step's arguments.
    Returns True when every step was applied (or nothing was to do)."""
    notes = list(notes)
    if not steps:
        ret["comment"] = _comment(ret["comment"], f"{what} {converged}", *notes)
        return True
    if test:
        _check_calls(steps, salt_funcs, conn)
        ret["result"] = None
        ret["changes"].update(plans.changes_of(steps))
        lines = [f"{what} would be changed: {', '.join(ret['changes'])}", *_says(steps, test=True)]
        ret["comment"] = _comment(ret["comment"], *lines, *notes)
        return True
    if store is not None:
        store.forget(writes)
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
