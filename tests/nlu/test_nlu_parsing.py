"""What a resident would notice: the right products, amounts, questions and intents."""

from __future__ import annotations

from typing import Any

import pytest

from nlu import CatalogIndex, Interpretation, Parser


def resolved(result: Interpretation) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for item in result.items:
        if item.status == "resolved" and item.sku is not None:
            prev = out.get(item.sku)
            q = item.quantity
            out[item.sku] = (prev or 0) + q if prev is not None and q is not None else q
    return out


def ambiguous(result: Interpretation) -> list[set[str]]:
    return [set(i.candidates) for i in result.items if i.status == "ambiguous"]


def unknown(result: Interpretation) -> list[str]:
    return [i.text for i in result.items if i.status == "unknown"]


def check(parser: Parser, index: CatalogIndex, text: str, want: dict[str, Any], **kw: Any) -> None:
    result = parser.parse(text, catalog=index, **kw)
    assert result.intent == "order", (text, result.intent)
    assert resolved(result) == want, (text, result.items)
    assert not unknown(result), (text, result.items)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("twee witte broden", {"bak-wit": 2}),
        ("drieëntwintig krentenbollen", {"bak-krentenbol": 23}),
        ("een appeltaart", {"bak-appeltaart": 1}),
        ("elf croissants", {"bak-croissant": 11}),
        ("krentenbollen 4", {"bak-krentenbol": 4}),
        ("2x rookworst", {"sla-rookworst": 2}),
        ("a dozen eggs", {"ei-los": 12}),
        ("half a dozen eggs", {"ei-los": 6}),
        ("twenty one croissants", {"bak-croissant": 21}),
        ("een stuk of zes croissants", {"bak-croissant": 6}),
    ],
)
def test_numbers(parser: Parser, village1: CatalogIndex, text: str, want: dict[str, int]) -> None:
    check(parser, village1, text, want)


def test_een_paar_is_not_a_number(parser: Parser, village1: CatalogIndex) -> None:
    # "een paar" is more than one but no number: ask how many, never guess one.
    result = parser.parse("een paar croissants", catalog=village1)
    assert resolved(result) == {}
    assert result.items[0].status == "ambiguous"
    assert result.items[0].candidates == ("bak-croissant",)
    assert result.items[0].note == "vague_amount"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("een pond rundergehakt", {"sla-gehakt": 500}),
        ("een ons belegen kaas", {"kaa-belegen": 100}),
        ("2 ons jonge kaas", {"kaa-jong": 200}),
        ("half pond rundergehakt", {"sla-gehakt": 250}),
        ("anderhalve kilo kruimige aardappelen", {"gro-aardappel-kruimig": 1500}),
        ("0,5 kg uien", {"gro-uien": 500}),
        ("1.5 kilo uien", {"gro-uien": 1500}),
        ("300 gr biefstuk", {"sla-biefstuk": 300}),
        ("500g biefstuk", {"sla-biefstuk": 500}),
        ("een halve kilo uien", {"gro-uien": 500}),
        ("een pond half om half", {"sla-halfomhalf": 500}),
        ("uien, 2 kilo", {"gro-uien": 2000}),
        ("een kilo of 2 uien", {"gro-uien": 2000}),
        ("two and a half kilos of onions", {"gro-uien": 2500}),
    ],
)
def test_units(parser: Parser, village1: CatalogIndex, text: str, want: dict[str, int]) -> None:
    check(parser, village1, text, want)


@pytest.mark.parametrize(
    ("text", "want", "note"),
    [
        ("2 liter volle melk", {"zui-volle-melk": 2}, None),
        ("een pak karnemelk", {"zui-karnemelk": 1}, None),
        ("een doos eieren", {"ei-doos10": 1}, None),
        ("zes eieren", {"ei-los": 6}, None),
        ("een halve liter volle melk", {}, "not_divisible"),
        ("een kilo volle melk", {}, "unit_mismatch"),
        ("2 biefstukken", {}, "count_for_weighed"),
    ],
)
def test_pack_conversion(
    parser: Parser, village1: CatalogIndex, text: str, want: dict[str, int], note: str | None
) -> None:
    result = parser.parse(text, catalog=village1)
    assert resolved(result) == want
    if note is not None:
        (item,) = result.items
        assert item.status == "ambiguous" and item.note == note


@pytest.mark.parametrize(
    ("text", "want", "note"),
    [
        ("12 eieren", {"pl-eieren6": 2}, None),
        ("6 eieren", {"pl-eieren6": 1}, None),
        ("10 eieren", {}, "not_divisible"),
        ("700 gram pindakaas", {"del-pindakaas": 2}, None),
        ("een pond pindakaas", {}, "not_divisible"),
        ("een halve liter slagroom", {"zl-room": 2}, None),
        ("16 kaasstengels", {"del-kaasstengels": 2}, None),
        ("een kilo aardbeien", {}, "not_divisible"),
    ],
)
def test_pack_content_from_name(
    parser: Parser, village2: CatalogIndex, text: str, want: dict[str, int], note: str | None
) -> None:
    result = parser.parse(text, catalog=village2)
    assert resolved(result) == want
    if note is not None:
        assert [i.note for i in result.items] == [note]
        assert result.items[0].quantity is not None  # the rounded-up offer for the dialogue


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("4 croissantjes", {"bak-croissant": 4}),
        ("een stokbroodje", {}),  # no stokbrood in this village
        ("2 rookworsten en 4 krentenbolletjes", {"sla-rookworst": 2, "bak-krentenbol": 4}),
        ("bruine broden", {"bak-bruin": 1}),
        ("brood volkoren", {"bak-volkoren": 1}),
        ("volkoren brood", {"bak-volkoren": 1}),
        ("een krop sla", {"gro-kropsla": 1}),
        ("2 bossen tulpen", {"kwe-tulpen": 2}),
    ],
)
def test_morphology(
    parser: Parser, village1: CatalogIndex, text: str, want: dict[str, int]
) -> None:
    result = parser.parse(text, catalog=village1)
    assert resolved(result) == want


