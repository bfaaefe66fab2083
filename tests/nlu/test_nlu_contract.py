"""The contract the dialogue relies on: an opening yes or no, closing phrases, corrections,
whether an amount is stated, questions about prices, stock and a shop's goods, and the
amount an answer gives for one known product. Each behaviour over several phrasings,
products and catalogues."""

from __future__ import annotations

import pytest

from nlu import CatalogEntry, CatalogIndex, HistoryLine, Interpretation, Parser
from tests.nlu.conftest import DATA, entries_from_csv
from tests.nlu.test_nlu_eval_sets import SHARED_DEV


@pytest.fixture(scope="module")
def village4() -> CatalogIndex:
    return CatalogIndex(entries_from_csv(DATA / "village4_catalog.csv"))


@pytest.fixture(scope="module")
def village5() -> CatalogIndex:
    return CatalogIndex(entries_from_csv(DATA / "village5_catalog.csv"))


@pytest.fixture(scope="module")
def dev() -> CatalogIndex:
    if not SHARED_DEV.exists():
        pytest.skip("shared evaluation set not present")
    return CatalogIndex(entries_from_csv(SHARED_DEV / "catalog.csv"))


@pytest.fixture(params=["village1", "village4", "village5", "dev"])
def catalog(request: pytest.FixtureRequest) -> CatalogIndex:
    index: CatalogIndex = request.getfixturevalue(request.param)
    return index


def resolved(result: Interpretation) -> dict[str, int | None]:
    return {i.sku: i.quantity for i in result.items if i.status == "resolved" and i.sku}


# -- 1. an opening yes or no ----------------------------------------------------------------

YES = [
    "ja",
    "ja hoor",
    "ja graag",
    "jazeker",
    "klopt",
    "akkoord",
    "prima",
    "oké",
    "ok",
    "yes",
    "yes please",
    "yep",
    "correct",
    "that's right",
    "Ja!",
    "ja ja",
    "jawel hoor",
    "JA, klopt",
    "j",
    "Y",
]
NO = ["nee", "nee hoor", "neen", "no", "no thanks", "nope", "Nee.", "nee nee", "n", "N."]


@pytest.mark.parametrize("text", YES)
def test_a_bare_yes_confirms(parser: Parser, catalog: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=catalog)
    assert (result.answer, result.intent, result.items) == ("yes", "confirm", [])


@pytest.mark.parametrize("text", NO)
def test_a_bare_no_denies(parser: Parser, catalog: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=catalog)
    assert (result.answer, result.intent, result.items) == ("no", "deny", [])


@pytest.mark.parametrize(
    ("text", "answer", "sku", "qty"),
    [
        ("ja, en ook een rookworst", "yes", "sla-rookworst", 1),
        ("ja graag, en 2 croissants", "yes", "bak-croissant", 2),
        ("yes, and a Krentenbol please", "yes", "bak-krentenbol", 1),
        ("ok, doe er ook een appeltaart bij", "yes", "bak-appeltaart", 1),
        ("nee, 6 croissants", "no", "bak-croissant", 6),
        ("nee 3 krentenbollen", "no", "bak-krentenbol", 3),
        ("no, 2 rookworsten", "no", "sla-rookworst", 2),
    ],
)
def test_the_rest_of_an_answered_message_is_read(
    parser: Parser, village1: CatalogIndex, text: str, answer: str, sku: str, qty: int
) -> None:
    result = parser.parse(text, catalog=village1)
    assert result.answer == answer
    assert result.intent == "order"
    assert resolved(result) == {sku: qty}


@pytest.mark.parametrize(
    "text", ["no onions please", "no milk this week", "nee, geen uien", "'n paar uien"]
)
def test_a_negation_before_a_product_is_no_answer_to_order(
    parser: Parser, village1: CatalogIndex, text: str
) -> None:
    result = parser.parse(text, catalog=village1)
    assert result.intent in ("remove", "order")
    assert not resolved(result) or all(i.quantity is None for i in result.items)


@pytest.mark.parametrize(
    "text", ["ja maar wacht even", "yes but wait", "ja maar nog niet versturen"]
)
def test_a_yes_taken_back_is_no_yes(parser: Parser, catalog: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=catalog)
    assert result.answer is None
    assert result.intent == "deny"


# -- closing phrases --------------------------------------------------------------------------

CLOSING = [
    "dat was alles, dank u",
    "dat was alles",
    "that's all, thanks",
    "that's everything, cheers",
    "nee, verder niets",
    "nee dat was alles",
    "is dat alles?",
    "nothing else",
    "nee hoor, dat was het",
    "nee, niks meer",
    "verder niks, bedankt",
    "no, that's it",
    "that will be all",
    "Dat is alles voor deze week.",
    "dat is het",
    "ja, dat was alles",
    "yes that's all",
    "nope, that's it",
]


