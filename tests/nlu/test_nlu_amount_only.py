"""An amount that names no product: more of the last thing, or a new amount for it.

The dialogue applies such an amount to the line the resident added last; the parser says
whether it adds ("doe er nog 2 bij") or sets ("eigenlijk maar 3"), and never reads the
surrounding words as products.
"""

from __future__ import annotations

import pytest

from nlu import CatalogIndex, Parser
from tests.nlu.conftest import DATA, entries_from_csv, entries_village1

CATALOGUES = {
    "village1": lambda: CatalogIndex(entries_village1()),
    "village4": lambda: CatalogIndex(entries_from_csv(DATA / "village4_catalog.csv")),
    "village6": lambda: CatalogIndex(entries_from_csv(DATA / "village6_catalog.csv")),
}

ADDING = [
    "doe er nog 2 bij",
    "doe er nog een bij",
    "nog 2 erbij",
    "nog twee erbij graag",
    "2 more please",
    "one more",
    "add two more",
]
SETTING = [
    "eigenlijk maar 3",
    "eigenlijk 3",
    "only 2 please",
    "just one please",
    "doe maar 2",
    "maak er 4 van",
    "make it 3",
]


@pytest.mark.parametrize("catalogue", list(CATALOGUES))
@pytest.mark.parametrize("text", ADDING)
def test_more_of_the_last_thing_adds(parser: Parser, catalogue: str, text: str) -> None:
    meaning = parser.parse(text, catalog=CATALOGUES[catalogue]())
    assert meaning.items == []
    assert meaning.has_amount and meaning.adding and not meaning.correction


@pytest.mark.parametrize("catalogue", list(CATALOGUES))
@pytest.mark.parametrize("text", SETTING)
def test_a_new_amount_for_the_last_thing_sets(parser: Parser, catalogue: str, text: str) -> None:
    meaning = parser.parse(text, catalog=CATALOGUES[catalogue]())
    assert meaning.items == []
    assert meaning.has_amount and meaning.correction and not meaning.adding


@pytest.mark.parametrize("text", ["2 croissants", "een appeltaart", "3 krentenbollen"])
def test_an_amount_with_its_product_is_neither(parser: Parser, text: str) -> None:
    meaning = parser.parse(text, catalog=CATALOGUES["village1"]())
    assert meaning.items and not meaning.adding and not meaning.correction
