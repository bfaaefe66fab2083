"""What a shop prepares: the round it works on, its list, and bags marked ready."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Shop
from core.database import unit_of_work
from core.errors import NotFoundError
from orders.bags import BagNotChangeableError, round_for_shop, round_to_prepare, set_ready
from orders.closing import close_round
from orders.models import OrderPart, OrderStatus
from orders.outbox import Recipient
from orders.placing import cancel_order, order_by_id, place_order, set_status
from orders.rounds import RoundPlan, next_round
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

BAKER = "Bakkerij Van Rossum"
CHEESE = "Kaashuis Rijnzicht"
FISH = "Vishandel Van der Wal"  # thu and sat only
COURIER = Recipient(name="Koerier", channel="log", address="Koerier")
TUESDAY = local(2026, 12, 8, 10)
THURSDAY = local(2026, 12, 10, 10)
AFTER_CUTOFF = local(2026, 12, 7, 20, 1)


def shop(session: Session, name: str) -> Shop:
    found = session.scalar(select(Shop).where(Shop.name == name))
    assert found is not None
    return found


def place(
    village: sessionmaker[Session], plan: RoundPlan, name: str, lines: list[tuple[str, int]]
) -> int:
    with unit_of_work(village) as session:
        return place_order(
            session, resident=resident(session, name), lines=wanted(session, lines), plan=plan,
            now=MONDAY_MORNING,
        ).id  # fmt: skip


def close_tuesday(village: sessionmaker[Session], plan: RoundPlan) -> None:
    with unit_of_work(village) as session:
        tuesday = next_round(session, plan=plan, now=MONDAY_MORNING)
        close_round(session, round=tuesday, now=AFTER_CUTOFF, courier=COURIER, zone=AMSTERDAM)


def part_of(village: sessionmaker[Session], order_id: int, shop_name: str) -> int:
    with village() as session:
        return next(
            p.id for p in order_by_id(session, order_id=order_id).parts if p.shop.name == shop_name
        )


def test_without_orders_a_shop_prepares_its_next_open_round_provisionally(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    with unit_of_work(village) as session:
        baker = shop(session, BAKER)
        tuesday = round_for_shop(session, shop=baker, plan=plan, now=MONDAY_MORNING)
        assert tuesday.starts_at == TUESDAY
        listed = round_to_prepare(
            session, shop=baker, delivery_round=tuesday, now=MONDAY_MORNING, zone=AMSTERDAM
        )
        assert listed.provisional
        assert (listed.totals, listed.bags) == ((), ())
        assert listed.moment == "dinsdag 8 december tussen 10 en 12 uur"
        # The fishmonger does not ride on Tuesdays: its next round is Thursday.
        fish = round_for_shop(session, shop=shop(session, FISH), plan=plan, now=MONDAY_MORNING)
        assert fish.starts_at == THURSDAY


def test_the_list_has_totals_per_product_and_one_bag_per_order_of_this_shop_only(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    first = place(village, plan, JANSEN, [("bak-krentenbol", 4), ("kaa-belegen", 200)])
    place(village, plan, DE_VRIES, [("bak-krentenbol", 2), ("bak-roomboterkoekjes", 1500)])
    cancelled = place(village, plan, WHITFIELD, [("bak-krentenbol", 10)])
    place(village, plan, WHITFIELD, [("kaa-belegen", 300)])
    with unit_of_work(village) as session:
        cancel_order(session, order=order_by_id(session, order_id=cancelled), now=MONDAY_MORNING)
    with unit_of_work(village) as session:
        baker = shop(session, BAKER)
        tuesday = round_for_shop(session, shop=baker, plan=plan, now=MONDAY_MORNING)
        listed = round_to_prepare(
            session, shop=baker, delivery_round=tuesday, now=MONDAY_MORNING, zone=AMSTERDAM
        )
    totals = {(t.name, t.unit): t.quantity for t in listed.totals}
    assert totals == {("Krentenbol", "piece"): 6, ("Roomboterkoekjes", "kg"): 1500}
    assert [b.bag.resident for b in listed.bags] == [JANSEN, DE_VRIES]  # route: Julianalaan, Singel
    jansen = listed.bags[0]
    assert jansen.bag.order_id == first
    assert jansen.part_id == part_of(village, first, BAKER)
    assert [(line.name, line.quantity) for line in jansen.bag.lines] == [("Krentenbol", 4)]
    assert not jansen.ready and not jansen.taken


def test_a_closed_round_with_bags_not_delivered_comes_first_then_the_next_round(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    order_id = place(village, plan, JANSEN, [("bak-volkoren", 1)])
    # After the cut-off, before the worker closed it: the list is final, no longer provisional.
    with unit_of_work(village) as session:
        baker = shop(session, BAKER)
        due = round_for_shop(session, shop=baker, plan=plan, now=AFTER_CUTOFF)
        assert due.starts_at == TUESDAY
        listed = round_to_prepare(
            session, shop=baker, delivery_round=due, now=AFTER_CUTOFF, zone=AMSTERDAM
        )
        assert not listed.provisional
        assert len(listed.bags) == 1
    close_tuesday(village, plan)
    wednesday = AFTER_CUTOFF + timedelta(hours=14)
    with unit_of_work(village) as session:
        assert round_for_shop(
            session, shop=shop(session, BAKER), plan=plan, now=wednesday
        ).starts_at == TUESDAY  # fmt: skip
        # The cheese shop has nothing on Tuesday: it looks ahead to Thursday.
        assert round_for_shop(
            session, shop=shop(session, CHEESE), plan=plan, now=wednesday
        ).starts_at == THURSDAY  # fmt: skip
        set_status(
            session, order=order_by_id(session, order_id=order_id),
            status=OrderStatus.DELIVERED, now=wednesday,
        )  # fmt: skip
    with unit_of_work(village) as session:
        assert round_for_shop(
            session, shop=shop(session, BAKER), plan=plan, now=wednesday
        ).starts_at == THURSDAY  # fmt: skip


def test_a_bag_is_marked_ready_only_after_the_cutoff_and_can_be_taken_back(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    only_baker = place(village, plan, JANSEN, [("bak-volkoren", 1)])
    two_shops = place(village, plan, DE_VRIES, [("bak-wit", 1), ("kaa-belegen", 200)])
    bag = part_of(village, only_baker, BAKER)
    with village() as session:
        baker_id = shop(session, BAKER).id
    with pytest.raises(BagNotChangeableError) as refused, unit_of_work(village) as session:
        set_ready(session, shop_id=baker_id, part_id=bag, ready=True, now=MONDAY_MORNING)
    assert refused.value.reason == "round_open"
    assert refused.value.cutoff_at == local(2026, 12, 7, 20)

    close_tuesday(village, plan)
    later = AFTER_CUTOFF + timedelta(hours=11)
    with unit_of_work(village) as session:
        set_ready(session, shop_id=baker_id, part_id=bag, ready=True, now=later)
        # Marking again keeps the first moment.
        set_ready(session, shop_id=baker_id, part_id=bag, ready=True, now=later + timedelta(1))
    with village() as session:
        part = session.get(OrderPart, bag)
        assert part is not None and part.ready_at == later
        # Its only bag is ready: the order is ready for the courier.
        assert part.order.status == OrderStatus.READY.value

    with unit_of_work(village) as session:
        set_ready(session, shop_id=baker_id, part_id=bag, ready=False, now=later)
    with village() as session:
        part = session.get(OrderPart, bag)
        assert part is not None and part.ready_at is None
        assert part.order.status == OrderStatus.NOTIFIED.value

    # An order with two shops is ready when both bags are.
    with unit_of_work(village) as session:
        set_ready(
            session, shop_id=baker_id, part_id=part_of(village, two_shops, BAKER), ready=True,
            now=later,
        )  # fmt: skip
    with village() as session:
        assert order_by_id(session, order_id=two_shops).status == OrderStatus.NOTIFIED.value


def test_another_shops_bag_or_a_cancelled_orders_bag_is_not_found(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    order_id = place(village, plan, DE_VRIES, [("bak-wit", 1), ("kaa-belegen", 200)])
    cancelled = place(village, plan, JANSEN, [("bak-volkoren", 1)])
    with unit_of_work(village) as session:
        cancel_order(session, order=order_by_id(session, order_id=cancelled), now=MONDAY_MORNING)
    close_tuesday(village, plan)
    with village() as session:
        cheese_id = shop(session, CHEESE).id
        baker_id = shop(session, BAKER).id
    for shop_id, part_id in [
        (cheese_id, part_of(village, order_id, BAKER)),
        (baker_id, part_of(village, cancelled, BAKER)),
        (baker_id, 999_999),
    ]:
        with pytest.raises(NotFoundError), unit_of_work(village) as session:
            set_ready(session, shop_id=shop_id, part_id=part_id, ready=True, now=AFTER_CUTOFF)
    with village() as session:
        assert all(
            part.ready_at is None
            for order in (order_by_id(session, order_id=i) for i in (order_id, cancelled))
            for part in order.parts
        )


def test_a_bag_the_courier_has_taken_cannot_be_changed(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    order_id = place(village, plan, JANSEN, [("bak-volkoren", 1)])
    close_tuesday(village, plan)
    bag = part_of(village, order_id, BAKER)
    with unit_of_work(village) as session:
        baker_id = shop(session, BAKER).id
        set_ready(session, shop_id=baker_id, part_id=bag, ready=True, now=AFTER_CUTOFF)
        set_status(
            session, order=order_by_id(session, order_id=order_id),
            status=OrderStatus.OUT_FOR_DELIVERY, now=AFTER_CUTOFF,
        )  # fmt: skip
    with pytest.raises(BagNotChangeableError) as refused, unit_of_work(village) as session:
        set_ready(session, shop_id=baker_id, part_id=bag, ready=False, now=AFTER_CUTOFF)
    assert refused.value.reason == "taken"
    with village() as session:
        baker = shop(session, BAKER)
        tuesday = round_for_shop(session, shop=baker, plan=plan, now=AFTER_CUTOFF)
        listed = round_to_prepare(
            session, shop=baker, delivery_round=tuesday, now=AFTER_CUTOFF, zone=AMSTERDAM
        )
        assert [(b.ready, b.taken) for b in listed.bags] == [(True, True)]
