"""Errors the catalogue raises; `bot/` words them for people."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import DorpspleinError


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str


class CatalogFileError(DorpspleinError):
    """A catalogue file that cannot be imported; nothing of it was written."""

    def __init__(self, *, problems: list[RowProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"line {p.line}: {p.reason}" for p in problems))


class UnknownProductError(DorpspleinError):
    def __init__(self, *, sku: str) -> None:
        super().__init__(f"no product with sku {sku!r}")
        self.sku = sku


class ProductChangeError(DorpspleinError):
    """A product change that cannot be made (an empty name, a price of 0 or less); nothing
    was changed. `field` names what is wrong: "name" or "price"."""

    def __init__(self, *, sku: str, field: str, reason: str) -> None:
        super().__init__(f"product {sku!r}: {field} {reason}")
        self.sku = sku
        self.field = field
        self.reason = reason
