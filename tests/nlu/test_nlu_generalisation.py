"""General behaviours found with a third, independently written village (village3): pack
sizes read from names, compounds, vague amounts, phrasings, guards, language, gibberish."""

from __future__ import annotations

import pytest

from nlu import CatalogEntry, CatalogIndex, HistoryLine, Interpretation, Parser
from nlu._index import Pack, parse_pack
from nlu._resources import get_resources
from tests.nlu.conftest import DATA, entries_from_csv
from tests.nlu.test_nlu_eval_sets import score


@pytest.fixture(scope="module")
def village3() -> CatalogIndex:
    return CatalogIndex(entries_from_csv(DATA / "village3_catalog.csv"))


def resolved(result: Interpretation) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for item in result.items:
        if item.status == "resolved" and item.sku is not None:
            out[item.sku] = item.quantity
    return out


def statuses(result: Interpretation) -> list[str]:
    return [i.status for i in result.items]


HISTORY = [
    [{"sku": "bk-desem", "quantity": 1}, {"sku": "pl-eieren", "quantity": 1}],
    [{"sku": "bk-desem", "quantity": 1}, {"sku": "vs-kibbeling", "quantity": 500}],
    [{"sku": "bk-desem", "quantity": 2}, {"sku": "pl-eieren", "quantity": 1}],
]


def test_village3_eval_set(parser: Parser, village3: CatalogIndex) -> None:
    pct, silent, failures = score(parser, village3, DATA / "village3_cases.jsonl")
    assert silent == 0, failures
    assert pct >= 95.0, failures


@pytest.mark.parametrize(
    ("name", "pack"),
    [
        ("Pistolets (per 4)", Pack("count", 4.0)),
        ("Kippenpoten (per 6)", Pack("count", 6.0)),
        ("Erwtensoep (literpak)", Pack("volume", 1000.0)),
        ("Halve liter karnemelk", Pack("volume", 500.0)),
        ("Geitenmelk (fles 0,5 l)", Pack("volume", 500.0)),
        ("Zeeuwse mosselen (zak 2 kg)", Pack("mass", 2000.0)),
        ("Medjoul dadels (doos van 12)", Pack("count", 12.0)),
        ("Appels per kilo", None),
        ("Lasagne (2 personen)", None),
        ("Pondkoek", None),
    ],
)
def test_pack_sizes_from_names(name: str, pack: Pack | None) -> None:
    assert parse_pack(name) == pack


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("8 pistolets", {"bk-pistolets": 2}),
        ("6 drumsticks", {"pl-drumsticks": 1}),
        ("2 liter boerenmelk", {"bio-melk": 2}),
        ("een liter geitenmelk", {"bio-geitenmelk": 2}),
        ("a litre of pea soup", {"tr-erwtensoep": 1}),
        ("4 kilo mosselen", {"vs-mosselen": 2}),
        ("vierentwintig dadels", {"nb-dadels": 2}),
    ],
)
def test_amounts_in_packs_named_without_digits_or_per(
    parser: Parser, village3: CatalogIndex, text: str, want: dict[str, int]
) -> None:
    assert resolved(parser.parse(text, catalog=village3)) == want


@pytest.mark.parametrize("text", ["3 pistolets", "6 eieren"])
def test_counts_that_do_not_fill_whole_packs_are_asked(
    parser: Parser, village3: CatalogIndex, text: str
) -> None:
    result = parser.parse(text, catalog=village3)
    assert statuses(result) == ["ambiguous"]
    assert result.items[0].note == "not_divisible"


def test_pack_description_in_a_name_does_not_make_a_match_partial(
    parser: Parser, village3: CatalogIndex
) -> None:
    # "Rosé (fles 0,75 l)" is exactly "rosé"; the roses' alias "rozen" folds alike.
    assert resolved(parser.parse("rosé", catalog=village3)) == {"sl-rose": 1}
    result = parser.parse("toch maar geen rosé", catalog=village3)
    assert result.intent == "remove"
    assert resolved(result) == {"sl-rose": None}


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("3 haringen", {"vs-maatjes": 3}),
        ("3 maatjes haring", {"vs-maatjes": 3}),
        ("roggebrood", {"bk-rogge": 1}),
    ],
)
def test_compound_with_an_unlisted_modifier_is_its_head(
    parser: Parser, village3: CatalogIndex, text: str, want: dict[str, int]
) -> None:
    assert resolved(parser.parse(text, catalog=village3)) == want


