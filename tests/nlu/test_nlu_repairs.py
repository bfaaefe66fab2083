"""A repair of the resident's words that lands on another product asks instead of guessing:
a typo of a describing word goes to the product it is closest to, a container word from
another kind of product never picks that product, a count of slices is never a count of
packs, and history settles a choice only between products the words fit, never replacing
an amount the resident said."""

from __future__ import annotations

import pytest

from nlu import CatalogEntry, CatalogIndex, HistoryLine, Interpretation, Parser
from tests.nlu.conftest import DATA, entries_from_csv
from tests.nlu.test_nlu_eval_sets import SHARED_DEV

# Milks per catalogue: (volle, halfvolle).
MILK = {
    "village1": ("zui-volle-melk", "zui-halfvolle-melk"),
    "village5": ("zui-volle-melk", "zui-halfvolle-melk"),
    "dev": ("zui-volle-melk", "zui-halfvolle-melk"),
}


@pytest.fixture(scope="module")
def catalogs(village1: CatalogIndex) -> dict[str, CatalogIndex]:
    out = {
        "village1": village1,
        "village4": CatalogIndex(entries_from_csv(DATA / "village4_catalog.csv")),
        "village5": CatalogIndex(entries_from_csv(DATA / "village5_catalog.csv")),
    }
    if SHARED_DEV.exists():
        out["dev"] = CatalogIndex(entries_from_csv(SHARED_DEV / "catalog.csv"))
    return out


def _catalog(catalogs: dict[str, CatalogIndex], name: str) -> CatalogIndex:
    if name not in catalogs:
        pytest.skip("shared evaluation set not present")
    return catalogs[name]


def resolved(result: Interpretation) -> dict[str, int | None]:
    return {i.sku: i.quantity for i in result.items if i.status == "resolved" and i.sku}


def offered(result: Interpretation) -> set[str]:
    return {s for i in result.items for s in ([i.sku] if i.sku else list(i.candidates))}


@pytest.mark.parametrize("village", sorted(MILK))
@pytest.mark.parametrize(
    ("text", "qty"),
    [
        ("een halvolle melk", 1),
        ("een halfvole melk", 1),
        ("halvole melk graag", 1),
        ("2 halvolle melk", 2),
        ("twee halfvollle melk alstublieft", 2),
    ],
)
def test_a_typo_goes_to_the_closer_product_whatever_the_history(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str, qty: int
) -> None:
    volle, halfvolle = MILK[village]
    history = [[HistoryLine(volle, 2)], [HistoryLine(volle, 2)], [HistoryLine(volle, 2)]]
    result = parser.parse(text, catalog=_catalog(catalogs, village), history=history)
    assert volle not in resolved(result)
    got = resolved(result)
    if got:
        assert got == {halfvolle: qty}
    else:
        assert halfvolle in offered(result)


@pytest.mark.parametrize(
    ("village", "text", "sku"),
    [
        ("village5", "een ons jongge kaas", "kaa-jong"),
        ("village5", "een ons extra belegn kaas", "kaa-extrabelegen"),
        ("village4", "een ons extra belegn kaas", "kaa-extrabelegen"),
        ("village1", "een pond belegn kaas", "kaa-belegen"),
    ],
)
def test_a_typo_of_a_describing_word_is_read(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str, sku: str
) -> None:
    assert set(resolved(parser.parse(text, catalog=_catalog(catalogs, village)))) == {sku}


@pytest.mark.parametrize("village", ["village1", "village5", "dev"])
@pytest.mark.parametrize("text", ["een xyzzy melk", "een blablabla melk", "2 flurp melk"])
def test_history_does_not_choose_for_words_nothing_fits(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str
) -> None:
    volle, _ = MILK[village]
    history = [[HistoryLine(volle, 2)], [HistoryLine(volle, 2)]]
    result = parser.parse(text, catalog=_catalog(catalogs, village), history=history)
    assert not any(i.from_history for i in result.items)
    assert volle not in resolved(result)


@pytest.mark.parametrize(
    ("text", "sku", "qty"),
    [
        ("2 gekke croissants", "bak-croissant", 2),
        ("een xyzzy appeltaart", "bak-appeltaart", 1),
        ("3 lekkere verse krentenbollen", "bak-krentenbol", 3),
    ],
)
def test_an_amount_said_is_kept_past_words_that_name_nothing(
    parser: Parser, village1: CatalogIndex, text: str, sku: str, qty: int
) -> None:
    history = [[HistoryLine(sku, 5)], [HistoryLine(sku, 5)]]
    result = parser.parse(text, catalog=village1, history=history)
    assert resolved(result) == {sku: qty}


