"""Plans, as plain data: the steps a state's pure planner returns, and the ``changes`` they
stand for. Pure: no AWS, no threads, no Salt loader; the engine (``awsrunbook.state``) runs
them.

A plan is a list of steps::

    {"field": "lifecycle", "old": [...], "new": [...], "call": "aws_s3.put_lifecycle",
     "kwargs": {...}, "aws": True, "save": None, "undo": None, "closes": ()}

A step may ``save`` what its function returns (a new access key) for later steps, which name
it with a ``Ref`` in their arguments or in their ``new`` value; it may carry an ``undo`` step,
run when a later step fails before one that ``closes`` it (a new key is deleted again when the
pillar write that should hold it fails).

``old`` and ``new`` are what ``changes`` shows: never a secret.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypedDict


class Ref:
    """A value a step returns at apply time, named by ``save``; ``fn`` derives what is needed
    from it. ``shown`` stands for it where it is not known yet (``test=True``)."""

    def __init__(
        self, name: str, fn: Callable[[Any], Any] | None = None, shown: str = "(new)"
    ) -> None:
        self.name = name
        self.fn = fn
        self.shown = shown

    def resolve(self, results: Mapping[str, Any]) -> Any:
        value = results[self.name]
        return self.fn(value) if self.fn else value

    def __repr__(self) -> str:
        return self.shown


class Step(TypedDict):
    field: str
    old: Any
    new: Any
    call: str
    kwargs: dict[str, Any]
    aws: bool
    save: str | None
    undo: Step | None
    closes: tuple[str, ...]
    one_line: bool
    says: str | None


def step(  # noqa: PLR0913 - the options after * are keyword-only and each is documented
    field: str,
    old: Any,
    new: Any,
    call: str,
    *,
    save: str | None = None,
    undo: Step | None = None,
    closes: Iterable[str] = (),
    one_line: bool = False,
    says: str | None = None,
    **kwargs: Any,
) -> Step:
    """A step whose execution function talks to AWS (it gets the connection arguments).
    With ``one_line``, ``changes`` shows the field as the one line ``new``
    (``secret_access_key: written to FILE``) instead of old/new. ``says``: a comment line
    for when the step was applied, or in test mode would be (``{would}`` in it then reads
    "would be" and a space)."""
    return {
        "field": field,
        "old": old,
        "new": new,
        "call": call,
        "kwargs": kwargs,
        "aws": True,
        "save": save,
        "undo": undo,
        "closes": tuple(closes),
        "one_line": one_line,
        "says": says,
    }


def local_step(field: str, old: Any, new: Any, call: str, **kwargs: Any) -> Step:
    """A step whose execution function works on this machine (e.g. the pillar file)."""
    return {**step(field, old, new, call, **kwargs), "aws": False}


def resolved(value: Any, results: Mapping[str, Any] | None) -> Any:
    """``value`` with every ``Ref`` in it replaced by its result (by what it shows when
    ``results`` is ``None``: test mode)."""
    if isinstance(value, Ref):
        return value.shown if results is None else value.resolve(results)
    if isinstance(value, dict):
        return {key: resolved(item, results) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(item, results) for item in value]
    return value


def changes_of(steps: Iterable[Step], results: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``changes`` dict a list of steps stands for (the last step of a field wins ``new``,
    the first its ``old``)."""
    changes: dict[str, Any] = {}
    for item in steps:
        new = resolved(item["new"], results)
        if item["one_line"]:
            changes[item["field"]] = new
        elif item["field"] in changes:
            changes[item["field"]]["new"] = new
        else:
            changes[item["field"]] = {"old": resolved(item["old"], results), "new": new}
    return changes
