"""Intents, removal, history ("het gewone"), and the live catalogue."""

from __future__ import annotations

import pytest

from nlu import CatalogEntry, CatalogIndex, HistoryLine, Parser

H = [
    [HistoryLine("bak-volkoren", 1), HistoryLine("ei-los", 10)],
    [
        HistoryLine("bak-volkoren", 1),
        HistoryLine("ei-los", 10),
        HistoryLine("zui-halfvolle-melk", 2),
    ],
    [HistoryLine("bak-volkoren", 1), HistoryLine("ei-los", 12)],
    [HistoryLine("kaa-belegen", 200), HistoryLine("ei-los", 10)],
]


def skus(
    parser: Parser, index: CatalogIndex, text: str, history: object = ()
) -> dict[str, int | None]:
    result = parser.parse(text, catalog=index, history=history)  # type: ignore[arg-type]
    return {i.sku: i.quantity for i in result.items if i.status == "resolved" and i.sku}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ja", "confirm"),
        ("JA", "confirm"),
        ("Ja graag", "confirm"),
        ("klopt", "confirm"),
        ("👍", "confirm"),
        ("yes", "confirm"),
        ("prima", "confirm"),
        ("nee", "deny"),
        ("no", "deny"),
        ("nee dat klopt niet", "deny"),
        ("annuleren", "cancel"),
        ("cancel my order", "cancel"),
        ("laat maar zitten, ik hoef niks", "cancel"),
        ("wanneer komt mijn bestelling?", "status"),
        ("where is my order", "status"),
        ("help", "help"),
        ("hoe werkt dit?", "help"),
        ("ik snap het niet", "help"),
        ("goedemorgen", "greet"),
        ("hi there", "greet"),
        ("wat zit er in mijn mandje", "show_basket"),
        ("what's in my basket", "show_basket"),
        ("ik wil graag bestellen", "order"),
    ],
)
def test_intents(parser: Parser, village1: CatalogIndex, text: str, intent: str) -> None:
    result = parser.parse(text, catalog=village1)
    assert result.intent == intent
    assert result.items == []
    assert result.intent_ranking[0][0] == intent
    assert abs(sum(c for _, c in result.intent_ranking) - 1.0) < 1e-6


@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ("geen eieren", "ei-los"),
        ("haal de rookworst eraf", "sla-rookworst"),
        ("toch geen tulpen", "kwe-tulpen"),
        ("remove the croissants", "bak-croissant"),
        ("de appeltaart hoeft niet meer", "bak-appeltaart"),
    ],
)
def test_remove(parser: Parser, village1: CatalogIndex, text: str, sku: str) -> None:
    result = parser.parse(text, catalog=village1)
    assert result.intent == "remove"
    assert [i.sku for i in result.items] == [sku]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("het gewone graag", {"bak-volkoren": 1, "ei-los": 10}),
        ("the usual please", {"bak-volkoren": 1, "ei-los": 10}),
        ("zoals altijd", {"bak-volkoren": 1, "ei-los": 10}),
        ("mijn vaste bestelling", {"bak-volkoren": 1, "ei-los": 10}),
        ("het gewone brood", {"bak-volkoren": 1}),
        ("the usual bread and eggs", {"bak-volkoren": 1, "ei-los": 10}),
        ("het gewone maar dan zonder eieren", {"bak-volkoren": 1}),
        ("het gewone en een appeltaart", {"bak-volkoren": 1, "ei-los": 10, "bak-appeltaart": 1}),
        ("hetzelfde als vorige keer", {"kaa-belegen": 200, "ei-los": 10}),
        ("same as last time", {"kaa-belegen": 200, "ei-los": 10}),
        ("brood", {"bak-volkoren": 1}),
        ("melk", {"zui-halfvolle-melk": 2}),
        ("kaas", {"kaa-belegen": 200}),
        ("eieren", {"ei-los": 10}),
    ],
)
def test_history(parser: Parser, village1: CatalogIndex, text: str, want: dict[str, int]) -> None:
    assert skus(parser, village1, text, H) == want


def test_history_settling_is_marked(parser: Parser, village1: CatalogIndex) -> None:
    result = parser.parse("een brood", catalog=village1, history=H)
    (item,) = result.items
    assert item.status == "resolved" and item.sku == "bak-volkoren" and item.from_history


