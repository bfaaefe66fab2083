"""The catalogue CSV contract: all-or-nothing parsing with line numbers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.csv_format import CatalogRow, parse_catalog, parse_price, render_catalog
from catalog.errors import CatalogFileError
from catalog.models import Unit

HEADER = "shop,sku,name,unit,price,aliases,category\n"
GOOD = "Bakker,b1,Volkorenbrood,piece,3.25,volkoren;bruin,brood\n"


def problems(text: str | bytes) -> list[tuple[int, str]]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(CatalogFileError) as caught:
        parse_catalog(data)
    return [(p.line, p.reason) for p in caught.value.problems]


def test_a_good_row_becomes_cents_and_aliases() -> None:
    (row,) = parse_catalog((HEADER + GOOD).encode())
    assert row == CatalogRow(
        shop="Bakker",
        sku="b1",
        name="Volkorenbrood",
        unit=Unit.PIECE,
        price_cents=325,
        aliases=("volkoren", "bruin"),
        category="brood",
    )


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("Bakker,b2,Wit,piece,abc,,\n", "price 'abc'"),
        ("Bakker,b2,Wit,liter,1.00,,\n", "unit 'liter'"),
        ("Bakker,b2,,piece,1.00,,\n", "'name'"),
        ("Bakker,b2,Wit\n", "'unit'"),
        ("Bakker,b2,Wit,piece,-1,,\n", "positive"),
        ("Bakker,b2,Wit,piece,0,,\n", "positive"),
        ("Bakker,b2,Wit,piece,1e3,,\n", "not a number like 2.95"),
        ("Bakker,b2,Wit,piece,1.005,,\n", "two decimals"),
        ('Bakker,b2,Wit,piece,"2,95",,\n', "comma-separated file write it with a dot"),
        ("Bakker,b1,Wit,piece,1.00,,\n", "appears twice (also on line 2)"),
        ("Bakker,b2,Wit,piece,1.00,,,,,\n", "fields"),
    ],
)
def test_a_bad_row_is_named_by_line_and_reason(row: str, reason: str) -> None:
    [(line, why)] = problems(HEADER + GOOD + row)
    assert line == 3
    assert reason in why


def test_every_bad_row_is_reported_not_just_the_first() -> None:
    found = problems(HEADER + "A,a,A,piece,x,,\n" + GOOD + "A,c,C,box,1,,\n")
    assert [line for line, _ in found] == [2, 4]


def test_a_missing_header_column_is_line_one() -> None:
    assert problems("shop,sku,name,price\nA,a,A,1.00\n") == [(1, "header lacks column(s): unit")]


def test_wrong_encoding_names_the_line() -> None:
    data = (HEADER + GOOD).encode() + b"Kaas,k1,Gouda jong,kg,13.90,,kaas\n"
    data += "Kaas,k2,Geitenkaas crème,kg,24.00,,kaas\n".encode("cp1252")
    [(line, why)] = problems(data)
    assert line == 4
    assert "UTF-8" in why


def test_multiline_quoted_fields_keep_line_numbers_true() -> None:
    text = HEADER + 'A,a,"Brood\nmet pit",piece,1.00,,\n' + "A,b,B,piece,zero,,\n"
    assert problems(text)[0][0] == 4


def test_excel_byte_order_mark_is_accepted() -> None:
    assert len(parse_catalog(b"\xef\xbb\xbf" + (HEADER + GOOD).encode())) == 1


@pytest.mark.parametrize(
    ("text", "cents"), [("2.95", 295), ("14.5", 1450), ("0.01", 1), ("3", 300), (" 3.10 ", 310)]
)
def test_prices_become_exact_cents(text: str, cents: int) -> None:
    assert parse_price(text) == cents


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0", "not a positive amount (more than 0)"),
        ("0.00", "not a positive amount (more than 0)"),
        ("-1", "not a positive amount (more than 0)"),
        ("-0.50", "not a positive amount (more than 0)"),
        ("1e3", "not a number like 2.95"),
        ("Infinity", "not a number like 2.95"),
        ("NaN", "not a number like 2.95"),
        ("2.955", "more than two decimals"),
        ("€ 2.95", "not a number like 2.95"),
        ("2,95", "has a comma"),
    ],
)
def test_a_price_must_be_more_than_zero_with_at_most_two_decimals(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_price(text)


@pytest.mark.parametrize(
    ("text", "cents"), [("2,95", 295), ("2.95", 295), ("14,5", 1450), ("3", 300)]
)
def test_a_decimal_comma_is_a_price_where_commas_do_not_separate_columns(
    text: str, cents: int
) -> None:
    assert parse_price(text, decimal_comma=True) == cents


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0,00", "not a positive amount"),
        ("2,955", "more than two decimals"),
        ("1.234,50", "not a number like 2,95"),
        ("1e3", "not a number like 2,95"),
    ],
)
def test_a_decimal_comma_price_follows_the_same_rules(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_price(text, decimal_comma=True)


EXCEL_HEADER = "shop;sku;name;unit;price;aliases;category\r\n"


@pytest.mark.parametrize(
    ("header", "row"),
    [
        (HEADER, GOOD),
        (EXCEL_HEADER, 'Bakker;b1;Volkorenbrood;piece;3,25;"volkoren;bruin";brood\r\n'),
        (EXCEL_HEADER, 'Bakker;b1;Volkorenbrood;piece;3.25;"volkoren;bruin";brood\r\n'),
        (
            HEADER.replace(",", "\t"),
            "Bakker\tb1\tVolkorenbrood\tpiece\t3,25\tvolkoren;bruin\tbrood\n",
        ),
        ("\ufeff" + EXCEL_HEADER, 'Bakker;b1;Volkorenbrood;piece;3,25;"volkoren;bruin";brood\r\n'),
    ],
    ids=["comma", "semicolon-decimal-comma", "semicolon-dot", "tab", "semicolon-with-bom"],
)
def test_comma_semicolon_and_tab_files_read_the_same(header: str, row: str) -> None:
    assert parse_catalog((header + row).encode()) == parse_catalog((HEADER + GOOD).encode())


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("Bakker;b2;Wit;piece;0;;\n", [(3, "price '0' is not a positive amount (more than 0)")]),
        (
            "Bakker;b2;Wit;piece;1e3;;\nBakker;b3;Bruin;piece;2,955;;\n",
            [
                (3, "price '1e3' is not a number like 2,95"),
                (4, "price '2,955' has more than two decimals"),
            ],
        ),
        ("Bakker;b2;Wit;liter;1,00;;\n", [(3, "unit 'liter' is not one of: piece, kg")]),
    ],
)
def test_a_semicolon_file_names_every_bad_row_and_imports_nothing(
    rows: str, expected: list[tuple[int, str]]
) -> None:
    good = 'Bakker;b1;Volkorenbrood;piece;3,25;"volkoren;bruin";brood\n'
    assert problems(EXCEL_HEADER.replace("\r", "") + good + rows) == expected


def test_a_semicolon_file_without_a_needed_column_says_which() -> None:
    assert problems("shop;sku;name;price\nA;a;A;1,00\n") == [(1, "header lacks column(s): unit")]


names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
).filter(lambda s: s.strip() == s and s.strip() != "" and ";" not in s)


@given(
    st.lists(
        st.tuples(
            names, names, st.sampled_from(Unit), st.integers(1, 10**6), st.lists(names, max_size=3)
        ),
        min_size=1,
        max_size=10,
        unique_by=lambda t: t[1],
    )
)
def test_render_then_parse_gives_the_same_rows(
    raw: list[tuple[str, str, Unit, int, list[str]]],
) -> None:
    rows = [
        CatalogRow(shop=shop, sku=sku, name=shop + " " + sku, unit=unit, price_cents=cents,
                   aliases=tuple(aliases), category=None)
        for shop, sku, unit, cents, aliases in raw
    ]  # fmt: skip
    assert parse_catalog(render_catalog(rows).encode()) == rows
