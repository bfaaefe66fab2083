"""Standing orders over several weeks, with the clock moved: reminded once a week, placed once
at each cut-off, skips and pauses respected, dearer and unsold products named and left out.

The worker's own pass (bot.worker.work_once) drives it, as it does in `serve`.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.demo_village import load_demo
from bot.round_plan import round_plan
from bot.senders import default_senders
from bot.wiring import Runtime
from bot.worker import work_once
from catalog.service import product_by_sku
from core.database import unit_of_work
from orders.models import AddressKind, Order, OutboxMessage, Resident
from orders.residents import find_resident
from orders.standing.models import StandingOrder, StandingWeek
from orders.standing.service import (
    NotARoundDayError,
    StandingLine,
    change_this_week,
    pause,
    set_up,
    skip_this_week,
    stop,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
JANSEN = "+31612340001"


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


# Monday 7 December 2026. Rounds: tue, thu, sat 10:00; cut-off 20:00 the day before.
MONDAY = local(2026, 12, 7, 9)


@pytest.fixture
def village(runtime: Runtime) -> Runtime:
    with unit_of_work(runtime.sessions) as session:
        load_demo(session, settings=runtime.settings)
    return runtime


@pytest.fixture
def worker(village: Runtime, tmp_path: Path):  # type: ignore[no-untyped-def]
    senders = default_senders(log_file=tmp_path / "outbox.log", echo=lambda _: None)

    def run(at: datetime) -> None:
        work_once(village, senders=senders, now=at)

    return run


def jansen(session) -> Resident:  # type: ignore[no-untyped-def]
    resident = find_resident(session, kind=AddressKind.PHONE, address=JANSEN)
    assert resident is not None
    return resident


def thursday_bread_and_eggs(village: Runtime, *, at: datetime = MONDAY) -> int:
    with unit_of_work(village.sessions) as session:
        standing = set_up(
            session,
            resident=jansen(session),
            weekday="thu",
            lines=[
                StandingLine(product_by_sku(session, sku="bak-volkoren"), 2),
                StandingLine(product_by_sku(session, sku="ei-doos10"), 1),
            ],
            plan=round_plan(village.settings),
            now=at,
        )
        return standing.id


def messages(village: Runtime, kind: str) -> list[OutboxMessage]:
    with village.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
            )
        )


def standing_orders_placed(village: Runtime) -> list[Order]:
    with village.sessions() as session:
        ids = session.scalars(
            select(StandingWeek.order_id).where(StandingWeek.order_id.is_not(None))
        ).all()
        found = session.scalars(select(Order).where(Order.id.in_(ids)).order_by(Order.id)).all()
        for order in found:
            _ = [line.sku for part in order.parts for line in part.lines]
        session.expunge_all()
        return list(found)


def skus(order: Order) -> dict[str, int]:
    return {line.sku: line.quantity for part in order.parts for line in part.lines}


def walk(run, start: datetime, end: datetime, *, step: timedelta = timedelta(hours=1)) -> None:  # type: ignore[no-untyped-def]
    """Worker passes every `step` from start to end, as a worker would make them."""
    moment = start
    while moment <= end:
        run(moment)
        moment += step


def test_three_weeks_one_reminder_and_one_order_each_week(village: Runtime, worker) -> None:  # type: ignore[no-untyped-def]
    thursday_bread_and_eggs(village)
    walk(worker, MONDAY, local(2026, 12, 25, 12))
    reminders = messages(village, "standing_reminder")
    # Thursdays 10, 17 and 24 December: reminded on the Wednesday at 10:00, once each.
    assert [m.created_at.astimezone(AMSTERDAM).date() for m in reminders] == [
        date(2026, 12, 9), date(2026, 12, 16), date(2026, 12, 23),
    ]  # fmt: skip
    assert "Volkorenbrood" in reminders[0].text and "OVERSLAAN" in reminders[0].text
    placed = standing_orders_placed(village)
    assert len(placed) == 3
    assert all(skus(o) == {"bak-volkoren": 2, "ei-doos10": 1} for o in placed)
    with village.sessions() as session:
        days = [
            session.get(Order, o.id).delivery_round.starts_at.astimezone(AMSTERDAM).date()  # type: ignore[union-attr]
            for o in placed
        ]
    assert days == [date(2026, 12, 10), date(2026, 12, 17), date(2026, 12, 24)]
    # Each was confirmed like any order, and is on the baker's round list.
    assert len(messages(village, "order_confirmation")) == 3
    lists = [
        m for m in messages(village, "shop_round") if m.recipient_name == "Bakkerij Van Rossum"
    ]
    assert any(placed[0].id in m.payload["order_ids"] for m in lists)


def test_two_workers_at_the_same_moments_remind_once_and_place_once(
    village: Runtime,
    worker,  # type: ignore[no-untyped-def]
) -> None:
    thursday_bread_and_eggs(village)
    moments = [local(2026, 12, 9, 10), local(2026, 12, 9, 20), local(2026, 12, 9, 21)]
    for moment in moments:
        threads = [threading.Thread(target=worker, args=(moment,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(messages(village, "standing_reminder")) == 1
    assert len(standing_orders_placed(village)) == 1
    with village.sessions() as session:
        assert session.scalar(select(Order.id).where(Order.status == "cancelled")) is None


def test_a_standing_order_set_up_after_the_cut_off_starts_the_week_after(
    village: Runtime,
    worker,  # type: ignore[no-untyped-def]
) -> None:
    thursday_bread_and_eggs(village, at=local(2026, 12, 9, 21))
    walk(worker, local(2026, 12, 9, 21), local(2026, 12, 17, 12))
    placed = standing_orders_placed(village)
    assert len(placed) == 1
    with village.sessions() as session:
        order = session.get(Order, placed[0].id)
        assert order is not None and order.delivery_round is not None
        assert order.delivery_round.starts_at.astimezone(AMSTERDAM).date() == date(2026, 12, 17)


def test_skip_pause_and_this_weeks_changes(village: Runtime, worker) -> None:  # type: ignore[no-untyped-def]
    standing_id = thursday_bread_and_eggs(village)
    plan = round_plan(village.settings)
    with unit_of_work(village.sessions) as session:
        standing = session.get(StandingOrder, standing_id)
        assert standing is not None
        # Week 1 (10 Dec): skipped. Week 2 (17 Dec): also an apple pie, no eggs.
        skip_this_week(session, standing=standing, plan=plan, now=MONDAY)
        change_this_week(
            session, standing=standing, plan=plan, now=local(2026, 12, 11, 9),
            changes={"bak-appeltaart": 1, "ei-doos10": 0},
        )  # fmt: skip
    walk(worker, MONDAY, local(2026, 12, 18, 12))
    placed = standing_orders_placed(village)
    assert [skus(o) for o in placed] == [{"bak-volkoren": 2, "bak-appeltaart": 1}]
    # Skipped weeks get no reminder either.
    assert len(messages(village, "standing_reminder")) == 1
    # On holiday until 2 January: nothing on 24 and 31 December; 7 January again as usual.
    with unit_of_work(village.sessions) as session:
        standing = session.get(StandingOrder, standing_id)
        assert standing is not None
        pause(session, standing=standing, until=date(2027, 1, 2))
    walk(worker, local(2026, 12, 18, 13), local(2027, 1, 8, 12), step=timedelta(hours=3))
    placed = standing_orders_placed(village)
    assert len(placed) == 2
    assert skus(placed[-1]) == {"bak-volkoren": 2, "ei-doos10": 1}  # the change was one week


def test_a_dearer_product_and_one_off_sale_are_named_and_left_out(
    village: Runtime,
    worker,  # type: ignore[no-untyped-def]
) -> None:
    thursday_bread_and_eggs(village)
    with unit_of_work(village.sessions) as session:
        bread = product_by_sku(session, sku="bak-volkoren")
        bread.price_cents = 503  # was 3,35: 50% dearer
    walk(worker, MONDAY, local(2026, 12, 9, 12))
    reminder = messages(village, "standing_reminder")[0].text
    assert "Volkorenbrood is duurder geworden" in reminder
    assert "€ 5,03" in reminder or "5,03" in reminder
    with unit_of_work(village.sessions) as session:
        eggs = product_by_sku(session, sku="ei-doos10")
        eggs.available = False
    walk(worker, local(2026, 12, 9, 13), local(2026, 12, 10, 12))
    # Nothing left to send: no order, and she is told so.
    assert standing_orders_placed(village) == []
    told = messages(village, "standing_nothing")
    assert len(told) == 1 and "Volkorenbrood" in told[0].text


def test_a_small_price_rise_is_accepted_at_the_current_price(
    village: Runtime,
    worker,  # type: ignore[no-untyped-def]
) -> None:
    thursday_bread_and_eggs(village)
    with unit_of_work(village.sessions) as session:
        product_by_sku(session, sku="bak-volkoren").price_cents = 345  # +3%
    walk(worker, MONDAY, local(2026, 12, 10, 12))
    placed = standing_orders_placed(village)
    assert len(placed) == 1
    with village.sessions() as session:
        lines = session.get(Order, placed[0].id).parts[0].lines  # type: ignore[union-attr]
        assert {line.sku: line.unit_price_cents for line in lines}["bak-volkoren"] == 345


def test_a_stopped_standing_order_places_nothing(village: Runtime, worker) -> None:  # type: ignore[no-untyped-def]
    standing_id = thursday_bread_and_eggs(village)
    with unit_of_work(village.sessions) as session:
        standing = session.get(StandingOrder, standing_id)
        assert standing is not None
        stop(session, standing=standing, now=MONDAY)
    walk(worker, MONDAY, local(2026, 12, 18, 12), step=timedelta(hours=2))
    assert messages(village, "standing_reminder") == []
    assert standing_orders_placed(village) == []


def test_only_a_round_day_can_have_a_standing_order(village: Runtime) -> None:
    with unit_of_work(village.sessions) as session, pytest.raises(NotARoundDayError):
        set_up(
            session,
            resident=jansen(session),
            weekday="wed",
            lines=[StandingLine(product_by_sku(session, sku="bak-volkoren"), 1)],
            plan=round_plan(village.settings),
            now=MONDAY,
        )


def test_one_standing_order_per_resident_per_day_the_second_replaces_it(
    village: Runtime,
) -> None:
    first = thursday_bread_and_eggs(village)
    with unit_of_work(village.sessions) as session:
        again = set_up(
            session,
            resident=jansen(session),
            weekday="thu",
            lines=[StandingLine(product_by_sku(session, sku="bak-spelt"), 1)],
            plan=round_plan(village.settings),
            now=MONDAY,
        )
        assert again.id == first
        assert [line["sku"] for line in again.lines] == ["bak-spelt"]
        assert len(session.scalars(select(StandingOrder)).all()) == 1


def test_her_standing_order_is_in_her_export_and_goes_when_she_is_forgotten(
    village: Runtime,
) -> None:
    from conversations.privacy import export_resident, forget_resident

    thursday_bread_and_eggs(village)
    with unit_of_work(village.sessions) as session:
        exported = export_resident(session, phone=JANSEN, now=MONDAY)
        assert exported["standing_orders"][0]["weekday"] == "thu"
        assert exported["standing_orders"][0]["lines"][0] == {"sku": "bak-volkoren", "quantity": 2}
        forget_resident(session, phone=JANSEN, now=MONDAY)
    with village.sessions() as session:
        assert session.scalars(select(StandingOrder)).all() == []
