"""The arguments ``rds_postgres`` and ``rds_aurora_postgres`` share, declared once: the run of
keyword arguments both ``present`` functions end with (``Shared``) and every argument of
``absent`` (``Absent``), each a frozen dataclass whose fields are the arguments with their
defaults. Pure.

A state function lists its own arguments and takes these in ``**kwargs``; ``@shows(...)``
puts them into the signature Salt reads (``sys.state_argspec``, the arguments ``format_call``
passes, ``map.jinja``'s ``absent``), ``state.doc`` and the docs show, so the function Salt sees
still lists every argument by name with its default. ``take(...)`` gathers them from
``kwargs`` in the function's body.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from awsrunbook.rds_passwords import DEFAULT_PASSWORD_LENGTH

Arguments = TypeVar("Arguments")


@dataclasses.dataclass(frozen=True)
class Shared:
    """The arguments after a database's own settings in both states' ``present``."""

    pillar_keys: Mapping[str, str | None] | None = None
    password_length: int = DEFAULT_PASSWORD_LENGTH
    rotate_password_after_days: int | None = None
    rotate_password: bool = False
    manage_master_user_password: bool = False
    allow_major_version_upgrade: bool = False
    apply_immediately: bool = True
    wait: int | None = None
    gpg_recipients: list[str] | None = None


@dataclasses.dataclass(frozen=True)
class Absent:
    """Both states' ``absent`` arguments after ``name``."""

    final_snapshot: str | None = None
    skip_final_snapshot: bool = False
    pillar_file: str | None = None
    pillar_keys: Mapping[str, str | None] | None = None


def shows(arguments: type) -> Callable[[Callable], Callable]:
    """Decorate a state function that takes ``arguments``' fields in its ``**kwargs``: its
    signature (``__signature__``, which ``inspect.signature`` and so Salt and Sphinx read)
    lists them, with their defaults, after its own. The function itself is unchanged: it
    runs with its module's globals, as Salt calls it."""
    extra = [
        inspect.Parameter(
            field.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=field.default
        )
        for field in dataclasses.fields(arguments)
    ]

    def decorate(function: Callable) -> Callable:
        own = list(inspect.signature(function).parameters.values())
        function.__signature__ = inspect.Signature([*own[:-1], *extra, own[-1]])
        return function

    return decorate


def take(arguments: type[Arguments], kwargs: dict[str, Any]) -> Arguments:
    """``arguments`` (a dataclass above) from the values ``kwargs`` holds for its fields (taken
    out of ``kwargs``, so that what is left is the connection arguments); the fields not given
    keep their defaults."""
    names = [field.name for field in dataclasses.fields(arguments)]
    return arguments(**{name: kwargs.pop(name) for name in names if name in kwargs})


def split(call: dict[str, Any]) -> tuple[dict[str, Any], Shared]:
    """``(every argument by name, the shared ones)`` of a ``present`` call, from its
    ``locals()`` taken first thing: the arguments as a chunk of the low state holds them (what
    the argument checks and the pillar writer's declaration read), and ``Shared`` taken out of
    its ``kwargs``, which keeps the connection arguments only."""
    own = dict(call)
    shared = take(Shared, own.pop("kwargs"))
    return {**own, **dataclasses.asdict(shared)}, shared
