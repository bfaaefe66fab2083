"""The courier's round: pickups, stops in route order, delivered and not home, each told once."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.database import unit_of_work
from core.errors import NotFoundError
from orders.closing import close_round
from orders.delivery import (
    CourierRound,
    DeliveryRefusedError,
    Marked,
    RefusalReason,
    StopState,
    courier_day,
    mark_delivered,
    mark_not_home,
    round_to_deliver,
)
from orders.models import DeliveryRound, OrderPart, OrderStatus, OutboxMessage
from orders.outbox import Recipient
from orders.placing import cancel_order, order_by_id, place_order
from orders.rounds import RoundPlan
from tests.orders.conftest import (
    AMSTERDAM,
    DE_VRIES,
    JANSEN,
    MONDAY_MORNING,
    WHITFIELD,
    local,
    resident,
    wanted,
)

COURIER = Recipient(name="Koerier Bunnik", channel="sms", address="+31612340999")
COORDINATOR = Recipient(name="Stichting Dorpsplein Bunnik", channel="sms", address="+31306560000")
VAN_DAM = "Mevrouw G. van Dam-Koster"
CUTOFF = local(2026, 12, 7, 20)
TUESDAY = local(2026, 12, 8, 10)
AT_THE_DOOR = local(2026, 12, 8, 10, 30)
THURSDAY = local(2026, 12, 10, 10)


def place(
    village: sessionmaker[Session], plan: RoundPlan, name: str, lines: list[tuple[str, int]]
) -> int:
    with unit_of_work(village) as session:
        return place_order(
            session, resident=resident(session, name), lines=wanted(session, lines), plan=plan,
            now=MONDAY_MORNING,
        ).id  # fmt: skip


def close(village: sessionmaker[Session], starts_at: datetime, now: datetime) -> int:
    with unit_of_work(village) as session:
        found = session.scalar(select(DeliveryRound).where(DeliveryRound.starts_at == starts_at))
        assert found is not None
        close_round(session, round=found, now=now, courier=COURIER, zone=AMSTERDAM)
        return found.id


def the_round(village: sessionmaker[Session]) -> CourierRound:
    with village() as session:
        day = courier_day(session, now=AT_THE_DOOR)
        assert day.current is not None
        return day.current


def delivered(
    village: sessionmaker[Session], round_id: int, order_ids: list[int], now: datetime = AT_THE_DOOR
) -> Marked:
    with unit_of_work(village) as session:
        return mark_delivered(
            session, round_id=round_id, order_ids=order_ids, now=now, zone=AMSTERDAM
        )


def not_home(
    village: sessionmaker[Session], round_id: int, order_ids: list[int], now: datetime = AT_THE_DOOR
) -> Marked:
    with unit_of_work(village) as session:
        return mark_not_home(
            session, round_id=round_id, order_ids=order_ids, now=now,
            coordinator=COORDINATOR, coordinator_phone="+31306560000",
        )  # fmt: skip


def messages(village: sessionmaker[Session], kind: str) -> list[OutboxMessage]:
    with village() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def test_before_the_round_closes_there_is_nothing_to_ride_and_the_next_round_is_shown(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    place(village, plan, JANSEN, [("bak-volkoren", 1)])
    with unit_of_work(village) as session:
        day = courier_day(session, now=MONDAY_MORNING, plan=plan)
        assert day.current is None
        assert day.next_starts_at == TUESDAY


def test_the_round_has_pickups_per_shop_then_one_stop_per_resident_in_route_order(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    de_vries = place(village, plan, DE_VRIES, [("bak-wit", 1)])  # Singel 42
    first = place(village, plan, JANSEN, [("bak-volkoren", 1), ("sla-rookworst", 1)])
    van_dam = place(village, plan, VAN_DAM, [("zui-vla", 1)])  # Brinkstraat 7
    second = place(village, plan, JANSEN, [("bak-wit", 1)])  # Julianalaan 18 again
    round_id = close(village, TUESDAY, CUTOFF)
    with unit_of_work(village) as session:
        # The baker has packed one of its three bags.
        part = session.scalar(select(OrderPart).where(OrderPart.order_id == de_vries))
        assert part is not None
        part.ready_at = CUTOFF
    current = the_round(village)
    assert current.round_id == round_id
    pickups = {p.shop: p for p in current.pickups}
    assert (pickups["Bakkerij Van Rossum"].bags, pickups["Bakkerij Van Rossum"].ready) == (3, 1)
    assert pickups["Bakkerij Van Rossum"].street == "Dorpsstraat 14"
    assert not pickups["Bakkerij Van Rossum"].all_ready
    assert pickups["Slagerij Hoogendoorn"].bags == 1
    assert pickups["Zuivelboerderij Gansenhoef"].bags == 1
    assert [s.street for s in current.stops] == ["Brinkstraat 7", "Julianalaan 18", "Singel 42"]
    assert [s.number for s in current.stops] == [1, 2, 3]
    jansen = current.stops[1]
    assert jansen.order_ids == (first, second)
    assert jansen.phone == "+31612340001"
    assert jansen.postcode == "3981 CK"
    assert {(b.shop, b.bags) for b in jansen.bags} == {
        ("Bakkerij Van Rossum", 2), ("Slagerij Hoogendoorn", 1),
    }  # fmt: skip
    assert current.stops[0].order_ids == (van_dam,)
    assert all(s.state is StopState.TO_DO for s in current.stops)
    # The page's route is the courier's list's route.
    [route] = messages(village, "courier_round")
    assert [list(s.order_ids) for s in current.stops] == route.payload["stops"]


def test_delivered_tells_the_resident_once_and_the_order_is_delivered(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    order_id = place(village, plan, JANSEN, [("bak-volkoren", 1)])
    other = place(village, plan, DE_VRIES, [("bak-wit", 1)])
    round_id = close(village, TUESDAY, CUTOFF)
    marked = delivered(village, round_id, [order_id])
    assert marked.changed == (order_id,)
    assert marked.residents == (JANSEN,)
    [message] = messages(village, "order_delivered")
    assert (message.channel, message.recipient) == ("sms", "+31612340001")
    assert f"bestelling {order_id} is bezorgd" in message.text
    assert message.payload == {"order_ids": [order_id], "round_id": round_id}
    with village() as session:
        order = order_by_id(session, order_id=order_id)
        assert order.status == OrderStatus.DELIVERED.value
        assert order.delivered_at == AT_THE_DOOR
    # The second tap changes and sends nothing.
    again = delivered(village, round_id, [order_id], now=local(2026, 12, 8, 10, 31))
    assert again.changed == ()
    assert len(messages(village, "order_delivered")) == 1
    with village() as session:
        assert order_by_id(session, order_id=order_id).delivered_at == AT_THE_DOOR
    stops = the_round(village).stops
    assert [(s.order_ids, s.state) for s in stops] == [
        ((order_id,), StopState.DELIVERED), ((other,), StopState.TO_DO),
    ]  # fmt: skip
    assert stops[0].since == AT_THE_DOOR


def test_not_home_tells_the_resident_and_alerts_the_coordinator_once(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    order_id = place(village, plan, DE_VRIES, [("bak-wit", 1)])
    round_id = close(village, TUESDAY, CUTOFF)
    marked = not_home(village, round_id, [order_id])
    assert marked.changed == (order_id,)
    [told] = messages(village, "order_not_home")
    assert (told.channel, told.recipient) == ("sms", "+31612340002")
    assert "niemand thuis" in told.text
    assert "Stichting Dorpsplein Bunnik belt u" in told.text
    [alert] = messages(village, "coordinator_not_home")
    assert (alert.channel, alert.recipient) == ("sms", "+31306560000")
    assert "Meneer H. de Vries, Singel 42, 3984 HB" in alert.text
    assert "+31612340002" in alert.text
    assert f"Bestelling {order_id}" in alert.text
    with village() as session:
        order = order_by_id(session, order_id=order_id)
        assert order.status == OrderStatus.NOTIFIED.value  # the bags go back with the courier
        assert order.not_home_at == AT_THE_DOOR
    assert not_home(village, round_id, [order_id]).changed == ()
    assert len(messages(village, "order_not_home")) == 1
    assert len(messages(village, "coordinator_not_home")) == 1
    # With every stop done, the round is finished: nothing left to ride.
    with village() as session:
        assert round_to_deliver(session) is None


def test_an_english_resident_is_told_in_english(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    first = place(village, plan, WHITFIELD, [("bak-croissant", 4)])
    second = place(village, plan, WHITFIELD, [("bak-meergranen", 1)])
    round_id = close(village, TUESDAY, CUTOFF)
    not_home(village, round_id, [first, second])
    [told] = messages(village, "order_not_home")
    assert f"orders {first}, {second}, but nobody was home" in told.text
    assert "Stichting Dorpsplein Bunnik will call you" in told.text
    # The courier came back later: delivered after all, in one message for both orders.
    delivered(village, round_id, [first, second], now=local(2026, 12, 8, 11, 30))
    [done] = messages(village, "order_delivered")
    assert f"your orders {first}, {second} have been delivered" in done.text
    assert the_round_is_over(village)


def the_round_is_over(village: sessionmaker[Session]) -> bool:
    with village() as session:
        return round_to_deliver(session) is None


def test_not_home_after_delivered_is_refused(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    order_id = place(village, plan, JANSEN, [("bak-volkoren", 1)])
    round_id = close(village, TUESDAY, CUTOFF)
    delivered(village, round_id, [order_id])
    with pytest.raises(DeliveryRefusedError) as refused:
        not_home(village, round_id, [order_id])
    assert refused.value.reason is RefusalReason.DELIVERED
    assert refused.value.order_id == order_id
    assert messages(village, "coordinator_not_home") == []


def test_an_open_round_a_cancelled_order_and_another_round_are_refused(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    open_order = place(village, plan, JANSEN, [("bak-volkoren", 1)])
    with village() as session:
        tuesday = session.scalar(select(DeliveryRound).where(DeliveryRound.starts_at == TUESDAY))
        assert tuesday is not None
        tuesday_id = tuesday.id
    with pytest.raises(DeliveryRefusedError) as refused:
        delivered(village, tuesday_id, [open_order])
    assert refused.value.reason is RefusalReason.ROUND_OPEN
    cancelled = place(village, plan, DE_VRIES, [("bak-wit", 1)])
    with unit_of_work(village) as session:
        cancel_order(session, order=order_by_id(session, order_id=cancelled), now=MONDAY_MORNING)
    close(village, TUESDAY, CUTOFF)
    with pytest.raises(DeliveryRefusedError) as refused:
        not_home(village, tuesday_id, [cancelled])
    assert refused.value.reason is RefusalReason.CANCELLED
    # Fish comes on Thursday only: that order has no bag on Tuesday's round.
    fish = place(village, plan, VAN_DAM, [("vis-haring", 2)])
    with pytest.raises(DeliveryRefusedError) as refused:
        delivered(village, tuesday_id, [fish])
    assert refused.value.reason is RefusalReason.NOT_IN_ROUND
    with pytest.raises(NotFoundError):
        delivered(village, tuesday_id, [999_999])
    assert messages(village, "order_delivered") == []
    assert messages(village, "order_not_home") == []
    with village() as session:
        assert order_by_id(session, order_id=open_order).delivered_at is None


def test_an_order_over_two_rounds_is_delivered_with_its_last_bag(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    order_id = place(village, plan, JANSEN, [("bak-volkoren", 1), ("vis-haring", 2)])
    tuesday_id = close(village, TUESDAY, CUTOFF)
    tuesday = the_round(village)
    assert [(b.shop, b.bags) for b in tuesday.stops[0].bags] == [("Bakkerij Van Rossum", 1)]
    delivered(village, tuesday_id, [order_id])
    [message] = messages(village, "order_delivered")
    assert "Vishandel Van der Wal bezorgt op donderdag 10 december." in message.text
    with village() as session:
        assert order_by_id(session, order_id=order_id).status == OrderStatus.NOTIFIED.value
        assert round_to_deliver(session) is None
    thursday_id = close(village, THURSDAY, local(2026, 12, 9, 20))
    thursday = the_round(village)
    assert thursday.round_id == thursday_id
    [stop] = thursday.stops
    assert stop.state is StopState.TO_DO
    assert [(b.shop, b.bags) for b in stop.bags] == [("Vishandel Van der Wal", 1)]
    delivered(village, thursday_id, [order_id], now=local(2026, 12, 10, 10, 45))
    with village() as session:
        assert order_by_id(session, order_id=order_id).status == OrderStatus.DELIVERED.value
    assert "bezorgt op" not in messages(village, "order_delivered")[1].text
