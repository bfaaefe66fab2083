"""A slip of a describing word the catalogue does not sell is no noise: "een halvolle melk"
where only Volle boerenmelk is sold asks, as "een halfvolle melk" does, and does not hand
over the full-fat milk. A slip reads as the word itself, in any catalogue: the product
where it is sold, unknown with the nearest products (note "modifier_unmatched") where not.
Words that are no slip of a describing word stay ignored beside a product."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu import CatalogIndex, Interpretation, Parser
from nlu._slips import inflected
from tests.nlu.conftest import DATA, entries_from_csv
from tests.nlu.test_nlu_eval_sets import SHARED_DEV

DIALOGUE = Path(__file__).resolve().parents[1] / "bot" / "dialogue"

# Catalogues: the nlu test villages and the dialogue tests' villages.
CATALOGS = {
    "village1": None,
    **{f"village{n}": DATA / f"village{n}_catalog.csv" for n in range(2, 7)},
    **{name: DIALOGUE / name / "catalog.csv" for name in ("werkhoven", "odijk", "vechten")},
    "dev": SHARED_DEV / "catalog.csv",
}

# (slip, the word it is a slip of, a thing it describes)
SLIPS = [
    ("halvolle", "halfvolle", "melk"),
    ("halfvole", "halfvolle", "melk"),
    ("halfolle", "halfvolle", "melk"),
    ("magre", "magere", "melk"),
    ("magerre", "magere", "kwark"),
    ("maagere", "magere", "yoghurt"),
    ("biologiese", "biologische", "melk"),
    ("biolgische", "biologische", "bananen"),
    ("bilogische", "biologische", "eieren"),
    ("gerokte", "gerookte", "zalm"),
    ("gerookde", "gerookte", "makreel"),
    ("geroookte", "gerookte", "paling"),
    ("volkorn", "volkoren", "brood"),
    ("volkoeren", "volkoren", "brood"),
    ("belegn", "belegen", "kaas"),
    ("beleegen", "belegen", "kaas"),
    ("jonhe", "jonge", "kaas"),
    ("zwatre", "zwarte", "olijven"),
]


@pytest.fixture(scope="module")
def catalogs(village1: CatalogIndex) -> dict[str, CatalogIndex]:
    out = {"village1": village1}
    for name, path in CATALOGS.items():
        if path is not None and path.exists():
            out[name] = CatalogIndex(entries_from_csv(path))
    return out


def _catalog(catalogs: dict[str, CatalogIndex], name: str) -> CatalogIndex:
    if name not in catalogs:
        pytest.skip(f"catalogue {name} not present")
    return catalogs[name]


def _items(result: Interpretation) -> list[tuple[str, str | None, frozenset[str], str | None]]:
    return [(i.status, i.sku, frozenset(i.candidates), i.note) for i in result.items]


@pytest.mark.parametrize("village", sorted(CATALOGS))
@pytest.mark.parametrize(("slip", "word", "noun"), SLIPS)
def test_a_slip_reads_as_the_describing_word(
    parser: Parser,
    catalogs: dict[str, CatalogIndex],
    village: str,
    slip: str,
    word: str,
    noun: str,
) -> None:
    catalog = _catalog(catalogs, village)
    got = parser.parse(f"een {slip} {noun}", catalog=catalog)
    want = parser.parse(f"een {word} {noun}", catalog=catalog)
    assert _items(got) == _items(want)
    assert [i.quantity for i in got.items] == [i.quantity for i in want.items]
    # The slip is part of what the item says: it was not dropped.
    assert any(slip in i.text for i in got.items) or not got.items


@pytest.mark.parametrize(
    ("village", "text", "sku"),
    [
        ("village5", "een halvolle melk", "zui-halfvolle-melk"),
        ("vechten", "een halfvole melk", "zui-halfvolle-melk"),
        ("dev", "twee halvolle melk", "zui-halfvolle-melk"),
        ("village1", "een halfolle melk", "zui-halfvolle-melk"),
        ("werkhoven", "een magre kwark", "zui-kwark"),
        ("village4", "een magerre kwark", "zui-kwark"),
        ("village5", "een magre kwark", "zui-kwark"),
        ("village6", "biologiese bananen", "nat-bananen"),
        ("village2", "gerokte makreel", "vis-makreel"),
        ("vechten", "een gerookde makreel", "vis-makreel"),
        ("village3", "gerokte paling", "vs-paling"),
        ("odijk", "een geroookte paling", "vs-paling"),
        ("werkhoven", "een volkoeren brood", "bak-volkoren"),
        ("village5", "een volkorn brood", "ban-volkoren"),
        ("village3", "een pond belegn kaas", "bio-kaas-belegen"),
        ("village6", "een ons beleegen kaas", "gei-kaas-belegen"),
    ],
)
def test_where_the_kind_is_sold_the_slip_names_it(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str, sku: str
) -> None:
    result = parser.parse(text, catalog=_catalog(catalogs, village))
    assert len(result.items) == 1
    item = result.items[0]
    assert item.status != "unknown"
    assert ((item.sku,) if item.status == "resolved" else item.candidates) == (sku,)


@pytest.mark.parametrize(
    ("village", "text", "among"),
    [
        ("werkhoven", "een halvolle melk", {"zui-melk"}),
        ("werkhoven", "2 halfvole melk", {"zui-melk"}),
        ("village4", "een halvolle melk", {"zui-melk"}),
        ("village2", "een halvolle melk", {"zl-melk"}),
        ("odijk", "een halfvole melk graag", {"bio-melk"}),
        ("village6", "een halvolle melk", {"gei-melk"}),
        ("village3", "een magre melk", {"bio-melk"}),
        ("dev", "een magre melk", {"zui-volle-melk", "zui-halfvolle-melk"}),
        ("werkhoven", "een biologiese melk", {"zui-melk"}),
        ("dev", "biolgische bananen", {"gro-bananen"}),
        ("village4", "een doos bilogische eieren", {"ei-scharrel"}),
        ("werkhoven", "gerokte zalm", {"vis-zalm"}),
        ("village5", "een gerookde zalm", {"vis-zalm"}),
        ("village3", "een volkorn brood", {"bk-tijger"}),
        ("village2", "een pond belegn kaas", {"del-jonge-kaas", "del-oude-kaas"}),
    ],
)
def test_where_the_kind_is_not_sold_the_slip_asks(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str, among: set[str]
) -> None:
    result = parser.parse(text, catalog=_catalog(catalogs, village))
    assert [i.status for i in result.items] == ["unknown"]
    item = result.items[0]
    assert item.note == "modifier_unmatched"
    assert among <= set(item.candidates)
    assert item.sku is None


@pytest.mark.parametrize(
    ("village", "text", "sku", "qty"),
    [
        ("village1", "2 gekke croissants", "bak-croissant", 2),
        ("dev", "2 gekke croissants", "bak-croissant", 2),
        ("werkhoven", "een xyzzy melk", "zui-melk", 1),
        ("village5", "3 lekkere verse krentenbollen", "ban-krentenbol", 3),
    ],
)
def test_words_that_are_no_slip_stay_ignored(
    parser: Parser,
    catalogs: dict[str, CatalogIndex],
    village: str,
    text: str,
    sku: str | None,
    qty: int,
) -> None:
    result = parser.parse(text, catalog=_catalog(catalogs, village))
    products = [i for i in result.items if i.status != "unknown"]
    assert len(products) == 1
    if sku is not None:
        assert sku in ((products[0].sku,) if products[0].sku else products[0].candidates)
    assert products[0].quantity == qty
    assert not any(i.note == "modifier_unmatched" for i in result.items)


@pytest.mark.parametrize(
    ("village", "text", "sku"),
    [
        # "gebeld" is one letter from "gepeld" (Hollandse garnalen gepeld): a slip alone
        # names nothing, nor after the words it cannot describe.
        (
            "village5",
            "ik heb gisteren met uw collega gebeld. Ik zou graag een bos rozen",
            "blo-rozen",
        ),
        ("vechten", "ik heb gebeld, een bos rozen graag", "blo-rozen"),
        ("werkhoven", "groet, een halvolle melk", None),
    ],
)
def test_a_slip_alone_names_nothing(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str, sku: str | None
) -> None:
    result = parser.parse(text, catalog=_catalog(catalogs, village))
    assert not any("gebeld" in i.text or "groet" in i.text for i in result.items)
    if sku is not None:
        assert [i.sku for i in result.items] == [sku]


@pytest.mark.parametrize(
    ("word", "form"),
    [
        ("mager", "magere"),
        ("vol", "volle"),
        ("halfvol", "halfvolle"),
        ("rood", "rode"),
        ("biologisch", "biologische"),
        ("gerookt", "gerookte"),
        ("jong", "jonge"),
        ("wit", "witte"),
        ("groen", "groene"),
        ("pittig", "pittige"),
        ("belegen", "belegen"),
        ("half", "halve"),
        ("pitloos", "pitloze"),
    ],
)
def test_inflected_forms(word: str, form: str) -> None:
    assert inflected(word) == form