def test_generic_word_offers_compounds_and_implied_kinds(
    parser: Parser, village3: CatalogIndex
) -> None:
    result = parser.parse("een brood", catalog=village3)
    assert statuses(result) == ["ambiguous"]
    assert set(result.items[0].candidates) >= {
        "bk-desem",
        "bk-mais",
        "bk-tijger",
        "bk-waldkorn",
        "bk-rogge",
    }
    result = parser.parse("2 stamppotten", catalog=village3)
    assert set(result.items[0].candidates) >= {"tr-boerenkool", "tr-zuurkool"}


def test_opaque_compound_is_not_its_head(parser: Parser) -> None:
    index = CatalogIndex([CatalogEntry("sh", "Studentenhaver", "kg", "Noten")])
    result = parser.parse("een pak haver", catalog=index)
    assert resolved(result) == {}
    assert "sh" not in {c for i in result.items for c in i.candidates}


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            "Boodschappen:\n1. Maisbrood\n2. Appelflap\n3. Pompoen",
            {"bk-mais": 1, "bk-appelflap": 1, "bio-pompoen": 1},
        ),
        ("1) desembrood\n2) 4 appelflappen", {"bk-desem": 1, "bk-appelflap": 4}),
        (
            "zalmmoot x2\nkibbeling 500gr\ngarnalen",
            {"vs-zalmmoot": 2, "vs-kibbeling": 500, "vs-garnalen": 1},
        ),
        ("2 desembroden\n3 appelflappen", {"bk-desem": 2, "bk-appelflap": 3}),
    ],
)
def test_list_layouts(
    parser: Parser, village3: CatalogIndex, text: str, want: dict[str, int]
) -> None:
    result = parser.parse(text, catalog=village3)
    assert resolved(result) == want
    assert "unknown" not in statuses(result)


@pytest.mark.parametrize(
    "text", ["een paar appelflappen", "a few appelflappen", "enkele appelflappen"]
)
def test_a_few_is_asked_not_one(parser: Parser, village3: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=village3)
    assert resolved(result) == {}
    assert result.items[0].candidates == ("bk-appelflap",)
    assert result.items[0].note == "vague_amount"


def test_some_of_a_piece_good_is_one(parser: Parser, village3: CatalogIndex) -> None:
    assert resolved(parser.parse("some apple juice", catalog=village3)) == {"bio-appelsap": 1}


@pytest.mark.parametrize(
    "text",
    ["as always", "het gebruikelijke", "zoals anders", "same as usual", "mijn gebruikelijke"],
)
def test_usual_phrasings(parser: Parser, village3: CatalogIndex, text: str) -> None:
    history = [[_line(x) for x in order] for order in HISTORY]
    result = parser.parse(text, catalog=village3, history=history)
    assert result.intent == "order" and result.used_usual
    assert resolved(result) == {"bk-desem": 1, "pl-eieren": 1}


@pytest.mark.parametrize(
    "text",
    ["hetzelfde als de laatste keer", "same as my last order", "herhaal mijn vorige bestelling"],
)
def test_last_order_phrasings(parser: Parser, village3: CatalogIndex, text: str) -> None:
    history = [[_line(x) for x in order] for order in HISTORY]
    result = parser.parse(text, catalog=village3, history=history)
    assert result.used_last
    assert resolved(result) == {"bk-desem": 2, "pl-eieren": 1}


def _line(x: dict[str, object]) -> object:
    from nlu import HistoryLine

    return HistoryLine(str(x["sku"]), int(str(x["quantity"])))


@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ("doe de zalmmoten er maar af", "vs-zalmmoot"),
        ("de lasagne mag eraf", "tr-lasagne"),
        ("laat de eieren maar weg", "pl-eieren"),
        ("please remove the walnuts", "nb-walnoten"),
    ],
)
def test_removal_phrasings(parser: Parser, village3: CatalogIndex, text: str, sku: str) -> None:
    result = parser.parse(text, catalog=village3)
    assert result.intent == "remove"
    assert set(resolved(result)) == {sku}


