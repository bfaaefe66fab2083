"""Names, greetings, sign-offs and addresses are never products, whatever food a surname
sounds like ("de Vries", "Bakker", "Boterman", "Kaas"), in any catalogue."""

from __future__ import annotations

import pytest

from nlu import CatalogIndex, HistoryLine, Interpretation, Parser
from tests.nlu.conftest import DATA, entries_from_csv
from tests.nlu.test_nlu_eval_sets import SHARED_DEV

# Per catalogue: a short order of two pieces and the product it names.
ORDERS = {
    "village1": ("twee krentenbollen", "bak-krentenbol"),
    "village4": ("twee gevulde koeken", "bak-gevuldekoek"),
    "village5": ("twee tompouces", "ban-tompouce"),
    "dev": ("twee croissants", "bak-croissant"),
}
SURNAMES = [
    "de Vries",
    "van Dam",
    "Bakker",
    "Boterman",
    "de Boer",
    "Visser",
    "Kaas",
    "Appel",
    "Spek",
    "Melk",
    "de Haan",
    "Mulder",
    "Rozendaal",
    "Brood",
    "van der Ham",
]
PHRASINGS = [
    "goedemiddag, u spreekt met {name}. {order} graag",
    "Goedemorgen, met {name}. {order} alstublieft",
    "Met Piet {name}, {order}",
    "ik ben mevrouw {name}. {order} graag",
    "{order} graag. Groetjes, Ans {name}",
    "{order} graag, dank u wel, Kees {name}",
    "Hartelijke groet en {order}. Mvg, Jan {name}",
    "this is Mrs {name}, {order} please",
    "my name is Tom {name}, {order} please",
    "{order}. Thanks! Anna {name}",
]


@pytest.fixture(scope="module")
def catalogs(village1: CatalogIndex) -> dict[str, CatalogIndex]:
    out = {
        "village1": village1,
        "village4": CatalogIndex(entries_from_csv(DATA / "village4_catalog.csv")),
        "village5": CatalogIndex(entries_from_csv(DATA / "village5_catalog.csv")),
        "village2": CatalogIndex(entries_from_csv(DATA / "village2_catalog.csv")),
        "village3": CatalogIndex(entries_from_csv(DATA / "village3_catalog.csv")),
    }
    if SHARED_DEV.exists():
        out["dev"] = CatalogIndex(entries_from_csv(SHARED_DEV / "catalog.csv"))
    return out


def only(result: Interpretation) -> dict[str, int | None]:
    assert all(i.status == "resolved" for i in result.items), result.items
    return {i.sku: i.quantity for i in result.items if i.sku}


@pytest.mark.parametrize("village", sorted(ORDERS))
@pytest.mark.parametrize("phrasing", PHRASINGS)
@pytest.mark.parametrize("surname", SURNAMES)
def test_a_surname_is_no_product(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, phrasing: str, surname: str
) -> None:
    if village not in catalogs:
        pytest.skip("shared evaluation set not present")
    order, sku = ORDERS[village]
    text = phrasing.format(name=surname, order=order)
    result = parser.parse(text, catalog=catalogs[village])
    assert result.intent == "order"
    assert only(result) == {sku: 2}


@pytest.mark.parametrize(
    "text",
    [
        "u spreekt met de vries, het gewone graag",
        "goedemiddag u spreekt met de vries het gewone graag",
        "met mevrouw van dam. het gewone",
        "ik ben meneer de boer, zoals altijd graag",
        "this is mrs baker, the usual please",
    ],
)
def test_a_spoken_name_before_the_usual(
    parser: Parser, catalogs: dict[str, CatalogIndex], text: str
) -> None:
    history = [[HistoryLine("bak-gevuldekoek", 2)], [HistoryLine("bak-gevuldekoek", 2)]]
    result = parser.parse(text, catalog=catalogs["village4"], history=history)
    assert only(result) == {"bak-gevuldekoek": 2}
    assert result.used_usual


@pytest.mark.parametrize(
    "text",
    [
        "ik ben mevrouw van Dam",
        "ik ben de vries",
        "met de vries",
        "Met Piet Bakker",
        "hartelijke groet, Kees Visser",
        "mijn naam is Ans Boterman",
        "this is Mrs Baker",
    ],
)
@pytest.mark.parametrize("village", ["village1", "village4", "village5", "dev"])
def test_an_introduction_alone_orders_nothing(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str
) -> None:
    if village not in catalogs:
        pytest.skip("shared evaluation set not present")
    assert parser.parse(text, catalog=catalogs[village]).items == []


