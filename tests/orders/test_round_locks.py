"""Orders and a round's closing at the same moment.

Residents ordering on one round never queue behind each other; a round closing meanwhile
either lists an order being placed (it waits for it) or has the order refused or moved to a
later round (the order waits for the close). On SQLite one transaction writes at a time by
design, so only the PostgreSQL run shows residents ordering side by side.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from core.database import unit_of_work
from orders.closing import close_round
from orders.errors import QuoteChangedError
from orders.models import DeliveryRound, OrderStatus
from orders.placing import order_by_id, place_order
from orders.rounds import RoundPlan, next_round
from tests.orders.conftest import DE_VRIES, JANSEN, MONDAY_MORNING, resident, wanted
from tests.orders.test_closing import COURIER, CUTOFF, TUESDAY, close_tuesday

# Long enough for any lock that should not be there to show, short enough to end the test.
WAITING = 1.0


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run `work` in a thread; what it returned or raised ends up in the dict."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except Exception as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def tuesday_exists(village: sessionmaker[Session], plan: RoundPlan) -> None:
    # The round is there before anyone orders (the worker makes rounds ahead of time).
    with unit_of_work(village) as session:
        assert next_round(session, plan=plan, now=MONDAY_MORNING).starts_at == TUESDAY


def order(village: sessionmaker[Session], plan: RoundPlan, name: str) -> int:
    with unit_of_work(village) as session:
        if session.get_bind().dialect.name == "postgresql":
            # A lock that should not be taken fails the test instead of hanging it.
            session.execute(text("SET LOCAL lock_timeout = '10s'"))
        return place_order(
            session, resident=resident(session, name), lines=wanted(session, [("bak-volkoren", 1)]),
            plan=plan, now=MONDAY_MORNING,
        ).id  # fmt: skip


def test_two_residents_order_on_one_round_at_the_same_moment(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    if village.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time")
    tuesday_exists(village, plan)
    with unit_of_work(village) as first:
        place_order(
            first, resident=resident(first, JANSEN), lines=wanted(first, [("ei-doos6", 1)]),
            plan=plan, now=MONDAY_MORNING,
        )  # fmt: skip
        # Her order is placed but her message is still being answered: his goes through.
        other, outcome = in_thread(lambda: order(village, plan, DE_VRIES))
        other.join(timeout=30)
        assert not other.is_alive() and "error" not in outcome, outcome
    with village() as session:
        placed = order_by_id(session, order_id=outcome["result"])
        assert placed.delivery_round is not None
        assert placed.delivery_round.starts_at == TUESDAY


def test_a_round_closing_while_an_order_is_placed_waits_and_lists_it(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    tuesday_exists(village, plan)
    with unit_of_work(village) as first:
        order_id = place_order(
            first, resident=resident(first, JANSEN), lines=wanted(first, [("ei-doos6", 1)]),
            plan=plan, now=MONDAY_MORNING,
        ).id  # fmt: skip
        closing, outcome = in_thread(lambda: close_tuesday(village, plan))
        closing.join(timeout=WAITING)
        assert closing.is_alive(), "the round closed with an order still being placed"
    closing.join(timeout=30)
    assert outcome["result"].orders == 1
    with village() as session:
        assert order_by_id(session, order_id=order_id).status == OrderStatus.NOTIFIED.value


def test_an_order_placed_while_its_round_closes_is_not_lost_off_the_lists(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    tuesday_exists(village, plan)
    with unit_of_work(village) as session:
        tuesday = session.scalar(select(DeliveryRound).where(DeliveryRound.starts_at == TUESDAY))
        assert tuesday is not None
        report = close_round(session, round=tuesday, now=CUTOFF, courier=COURIER, zone=plan.zone)
        assert report.closed_now and report.orders == 0
        placing, outcome = in_thread(lambda: order(village, plan, JANSEN))
        placing.join(timeout=WAITING)
        assert placing.is_alive(), "an order was placed on a round that was closing"
    placing.join(timeout=30)
    if "error" in outcome:
        # Shown the later round, to say yes to again (PostgreSQL: it had quoted Tuesday).
        assert isinstance(outcome["error"], QuoteChangedError), outcome
        assert {change.kind for change in outcome["error"].changes} == {"round"}
        return
    with village() as session:
        placed = order_by_id(session, order_id=outcome["result"])
        assert placed.delivery_round is not None
        assert placed.delivery_round.starts_at > TUESDAY
