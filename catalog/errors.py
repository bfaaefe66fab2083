"""Errors the catalogue raises; `bot/` words them for people."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import DorpspleinError


@dataclass(frozen=True)
class RowProblem:
    """A bad line: `reason` in English (the command line); `code` and `values` for pages that
    word it in the reader's language (value: what was written; other: a second number)."""

    line: int
    reason: str
    code: str = ""
    values: tuple[tuple[str, str], ...] = ()


class CatalogValueError(ValueError):
    """A value in a catalogue row that cannot be read: a ValueError carrying its code."""

    def __init__(self, reason: str, *, code: str, value: str = "", other: str = "") -> None:
        super().__init__(reason)
        self.code = code
        self.values = tuple((k, v) for k, v in (("value", value), ("other", other)) if v)

    def problem(self, line: int) -> RowProblem:
        return RowProblem(line, str(self), self.code, self.values)


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
