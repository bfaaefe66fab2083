"""Conversations with the bot, as transcripts: what the resident sends, what she must read.

Each turn lists fragments the reply must contain; a fragment starting with "!" must NOT be in
the reply. Mevrouw Jansen (demo village) usually orders volkorenbrood, a box of 6 eggs, 200 g
belegen kaas and 2 halfvolle melk. It is Monday morning 7 December: the next round is Tuesday.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue import Dialogue
from bot.wiring import Runtime, build_dialogue
from nlu import Parser
from orders.models import Order, OrderStatus, OutboxMessage
from tests.bot.conftest import MONDAY_MORNING, Talk

TUESDAY = "dinsdag 8 december tussen 10 en 12 uur"

TRANSCRIPTS: dict[str, list[tuple[str, list[str]]]] = {
    "greeting offers the usual": [
        ("Goedemorgen", ["Goedemorgen", "Jansen", "het gewone", "Volkorenbrood"]),
    ],
    "usual plus one more, read back per shop, placed on JA": [
        ("het gewone en een appeltaart", [
            "Bakkerij Van Rossum", "Volkorenbrood (uw gewone)", "Appeltaart", "200 g",
            "Kaashuis", "Totaal: €", f"Bezorging: {TUESDAY}", "Stuur JA"]),
        ("JA", ["Bestelnummer:", TUESDAY, "Totaal"]),
        ("wat zit er in mijn mandje", ["mandje is leeg"]),
    ],
    "the usual after an explicit item does not double it": [
        ("2 halfvolle melk", ["2x Halfvolle melk 1 liter"]),
        ("het gewone", ["2x Halfvolle melk 1 liter", "Volkorenbrood (uw gewone)", "!4x Halfvolle"]),
        ("het gewone", ["1x Volkorenbrood (uw gewone)", "!2x Volkorenbrood"]),
    ],
    "order over several messages": [
        ("2 krentenbollen", ["2x Krentenbol", "Klopt dit?"]),
        ("en ook nog een ons belegen kaas", ["2x Krentenbol", "100 g Goudse", "Klopt dit?"]),
        ("ja", ["Bestelnummer"]),
    ],
    "clarifying question answered by number": [
        ("2 kilo aardappelen", ["Welke bedoelt u?", "1 Aardappelen", "Stuur het nummer"]),
        ("9", ["Stuur een nummer van 1 tot 3"]),
        ("1", ["Klopt dit?", "2 kg Aardappelen vastkokend"]),
    ],
    "clarifying question answered by name": [
        ("2 kilo aardappelen", ["Welke bedoelt u?", "kruimig", "vastkokend"]),
        ("de kruimige", ["2 kg Aardappelen kruimig", "Klopt dit?"]),
    ],
    "change the amount of the last item": [
        ("een krentenbol", ["1x Krentenbol"]),
        ("maak er 3 van", ["3x Krentenbol", "Klopt dit?"]),
        ("200 gram kipfilet", ["3x Krentenbol", "200 g Kipfilet"]),
        ("maak er een pond van", ["500 g Kipfilet", "!200 g"]),
        ("maak er 2 van", ["Hoeveel Kipfilet wilt u?"]),
        ("3 ons", ["300 g Kipfilet", "Klopt dit?"]),
    ],
    "looking at the basket keeps the open question": [
        ("kipfilet", ["Hoeveel Kipfilet wilt u?", "300 gram"]),
        ("wat zit er in mijn mandje", ["mandje is nog leeg", "Hoeveel Kipfilet wilt u?"]),
    ],
    "a chosen weighed product without a weight is asked for": [
        ("aardappelen", ["Welke bedoelt u?"]),
        ("de kruimige", ["Hoeveel Aardappelen kruimig wilt u?"]),
        ("anderhalve kilo", ["1,5 kg Aardappelen kruimig", "Klopt dit?"]),
    ],
    "a weighed product without a weight is asked for": [
        ("kipfilet", ["Hoeveel Kipfilet wilt u?"]),
        ("400 gram", ["400 g Kipfilet", "Klopt dit?"]),
    ],
    "remove an item, then say no and change": [
        ("3 krentenbollen en een rookworst", ["Krentenbol", "Rookworst"]),
        ("geen rookworst", ["uit uw mandje", "!Rookworst:"]),
        ("nee", ["Wat wilt u veranderen?"]),
        ("ook een stokbrood", ["Stokbrood", "Krentenbol", "Klopt dit?"]),
    ],
    "unknown product gets a kind answer with alternatives": [
        ("een fles wijn", ["Wij verkopen helaas geen \"wijn\""]),
        ("een pot appelstroop", ["geen \"appelstroop\"", "Misschien bedoelt u: Appels Elstar"]),
    ],
    "two misunderstandings in a row offer the coordinator": [
        ("blablabla", ["begreep ik niet"]),
        ("qwerty", ["Bel Stichting Dorpsplein Bunnik", "+31306560000"]),
    ],
    "asking a price orders nothing": [
        ("wat is de prijs van zalm", ["Zalmfilet: € 32,50 per kilo", "Gerookte zalm (100 g): €"]),
        ("hoeveel kost een krentenbol?", ["Krentenbol: € 0,90 per stuk"]),
        ("mandje", ["Uw mandje is leeg"]),
    ],
    "help": [
        ("help", ["het gewone", "JA", "+31306560000"]),
    ],
    "status without and with an order": [
        ("wanneer komt mijn bestelling?", ["geen lopende bestelling"]),
        ("een stokbrood", ["Stokbrood"]),
        ("ja", ["Bestelnummer:"]),
        ("wanneer komt mijn bestelling?", ["Bestelling ", "ontvangen", TUESDAY]),
    ],
    "cancel a basket, then an order before cut-off": [
        ("een stokbrood", ["Stokbrood"]),
        ("annuleren", ["leeggemaakt", "niets besteld"]),
        ("een stokbrood", ["Stokbrood"]),
        ("ja", ["Bestelnummer:"]),
        ("annuleren", ["Wilt u bestelling", "annuleren?"]),
        ("nee", ["blijft staan"]),
        ("annuleren", ["Wilt u bestelling"]),
        ("ja", ["is geannuleerd"]),
        ("wanneer komt mijn bestelling", ["geen lopende bestelling"]),
    ],
    "a placed order changed before the cut-off, through a read-back and a yes": [
        ("4 krentenbollen", ["4x Krentenbol"]),
        ("ja", ["Bestelnummer:"]),
        ("maak er 6 van", ["Uw gewijzigde bestelling", "6x Krentenbol", "!4x Krentenbol", "JA"]),
        ("doe er nog een appeltaart bij", ["6x Krentenbol", "1x Appeltaart", "JA"]),
        ("ja", ["Bestelnummer:", "vervangt bestelling"]),
        ("doe er nog een stokbrood bij", ["Uw gewijzigde bestelling", "Stokbrood", "Appeltaart"]),
        ("annuleren", ["blijft zoals hij was"]),
        ("wanneer komt mijn bestelling?", ["ontvangen", TUESDAY]),
    ],
    "a yes with nothing to confirm": [
        ("ja", ["nog niets om te bevestigen"]),
    ],
    "English resident": [
        ("Good morning, I would like the usual please", [
            "Your order:", "Volkorenbrood (your usual)", "Total: €", "Delivery: Tuesday 8 December",
            "Send YES"]),
        ("yes", ["Order number:"]),
        ("where is my order", ["Order ", "received"]),
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", list(TRANSCRIPTS))
def test_transcript(talk: Talk, name: str) -> None:
    for turn, (text, expected) in enumerate(TRANSCRIPTS[name], start=1):
        reply = talk.send(text)
        for fragment in expected:
            if fragment.startswith("!"):
                assert fragment[1:] not in reply, f"turn {turn} {text!r}: {reply}"
            else:
                assert fragment in reply, f"turn {turn} {text!r}: {reply}"


def orders_of(sessions: sessionmaker[Session]) -> list[Order]:
    with sessions() as session:
        return list(session.scalars(select(Order).where(Order.round_id.is_not(None))))


def test_nothing_is_placed_without_an_explicit_yes(talk: Talk, village: Runtime) -> None:
    talk.send("het gewone")
    talk.send("prima, maar wacht even")
    talk.send("wat zit er in mijn mandje")
    assert orders_of(village.sessions) == []


def test_placed_order_has_a_part_per_shop_and_an_outbox_confirmation(
    talk: Talk, village: Runtime
) -> None:
    talk.send("het gewone en een appeltaart")
    talk.send("ja")
    [order] = orders_of(village.sessions)
    with village.sessions() as session:
        order = session.get(Order, order.id)  # type: ignore[assignment]
        assert order is not None
        shops = {part.shop.name for part in order.parts}
        assert len(shops) == 4
        assert sum(p.subtotal_cents for p in order.parts) == order.total_cents
        skus = {line.sku for part in order.parts for line in part.lines}
        assert {"bak-volkoren", "bak-appeltaart", "kaa-belegen"} <= skus
        outbox = session.scalars(select(OutboxMessage)).all()
        assert [m.kind for m in outbox] == ["order_confirmation"]
        assert outbox[0].recipient == talk.sender


def test_a_yes_to_an_older_changed_readback_does_not_place(
    dialogue: Dialogue, village: Runtime
) -> None:
    sms = Talk(dialogue, channel="sms")
    telegram_user = Talk(dialogue, channel="whatsapp", sender="whatsapp:+31612340001")
    first = sms.replies("een stokbrood")[-1]
    assert first.confirms_version is not None
    telegram_user.send("en ook een krentenbol")
    # The yes answers the first read-back (button data), which no longer matches the basket.
    reply = sms.send("ja", answers_version=first.confirms_version)
    assert "veranderd" in reply
    assert "Krentenbol" in reply
    assert orders_of(village.sessions) == []
    assert "Bestelnummer" in sms.send("ja")


def test_a_replayed_message_is_answered_again_but_not_processed_twice(
    talk: Talk, village: Runtime
) -> None:
    talk.send("een stokbrood")
    yes = talk.message("ja")
    first = talk.dialogue.handle(yes, now=talk.now)
    again = talk.dialogue.handle(yes, now=talk.now)
    assert [r.text for r in again] == [r.text for r in first]
    assert len(orders_of(village.sessions)) == 1


def test_the_same_yes_delivered_twice_at_once_places_one_order(
    talk: Talk, village: Runtime
) -> None:
    # A platform that retries a slow webhook can deliver one message twice at the same time.
    talk.send("een stokbrood")
    yes = talk.message("ja")
    start = threading.Barrier(2)
    answers: list[list[str]] = []

    def deliver() -> None:
        start.wait()
        answers.append([r.text for r in talk.dialogue.handle(yes, now=talk.now)])

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 2 and answers[0] == answers[1]
    assert "Bestelnummer" in answers[0][0]
    assert len(orders_of(village.sessions)) == 1


def test_the_basket_survives_a_restart(village: Runtime, parser: Parser) -> None:
    Talk(build_dialogue(village, parser=parser)).send("3 krentenbollen")
    after_restart = Talk(build_dialogue(village, parser=parser))
    assert "3x Krentenbol" in after_restart.send("mandje")
    assert "Bestelnummer" in after_restart.send("ja")


def test_one_account_on_every_channel(dialogue: Dialogue, village: Runtime) -> None:
    Talk(dialogue, channel="sms").send("2 krentenbollen")
    whatsapp = Talk(dialogue, channel="whatsapp", sender="whatsapp:+31612340001")
    assert "2x Krentenbol" in whatsapp.send("wat zit er in mijn mandje")


def test_cancel_after_cut_off_is_refused_politely(dialogue: Dialogue, village: Runtime) -> None:
    monday = Talk(dialogue)
    monday.send("een stokbrood")
    assert "Bestelnummer:" in monday.send("ja")
    late = Talk(dialogue, now=MONDAY_MORNING + timedelta(hours=12))  # Monday 21:00
    # Said at once: no JA/NEE question whose yes would only be refused.
    reply = late.send("annuleren")
    assert "kan niet meer" in reply
    assert "Wilt u bestelling" not in reply
    assert "kan niet meer" not in late.send("ja")
    [order] = orders_of(village.sessions)
    assert order.status == OrderStatus.PLACED.value


def test_a_shop_that_does_not_deliver_that_day_is_said(
    dialogue: Dialogue, village: Runtime
) -> None:
    # The fish shop delivers on Thursday and Saturday only; on Monday the next round is Tuesday.
    reply = Talk(dialogue).send("300 gram kibbeling en een stokbrood")
    assert f"Bezorging: {TUESDAY}" in reply
    assert "Vishandel Van der Wal bezorgt pas donderdag 10 december" in reply


class TestRegistration:
    def test_unknown_sender_registers_in_three_steps(self, dialogue: Dialogue) -> None:
        stranger = Talk(dialogue, sender="+31612349999")
        assert "Wat is uw naam?" in stranger.send("hallo")
        assert "straat en huisnummer" in stranger.send("Mevrouw De Boer")
        assert "postcode" in stranger.send("Kerkdijk 12")
        assert "bezorgen wij niet in 3511 AB" in stranger.send("3511ab")
        assert "Welkom, Mevrouw De Boer" in stranger.send("3981 AB")
        assert "2x Krentenbol" in stranger.send("2 krentenbollen")

    def test_closed_registration_gives_the_coordinator(
        self, village: Runtime, parser: Parser
    ) -> None:
        closed = village.settings.model_copy(update={"registration_open": False})
        runtime = Runtime(settings=closed, engine=village.engine, sessions=village.sessions)
        stranger = Talk(build_dialogue(runtime, parser=parser), sender="+31612349999")
        reply = stranger.send("2 krentenbollen")
        assert "nog niet bekend" in reply
        assert "+31306560000" in reply


@pytest.mark.parametrize("talked_before", [False, True])
def test_simultaneous_messages_of_one_resident_lose_no_basket_update(
    dialogue: Dialogue, village: Runtime, talked_before: bool
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    talk = Talk(dialogue)
    if talked_before:  # her conversation exists, and is read with her in one statement
        talk.send("goedemorgen")
    messages = [talk.message("een krentenbol") for _ in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda m: dialogue.handle(m, now=talk.now), messages))
    assert "6x Krentenbol" in talk.send("mandje")


def test_catalogue_changes_reach_the_next_message_without_restart(
    talk: Talk, village: Runtime
) -> None:
    from catalog.csv_format import CatalogRow
    from catalog.models import Unit
    from catalog.service import import_rows, set_available
    from core.database import unit_of_work

    assert "Wij verkopen helaas geen" in talk.send("een pot honing")
    with unit_of_work(village.sessions) as session:
        honey = CatalogRow(
            shop="Bakkerij Van Rossum",
            sku="bak-honing",
            name="Bloemenhoning (pot 450 g)",
            unit=Unit.PIECE,
            price_cents=695,
        )
        import_rows(session, rows=[honey])
    assert "Bloemenhoning" in talk.send("een pot honing")
    with unit_of_work(village.sessions) as session:
        set_available(session, sku="bak-honing", available=False)
    assert "er nu helaas niet" in talk.send("nog een pot honing")


def test_removal_reads_against_the_basket_and_an_amount_keeps_the_language(
    dialogue: Dialogue,
) -> None:
    # Mr Whitfield writes English and usually buys Meergranenbrood, not Volkorenbrood.
    whitfield = Talk(dialogue, sender="+31612340004")
    assert "2x Volkorenbrood" in whitfield.send("two loaves of wholemeal bread")
    # An amount alone is about the bread just added: asked, in English, never guessed.
    assert "How many Volkorenbrood would you like?" in whitfield.send("1.5 kilo")
    reply = whitfield.send("remove the bread")
    assert "Volkorenbrood taken out of your basket" in reply
    assert "Your basket is empty" in reply


def test_a_change_to_a_placed_order_replaces_it_with_exactly_the_read_back(
    talk: Talk, village: Runtime
) -> None:
    talk.send("4 krentenbollen en een stokbrood")
    talk.send("ja")
    talk.send("nee, 6 krentenbollen")
    assert orders_of(village.sessions)[0].status == OrderStatus.PLACED.value
    talk.send("ja")
    with village.sessions() as session:
        placed = select(Order).where(Order.round_id.is_not(None)).order_by(Order.id)
        orders = session.scalars(placed).all()
        assert [o.status for o in orders] == ["cancelled", "placed"]
        lines = {line.sku: line.quantity for part in orders[1].parts for line in part.lines}
        assert lines == {"bak-krentenbol": 6, "bak-stokbrood": 1}
        outbox = [m for m in session.scalars(select(OutboxMessage)) if m.kind != "order_cancelled"]
        assert "vervangt bestelling" in outbox[-1].text


def test_after_the_cut_off_a_change_becomes_no_change(dialogue: Dialogue, village: Runtime) -> None:
    Talk(dialogue).send("4 krentenbollen")
    Talk(dialogue).send("ja")
    late = Talk(dialogue, now=MONDAY_MORNING + timedelta(hours=12))  # past Monday 20:00
    reply = late.send("maak er 6 van")
    # The placed order is for Tuesday and can no longer change; she is not shown it as a change.
    assert "gewijzigde bestelling" not in reply
    assert len(orders_of(village.sessions)) == 1


def test_an_order_named_by_number_is_the_one_cancelled(talk: Talk, village: Runtime) -> None:
    talk.send("een stokbrood")
    talk.send("ja")
    [order] = orders_of(village.sessions)
    # A number that is not one of her open orders cancels nothing.
    assert "geen bestelling" in talk.send(f"annuleer bestelling {order.id + 100}")
    assert orders_of(village.sessions)[0].status == OrderStatus.PLACED.value
    assert f"Wilt u bestelling {order.id}" in talk.send(f"annuleer bestelling {order.id}")
    assert "is geannuleerd" in talk.send("ja")
    assert orders_of(village.sessions)[0].status == OrderStatus.CANCELLED.value


def test_a_message_too_long_to_read_whole_is_said_to_be_cut(talk: Talk) -> None:
    reply = talk.send("een stokbrood " + "en nog wat " * 200)
    assert "alleen het eerste deel gelezen" in reply
    assert "Stokbrood" in reply
