"""Messages about an order already placed, in any catalogue: an order's number is no amount
and no product ("annuleer bestelling 12" cancels order 12, it orders nothing), adding to an
order is an order ("kan er nog een brood bij mijn bestelling?"), a status question stays one;
and a message longer than the parser reads says so."""

from __future__ import annotations

import pytest

from nlu import CatalogIndex, Interpretation, Parser
from nlu._parser import MAX_TOKENS
from tests.nlu.conftest import DATA, entries_from_csv
from tests.nlu.test_nlu_eval_sets import SHARED_DEV

# Per catalogue: a product as one thing, as several, and its sku.
PRODUCTS = {
    "village1": ("krentenbol", "krentenbollen", "bak-krentenbol"),
    "village3": ("gevulde koek", "gevulde koeken", "bk-gevuldekoek"),
    "village5": ("tompouce", "tompouces", "ban-tompouce"),
    "village6": ("amandelcroissant", "amandelcroissants", "pat-amandelcroissant"),
    "dev": ("croissant", "croissants", "bak-croissant"),
}


@pytest.fixture(scope="module")
def catalogs(village1: CatalogIndex) -> dict[str, CatalogIndex]:
    out = {"village1": village1}
    for v in ("village3", "village5", "village6"):
        out[v] = CatalogIndex(entries_from_csv(DATA / f"{v}_catalog.csv"))
    if SHARED_DEV.exists():
        out["dev"] = CatalogIndex(entries_from_csv(SHARED_DEV / "catalog.csv"))
    return out


def _parse(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str
) -> Interpretation:
    if village not in catalogs:
        pytest.skip("shared evaluation set not present")
    return parser.parse(text, catalog=catalogs[village])


# -- an order's number ---------------------------------------------------------------------

REFERENCES = [
    ("Cancel order 12", "cancel", 12),
    ("annuleer bestelling 12", "cancel", 12),
    ("bestelling 12 annuleren", "cancel", 12),
    ("cancel my order number 7", "cancel", 7),
    ("kunt u bestelling 44 annuleren?", "cancel", 44),
    ("please cancel order no. 3", "cancel", 3),
    ("ik wil bestelling nummer 15 intrekken", "cancel", 15),
    ("waar blijft bestelling 31?", "status", 31),
    ("order #12", "status", 12),
    ("hoe staat het met bestelling 8?", "status", 8),
    ("where is order 12?", "status", 12),
    ("wanneer komt ordernummer 5", "status", 5),
    ("Order 12", "status", 12),
]


@pytest.mark.parametrize("village", sorted(PRODUCTS))
@pytest.mark.parametrize(("text", "intent", "number"), REFERENCES)
def test_an_order_number_is_no_amount_and_no_product(
    parser: Parser,
    catalogs: dict[str, CatalogIndex],
    village: str,
    text: str,
    intent: str,
    number: int,
) -> None:
    result = _parse(parser, catalogs, village, text)
    assert result.intent == intent, result
    assert result.items == []
    assert result.order_number == number
    assert result.to_contract()["order_number"] == number


@pytest.mark.parametrize("village", sorted(PRODUCTS))
@pytest.mark.parametrize(
    ("text", "qty"),
    [
        ("order 12 {many}", 12),
        ("I'd like to order 2 {many}", 2),
        ("can I order 3 {many} please", 3),
        ("bij mijn bestelling graag 2 {many}", 2),
        ("2 {many} bij mijn bestelling", 2),
    ],
)
def test_a_number_before_a_product_is_its_amount(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str, qty: int
) -> None:
    _, many, sku = PRODUCTS[village]
    result = _parse(parser, catalogs, village, text.format(many=many))
    assert result.intent == "order"
    assert [(i.sku, i.quantity) for i in result.items] == [(sku, qty)]
    assert result.order_number is None
    assert "order_number" not in result.to_contract()


