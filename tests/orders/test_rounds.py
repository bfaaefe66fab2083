"""Which round an order rides on: weekdays, the cut-off to the second, and summer time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Shop
from catalog.service import shop_by_name
from core.database import unit_of_work
from orders.errors import NoRoundForShopError
from orders.models import DeliveryRound
from orders.rounds import (
    RoundPlan,
    list_rounds,
    next_round,
    next_round_for_shop,
    rounds_due_for_closing,
)
from tests.orders.conftest import AMSTERDAM, local


def starts_local(delivery_round: DeliveryRound) -> datetime:
    return delivery_round.starts_at.astimezone(AMSTERDAM)


@pytest.mark.parametrize(
    ("now", "expected_start"),
    [
        # Monday morning: Tuesday's round (cut-off Monday 20:00).
        (local(2026, 12, 7, 9), local(2026, 12, 8, 10)),
        # Tuesday during the round: Thursday.
        (local(2026, 12, 8, 11), local(2026, 12, 10, 10)),
        # Wednesday 19:00: still Thursday.
        (local(2026, 12, 9, 19), local(2026, 12, 10, 10)),
        # Friday 21:00: Saturday is closed, so next Tuesday.
        (local(2026, 12, 11, 21), local(2026, 12, 15, 10)),
        # Sunday: Tuesday.
        (local(2026, 12, 13, 12), local(2026, 12, 15, 10)),
    ],
)
def test_next_round_across_the_week(
    sessions: sessionmaker[Session], plan: RoundPlan, now: datetime, expected_start: datetime
) -> None:
    with unit_of_work(sessions) as session:
        delivery_round = next_round(session, plan=plan, now=now)
        assert delivery_round.starts_at == expected_start
        assert delivery_round.ends_at == expected_start + timedelta(hours=2)
        assert delivery_round.cutoff_at == local(*_day_before(expected_start), 20)
        assert delivery_round.status == "open"


def _day_before(moment: datetime) -> tuple[int, int, int]:
    day = moment.astimezone(AMSTERDAM).date() - timedelta(days=1)
    return day.year, day.month, day.day


def test_cut_off_boundary_to_the_second(sessions: sessionmaker[Session], plan: RoundPlan) -> None:
    cutoff = local(2026, 12, 7, 20)
    with unit_of_work(sessions) as session:
        before = next_round(session, plan=plan, now=cutoff - timedelta(seconds=1))
        at = next_round(session, plan=plan, now=cutoff)
        after = next_round(session, plan=plan, now=cutoff + timedelta(seconds=1))
    assert starts_local(before).day == 8  # Tuesday
    assert starts_local(at).day == 10  # the cut-off itself is too late
    assert starts_local(after).day == 10  # Thursday


def test_rounds_are_created_once_and_shared(
    sessions: sessionmaker[Session], plan: RoundPlan
) -> None:
    with unit_of_work(sessions) as session:
        first = next_round(session, plan=plan, now=local(2026, 12, 7, 9)).id
    with unit_of_work(sessions) as session:
        again = next_round(session, plan=plan, now=local(2026, 12, 7, 19, 30)).id
        count = session.scalar(select(func.count()).select_from(DeliveryRound))
    assert first == again
    assert count == 1


def test_times_are_stored_in_utc_across_the_autumn_dst_change(
    sessions: sessionmaker[Session], plan: RoundPlan
) -> None:
    # Summer time ends Sunday 25 October 2026 at 03:00.
    with unit_of_work(sessions) as session:
        saturday = next_round(session, plan=plan, now=local(2026, 10, 23, 12))
        tuesday = next_round(session, plan=plan, now=local(2026, 10, 25, 12))
    with sessions() as session:
        stored = {r.id: r for r in list_rounds(session)}
    assert stored[saturday.id].starts_at == datetime(2026, 10, 24, 8, 0, tzinfo=UTC)  # CEST
    assert stored[tuesday.id].starts_at == datetime(2026, 10, 27, 9, 0, tzinfo=UTC)  # CET
    assert stored[tuesday.id].cutoff_at == datetime(2026, 10, 26, 19, 0, tzinfo=UTC)
    assert starts_local(stored[saturday.id]).hour == starts_local(stored[tuesday.id]).hour == 10


def test_a_cut_off_on_the_night_summer_time_starts(sessions: sessionmaker[Session]) -> None:
    # Monday rounds with a cut-off on Sunday 29 March 2026 at 20:00, the day the clocks go forward.
    plan = RoundPlan(
        days=("mon",),
        start=time(9),
        end=time(11),
        cutoff=time(20),
        cutoff_days_before=1,
        zone=AMSTERDAM,
    )
    with unit_of_work(sessions) as session:
        monday = next_round(session, plan=plan, now=local(2026, 3, 28, 12))
        late = next_round(session, plan=plan, now=datetime(2026, 3, 29, 18, 0, 1, tzinfo=UTC))
    assert monday.cutoff_at == datetime(2026, 3, 29, 18, 0, tzinfo=UTC)  # 20:00 CEST
    assert monday.starts_at == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert late.starts_at == datetime(2026, 4, 6, 7, 0, tzinfo=UTC)


def test_a_shop_that_does_not_supply_that_weekday_gets_its_next_round(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    now = local(2026, 12, 9, 9)  # Wednesday: the next round is Thursday
    with unit_of_work(village) as session:
        thursday = next_round(session, plan=plan, now=now)
        eggs = _shop(session, "Eierboerderij Het Kippenhof")  # tue, sat
        fish = _shop(session, "Vishandel Van der Wal")  # thu, sat
        baker = _shop(session, "Bakkerij Van Rossum")  # every round
        egg_round = next_round_for_shop(session, plan=plan, shop=eggs, now=now, not_before=thursday)
        assert (
            next_round_for_shop(session, plan=plan, shop=fish, now=now, not_before=thursday)
            == thursday
        )
        assert (
            next_round_for_shop(session, plan=plan, shop=baker, now=now, not_before=thursday)
            == thursday
        )
    assert starts_local(thursday).date().isoformat() == "2026-12-10"
    assert starts_local(egg_round).date().isoformat() == "2026-12-12"  # Saturday


def test_a_shop_whose_days_never_meet_the_rounds_is_an_error(
    sessions: sessionmaker[Session], plan: RoundPlan
) -> None:
    with unit_of_work(sessions) as session:
        shop = Shop(name="Zondagsbakker", delivery_days="sun")
        session.add(shop)
        tuesday = next_round(session, plan=plan, now=local(2026, 12, 7, 9))
        with pytest.raises(NoRoundForShopError) as caught:
            next_round_for_shop(
                session, plan=plan, shop=shop, now=local(2026, 12, 7, 9), not_before=tuesday
            )
    assert caught.value.shop == "Zondagsbakker"


def test_a_round_closed_early_takes_no_more_orders(
    sessions: sessionmaker[Session], plan: RoundPlan
) -> None:
    now = local(2026, 12, 7, 9)
    with unit_of_work(sessions) as session:
        tuesday = next_round(session, plan=plan, now=now)
        tuesday.status = "closed"
        tuesday.closed_at = now
    with unit_of_work(sessions) as session:
        assert starts_local(next_round(session, plan=plan, now=now)).day == 10


def test_rounds_due_for_closing_are_the_open_ones_past_their_cut_off(
    sessions: sessionmaker[Session], plan: RoundPlan
) -> None:
    with unit_of_work(sessions) as session:
        tuesday = next_round(session, plan=plan, now=local(2026, 12, 7, 9))
        thursday = next_round(session, plan=plan, now=local(2026, 12, 8, 9))
    with unit_of_work(sessions) as session:
        assert rounds_due_for_closing(session, now=local(2026, 12, 7, 19, 59, 59)) == []
        due = rounds_due_for_closing(session, now=local(2026, 12, 7, 20))
        assert [r.id for r in due] == [tuesday.id]
        due = rounds_due_for_closing(session, now=local(2026, 12, 9, 21))
        assert [r.id for r in due] == [tuesday.id, thursday.id]


def test_a_cut_off_after_the_start_is_refused() -> None:
    with pytest.raises(ValueError, match="cut-off"):
        RoundPlan(
            days=("tue",), start=time(10), end=time(12), cutoff=time(11),
            cutoff_days_before=0, zone=AMSTERDAM,
        )  # fmt: skip


def _shop(session: Session, name: str) -> Shop:
    shop = shop_by_name(session, name=name)
    assert shop is not None
    return shop