@pytest.mark.parametrize("text", CLOSING)
def test_closing_phrases_close_and_are_no_answer(
    parser: Parser, catalog: CatalogIndex, text: str
) -> None:
    result = parser.parse(text, catalog=catalog)
    assert result.intent == "close"
    assert result.answer is None
    assert result.items == []


def test_the_usual_after_dat_is_is_no_closing(parser: Parser, village1: CatalogIndex) -> None:
    history = [[HistoryLine("bak-croissant", 2)], [HistoryLine("bak-croissant", 2)]]
    result = parser.parse("dat is het gewone graag", catalog=village1, history=history)
    assert result.intent == "order"
    assert resolved(result) == {"bak-croissant": 2}


@pytest.mark.parametrize(
    "text", ["stop maar, ik wil niks meer", "ik hoef niks meer", "cancel my order"]
)
def test_wanting_nothing_more_still_cancels(
    parser: Parser, catalog: CatalogIndex, text: str
) -> None:
    assert parser.parse(text, catalog=catalog).intent == "cancel"


# -- 3. corrections ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "doe maar 2",
        "doe er maar 2",
        "maak er 3 van",
        "make it 3",
        "liever 3",
        "toch maar 2",
        "maak het maar 500 gram",
        "make it two",
        "doe maar twee",
        "maak er maar vier van",
    ],
)
def test_a_correction_without_a_product(parser: Parser, catalog: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=catalog)
    assert result.correction
    assert result.has_amount
    assert result.items == []
    assert result.intent == "order"


@pytest.mark.parametrize(
    ("text", "sku", "qty"),
    [
        ("nee, 6 croissants", "bak-croissant", 6),
        ("doe maar 2 croissants", "bak-croissant", 2),
        ("actually 6 croissants", "bak-croissant", 6),
        ("change the rookworst to 2", "sla-rookworst", 2),
        ("not 4 but 6 croissants", "bak-croissant", 6),
        ("niet 4 maar 6 krentenbollen", "bak-krentenbol", 6),
        ("maak er 3 krentenbollen van", "bak-krentenbol", 3),
        ("liever 2 appeltaarten", "bak-appeltaart", 2),
        ("toch maar 500 gram rundergehakt", "sla-gehakt", 500),
    ],
)
def test_a_correction_naming_a_product_carries_the_new_amount(
    parser: Parser, village1: CatalogIndex, text: str, sku: str, qty: int
) -> None:
    result = parser.parse(text, catalog=village1)
    assert result.correction
    assert resolved(result) == {sku: qty}


@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ("doe maar 4 gevulde koeken", "bak-gevuldekoek"),
        ("nee, 2 kersenvlaaien", "bak-kersenvlaai"),
        ("make it 3 braadworsten", "sla-braadworst"),
    ],
)
def test_corrections_in_another_village(
    parser: Parser, village4: CatalogIndex, text: str, sku: str
) -> None:
    result = parser.parse(text, catalog=village4)
    assert result.correction
    assert set(resolved(result)) == {sku}


@pytest.mark.parametrize(
    "text",
    [
        "doe maar nog een krentenbol",
        "ja, en ook 2 croissants",
        "2 croissants",
        "doe maar",
        "een appeltaart erbij",
        "nee",
    ],
)
def test_adding_is_no_correction(parser: Parser, village1: CatalogIndex, text: str) -> None:
    assert not parser.parse(text, catalog=village1).correction


# -- 4. has_amount ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2",
        "twee",
        "een ons",
        "een pond graag",
        "300 gram",
        "anderhalve kilo",
        "2 liter",
        "a dozen",
        "half a pound",
        "drie stuks",
        "make it 3",
        "een doos",
    ],
)
def test_an_amount_is_stated(parser: Parser, catalog: CatalogIndex, text: str) -> None:
    assert parser.parse(text, catalog=catalog).has_amount


@pytest.mark.parametrize(
    "text",
    [
        "ja",
        "de oude",
        "welke heeft u?",
        "een paar",
        "om 10 uur graag",
        "ik woon op nummer 12",
        "op 14 december",
        "dat was alles",
    ],
)
def test_no_amount_is_stated(parser: Parser, catalog: CatalogIndex, text: str) -> None:
    assert not parser.parse(text, catalog=catalog).has_amount


