"""Closing a round: one bundled list per shop, one route for the courier, once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.database import unit_of_work
from orders.closing import CloseReport, close_round, street_order
from orders.errors import CancelTooLateError
from orders.models import DeliveryRound, OrderStatus, OutboxMessage
from orders.outbox import Recipient
from orders.placing import cancel_order, order_by_id, place_order
from orders.rounds import RoundPlan, next_round, round_by_id
from tests.orders.conftest import (
    AMSTERDAM,
    DE_VRIES,
    JANSEN,
    MONDAY_MORNING,
    local,
    resident,
    wanted,
)

COURIER = Recipient(name="Koerier Bunnik", channel="sms", address="+31612340999")
CUTOFF = local(2026, 12, 7, 20)
TUESDAY = local(2026, 12, 8, 10)


def place(
    village: sessionmaker[Session], plan: RoundPlan, name: str, lines: list[tuple[str, int]]
) -> int:
    with unit_of_work(village) as session:
        return place_order(
            session, resident=resident(session, name), lines=wanted(session, lines), plan=plan,
            now=MONDAY_MORNING,
        ).id  # fmt: skip


def close_tuesday(
    village: sessionmaker[Session], plan: RoundPlan, now: datetime = CUTOFF
) -> CloseReport:
    with unit_of_work(village) as session:
        tuesday = session.scalar(select(DeliveryRound).where(DeliveryRound.starts_at == TUESDAY))
        if tuesday is None:
            tuesday = next_round(session, plan=plan, now=MONDAY_MORNING)
        assert tuesday.starts_at == TUESDAY
        return close_round(session, round=tuesday, now=now, courier=COURIER, zone=AMSTERDAM)


def messages(village: sessionmaker[Session], kind: str) -> list[OutboxMessage]:
    with village() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def test_each_involved_shop_gets_one_bundled_list(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    first = place(village, plan, JANSEN, [("bak-volkoren", 2), ("kaa-belegen", 200)])
    second = place(village, plan, DE_VRIES, [("bak-volkoren", 3), ("bak-wit", 1)])
    third = place(village, plan, JANSEN, [("bak-krentenbol", 4), ("kaa-belegen", 1300)])
    report = close_tuesday(village, plan)
    assert report.closed_now
    assert report.orders == 3
    assert sorted(report.shops) == ["Bakkerij Van Rossum", "Kaashuis Rijnzicht"]
    shop_lists = messages(village, "shop_round")
    assert len(shop_lists) == 2
    by_shop = {m.recipient_name: m for m in shop_lists}
    baker = by_shop["Bakkerij Van Rossum"]
    # Channel and address as the shop asked for them; SMS text stays GSM-7.
    assert (baker.channel, baker.recipient) == ("sms", "+31612340101")
    assert "Volkorenbrood: 5" in baker.text
    assert "Krentenbol: 4" in baker.text
    assert "Wit casinobrood: 1" in baker.text
    assert "3 tassen" in baker.text
    for order_id in (first, second, third):
        assert f"bestelling {order_id}" in baker.text
    assert "Mevrouw A. Jansen, Julianalaan 18" in baker.text
    assert "Meneer H. de Vries, Singel 42" in baker.text
    assert "2x Volkorenbrood" in baker.text
    cheese = by_shop["Kaashuis Rijnzicht"]
    assert (cheese.channel, cheese.recipient) == ("telegram", "700000104")
    assert "Goudse kaas belegen: 1,5 kg" in cheese.text
    assert "1,3 kg" in cheese.text and "200 g" in cheese.text
    assert "Slagerij" not in " ".join(m.text for m in shop_lists)
    with village() as session:
        for order_id in (first, second, third):
            assert order_by_id(session, order_id=order_id).status == OrderStatus.NOTIFIED.value
        assert round_by_id(session, round_id=report.round_id).status == "closed"


def test_the_courier_gets_pickups_then_addresses_in_street_order(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    place(village, plan, DE_VRIES, [("bak-wit", 1)])  # Singel 42
    place(village, plan, JANSEN, [("bak-volkoren", 1), ("sla-rookworst", 1)])  # Julianalaan 18
    place(village, plan, "Mevrouw G. van Dam-Koster", [("zui-vla", 1)])  # Brinkstraat 7
    place(village, plan, JANSEN, [("bak-wit", 1)])  # the same stop again
    close_tuesday(village, plan)
    [route] = messages(village, "courier_round")
    assert (route.channel, route.recipient, route.recipient_name) == (
        "sms", "+31612340999", "Koerier Bunnik",
    )  # fmt: skip
    text = route.text
    pickup, deliveries = text.split("Bezorgen")
    assert "Bakkerij Van Rossum, Dorpsstraat 14: 3 tassen" in pickup
    assert "Slagerij Hoogendoorn, Stationsweg 3: 1 tas" in pickup
    assert "Zuivelboerderij Gansenhoef" in pickup
    stops = [line for line in deliveries.splitlines() if line[:1].isdigit()]
    assert [s.split(". ", 1)[1].split(",")[0] for s in stops] == [
        "Brinkstraat 7", "Julianalaan 18", "Singel 42",
    ]  # fmt: skip
    assert len(route.payload["stops"]) == 3
    assert len(route.payload["stops"][1]) == 2  # Jansen's two orders, one visit


def test_street_order_sorts_house_numbers_as_numbers() -> None:
    addresses = [
        ("Dorpsstraat 12", "3981 AB"), ("Dorpsstraat 2", "3981 AB"), ("Dorpsstraat 2a", "3981 AB"),
        ("Beukenlaan 100", "3984 XY"), ("Dorpsstraat 12", "3981 AA"), ("dorpsstraat 3", "3981 AB"),
    ]  # fmt: skip
    ordered = sorted(addresses, key=lambda a: street_order(*a))
    assert ordered == [
        ("Beukenlaan 100", "3984 XY"), ("Dorpsstraat 2", "3981 AB"), ("Dorpsstraat 2a", "3981 AB"),
        ("dorpsstraat 3", "3981 AB"), ("Dorpsstraat 12", "3981 AA"), ("Dorpsstraat 12", "3981 AB"),
    ]  # fmt: skip


def test_closing_twice_writes_nothing_the_second_time(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    place(village, plan, JANSEN, [("bak-volkoren", 1)])
    first = close_tuesday(village, plan)
    second = close_tuesday(village, plan, now=CUTOFF.replace(hour=23))
    assert first.closed_now and first.messages == 2
    assert not second.closed_now and second.messages == 0
    assert len(messages(village, "shop_round")) == 1
    assert len(messages(village, "courier_round")) == 1
    with village() as session:
        assert round_by_id(session, round_id=first.round_id).closed_at == CUTOFF


def test_a_round_without_orders_is_closed_silently(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    report = close_tuesday(village, plan)
    assert report.closed_now and report.orders == 0 and report.messages == 0
    with village() as session:
        assert list(session.scalars(select(OutboxMessage))) == []
        assert round_by_id(session, round_id=report.round_id).status == "closed"


def test_cancelled_orders_and_later_parts_stay_off_the_lists(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    cancelled = place(village, plan, DE_VRIES, [("sla-rookworst", 1)])
    kept = place(village, plan, JANSEN, [("bak-stokbrood", 1), ("vis-kibbeling", 300)])
    with unit_of_work(village) as session:
        cancel_order(session, order=order_by_id(session, order_id=cancelled), now=MONDAY_MORNING)
    report = close_tuesday(village, plan)
    assert report.shops == ("Bakkerij Van Rossum",)
    [route] = messages(village, "courier_round")
    assert "Kibbeling" not in messages(village, "shop_round")[0].text
    assert "Singel 42" not in route.text
    with village() as session:
        # The fish rides on Thursday's round; cancelling is now too late for the whole order.
        order = order_by_id(session, order_id=kept)
        assert order.status == OrderStatus.NOTIFIED.value
        try:
            cancel_order(session, order=order, now=CUTOFF)
        except CancelTooLateError as error:
            assert error.order_id == kept
        else:
            raise AssertionError("cancelling after the cut-off must be refused")


def test_a_round_closed_early_refuses_cancellation_before_its_cut_off(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    order_id = place(village, plan, JANSEN, [("bak-stokbrood", 1)])
    close_tuesday(village, plan, now=local(2026, 12, 7, 12))
    with unit_of_work(village) as session:
        order = order_by_id(session, order_id=order_id)
        try:
            cancel_order(session, order=order, now=local(2026, 12, 7, 13))
        except CancelTooLateError as error:
            assert error.cutoff_at == local(2026, 12, 7, 12)
        else:
            raise AssertionError("a closed round's orders are with the shops already")