@pytest.mark.parametrize(
    "text", ["ik ben er morgen niet", "wij willen graag bestellen", "zon weer vandaag he"]
)
@pytest.mark.parametrize("village", ["village2", "village3", "village5", "dev"])
def test_a_common_word_that_stems_like_a_product_word_is_none(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str
) -> None:
    """ "ben" is a stem of "Beenham", "wij" of "wijn", "zon" of "zonnebloem": as the common
    words they are, they name nothing."""
    if village not in catalogs:
        pytest.skip("shared evaluation set not present")
    assert parser.parse(text, catalog=catalogs[village]).items == []


@pytest.mark.parametrize(
    ("text", "sku", "qty"),
    [
        ("ik ben krentebollen vergeten, doe er 2 bij", "bak-krentenbol", 2),
        ("met slagroom graag", None, None),
        ("ik ben 2 croissants vergeten", "bak-croissant", 2),
        ("met de appeltaart graag", "bak-appeltaart", 1),
    ],
)
def test_products_after_introduction_words_stay_products(
    parser: Parser, village1: CatalogIndex, text: str, sku: str | None, qty: int | None
) -> None:
    result = parser.parse(text, catalog=village1)
    if sku is None:
        return
    got = {i.sku: i.quantity for i in result.items if i.status == "resolved"}
    assert got.get(sku) == qty


@pytest.mark.parametrize(
    "text",
    [
        "ik ben 80 en woon op nummer 12, 2 croissants",
        "Kerkstraat 5a, 2 croissants graag",
        "2 croissants voor de Dorpsweg 14",
    ],
)
def test_addresses_are_no_amounts(parser: Parser, village1: CatalogIndex, text: str) -> None:
    got = {i.sku: i.quantity for i in parser.parse(text, catalog=village1).items}
    assert got == {"bak-croissant": 2}


@pytest.mark.parametrize(
    "name", ["Henk de Wit", "Ans van der Ham", "Piet de Vries", "Kees van Dam", "Jan de Boer"]
)
@pytest.mark.parametrize("village", ["village1", "village4", "village5", "dev"])
def test_a_name_with_a_surname_particle_is_a_name_anywhere(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, name: str
) -> None:
    index = _catalog_or_skip(catalogs, village)
    alone = parser.parse(name, catalog=index)
    assert (alone.intent, alone.items) == ("greet", [])
    order, sku = ORDERS[village]
    for text in (f"{name} hier, {order}", f"{order}. {name}", f"{name}: {order} graag"):
        result = parser.parse(text, catalog=index)
        assert only(result) == {sku: 2}, text


def _catalog_or_skip(catalogs: dict[str, CatalogIndex], village: str) -> CatalogIndex:
    if village not in catalogs:
        pytest.skip("shared evaluation set not present")
    return catalogs[village]


SIGN_OFFS = [
    "hartelijke groet, {first} {last}",
    "groetjes, {first}",
    "met vriendelijke groet, J. {last}",
    "Met vriendelijke groet,\n{first} {last}",
    "kind regards, {first} {last}",
    "thanks, {first}",
    "Groeten, {first} {last}",
    "mvg {first} {last}",
    "best wishes, Mrs {last}",
    "bedankt, groetjes {first}",
    "Liefs, {first}",
    "Cheers, {first}",
]


@pytest.mark.parametrize("village", ["village1", "village4", "village5", "village2", "dev"])
@pytest.mark.parametrize("phrasing", SIGN_OFFS)
@pytest.mark.parametrize(
    ("first", "last"),
    [("Kees", "Visser"), ("Ans", "de Boer"), ("Peter", "Brown"), ("Mary", "Bakker")],
)
def test_a_sign_off_alone_is_a_greeting(
    parser: Parser,
    catalogs: dict[str, CatalogIndex],
    village: str,
    phrasing: str,
    first: str,
    last: str,
) -> None:
    index = _catalog_or_skip(catalogs, village)
    result = parser.parse(phrasing.format(first=first, last=last), catalog=index)
    assert (result.intent, result.items) == ("greet", [])


@pytest.mark.parametrize("village", ["village1", "village4", "village5", "dev"])
@pytest.mark.parametrize(
    "text", ["groetjes", "met vriendelijke groet", "Hartelijke groeten!", "kind regards"]
)
def test_a_closing_formula_alone_is_a_greeting(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, text: str
) -> None:
    result = parser.parse(text, catalog=_catalog_or_skip(catalogs, village))
    assert (result.intent, result.items) == ("greet", [])


@pytest.mark.parametrize("village", ["village1", "village4", "village5", "dev"])
@pytest.mark.parametrize(
    "phrasing", ["groetjes, {order}", "Groeten, en {order} graag", "kind regards, {order} please"]
)
def test_a_sign_off_before_an_order_keeps_the_order(
    parser: Parser, catalogs: dict[str, CatalogIndex], village: str, phrasing: str
) -> None:
    index = _catalog_or_skip(catalogs, village)
    order, sku = ORDERS[village]
    result = parser.parse(phrasing.format(order=order), catalog=index)
    assert result.intent == "order"
    assert only(result) == {sku: 2}
