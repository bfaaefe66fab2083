"""General behaviours found with a fifth, independently written village (village5): eggs
sold loose and in boxes of two sizes, crates of bottles, per-piece weights, speech-split
compounds and numbers, dates and times, amounts that replace the usual, removal phrasings."""

from __future__ import annotations

import pytest

from nlu import CatalogEntry, CatalogIndex, Interpretation, Parser
from tests.nlu.conftest import DATA, entries_from_csv
from tests.nlu.test_nlu_eval_sets import score


@pytest.fixture(scope="module")
def village5() -> CatalogIndex:
    return CatalogIndex(entries_from_csv(DATA / "village5_catalog.csv"))


# A different small shop, so the behaviours are not tied to village5's names.
_OTHER = [
    ("ei-los", "Vrije-uitloopei", "piece", ""),
    ("ei-4", "Vrije-uitloopeieren doosje van 4", "piece", ""),
    ("ei-12", "Vrije-uitloopeieren doos van 12", "piece", ""),
    ("cola-tray", "Cola tray 6 blikjes", "piece", ""),
    ("cola-blik", "Cola blikje 33 cl", "piece", ""),
    ("brood-mais", "Maisbrood heel", "piece", ""),
    ("room", "Kookroom 200 ml", "piece", ""),
    ("roomsoes", "Kookroomsoes", "piece", ""),
    ("lam", "Lamsbout (per stuk ca. 1,2 kg)", "piece", ""),
    ("boter", "Roomboter 250 gr", "piece", ""),
    ("boterkoek", "Roomboterkoek", "piece", ""),
]


@pytest.fixture(scope="module")
def other() -> CatalogIndex:
    return CatalogIndex(
        CatalogEntry(sku, name, unit, "Winkel", tuple(a for a in aliases.split(";") if a), None)
        for sku, name, unit, aliases in _OTHER
    )


def resolved(result: Interpretation) -> dict[str, int | None]:
    return {i.sku: i.quantity for i in result.items if i.status == "resolved" and i.sku is not None}


def test_village5_eval_set(parser: Parser, village5: CatalogIndex) -> None:
    pct, silent, failures = score(parser, village5, DATA / "village5_cases.jsonl")
    assert silent == 0, failures
    assert pct >= 95.0, failures


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # A count of eggs is loose eggs when they are sold loose as well as boxed.
        ("12 eieren", {"ei-los": 12}),
        ("a dozen eggs", {"ei-los": 12}),
        ("acht eieren", {"ei-los": 8}),
        # The size of the box chooses the box.
        ("een doosje van 4 eieren", {"ei-4": 1}),
        ("een doos met 12 eieren", {"ei-12": 1}),
        ("2 dozen eieren van 12", {"ei-12": 2}),
        ("a box of twelve eggs", {"ei-12": 1}),
        ("two boxes of 4 eggs", {"ei-4": 2}),
        # A container naming a multi-pack beats the single can, and the single can's
        # container beats the pack that holds it.
        ("een tray cola", {"cola-tray": 1}),
        ("6 blikjes cola", {"cola-blik": 6}),
        ("zes blikjes cola", {"cola-blik": 6}),
        ("2 boxes of 12 eggs", {"ei-12": 2}),
        ("een doos of 3 eieren", None),
        # An approximate weight per piece is what one piece weighs.
        ("2 lamsbouten", {"lam": 2}),
    ],
)
def test_packs_and_counts(
    parser: Parser, other: CatalogIndex, text: str, want: dict | None
) -> None:
    result = parser.parse(text, catalog=other)
    assert result.intent == "order"
    if want is None:
        # Dutch "een doos of 3" is about three boxes, not a box of three: which box is asked.
        assert resolved(result) == {}
        return
    assert resolved(result) == want
    assert not [i for i in result.items if i.status != "resolved"], result.items


@pytest.mark.parametrize(
    ("text", "want"),
    [
        # Speech splits compounds and numbers.
        ("twee krenten bollen", {"ban-krentenbol": 2}),
        ("half volle melk twee liter", {"zui-halfvolle-melk": 2}),
        ("een hut spot mix", {"gro-hutspot": 1}),
        ("twee honderd gram kipfilet", {"poe-kipfilet": 200}),
        ("honderd vijftig gram oude kaas", {"kaa-oud": 150}),
        ("twee honderd vijftig gram spritsen", {"ban-spritsen": 250}),
        ("een kalkoen filet van vijf honderd gram", {"poe-kalkoenfilet": 500}),
        # Dates and times are no amounts.
        ("Kunt u op 14 december 2 kilo mosselen bezorgen?", {"vis-mosselen": 2}),
        ("graag om 10 uur een hele kip", {"poe-hele-kip": 1}),
        ("om 10:30 graag 2 tompouces", {"ban-tompouce": 2}),
        # A product that is the modifier of the next word's product is part of it.
        ("a cream cake", {"ban-slagroomtaart": 1}),
        # "vergeet ... niet" orders.
        ("vergeet de karnemelk niet", {"zui-karnemelk": 1}),
    ],
)
def test_speech_dates_and_compounds(
    parser: Parser, village5: CatalogIndex, text: str, want: dict
) -> None:
    result = parser.parse(text, catalog=village5)
    assert result.intent == "order"
    assert resolved(result) == want
    assert not [i for i in result.items if i.status != "resolved"], result.items


def test_imperial_pints_are_asked(parser: Parser, village5: CatalogIndex) -> None:
    result = parser.parse("two pints of buttermilk", catalog=village5)
    assert resolved(result) == {}
    assert [i.candidates for i in result.items if i.status == "ambiguous"] == [("zui-karnemelk",)]


_HISTORY = [
    [{"sku": "ban-volkoren", "quantity": 1}, {"sku": "zui-halfvolle-melk", "quantity": 2}],
    [{"sku": "ban-volkoren", "quantity": 1}, {"sku": "zui-halfvolle-melk", "quantity": 2}],
]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("het gewone maar dan twee broden", {"ban-volkoren": 2, "zui-halfvolle-melk": 2}),
        ("the usual but two loaves instead of one", {"ban-volkoren": 2, "zui-halfvolle-melk": 2}),
        ("zoals altijd maar 3 liter melk", {"ban-volkoren": 1, "zui-halfvolle-melk": 3}),
        ("2 broden in plaats van 1 en verder het gewone", None),
        (
            "het gewone en een tompouce",
            {"ban-volkoren": 1, "zui-halfvolle-melk": 2, "ban-tompouce": 1},
        ),
    ],
)
def test_amounts_replace_the_usual(
    parser: Parser, village5: CatalogIndex, text: str, want: dict | None
) -> None:
    result = parser.parse(text, catalog=village5, history=_HISTORY)
    assert result.intent == "order"
    if want is not None:
        assert resolved(result) == want
    else:
        assert resolved(result).get("ban-volkoren") == 2


@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ("take the red wine off please", "sli-rood"),
        ("scrap the duck breasts", "poe-eendenborst"),
        ("cancel the crate of beer", "sli-krat"),
        ("streep de spruitjes maar door", "gro-spruitjes"),
        ("forget the mussels", "vis-mosselen"),
    ],
)
def test_removal_phrasings(parser: Parser, village5: CatalogIndex, text: str, sku: str) -> None:
    result = parser.parse(text, catalog=village5)
    assert result.intent == "remove"
    assert set(resolved(result)) == {sku}


@pytest.mark.parametrize("text", ["don't forget the mussels", "do not forget the mussels"])
def test_dont_forget_orders(parser: Parser, village5: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=village5)
    assert result.intent == "order"
    assert resolved(result) == {"vis-mosselen": 1}