@pytest.mark.parametrize("village", sorted(PRODUCTS))
@pytest.mark.parametrize(
    "text",
    [
        "doe bij bestelling 12 nog 2 {many}",
        "zet er nog 2 {many} bij bestelling 12",
        "bestelling 12: graag nog 2 {many} erbij",
        "add 2 {many} to order #12",
    ],
)
def test_adding_to_a_numbered_order(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str
) -> None:
    _, many, sku = PRODUCTS[village]
    result = _parse(parser, catalogs, village, text.format(many=many))
    assert result.intent == "order"
    assert [(i.sku, i.quantity) for i in result.items] == [(sku, 2)]
    assert result.order_number == 12


# -- adding to a placed order --------------------------------------------------------------

ADDING = [
    ("kan er nog een {one} bij mijn bestelling?", 1),
    ("doe er nog een {one} bij", 1),
    ("zet er nog 2 {many} bij mijn bestelling", 2),
    ("mag er nog een {one} bij?", 1),
    ("kan er ook een {one} bij?", 1),
    ("kan er een {one} bij mijn bestelling?", 1),
    ("voeg 2 {many} toe aan mijn bestelling", 2),
    ("add 2 {many} to my order", 2),
    ("can you add a {one} to my order please", 1),
    ("graag nog 3 {many} erbij", 3),
]


@pytest.mark.parametrize("village", sorted(PRODUCTS))
@pytest.mark.parametrize(("text", "qty"), ADDING)
def test_adding_to_an_order_is_an_order(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str, qty: int
) -> None:
    one, many, sku = PRODUCTS[village]
    result = _parse(parser, catalogs, village, text.format(one=one, many=many))
    assert result.intent == "order", result
    assert [(i.sku, i.quantity) for i in result.items] == [(sku, qty)]


@pytest.mark.parametrize("village", sorted(PRODUCTS))
@pytest.mark.parametrize(
    "text",
    [
        "waar blijft mijn bestelling",
        "wanneer komt mijn bestelling",
        "wanneer komt mijn bestelling nou?",
        "is mijn bestelling al onderweg?",
        "where is my order",
        "when will my order arrive?",
    ],
)
def test_a_status_question_stays_one(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str
) -> None:
    result = _parse(parser, catalogs, village, text)
    assert result.intent == "status"
    assert result.items == []
    assert result.order_number is None


# -- a message longer than the parser reads ------------------------------------------------


@pytest.mark.parametrize("village", sorted(PRODUCTS))
@pytest.mark.parametrize("sep", [", ", " en ", "\n"])
def test_a_cut_message_says_so(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, sep: str
) -> None:
    _, many, sku = PRODUCTS[village]
    long = sep.join([f"2 {many}"] * MAX_TOKENS)
    result = _parse(parser, catalogs, village, long)
    assert result.truncated
    assert result.to_contract()["truncated"] is True
    assert result.items and all(i.sku == sku for i in result.items if i.sku)
    short = _parse(parser, catalogs, village, sep.join([f"2 {many}"] * 3))
    assert not short.truncated
    assert "truncated" not in short.to_contract()


@pytest.mark.parametrize("village", sorted(PRODUCTS))
@pytest.mark.parametrize(
    ("text", "correction"),
    [
        ("maak er 6 van in bestelling 12", True),
        ("bestelling 12: doe maar 6", True),
        ("doe er nog 2 bij in bestelling 12", False),
        ("bestelling 12: nog 2 erbij", False),
    ],
)
def test_an_amount_for_a_numbered_order_stays_an_order(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str, correction: bool
) -> None:
    # The amount is for the product the conversation is about; the number says which order.
    result = _parse(parser, catalogs, village, text)
    assert (result.intent, result.items, result.order_number) == ("order", [], 12)
    assert result.correction == correction
    assert result.has_amount


@pytest.mark.parametrize("village", sorted(PRODUCTS))
@pytest.mark.parametrize(
    "text", ["haal de {one} van bestelling 12 af", "take the {one} off order #12"]
)
def test_taking_out_of_a_numbered_order(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str
) -> None:
    one, _, sku = PRODUCTS[village]
    result = _parse(parser, catalogs, village, text.format(one=one))
    assert result.intent == "remove"
    assert [i.sku for i in result.items] == [sku]
    assert result.order_number == 12