# Fruit sold in a punnet beside plants of the same fruit sold in a tray; and bread beside
# bread plants, to show it is no rule about strawberries.
_GARDEN = [
    ("gro-aardbeien", "Aardbeien (bakje 400 g)", "piece", "strawberries"),
    ("kwe-aardbeienplanten", "Aardbeienplanten (tray van 6)", "piece", ""),
    ("gro-tomaten", "Cherrytomaten (bakje 250 g)", "piece", ""),
    ("kwe-tomatenplanten", "Tomatenplanten (tray van 4)", "piece", ""),
    ("gro-sla", "Kropsla", "piece", ""),
    ("kwe-slaplantjes", "Slaplantjes (tray van 12)", "piece", ""),
]


@pytest.fixture(scope="module")
def garden() -> CatalogIndex:
    return CatalogIndex(
        CatalogEntry(sku, name, unit, "Winkel", tuple(a for a in al.split(";") if a), None)
        for sku, name, unit, al in _GARDEN
    )


@pytest.mark.parametrize(
    ("text", "sku", "qty"),
    [
        ("een bak aardbeien", "gro-aardbeien", 1),
        ("een bakje aardbeien", "gro-aardbeien", 1),
        ("2 bakken aardbeien", "gro-aardbeien", 2),
        ("a tray of strawberries", "gro-aardbeien", 1),
        ("een bak cherrytomaten", "gro-tomaten", 1),
        ("een tray aardbeienplanten", "kwe-aardbeienplanten", 1),
        ("een tray tomatenplanten", "kwe-tomatenplanten", 1),
    ],
)
def test_a_container_word_picks_no_product_of_another_kind(
    parser: Parser, garden: CatalogIndex, text: str, sku: str, qty: int
) -> None:
    assert resolved(parser.parse(text, catalog=garden)) == {sku: qty}


def test_a_crate_still_picks_the_crate(parser: Parser, catalogs: dict[str, CatalogIndex]) -> None:
    village5 = catalogs["village5"]
    for text in ("een krat bier", "a crate of beer", "2 kratten bier"):
        assert set(resolved(parser.parse(text, catalog=village5))) == {"sli-krat"}


_SLICES = [
    ("kaa-plakken", "Jong belegen kaas plakken (250 g)", "piece", "kaasplakken"),
    ("kaa-belegen", "Goudse kaas belegen", "kg", ""),
    ("sla-ham", "Achterham (150 g)", "piece", ""),
    ("bak-ontbijtkoek", "Ontbijtkoek", "piece", ""),
    ("bak-cake-plak", "Plak cake", "piece", ""),
]


@pytest.fixture(scope="module")
def slices() -> CatalogIndex:
    return CatalogIndex(
        CatalogEntry(sku, name, unit, "Winkel", tuple(a for a in al.split(";") if a), None)
        for sku, name, unit, al in _SLICES
    )


@pytest.mark.parametrize(
    "text",
    [
        "3 plakjes kaas",
        "3 plakken kaas",
        "4 plakjes belegen kaas",
        "3 slices of cheese",
        "3 plakjes ham",
        "twee plakjes achterham",
        "3 plakjes ontbijtkoek",
    ],
)
def test_a_count_of_slices_is_asked_never_packs(
    parser: Parser, slices: CatalogIndex, text: str
) -> None:
    result = parser.parse(text, catalog=slices)
    assert resolved(result) == {}
    assert result.items  # asked about (or not sold), never dropped


@pytest.mark.parametrize("text", ["3 plakjes ham", "2 plakjes ontbijtspek", "een plak ontbijtkoek"])
def test_slices_in_another_village(
    parser: Parser, catalogs: dict[str, CatalogIndex], text: str
) -> None:
    assert resolved(parser.parse(text, catalog=catalogs["village4"])) == {}


@pytest.mark.parametrize(
    ("text", "sku", "qty"),
    [
        ("2 pakjes kaasplakken", "kaa-plakken", 2),
        ("2 kaasplakken", "kaa-plakken", 2),
        ("2 pakjes achterham", "sla-ham", 2),
        ("3 plakken cake", "bak-cake-plak", 3),
    ],
)
def test_packs_and_products_sold_by_the_slice_are_counted(
    parser: Parser, slices: CatalogIndex, text: str, sku: str, qty: int
) -> None:
    assert resolved(parser.parse(text, catalog=slices)) == {sku: qty}