def test_usual_without_history(parser: Parser, village1: CatalogIndex) -> None:
    result = parser.parse("the usual", catalog=village1)
    assert result.intent == "order"
    assert result.items == []
    assert result.used_usual and result.no_history


def test_live_catalogue_add_rename_remove(parser: Parser) -> None:
    index = CatalogIndex([CatalogEntry("a", "Appeltaart", "piece", "Bakker")])
    assert skus(parser, index, "een kwarktaart") == {}
    index.upsert(CatalogEntry("k", "Kwarktaart", "piece", "Bakker"))
    assert skus(parser, index, "een kwarktaart") == {"k": 1}
    assert len(index) == 2
    index.upsert(CatalogEntry("k", "Kwarkvlaai", "piece", "Bakker", ("cheesecake",)))
    assert skus(parser, index, "een kwarktaart") == {}
    assert skus(parser, index, "een kwarkvlaai") == {"k": 1}
    assert skus(parser, index, "a cheesecake") == {"k": 1}
    assert index.get("k") is not None and index.get("k").name == "Kwarkvlaai"  # type: ignore[union-attr]
    index.remove("k")
    assert skus(parser, index, "een kwarkvlaai") == {}
    assert index.get("k") is None and len(index) == 1
    index.remove("k")  # removing twice is harmless


def test_adding_a_second_kind_makes_the_word_ambiguous(parser: Parser) -> None:
    index = CatalogIndex([CatalogEntry("r", "Rode paprika", "piece", "Groente")])
    assert skus(parser, index, "2 paprika's") == {"r": 2}
    index.upsert(CatalogEntry("g", "Gele paprika", "piece", "Groente"))
    result = parser.parse("2 paprika's", catalog=index)
    assert [set(i.candidates) for i in result.items] == [{"r", "g"}]


def test_rasa_shape(parser: Parser, village1: CatalogIndex) -> None:
    text = "2 witte broden en een ons kaas"
    out = parser.parse(text, catalog=village1).to_rasa()
    assert out["text"] == text
    assert out["intent"]["name"] == "order" and 0 < out["intent"]["confidence"] <= 1
    assert {r["name"] for r in out["intent_ranking"]} >= {"order", "confirm", "deny"}
    products = [e for e in out["entities"] if e["entity"] == "product"]
    assert products[0]["value"] == "bak-wit"
    assert text[products[0]["start"] : products[0]["end"]] == "2 witte broden"
    for e in out["entities"]:
        assert set(e) >= {"entity", "value", "start", "end", "confidence", "extractor"}
        assert e["extractor"] == "DorpspleinParser"
    assert {"entity": "quantity", "value": 2}.items() <= next(
        e for e in out["entities"] if e["entity"] == "quantity"
    ).items()


def test_contract_shape(parser: Parser, village1: CatalogIndex) -> None:
    out = parser.parse("een ons kaas en een krant", catalog=village1).to_contract()
    assert out["intent"] == "order"
    statuses = [i["status"] for i in out["items"]]
    assert statuses == ["ambiguous", "unknown"]
    assert set(out["items"][0]["candidates"]) >= {"kaa-jong", "kaa-belegen", "kaa-oud"}
    assert out["items"][1]["text"] == "krant"


def test_container_word_and_lexical_diminutives(parser: Parser) -> None:
    index = CatalogIndex(
        [
            CatalogEntry("peen", "Winterpeen", "kg", "Groente", ("wortels", "worteltjes")),
            CatalogEntry("bos", "Bospeen (bos)", "piece", "Groente", ("worteltjes",)),
            CatalogEntry("wit", "Wit casinobrood", "piece", "Bakker", ("witbrood",)),
            CatalogEntry("bol", "Witte bolletjes (zak van 6)", "piece", "Bakker", ("broodjes",)),
            CatalogEntry("koek", "Boterkoek", "piece", "Bakker"),
        ]
    )
    assert skus(parser, index, "een bos worteltjes") == {"bos": 1}
    assert skus(parser, index, "een zak witte broodjes") == {"bol": 1}
    assert skus(parser, index, "een wit brood") == {"wit": 1}
    result = parser.parse("200 gram koekjes", catalog=index)
    assert [i.status for i in result.items] == ["unknown"]  # a biscuit is not a cake