def test_compound_and_linking_forms(parser: Parser, village2: CatalogIndex) -> None:
    assert resolved(parser.parse("kipdijen 500 gram", catalog=village2)) == {"sla-kippendijen": 500}
    result = parser.parse("een rode en een gele paprika", catalog=village2)
    assert resolved(result) == {"kwe-paprika-rood": 1, "kwe-paprika-geel": 1}


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2 bruine brooden en 6 eiren", {"bak-bruin": 2, "ei-los": 6}),
        ("een ons belegen kaaas", {"kaa-belegen": 100}),
        ("krentebollen 4", {"bak-krentenbol": 4}),
        ("1 kilo uijen", {"gro-uien": 1000}),
        ("rookwors", {"sla-rookworst": 1}),
        ("volkorebrood", {"bak-volkoren": 1}),
    ],
)
def test_typos(parser: Parser, village1: CatalogIndex, text: str, want: dict[str, int]) -> None:
    check(parser, village1, text, want)


@pytest.mark.parametrize(
    ("text", "not_sku"),
    [
        ("een pot pindakaas", "kaa-"),
        ("kaasstengels", "kaa-"),
        ("een kilo aardbeien", "gro-aardappel"),
    ],
)
def test_containing_a_name_is_not_that_product(
    parser: Parser, village1: CatalogIndex, text: str, not_sku: str
) -> None:
    result = parser.parse(text, catalog=village1)
    assert not any(s.startswith(not_sku) for s in resolved(result))
    assert not any(c.startswith(not_sku) for cands in ambiguous(result) for c in cands)
    assert len(unknown(result)) == 1


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("two loaves of brown bread", {"bak-bruin": 2}),
        ("200 grams of old cheese", {"kaa-oud": 200}),
        ("half a kilo of minced beef", {"sla-gehakt": 500}),
        ("1 kg of onions", {"gro-uien": 1000}),
        ("a bunch of tulips", {"kwe-tulpen": 1}),
        ("an apple pie", {"bak-appeltaart": 1}),
        ("wholemeal bread", {"bak-volkoren": 1}),
        ("a litre of buttermilk", {"zui-karnemelk": 1}),
        ("two smoked sausages", {"sla-rookworst": 2}),
    ],
)
def test_english(parser: Parser, village1: CatalogIndex, text: str, want: dict[str, int]) -> None:
    result = parser.parse(text, catalog=village1)
    assert result.language == "en"
    check(parser, village1, text, want)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ik wil graag twee broden", "nl"),
        ("I would like two loaves please", "en"),
        ("ja", "nl"),
        ("yes please", "en"),
    ],
)
def test_language(parser: Parser, village1: CatalogIndex, text: str, language: str) -> None:
    assert parser.parse(text, catalog=village1).language == language


@pytest.mark.parametrize(
    ("text", "must_offer"),
    [
        ("een brood", {"bak-wit", "bak-volkoren", "bak-bruin"}),
        ("een liter melk", {"zui-volle-melk", "zui-halfvolle-melk"}),
        ("2 kilo aardappelen", {"gro-aardappel-kruimig", "gro-aardappel-vast"}),
        ("een ons kaas", {"kaa-jong", "kaa-belegen", "kaa-oud"}),
        ("500 gram gehakt", {"sla-gehakt", "sla-halfomhalf"}),
    ],
)
def test_never_a_silent_guess(
    parser: Parser, village1: CatalogIndex, text: str, must_offer: set[str]
) -> None:
    result = parser.parse(text, catalog=village1)
    assert resolved(result) == {}
    (cands,) = ambiguous(result)
    assert must_offer <= cands


@pytest.mark.parametrize("text", ["een krant", "2 flessen wijn", "een kilo aardbeien"])
def test_unknowns_keep_the_residents_words(
    parser: Parser, village1: CatalogIndex, text: str
) -> None:
    result = parser.parse(text, catalog=village1)
    assert result.intent == "order"
    (words,) = unknown(result)
    assert words and words.lower() in text.lower()


def test_greeting_and_signature_do_not_hide_or_add_items(
    parser: Parser, village1: CatalogIndex
) -> None:
    text = (
        "Goedemorgen, ik zou graag een volkorenbrood willen bestellen. "
        "Met vriendelijke groet, mevr. Jansen"
    )
    result = parser.parse(text, catalog=village1)
    assert result.intent == "order"
    assert resolved(result) == {"bak-volkoren": 1}
    assert len(result.items) == 1


def test_list_formats(parser: Parser, village1: CatalogIndex) -> None:
    text = "- 2 witte broden\n- 10 eieren\n* een ons jonge kaas; 1 kilo uien en een bos tulpen"
    assert resolved(parser.parse(text, catalog=village1)) == {
        "bak-wit": 2,
        "ei-los": 10,
        "kaa-jong": 100,
        "gro-uien": 1000,
        "kwe-tulpen": 1,
    }


def test_spans_point_at_the_residents_words(parser: Parser, village1: CatalogIndex) -> None:
    text = "Graag 3 krentenbollen en een rookworst"
    result = parser.parse(text, catalog=village1)
    texts = [text[i.span[0] : i.span[1]] for i in result.items]
    assert texts == ["3 krentenbollen", "een rookworst"]
