"""The catalogue CSV contract (design.md): `shop,sku,name,unit,price,aliases,category`.

Parsing is all-or-nothing: every bad row is reported with its line number, and a file with
any problem yields no rows at all, so an import never half-happens.

The columns may be separated by commas or, as Dutch Excel saves them, by semicolons (or tabs);
the header line decides. In a semicolon or tab file a price may have a decimal comma ("2,95").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from catalog.errors import CatalogFileError, CatalogValueError, RowProblem
from catalog.models import Unit

REQUIRED = ("shop", "sku", "name", "unit", "price")
OPTIONAL = ("aliases", "category", "available")
HEADER = ("shop", "sku", "name", "unit", "price", "aliases", "category", "available")
_TRUE = {"", "1", "true", "yes", "ja", "y", "j"}
_FALSE = {"0", "false", "no", "nee", "n"}


@dataclass(frozen=True)
class CatalogRow:
    shop: str
    sku: str
    name: str
    unit: Unit
    price_cents: int
    aliases: tuple[str, ...] = ()
    category: str | None = None
    available: bool = True


DELIMITERS = (",", ";", "\t")
_PRICE = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def parse_price(text: str, *, decimal_comma: bool = False) -> int:
    """Euros ("2.95", or "2,95" when `decimal_comma`) to integer cents; never via float.

    A price is more than 0 with at most two decimals; "1e3", "Infinity" and "0" are refused.
    """
    given = text.strip()
    plain = given
    if decimal_comma and "." not in given:
        plain = given.replace(",", ".", 1)
    elif not decimal_comma and "," in given:
        raise CatalogValueError(
            f"price {given!r} has a comma; in a comma-separated file write it with a dot",
            code="price_comma",
            value=given,
        )
    example = "2,95" if decimal_comma else "2.95"
    if not _PRICE.fullmatch(plain):
        raise CatalogValueError(
            f"price {given!r} is not a number like {example}", code="price_text", value=given
        )
    value = Decimal(plain)
    if value <= 0:
        raise CatalogValueError(
            f"price {given!r} is not a positive amount (more than 0)",
            code="price_positive",
            value=given,
        )
    if value != value.quantize(Decimal("0.01")):
        raise CatalogValueError(
            f"price {given!r} has more than two decimals", code="price_decimals", value=given
        )
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def sniff_delimiter(text: str) -> str:
    """The delimiter the header line uses most: `,`, `;` or a tab (a comma when none)."""
    header = text.split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def format_price(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CatalogFileError(
            problems=[RowProblem(line, "not UTF-8 text (save the file as CSV UTF-8)", "not_utf8")]
        ) from None


def parse_catalog(data: bytes) -> list[CatalogRow]:
    text = decode(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        raise CatalogFileError(problems=[RowProblem(1, "the file is empty", "empty")]) from None
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise CatalogFileError(
            problems=[
                RowProblem(
                    1,
                    f"header lacks column(s): {', '.join(missing)}",
                    "header",
                    (("value", ", ".join(missing)),),
                )
            ]
        )
    problems: list[RowProblem] = []
    rows: list[CatalogRow] = []
    first_line: dict[str, int] = {}
    for values in reader:
        line = reader.line_num
        if not any(value.strip() for value in values):
            continue
        try:
            row = _row(header, values, decimal_comma=delimiter != ",")
        except CatalogValueError as error:
            problems.append(error.problem(line))
            continue
        if row.sku in first_line:
            twice = CatalogValueError(
                f"sku {row.sku!r} appears twice (also on line {first_line[row.sku]})",
                code="twice",
                value=row.sku,
                other=str(first_line[row.sku]),
            )
            problems.append(twice.problem(line))
            continue
        first_line[row.sku] = line
        rows.append(row)
    if problems:
        raise CatalogFileError(problems=problems)
    return rows


def _row(header: list[str], values: list[str], *, decimal_comma: bool) -> CatalogRow:
    if len(values) > len(header):
        raise CatalogValueError(
            f"{len(values)} fields but the header has {len(header)}",
            code="fields",
            value=str(len(values)),
            other=str(len(header)),
        )
    fields = dict(zip(header, (value.strip() for value in values), strict=False))
    for column in REQUIRED:
        if not fields.get(column):
            raise CatalogValueError(
                f"column {column!r} is missing or empty", code="missing", value=column
            )
    try:
        unit = Unit(fields["unit"].lower())
    except ValueError:
        raise CatalogValueError(
            f"unit {fields['unit']!r} is not one of: piece, kg", code="unit", value=fields["unit"]
        ) from None
    available = fields.get("available", "").lower()
    if available not in _TRUE | _FALSE:
        raise CatalogValueError(
            f"available {fields['available']!r} is not yes or no",
            code="available",
            value=fields["available"],
        )
    aliases = tuple(a.strip() for a in fields.get("aliases", "").split(";") if a.strip())
    return CatalogRow(
        shop=fields["shop"],
        sku=fields["sku"],
        name=fields["name"],
        unit=unit,
        price_cents=parse_price(fields["price"], decimal_comma=decimal_comma),
        aliases=aliases,
        category=fields.get("category") or None,
        available=available in _TRUE,
    )


def render_catalog(rows: Iterable[CatalogRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            (
                row.shop,
                row.sku,
                row.name,
                row.unit.value,
                format_price(row.price_cents),
                ";".join(row.aliases),
                row.category or "",
                "yes" if row.available else "no",
            )
        )
    return out.getvalue()
