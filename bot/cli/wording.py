"""How the command line words a count: "1 order", "2 orders", "0 orders"."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """`count` and the noun in the form it takes; the plural defaults to singular + "s"."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count} {noun}"
