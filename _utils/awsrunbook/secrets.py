"""Secrets in flight, pure: what AWS returns (a new access key's secret) or a state generates (a
password), on its way from the call that made it to the pillar-file writer, and nowhere else.
"""

from __future__ import annotations

import secrets
import string
from typing import NoReturn

MASK = "********"


class Secret:
    """A secret value that shows itself as ``********`` wherever it is printed, logged or
    serialised by mistake; ``.value`` is the secret."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @property
    def value(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(Secret)

    def __reduce__(self) -> NoReturn:
        # Nothing may pickle or msgpack a secret into a cache or an event.
        raise TypeError("a Secret cannot be serialised")


def generate_password(length: int, forbidden: str = "") -> Secret:
    """A random password of ``length`` letters, digits and punctuation but ``forbidden``,
    with at least one of each class (what password policies usually ask for)."""
    classes = [
        string.ascii_lowercase,
        string.ascii_uppercase,
        string.digits,
        "".join(c for c in string.punctuation if c not in forbidden),
    ]
    classes = ["".join(c for c in chars if c not in forbidden) for chars in classes]
    alphabet = "".join(classes)
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if all(any(c in chars for c in candidate) for chars in classes if chars):
            return Secret(candidate)
