"""Standing orders by message: set up only on an explicit yes to a read-back naming the days and
the first delivery; shown, skipped, paused, changed for one week, stopped after a yes; offered
after a third like order. Dutch and English. The worker then reminds and places it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.dialogue import Dialogue
from bot.senders import default_senders
from bot.wiring import Runtime
from bot.worker import work_once
from orders.models import Order, OutboxMessage
from orders.standing.models import StandingOrder, StandingWeek
from tests.bot.conftest import JANSEN, Talk

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DE_VRIES = "+31612340002"


def standing(village: Runtime) -> dict[str, dict[str, int]]:
    """Active standing orders by weekday: sku -> quantity."""
    with village.sessions() as session:
        return {
            s.weekday: {line["sku"]: line["quantity"] for line in s.lines}
            for s in session.scalars(select(StandingOrder).where(StandingOrder.active.is_(True)))
        }


def orders_of(village: Runtime) -> int:
    with village.sessions() as session:
        return len(session.scalars(select(Order).where(Order.round_id.is_not(None))).all())


def test_set_up_in_dutch_only_on_yes_with_days_and_first_delivery(
    village: Runtime, talk: Talk
) -> None:
    reply = talk.send("elke donderdag 2 volkorenbroden en een doos van 10 scharreleieren")
    assert "Uw vaste bestelling, elke donderdag:" in reply
    assert "2x Volkorenbrood" in reply and "Scharreleieren (doos van 10)" in reply
    assert "De eerste keer: donderdag 10 december" in reply
    assert standing(village) == {}
    # A closing phrase or thanks is no yes.
    talk.send("dank je wel, dat was alles")
    assert standing(village) == {}
    reply = talk.send("ja")
    assert "Uw vaste bestelling staat" in reply
    assert standing(village) == {"thu": {"bak-volkoren": 2, "ei-doos10": 1}}
    assert orders_of(village) == 0  # set up, nothing ordered yet


def test_set_up_in_english(village: Runtime, dialogue: Dialogue) -> None:
    talk = Talk(dialogue, sender=DE_VRIES)
    reply = talk.send("every Tuesday a loaf of spelt bread")
    assert "Your standing order, every Tuesday:" in reply
    assert "The first time: Tuesday 8 December" in reply
    assert "Your standing order is set" in talk.send("yes")
    assert standing(village) == {"tue": {"bak-spelt": 1}}


def test_a_basket_she_had_is_kept_aside_and_comes_back(village: Runtime, talk: Talk) -> None:
    talk.send("2 krentenbollen")
    reply = talk.send("elke zaterdag 1 speltbrood")
    assert "Speltbrood" in reply and "Krentenbol" not in reply
    reply = talk.send("ja")
    assert "Uw vaste bestelling staat" in reply
    assert "2x Krentenbol" in reply  # her basket, read back again
    assert standing(village) == {"sat": {"bak-spelt": 1}}
    assert "Bestelnummer" in talk.send("ja")
    assert orders_of(village) == 1


def test_cancelling_a_draft_sets_up_nothing(village: Runtime, talk: Talk) -> None:
    talk.send("elke donderdag 2 volkorenbroden")
    assert "geen vaste bestelling gemaakt" in talk.send("annuleren")
    assert "Er is nog niets om te bevestigen" in talk.send("ja")
    assert standing(village) == {}


def test_a_day_without_a_round_is_said_and_not_used(village: Runtime, talk: Talk) -> None:
    reply = talk.send("elke woensdag 2 volkorenbroden")
    assert "Op woensdag rijden wij niet" in reply
    assert "elke woensdag" not in reply


def test_replacing_one_says_so_before_the_yes(village: Runtime, talk: Talk) -> None:
    talk.send("elke donderdag 2 volkorenbroden")
    talk.send("ja")
    reply = talk.send("elke donderdag 3 krentenbollen")
    assert "in plaats van uw vaste bestelling" in reply
    talk.send("ja")
    assert standing(village) == {"thu": {"bak-krentenbol": 3}}


def test_show_skip_pause_and_this_week(village: Runtime, talk: Talk) -> None:
    talk.send("elke donderdag 2 volkorenbroden en een doos van 10 scharreleieren")
    talk.send("ja")
    shown = talk.send("mijn vaste bestelling")
    assert "elke donderdag: 2x Volkorenbrood, 1x Scharreleieren (doos van 10)" in shown
    assert "donderdag 10 december" in shown

    reply = talk.send("deze week ook een appeltaart")
    assert "alleen voor deze keer" in reply and "Appeltaart" in reply
    reply = talk.send("deze week geen eieren")
    assert "Scharreleieren" not in reply.split("komt:")[1]
    with village.sessions() as session:
        week = session.scalars(select(StandingWeek)).one()
        assert week.changes == {"bak-appeltaart": 1, "ei-doos10": 0}
    assert standing(village) == {"thu": {"bak-volkoren": 2, "ei-doos10": 1}}  # kept

    reply = talk.send("volgende week niet")
    assert "donderdag 10 december komt uw vaste bestelling niet" in reply
    assert "donderdag 17 december" in reply
    reply = talk.send("op vakantie tot 12 januari")
    assert "tot en met dinsdag 12 januari" in reply
    assert "donderdag 14 januari" in reply
    with village.sessions() as session:
        assert session.scalars(select(StandingOrder)).one().paused_until == date(2027, 1, 12)


def test_stopping_needs_a_yes(village: Runtime, talk: Talk) -> None:
    talk.send("elke donderdag 2 volkorenbroden")
    talk.send("ja")
    assert "Stuur JA of NEE" in talk.send("stop mijn vaste bestelling")
    assert "blijft" in talk.send("nee")
    assert standing(village) != {}
    talk.send("stop mijn vaste bestelling")
    # Anything else than a yes or no drops the question; a later "ja" stops nothing.
    talk.send("2 krentenbollen")
    talk.send("annuleren")
    assert standing(village) != {}
    talk.send("stop mijn vaste bestelling")
    assert "gestopt" in talk.send("ja")
    assert standing(village) == {}


def test_without_one_my_standing_order_is_still_her_usual(village: Runtime, talk: Talk) -> None:
    reply = talk.send("mijn vaste bestelling")
    assert "Uw bestelling:" in reply  # the usual order read back, as before
    assert "geen vaste bestelling" in talk.send("overslaan")
    assert "geen vaste bestelling" in talk.send("volgende week niet")


def test_offered_after_the_third_like_order(village: Runtime, dialogue: Dialogue) -> None:
    monday = datetime(2026, 12, 7, 9, tzinfo=AMSTERDAM).astimezone(UTC)
    replies = []
    for week in range(3):
        talk = Talk(dialogue, sender=DE_VRIES, now=monday + timedelta(weeks=week))
        talk.send("3 krentenbollen en een speltbrood")
        replies.append(talk.send("ja"))
    assert "elke dinsdag" not in replies[0] and "elke dinsdag" not in replies[1]
    assert "Wilt u dit elke dinsdag?" in replies[2]
    assert "3x Krentenbol" in replies[2]
    assert standing(village) == {}
    assert "Uw vaste bestelling staat" in talk.send("ja")
    assert standing(village) == {"tue": {"bak-krentenbol": 3, "bak-spelt": 1}}


def test_set_up_by_message_then_reminded_and_placed_by_the_worker(
    village: Runtime, talk: Talk, tmp_path: Path
) -> None:
    talk.send("elke donderdag 2 volkorenbroden")
    talk.send("ja")
    senders = default_senders(log_file=tmp_path / "outbox.log", echo=lambda _: None)
    wednesday = datetime(2026, 12, 9, 10, 5, tzinfo=AMSTERDAM).astimezone(UTC)
    work_once(village, senders=senders, now=wednesday)
    work_once(village, senders=senders, now=wednesday + timedelta(hours=10))  # past 20:00
    with village.sessions() as session:
        reminder = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "standing_reminder")
        ).one()
        assert "2x Volkorenbrood" in reminder.text and reminder.recipient == JANSEN
        order = session.scalars(select(Order).where(Order.round_id.is_not(None))).one()
        assert [(line.sku, line.quantity) for line in order.parts[0].lines] == [("bak-volkoren", 2)]
        assert order.delivery_round is not None
        assert order.delivery_round.starts_at.astimezone(AMSTERDAM).date() == date(2026, 12, 10)
