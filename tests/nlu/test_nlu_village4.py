"""General behaviours found with a fourth, independently written village (village4): sizes
after a counted product, house numbers and surnames, fillers, English egg kinds, phrasings."""

from __future__ import annotations

import pytest

from nlu import CatalogIndex, Interpretation, Parser
from tests.nlu.conftest import DATA, entries_from_csv
from tests.nlu.test_nlu_eval_sets import score


@pytest.fixture(scope="module")
def village4() -> CatalogIndex:
    return CatalogIndex(entries_from_csv(DATA / "village4_catalog.csv"))


def resolved(result: Interpretation) -> dict[str, int | None]:
    return {i.sku: i.quantity for i in result.items if i.status == "resolved" and i.sku is not None}


def test_village4_eval_set(parser: Parser, village4: CatalogIndex) -> None:
    pct, silent, failures = score(parser, village4, DATA / "village4_cases.jsonl")
    assert silent == 0, failures
    assert pct >= 95.0, failures


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("een runderrollade van een kilo", {"sla-rollade": 1000}),
        ("een rollade van anderhalve kilo", {"sla-rollade": 1500}),
        ("2 runderrollades van 500 gram", {"sla-rollade": 1000}),
        ("twee pakken karnemelk van een liter", {"zui-karnemelk": 2}),
        (
            "een kersenvlaai en een rollade van een kilo",
            {"bak-kersenvlaai": 1, "sla-rollade": 1000},
        ),
    ],
)
def test_size_after_a_counted_product(
    parser: Parser, village4: CatalogIndex, text: str, want: dict[str, int]
) -> None:
    result = parser.parse(text, catalog=village4)
    assert result.intent == "order"
    assert resolved(result) == want
    assert all(i.status == "resolved" for i in result.items)


@pytest.mark.parametrize(
    "text",
    [
        "Kunt u 2 lekkerbekjes brengen? Ik woon op nummer 12.",
        "graag 2 lekkerbekjes, huisnummer 7",
        "ik woon aan de Kerkstraat 5a, graag 2 lekkerbekjes",
        "2 lekkerbekjes naar de Dorpslaan 14 aub",
    ],
)
def test_house_numbers_are_no_amounts(parser: Parser, village4: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=village4)
    assert result.intent == "order"
    assert resolved(result) == {"vis-lekkerbekje": 2}
    assert [i.status for i in result.items] == ["resolved"]


@pytest.mark.parametrize(
    "text",
    [
        "goedemiddag met mevrouw de boer ik wil graag acht krentenbollen",
        "u spreekt met meneer van der kaas ik wil graag acht krentenbollen",
    ],
)
def test_lower_case_surname_after_a_title_is_no_product(
    parser: Parser, village4: CatalogIndex, text: str
) -> None:
    result = parser.parse(text, catalog=village4)
    assert resolved(result) == {"bak-krentenbol": 2}
    assert [i.status for i in result.items] == ["resolved"]


@pytest.mark.parametrize(
    "text",
    [
        "wat een weer he! ik wil graag een kersenvlaai",
        "nou doe maar een kersenvlaai hoor",
        "ehm een kersenvlaai zeg",
    ],
)
def test_fillers_are_no_items(parser: Parser, village4: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=village4)
    assert resolved(result) == {"bak-kersenvlaai": 1}
    assert [i.status for i in result.items] == ["resolved"]


def test_free_range_eggs_are_not_settled_as_barn_eggs(
    parser: Parser, village4: CatalogIndex
) -> None:
    loose = parser.parse("free range eggs", catalog=village4)
    assert [i.status for i in loose.items] == ["ambiguous"]
    assert {"ei-scharrel", "ei-vrijeuitloop"} <= set(loose.items[0].candidates)
    # The amount settles it: only the box of ten holds ten eggs.
    assert resolved(parser.parse("ten free range eggs", catalog=village4)) == {"ei-vrijeuitloop": 1}
    assert resolved(parser.parse("a box of barn eggs", catalog=village4)) == {"ei-scharrel": 1}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("kunt u de griekse yoghurt weghalen", "remove"),
        ("de kersenvlaai mag u weglaten", "remove"),
        ("bestelling intrekken aub", "cancel"),
        ("ik zit nog te wachten op mijn spullen", "status"),
        ("mag ik iets vragen", "help"),
        ("ik heb een vraagje", "help"),
        ("top", "confirm"),
    ],
)
def test_phrasings_of_intents(
    parser: Parser, village4: CatalogIndex, text: str, intent: str
) -> None:
    assert parser.parse(text, catalog=village4).intent == intent


@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ("3 uien", "agf-uien"),
        ("10 aardappelen", "agf-aardappelen"),
        ("6 mandarijnen", "agf-mandarijnen"),
        ("4 kastanjechampignons", "agf-champignons"),
        ("4 onions", "agf-uien"),
    ],
)
def test_counting_things_sold_in_weighed_packs_is_asked(
    parser: Parser, village4: CatalogIndex, text: str, sku: str
) -> None:
    result = parser.parse(text, catalog=village4)
    assert resolved(result) == {}
    assert [(i.status, i.candidates) for i in result.items] == [("ambiguous", (sku,))]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2 karnemelk", {"zui-karnemelk": 2}),
        ("3 kwark", {"zui-kwark": 3}),
        ("2 achterham", {"sla-achterham": 2}),
        ("2 netjes uien", {"agf-uien": 2}),
        ("2 citroenen", {"agf-citroen": 2}),
        ("4 kilo aardappelen", {"agf-aardappelen": 2}),
    ],
)
def test_counts_of_packs_and_uncountables_stay_packs(
    parser: Parser, village4: CatalogIndex, text: str, want: dict[str, int]
) -> None:
    assert resolved(parser.parse(text, catalog=village4)) == want


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("een pond lappen", {"sla-runderlappen": 500}),
        ("een rollade van een kilo", {"sla-rollade": 1000}),
    ],
)
def test_butcher_cuts_as_heads_of_compounds(
    parser: Parser, village4: CatalogIndex, text: str, want: dict[str, int]
) -> None:
    assert resolved(parser.parse(text, catalog=village4)) == want
