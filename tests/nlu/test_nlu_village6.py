"""General behaviours found with a sixth village written for first contact (village6: goat
farm, organic grocer, wine shop, patisserie, chocolatier, coffee roaster, bee keeper,
shellfish): a category word that names one product only in part asks among the category,
a variety's traits ("witte wijn" of a Chardonnay), a bottle is no box of bottles."""

from __future__ import annotations

import pytest

from nlu import CatalogEntry, CatalogIndex, HistoryLine, Interpretation, Parser
from tests.nlu.conftest import DATA, entries_from_csv
from tests.nlu.test_nlu_eval_sets import score


@pytest.fixture(scope="module")
def village6() -> CatalogIndex:
    return CatalogIndex(entries_from_csv(DATA / "village6_catalog.csv"))


def test_village6_eval_set(parser: Parser, village6: CatalogIndex) -> None:
    pct, silent, failures = score(parser, village6, DATA / "village6_cases.jsonl")
    # v6-145 "twee croissants" where only almond croissants are sold was first labelled a
    # question. The label was revised after first contact to the convention of villages 2-5:
    # a word that names exactly one product in the catalogue resolves to it ("sla" ->
    # "Kropsla"), and the read-back shows the real name, so nothing is guessed silently.
    assert silent == 0, failures
    assert pct >= 97.0, failures


def _index(rows: list[tuple[str, str, str, str]]) -> CatalogIndex:
    return CatalogIndex(
        CatalogEntry(sku, name, unit, "Winkel", (), category) for sku, name, unit, category in rows
    )


# Two shops' worth of products whose category word is in only one name, in full.
COFFEE = _index(
    [
        ("bonen", "Koffiebonen huismelange (250 g)", "piece", "koffie"),
        ("gemalen", "Gemalen koffie filter (250 g)", "piece", "koffie"),
        ("espresso", "Espressobonen (500 g)", "piece", "koffie"),
        ("pinda", "Pindakaas (pot 350 g)", "piece", "beleg"),
        ("choco", "Chocopasta (pot 400 g)", "piece", "beleg"),
        ("jam", "Aardbeienjam", "piece", "beleg"),
    ]
)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("koffie", {"bonen", "gemalen", "espresso"}),
        ("twee pakken koffie", {"bonen", "gemalen", "espresso"}),
        ("een pak koffie graag", {"bonen", "gemalen", "espresso"}),
        ("beleg", {"pinda", "choco", "jam"}),
    ],
)
def test_a_category_word_naming_one_product_in_part_asks(
    parser: Parser, text: str, want: set[str]
) -> None:
    result = parser.parse(text, catalog=COFFEE)
    assert [i.status for i in result.items] == ["ambiguous"]
    assert want <= set(result.items[0].candidates)


def test_history_settles_the_category_word(parser: Parser, village6: CatalogIndex) -> None:
    history = [[HistoryLine("kof-bonen", 1)], [HistoryLine("kof-bonen", 1)]]
    result = parser.parse("koffie", catalog=village6, history=history)
    assert {i.sku: i.quantity for i in result.items} == {"kof-bonen": 1}


@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ("gemalen koffie", "gemalen"),
        ("een pak koffiebonen", "bonen"),
        ("espressobonen", "espresso"),
    ],
)
def test_a_product_named_in_full_is_taken(parser: Parser, text: str, sku: str) -> None:
    result = parser.parse(text, catalog=COFFEE)
    assert [(i.status, i.sku) for i in result.items] == [("resolved", sku)]


WINES = _index(
    [
        ("chardonnay", "Chardonnay (fles 75 cl)", "piece", "wijn"),
        ("riesling", "Riesling (fles 75 cl)", "piece", "wijn"),
        ("merlot", "Merlot (fles 75 cl)", "piece", "wijn"),
        ("malbec", "Malbec Mendoza (fles 75 cl)", "piece", "wijn"),
        ("huis-wit", "Huiswijn wit (fles 75 cl)", "piece", "wijn"),
        ("doos-rood", "Huiswijn rood (doos van 6 flessen)", "piece", "wijn"),
    ]
)


def offered(result: Interpretation) -> set[str]:
    return {s for i in result.items for s in ([i.sku] if i.sku else i.candidates)}


@pytest.mark.parametrize(
    ("text", "want", "never"),
    [
        ("een fles witte wijn", {"chardonnay", "riesling", "huis-wit"}, {"merlot", "malbec"}),
        ("a bottle of white wine", {"chardonnay", "riesling", "huis-wit"}, {"merlot"}),
        ("een fles rode wijn", {"merlot", "malbec"}, {"doos-rood", "chardonnay"}),
        ("a bottle of red wine", {"merlot", "malbec"}, {"doos-rood"}),
    ],
)
def test_a_variety_is_its_colour(
    parser: Parser, text: str, want: set[str], never: set[str]
) -> None:
    result = parser.parse(text, catalog=WINES)
    got = offered(result)
    assert want <= got
    assert not never & got


@pytest.mark.parametrize(
    ("text", "sku", "qty"),
    [
        ("een doos rode wijn", "doos-rood", 1),
        ("een fles merlot", "merlot", 1),
        ("2 flessen chardonnay", "chardonnay", 2),
    ],
)
def test_bottles_and_boxes(parser: Parser, text: str, sku: str, qty: int) -> None:
    result = parser.parse(text, catalog=WINES)
    assert {i.sku: i.quantity for i in result.items if i.status == "resolved"} == {sku: qty}


def test_a_bottle_is_no_crate(parser: Parser) -> None:
    village5 = CatalogIndex(entries_from_csv(DATA / "village5_catalog.csv"))
    for text, qty in (("6 flesjes bier", 6), ("een flesje bier", 1)):
        result = parser.parse(text, catalog=village5)
        assert {i.sku: i.quantity for i in result.items} == {"sli-flesje": qty}
