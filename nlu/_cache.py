"""A bounded cache for what the parser works out once per word, reading or catalogue version."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(dict[K, V]):
    """A dict that forgets everything at once when it is full.

    A running bot meets new words without end; clearing all at once is cheaper than keeping
    an order of use, and what goes is only worked out again. Look up with the dict's own
    `get` (the fast path), store with `put`."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: K, value: V) -> V:
        """Store `value` (first forgetting everything when full) and return it."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