def test_greeting_around_an_order_is_an_order(parser: Parser, village3: CatalogIndex) -> None:
    text = "Goedemiddag! Zou ik morgen een hele kip kunnen krijgen? Groetjes, Annie 😊"
    result = parser.parse(text, catalog=village3)
    assert result.intent == "order"
    assert resolved(result) == {"pl-kip": 1}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("kunt u mij helpen", "help"),
        ("dat klopt niet helemaal", "deny"),
        ("klopt helemaal", "confirm"),
    ],
)
def test_intent_words_are_not_corrected_into_products(
    parser: Parser, village3: CatalogIndex, text: str, intent: str
) -> None:
    # "helpen" is close to "hele" (of "Hele kip"), but a describing word is no typo target.
    result = parser.parse(text, catalog=village3)
    assert result.intent == intent
    assert resolved(result) == {}


@pytest.mark.parametrize("text", ["een rode kool", "melkchocolade", "een pot pindakaas"])
def test_things_not_sold_are_unknown_not_near_misses(
    parser: Parser, village3: CatalogIndex, text: str
) -> None:
    result = parser.parse(text, catalog=village3)
    assert result.intent == "order"
    assert statuses(result) == ["unknown"]


def test_adjective_and_noun_from_different_names_of_one_product(parser: Parser) -> None:
    index = CatalogIndex(
        [
            CatalogEntry("bol", "Witte bolletjes (zak van 6)", "piece", "Bakker", ("broodjes",)),
            CatalogEntry("wit", "Wit casinobrood", "piece", "Bakker"),
            CatalogEntry("taart", "Rode appeltaart", "piece", "Bakker"),
        ]
    )
    assert resolved(parser.parse("witte broodjes", catalog=index)) == {"bol": 1}
    # A noun that only meets a compound's modifier does not combine: no apples for sale.
    assert resolved(parser.parse("rode appels", catalog=index)) == {}


def test_word_lists_keep_yes_and_no() -> None:
    # YAML 1.1 reads a bare yes/no as a boolean; the word lists must keep the words.
    res = get_resources()
    assert "no" in res.negations
    assert "yes" in res.lang_en
    assert "true" not in res.stopwords and "false" not in res.stopwords


@pytest.mark.parametrize(
    "text",
    [
        "2 kilo aardappelen",
        "een ons kaas",
        "kibbeling",
        "waldkorn",
        "2 merlot",
        "een kilo of 2 aardappelen",
        "drieëntwintig appelflappen",
        "spruitjes 1 kg",
    ],
)
def test_dutch_orders_are_dutch(parser: Parser, village3: CatalogIndex, text: str) -> None:
    assert parser.parse(text, catalog=village3).language == "nl"


@pytest.mark.parametrize(
    "text",
    [
        "6 eggs",
        "strawberries",
        "two desembrood and a waldkorn please",
        "a pumpkin and a bag of onions",
        "chicken wings",
        "yes please",
    ],
)
def test_english_messages_are_english(parser: Parser, village3: CatalogIndex, text: str) -> None:
    assert parser.parse(text, catalog=village3).language == "en"


@pytest.mark.parametrize(
    "text", ["blablabla", "qwerty", "asdf", "asdfgh jkl", "xyz", "lorem ipsum"]
)
def test_gibberish_is_never_a_confident_answer(
    parser: Parser, village3: CatalogIndex, text: str
) -> None:
    result = parser.parse(text, catalog=village3)
    if result.intent in ("confirm", "deny", "cancel"):
        assert result.confidence < 0.5
    elif result.intent == "order":
        assert not resolved(result)
    assert result.confidence < 0.5 or "unknown" in statuses(result)


@pytest.mark.parametrize(
    ("text", "history", "sku", "quantity"),
    [
        # Boxes of 6 cannot make 4 eggs: the loose egg is the only product that fits, even
        # for someone who usually buys boxes.
        ("4 eieren", [[HistoryLine("ei-doos6", 1)]] * 2, "ei-los", 4),
        ("4 eieren", [], "ei-los", 4),
    ],
)
def test_an_amount_settles_which_product_fits(
    parser: Parser, text: str, history: list[list[HistoryLine]], sku: str, quantity: int
) -> None:
    eggs = CatalogIndex(
        [
            CatalogEntry(sku="ei-los", name="Scharrelei (los)", unit="piece", shop="Kip"),
            CatalogEntry(
                sku="ei-doos6", name="Scharreleieren (doos van 6)", unit="piece", shop="Kip"
            ),
            CatalogEntry(
                sku="ei-bio6", name="Biologische eieren (doos van 6)", unit="piece", shop="Kip"
            ),
        ]
    )
    [item] = parser.parse(text, catalog=eggs, history=history).items
    assert (item.status, item.sku, item.quantity) == ("resolved", sku, quantity)