# -- 2. questions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "skus"),
    [
        ("wat kost de rookworst?", {"sla-rookworst"}),
        ("hoeveel kosten de croissants", {"bak-croissant"}),
        ("what's the price of the appeltaart", {"bak-appeltaart"}),
        ("how much are the krentenbollen?", {"bak-krentenbol"}),
        ("wat is de prijs van karnemelk", {"zui-karnemelk"}),
        ("hoe duur is de biefstuk?", {"sla-biefstuk"}),
    ],
)
def test_price_questions_name_their_products(
    parser: Parser, village1: CatalogIndex, text: str, skus: set[str]
) -> None:
    result = parser.parse(text, catalog=village1)
    assert result.intent == "price_question"
    named = {s for i in result.items for s in ([i.sku] if i.sku else i.candidates)}
    assert skus <= named


@pytest.mark.parametrize(
    "text", ["wat kost de kaas?", "how much is the cheese", "hoeveel kost een pond kaas"]
)
def test_price_questions_keep_open_choices(
    parser: Parser, catalog: CatalogIndex, text: str
) -> None:
    result = parser.parse(text, catalog=catalog)
    assert result.intent == "price_question"
    assert result.items


@pytest.mark.parametrize(
    "text",
    [
        "heeft u ook speltbrood?",
        "hebben jullie nog kersenvlaai",
        "do you have leeks?",
        "is er nog rookworst?",
        "verkoopt u ook rabarber?",
        "do you sell asparagus?",
    ],
)
def test_availability_questions(parser: Parser, village4: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=village4)
    assert result.intent == "availability_question"
    assert result.items  # sold, asked about, or named as not sold


@pytest.mark.parametrize(
    "text", ["heeft u 2 broden voor mij", "hebben jullie 3 croissants voor me?"]
)
def test_a_stated_amount_makes_an_availability_phrase_an_order(
    parser: Parser, village1: CatalogIndex, text: str
) -> None:
    assert parser.parse(text, catalog=village1).intent == "order"


SHOP_QUESTIONS = [
    ("wat heeft de bakker?", ("bak", "ban")),
    ("wat verkoopt de slager", ("sla",)),
    ("what does the butcher sell?", ("sla",)),
    ("what does the baker have", ("bak", "ban")),
    ("wat heeft de visboer vandaag", ("vis",)),
    ("welke bloemen heeft de bloemist?", ("kwe", "blo")),
]


@pytest.mark.parametrize(("text", "prefixes"), SHOP_QUESTIONS)
@pytest.mark.parametrize("name", ["village4", "village5", "dev"])
def test_browse_a_shop_by_its_trade(
    parser: Parser, request: pytest.FixtureRequest, name: str, text: str, prefixes: tuple[str, ...]
) -> None:
    index: CatalogIndex = request.getfixturevalue(name)
    result = parser.parse(text, catalog=index)
    sold = {e.sku.split("-")[0] for e in index if e.shop == result.shop}
    shops = {e.shop for e in index if e.sku.split("-")[0] in prefixes}
    if not shops:
        pytest.skip("this village has no such shop")
    assert result.intent == "browse"
    assert result.shop in shops, sold
    assert result.items == []


@pytest.mark.parametrize(
    "text",
    [
        "welke kazen heeft u?",
        "what cheese do you have?",
        "wat voor kaas is er",
        "which cheeses are there",
    ],
)
def test_browse_a_category(parser: Parser, catalog: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=catalog)
    assert result.intent == "browse"
    assert result.category == "kaas"
    assert result.shop is None
    assert result.items == []


def test_browse_a_shop_by_its_own_name(parser: Parser, village4: CatalogIndex) -> None:
    result = parser.parse("wat heeft Hendriks allemaal?", catalog=village4)
    assert (result.intent, result.shop) == ("browse", "Warme Bakker Hendriks")


@pytest.mark.parametrize(
    "text", ["what have I got so far", "wat heb ik besteld", "wat kost het bij elkaar", "cheers"]
)
def test_basket_questions_are_no_browsing(parser: Parser, catalog: CatalogIndex, text: str) -> None:
    assert parser.parse(text, catalog=catalog).intent not in ("browse", "price_question", "close")


# -- 5. read_amount ---------------------------------------------------------------------------


def _entry(index: CatalogIndex, sku: str) -> CatalogEntry:
    entry = index.get(sku)
    assert entry is not None
    return entry


