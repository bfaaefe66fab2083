"""The one root error type of Dorpsplein.

Domain packages raise specific subclasses that carry data; only `bot/` turns them into words a
resident, shopkeeper or operator reads.
"""

from __future__ import annotations


class DorpspleinError(Exception):
    """Root of every error Dorpsplein raises on purpose."""


class ConfigError(DorpspleinError):
    def __init__(self, *, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


class NotFoundError(DorpspleinError):
    def __init__(self, *, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key
