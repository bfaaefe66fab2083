"""A caller with a standing order hears it in the phone menu: what comes next and when, then
1 skips that one delivery and 2 keeps it. Nothing is skipped on silence, a bare yes or a
"niet overslaan"; callers without one hear the menu as before."""

from __future__ import annotations

from sqlalchemy import select

from bot.round_plan import round_plan
from catalog.service import product_by_sku
from core.database import unit_of_work, utcnow
from orders.models import AddressKind
from orders.notices import describe_day
from orders.residents import find_resident
from orders.standing.models import StandingOrder, StandingWeek
from orders.standing.service import StandingLine, first_delivery, set_up
from tests.bot.channels.conftest import JANSEN, Served
from tests.bot.channels.test_voice import Call, check_gather, order_count, spoken

WHITFIELD = "+31612340004"  # the demo village's English speaker


def give_standing(
    served: Served,
    caller: str = JANSEN,
    weekday: str = "thu",
    lines: tuple[tuple[str, int], ...] = (("bak-volkoren", 2), ("ei-doos10", 1)),
) -> tuple[int, str]:
    """Her standing order (2 wholemeal loaves and a box of eggs every Thursday). Returns the
    round it comes with next and that day as the caller hears it."""
    plan = round_plan(served.runtime.settings)
    with unit_of_work(served.runtime.sessions) as session:
        resident = find_resident(session, kind=AddressKind.PHONE, address=caller)
        assert resident is not None
        standing = set_up(
            session,
            resident=resident,
            weekday=weekday,
            lines=[StandingLine(product_by_sku(session, sku=sku), n) for sku, n in lines],
            plan=plan,
            now=utcnow(),
        )
        coming = first_delivery(session, standing=standing, plan=plan, now=utcnow())
        day = describe_day(coming.starts_at, language=resident.language, zone=plan.zone)
        return coming.id, day


def skipped_rounds(served: Served) -> list[int]:
    with served.runtime.sessions() as session:
        return list(
            session.scalars(select(StandingWeek.round_id).where(StandingWeek.skipped.is_(True)))
        )


def still_active(served: Served) -> bool:
    with served.runtime.sessions() as session:
        return bool(session.scalars(select(StandingOrder.active)).one())


def test_the_menu_offers_her_standing_order_and_1_skips_the_coming_delivery(
    served: Served,
) -> None:
    coming, day = give_standing(served)
    before = order_count(served)
    call = Call(served)
    greeting = call.ring()
    check_gather(greeting)
    said = spoken(greeting)
    # The option is added; the keys that were there stay as they were.
    assert "Voor uw vaste bestelling: druk op 3" in said
    assert "Zeg ja, of druk op 1. Zeg nee, of druk op 2." in said
    assert "gewone bestelling" in said and "Druk op 9" in said

    shown = call.press("3")
    check_gather(shown)
    text = spoken(shown)
    assert "Uw vaste bestelling, elke donderdag" in text
    assert "2 Volkorenbrood" in text and "Scharreleieren (doos van 10)" in text
    assert f"De volgende keer is {day}." in text
    assert "Wilt u alleen de volgende keer overslaan? Druk op 1, of zeg overslaan." in text
    assert "Wilt u die houden? Druk op 2, of zeg houden." in text
    # Written for the ear: no "stuur", no written amounts or symbols.
    assert "Stuur" not in text and "OVERSLAAN" not in text and "2x" not in text
    assert "€" not in text and '"' not in text
    assert skipped_rounds(served) == []

    assert call.press("9") is not None and skipped_rounds(served) == []  # heard again

    skipped = call.press("1")
    check_gather(skipped)
    assert f"Goed, op {day} komt uw vaste bestelling niet." in spoken(skipped)
    assert skipped_rounds(served) == [coming]
    assert still_active(served)  # only that one delivery
    assert order_count(served) == before  # nothing ordered either

    # Twilio retries the skip: the same answer, nothing done twice.
    step = int(call.action.rsplit("=", 1)[1])
    retried = call.raw(f"/twilio/voice/gather?step={step - 1}", {"Digits": "1"})
    assert "komt uw vaste bestelling niet" in retried
    assert skipped_rounds(served) == [coming]


def test_a_caller_without_a_standing_order_hears_the_menu_as_before(served: Served) -> None:
    call = Call(served)
    greeting = call.ring()
    check_gather(greeting)
    said = spoken(greeting)
    assert "vaste bestelling" not in said and "druk op 3" not in said.lower()
    assert "gewone bestelling" in said and "Zeg ja, of druk op 1" in said
    assert spoken(call.press("3")).startswith("Die toets ken ik niet.")
    with served.runtime.sessions() as session:
        assert session.scalars(select(StandingWeek)).all() == []


def test_silence_and_timeouts_skip_nothing(served: Served) -> None:
    give_standing(served)
    call = Call(served)
    call.ring()
    call.press("3")
    assert spoken(call.silence()).startswith("Ik hoorde niets.")
    again = call.silence()
    assert spoken(again).startswith("Ik hoorde niets.") and "druk op 1" in spoken(again).lower()
    last = call.silence()
    assert last.find("Gather") is None and last.find("Hangup") is not None
    assert skipped_rounds(served) == []
    assert still_active(served)


def test_2_or_a_spoken_no_keeps_it(served: Served) -> None:
    give_standing(served)
    call = Call(served)
    call.ring()
    call.press("3")
    kept = call.press("2")
    check_gather(kept)
    assert "Goed, uw vaste bestelling blijft zoals hij is." in spoken(kept)
    assert "Wilt u nog iets anders?" in spoken(kept)

    other = Call(served)
    other.ring()
    other.say("vaste bestelling")  # said instead of pressing 3: the same
    assert "blijft zoals hij is" in spoken(other.say("nee"))
    assert skipped_rounds(served) == []


def test_only_a_clear_spoken_skip_skips(served: Served) -> None:
    coming, day = give_standing(served)
    call = Call(served)
    call.ring()
    call.press("3")
    # A bare yes names neither key; "niet overslaan" is no clear skip: asked again.
    for unclear in ("ja", "niet overslaan"):
        again = call.say(unclear)
        assert spoken(again).startswith("Ik weet niet zeker wat u bedoelt.")
        assert "Druk op 1, of zeg overslaan" in spoken(again)
        assert skipped_rounds(served) == []
    assert spoken(call.press("7")).startswith("Die toets ken ik niet.")
    assert skipped_rounds(served) == []

    skipped = call.say("overslaan")
    assert f"op {day} komt uw vaste bestelling niet" in spoken(skipped)
    assert skipped_rounds(served) == [coming]


def test_in_english(served: Served) -> None:
    lines = (("bak-meergranen", 1), ("vis-zalmfilet", 300))
    coming, day = give_standing(served, caller=WHITFIELD, weekday="tue", lines=lines)
    call = Call(served, caller=WHITFIELD)
    greeting = call.ring()
    gather = greeting.find("Gather")
    assert gather is not None and gather.attrib["language"] == "en-GB"
    assert "For your standing order: press 3" in spoken(greeting)
    shown = spoken(call.press("3"))
    assert "Your standing order, every Tuesday" in shown and f"The next time is {day}." in shown
    assert "300 grams" in shown and "300 g " not in shown
    assert "Would you like to skip just the next time? Press 1, or say skip." in shown
    assert "Send" not in shown and "SKIP" not in shown and "2x" not in shown
    assert "does not come" in spoken(call.press("1"))
    assert skipped_rounds(served) == [coming]