@pytest.mark.parametrize(
    ("sku", "text", "qty"),
    [
        ("bak-croissant", "2", 2),
        ("bak-croissant", "twee", 2),
        ("bak-croissant", "doe maar 2", 2),
        ("bak-croissant", "maak er 3 van", 3),
        ("bak-croissant", "een", 1),
        ("bak-croissant", "3 croissants graag", 3),
        ("sla-gehakt", "een pond", 500),
        ("sla-gehakt", "300 gram", 300),
        ("sla-gehakt", "anderhalve kilo", 1500),
        ("sla-gehakt", "2 ons", 200),
        ("sla-gehakt", "make it 500 grams", 500),
        ("sla-gehakt", "een pond gehakt graag", 500),
        ("kaa-oud", "een half pond", 250),
        ("zui-volle-melk", "2 liter", 2),
        ("zui-volle-melk", "2", 2),
        ("ei-doos10", "een doos van 10", 1),
        ("ei-doos10", "twee", 2),
        ("ei-doos10", "20 eieren", 2),
        ("bak-croissant", "een half dozijn", 6),
        ("bak-croissant", "half a dozen", 6),
        ("bak-croissant", "nee, 2", 2),
        ("bak-croissant", "niet 4 maar 6", 6),
        ("bak-croissant", "6 in plaats van 4", 6),
        ("bak-croissant", "drie alstublieft", 3),
    ],
)
def test_read_amount(parser: Parser, village1: CatalogIndex, sku: str, text: str, qty: int) -> None:
    assert parser.read_amount(text, entry=_entry(village1, sku)) == qty


@pytest.mark.parametrize(
    ("sku", "text", "qty"),
    [
        ("agf-elstar", "elstar, anderhalve kilo", 1500),
        ("agf-elstar", "anderhalve kilo elstar", 1500),
        ("kaa-oud", "2 ons", 200),
        ("zui-melk", "3 liter", 3),
        ("ei-scharrel", "een doosje van 6", 1),
        ("sla-rundergehakt", "doe maar een kilo", 1000),
        ("bak-kersenvlaai", "maak er twee van", 2),
    ],
)
def test_read_amount_in_another_village(
    parser: Parser, village4: CatalogIndex, sku: str, text: str, qty: int
) -> None:
    assert parser.read_amount(text, entry=_entry(village4, sku)) == qty


@pytest.mark.parametrize(
    ("sku", "text"),
    [
        ("sla-gehakt", "2"),  # two what? weighed products are asked in grams
        ("sla-gehakt", "een paar"),
        ("bak-croissant", "2 rookworsten"),
        ("bak-croissant", "2 of 3"),
        ("zui-volle-melk", "een pond"),
        ("ei-doos10", "een doos van 6"),
        ("bak-croissant", "de oude"),
        ("bak-croissant", "ja"),
    ],
)
def test_read_amount_gives_none_when_unusable(
    parser: Parser, village1: CatalogIndex, sku: str, text: str
) -> None:
    assert parser.read_amount(text, entry=_entry(village1, sku)) is None


def test_read_amount_another_variety_is_none(parser: Parser, village4: CatalogIndex) -> None:
    assert parser.read_amount("1 kilo santana", entry=_entry(village4, "agf-elstar")) is None


@pytest.mark.parametrize(
    "text",
    [
        "klopt niet",
        "dat klopt niet",
        "klopt niet helemaal",
        "that's not right",
        "fout",
        "wrong",
        "niet goed",
        "not correct",
    ],
)
def test_a_yes_said_with_a_negation_is_a_no(
    parser: Parser, catalog: CatalogIndex, text: str
) -> None:
    result = parser.parse(text, catalog=catalog)
    assert (result.answer, result.intent) == ("no", "deny")


@pytest.mark.parametrize(
    "text",
    [
        "prima, dank je wel",
        "super, bedankt",
        "top, dank u",
        "perfect, thanks",
        "ja hoor, dank je",
        "lovely, thank you",
        "yes please, thanks",
    ],
)
def test_thanks_after_a_yes_keep_it_a_yes(parser: Parser, catalog: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=catalog)
    assert (result.answer, result.intent) == ("yes", "confirm")


@pytest.mark.parametrize(
    ("text", "sku", "qty"),
    [
        ("dat klopt niet, ik wil 3 croissants", "bak-croissant", 3),
        ("klopt niet, 2 rookworsten", "sla-rookworst", 2),
        ("that's not right, 4 krentenbollen please", "bak-krentenbol", 4),
    ],
)
def test_a_no_with_an_amount_corrects(
    parser: Parser, village1: CatalogIndex, text: str, sku: str, qty: int
) -> None:
    result = parser.parse(text, catalog=village1)
    assert (result.answer, result.correction) == ("no", True)
    assert resolved(result) == {sku: qty}


@pytest.mark.parametrize("text", ["nee hoor, 4 is goed", "no, 2 is fine", "3 is genoeg"])
def test_words_of_approval_are_no_items(parser: Parser, catalog: CatalogIndex, text: str) -> None:
    result = parser.parse(text, catalog=catalog)
    assert result.items == []
    assert result.has_amount
