"""Standing orders in a message: what it is about, the days, the date, and products kept."""

from __future__ import annotations

import pytest

from nlu import CatalogIndex, HistoryLine, Parser

USUAL = [[HistoryLine("bak-volkoren", 1), HistoryLine("ei-los", 10)]] * 2


@pytest.mark.parametrize(
    ("text", "standing", "weekdays", "skus"),
    [
        ("elke donderdag 2 volkorenbroden en 6 eieren", "set_up", ("thu",), {"bak-volkoren"}),
        ("iedere week een appeltaart", "set_up", (), {"bak-appeltaart"}),
        ("Every Tuesday and Saturday a loaf of wholemeal bread", "set_up", ("tue", "sat"), set()),
        ("dinsdags 4 krentenbollen", "set_up", ("tue",), {"bak-krentenbol"}),
        ("vaste bestelling: 2 croissants", "set_up", (), {"bak-croissant"}),
        ("stop mijn vaste bestelling", "stop", (), set()),
        ("cancel my standing order please", "stop", (), set()),
        ("OVERSLAAN", "skip", (), set()),
        ("volgende week niet", "skip", (), set()),
        ("skip", "skip", (), set()),
        ("not this week thanks", "skip", (), set()),
        ("deze week ook een appeltaart", "this_week", (), {"bak-appeltaart"}),
        ("deze week geen rookworst", "this_week", (), {"sla-rookworst"}),
        ("skip the rookworst this week", "this_week", (), {"sla-rookworst"}),
    ],
)
def test_what_a_message_says_about_a_standing_order(
    parser: Parser,
    village1: CatalogIndex,
    text: str,
    standing: str,
    weekdays: tuple[str, ...],
    skus: set[str],
) -> None:
    meaning = parser.parse(text, catalog=village1)
    assert meaning.standing == standing
    assert meaning.weekdays == weekdays
    assert {i.sku for i in meaning.items if i.sku} >= skus
    if standing in ("stop", "skip"):
        assert meaning.items == []
        assert meaning.answer is None  # "niet" is no no, "stop" no opt-out


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("op vakantie tot 12 januari", (12, 1)),
        ("Ik ben weg tot en met 3 maart", (3, 3)),
        ("on holiday until 12 January", (12, 1)),
        ("away until march 3", (3, 3)),
    ],
)
def test_a_pause_reads_the_last_day(
    parser: Parser, village1: CatalogIndex, text: str, until: tuple[int, int]
) -> None:
    meaning = parser.parse(text, catalog=village1)
    assert (meaning.standing, meaning.until) == ("pause", until)
    assert meaning.items == []  # "12" and "3" are no amounts


def test_my_standing_order_is_shown_and_still_names_her_usual(
    parser: Parser, village1: CatalogIndex
) -> None:
    meaning = parser.parse("mijn vaste bestelling", catalog=village1, history=USUAL)
    assert meaning.standing == "show"
    assert meaning.used_usual
    assert {i.sku for i in meaning.items} == {"bak-volkoren", "ei-los"}


@pytest.mark.parametrize(
    "text",
    [
        "2 krentenbollen",
        "wanneer komt mijn bestelling?",
        "ja",
        "tot ziens",
        "donderdag graag",
        "niet overslaan",
        "please don't skip it",
    ],
)
def test_ordinary_messages_are_no_standing_order(
    parser: Parser, village1: CatalogIndex, text: str
) -> None:
    assert parser.parse(text, catalog=village1).standing is None
