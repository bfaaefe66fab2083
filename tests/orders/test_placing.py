"""Placing and cancelling orders: parts per shop, exact totals, the confirmation, the cut-off."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import Product
from catalog.service import all_products, set_available
from core.database import unit_of_work
from core.gsm7 import count_segments, is_gsm7
from orders.errors import (
    CancelTooLateError,
    EmptyBasketError,
    InvalidQuantityError,
    OrderNotOpenError,
    ProductUnavailableError,
    StatusChangeError,
)
from orders.models import Order, OrderStatus, OutboxMessage
from orders.outbox import list_outbox
from orders.placing import (
    cancel_order,
    list_orders,
    open_orders,
    order_by_id,
    parts_delivered_later,
    place_order,
    set_status,
)
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

USUAL = [("bak-volkoren", 1), ("ei-doos6", 1), ("kaa-belegen", 200), ("zui-halfvolle-melk", 2)]


def outbox(session: Session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_order_is_split_per_shop_with_price_snapshots(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    with unit_of_work(village) as session:
        jansen = resident(session, JANSEN)
        order = place_order(
            session, resident=jansen, lines=wanted(session, [*USUAL, ("bak-krentenbol", 3)]),
            plan=plan, now=MONDAY_MORNING,
        )  # fmt: skip
        order_id = order.id
        # The baker raises his price afterwards; the order keeps what the resident was told.
        bread = session.scalar(select(Product).where(Product.sku == "bak-volkoren"))
        assert bread is not None
        bread.price_cents = 999
    with village() as session:
        order = order_by_id(session, order_id=order_id)
        by_shop = {part.shop.name: part for part in order.parts}
        assert set(by_shop) == {
            "Bakkerij Van Rossum", "Eierboerderij Het Kippenhof", "Kaashuis Rijnzicht",
            "Zuivelboerderij Gansenhoef",
        }  # fmt: skip
        bakery = by_shop["Bakkerij Van Rossum"]
        assert [(line.sku, line.quantity, line.unit_price_cents, line.line_total_cents)
                for line in bakery.lines] == [("bak-volkoren", 1, 335, 335),
                                              ("bak-krentenbol", 3, 90, 270)]  # fmt: skip
        assert bakery.subtotal_cents == 605
        cheese = by_shop["Kaashuis Rijnzicht"].lines[0]
        assert cheese.quantity == 200 and cheese.unit == "kg"
        assert cheese.line_total_cents == (cheese.unit_price_cents * 200 + 500) // 1000
        assert order.total_cents == sum(p.subtotal_cents for p in order.parts)
        assert order.status == OrderStatus.PLACED.value
        assert order.delivery_round is not None
        assert order.delivery_round.starts_at == local(2026, 12, 8, 10)
        assert all(part.round_id == order.round_id for part in order.parts)
        assert parts_delivered_later(order) == []


def test_the_placed_order_is_the_stored_one_and_changes_to_it_are_kept(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    def described(order: Order) -> list[tuple[object, ...]]:
        return [
            (order.id, order.resident_id, order.round_id, order.status, order.total_cents),
            *((p.id, p.order_id, p.shop_id, p.round_id, p.subtotal_cents) for p in order.parts),
            *(
                (line.id, line.part_id, line.sku, line.quantity, line.line_total_cents)
                for p in order.parts
                for line in p.lines
            ),
        ]

    with unit_of_work(village) as session:
        order = place_order(
            session, resident=resident(session, JANSEN),
            lines=wanted(session, [*USUAL, ("vis-kibbeling", 300)]), plan=plan, now=MONDAY_MORNING,
        )  # fmt: skip
        placed = described(order)
        # Cancelled in the same unit of work (as a change of order does with the one before).
        order.status = OrderStatus.CANCELLED.value
        order.parts[0].lines[0].quantity = 2
    with village() as session:
        stored = order_by_id(session, order_id=order.id)
        assert stored.status == OrderStatus.CANCELLED.value
        assert stored.parts[0].lines[0].quantity == 2
        stored.status = OrderStatus.PLACED.value
        stored.parts[0].lines[0].quantity = 1
        assert described(stored) == placed
        assert len({line.id for part in stored.parts for line in part.lines}) == len(USUAL) + 1
        assert len({part.round_id for part in stored.parts}) == 2  # the fish comes later


def test_the_confirmation_goes_where_the_resident_ordered_in_their_language(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    with unit_of_work(village) as session:
        whitfield = resident(session, WHITFIELD)
        order = place_order(
            session, resident=whitfield, lines=wanted(session, [("bak-meergranen", 1)]),
            plan=plan, now=MONDAY_MORNING, channel="telegram", recipient="100000004",
        )  # fmt: skip
        [message] = outbox(session)
    assert (message.kind, message.channel, message.recipient) == (
        "order_confirmation", "telegram", "100000004",
    )  # fmt: skip
    assert message.recipient_name == WHITFIELD
    assert message.payload["order_id"] == order.id
    assert f"Order number: {order.id}" in message.text
    assert "Delivery: Tuesday 8 December between 10:00 and 12:00" in message.text
    assert "Total: € 3,75" in message.text
    assert message.status == "pending"


def test_an_sms_confirmation_is_plain_gsm7_and_short(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    lines = [*USUAL, ("vis-kibbeling", 300), ("gro-elstar", 1500), ("bak-appeltaart", 1)]
    with unit_of_work(village) as session:
        jansen = resident(session, JANSEN)
        order = place_order(
            session, resident=jansen, lines=wanted(session, lines), plan=plan,
            now=MONDAY_MORNING, channel="sms", recipient="+31612340001",
        )  # fmt: skip
        [message] = outbox(session)
        total = order.total_cents
    assert message.channel == "sms" and message.recipient == "+31612340001"
    assert "€" not in message.text
    assert f"Totaal: EUR {total // 100},{total % 100:02d}" in message.text
    assert "Bezorging: dinsdag 8 december tussen 10 en 12 uur" in message.text
    assert "Vishandel Van der Wal bezorgt pas donderdag 10 december" in message.text
    assert "Annuleren kan tot maandag 7 december 20:00 uur" in message.text
    assert is_gsm7(message.text)
    assert count_segments(message.text).count <= 2


def test_without_a_channel_the_confirmation_goes_by_sms_to_the_phone(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    with unit_of_work(village) as session:
        de_vries = resident(session, DE_VRIES)
        place_order(
            session, resident=de_vries, lines=wanted(session, [("bak-wit", 1)]), plan=plan,
            now=MONDAY_MORNING,
        )  # fmt: skip
        [message] = outbox(session)
    assert (message.channel, message.recipient) == ("sms", "+31612340002")


def test_a_voice_order_is_confirmed_by_sms(village: sessionmaker[Session], plan: RoundPlan) -> None:
    with unit_of_work(village) as session:
        place_order(
            session, resident=resident(session, JANSEN), lines=wanted(session, [("bak-wit", 1)]),
            plan=plan, now=MONDAY_MORNING, channel="voice", recipient="+31612340001",
        )  # fmt: skip
        [message] = outbox(session)
    assert (message.channel, message.recipient) == ("sms", "+31612340001")


def test_a_shop_that_does_not_deliver_that_day_sends_its_part_later(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    with unit_of_work(village) as session:
        order = place_order(
            session, resident=resident(session, JANSEN),
            lines=wanted(session, [("bak-stokbrood", 1), ("vis-kibbeling", 300)]),
            plan=plan, now=MONDAY_MORNING,
        )  # fmt: skip
        [later] = parts_delivered_later(order)
        assert later.shop.name == "Vishandel Van der Wal"
        assert later.delivery_round is not None and order.delivery_round is not None
        assert later.delivery_round.starts_at == local(2026, 12, 10, 10)  # Thursday
        assert order.delivery_round.starts_at == local(2026, 12, 8, 10)  # Tuesday


@pytest.mark.parametrize(
    ("lines", "error"),
    [([], EmptyBasketError), ([("bak-wit", 0)], InvalidQuantityError)],
)
def test_an_empty_basket_or_a_zero_amount_is_refused(
    village: sessionmaker[Session], plan: RoundPlan, lines: list[tuple[str, int]], error: type
) -> None:
    with unit_of_work(village) as session:
        with pytest.raises(error):
            place_order(
                session, resident=resident(session, JANSEN), lines=wanted(session, lines),
                plan=plan, now=MONDAY_MORNING,
            )  # fmt: skip
        assert outbox(session) == []


def test_an_unavailable_product_is_refused(village: sessionmaker[Session], plan: RoundPlan) -> None:
    with unit_of_work(village) as session:
        set_available(session, sku="bak-wit", available=False)
        with pytest.raises(ProductUnavailableError) as caught:
            place_order(
                session, resident=resident(session, JANSEN),
                lines=wanted(session, [("bak-wit", 1)]), plan=plan, now=MONDAY_MORNING,
            )  # fmt: skip
    assert caught.value.sku == "bak-wit"


def _place(village: sessionmaker[Session], plan: RoundPlan, lines: list[tuple[str, int]]) -> int:
    with unit_of_work(village) as session:
        return place_order(
            session, resident=resident(session, JANSEN), lines=wanted(session, lines), plan=plan,
            now=MONDAY_MORNING,
        ).id  # fmt: skip


def test_cancel_before_the_cut_off(village: sessionmaker[Session], plan: RoundPlan) -> None:
    order_id = _place(village, plan, [("bak-wit", 1)])
    with unit_of_work(village) as session:
        order = order_by_id(session, order_id=order_id)
        cancel_order(session, order=order, now=local(2026, 12, 7, 19, 59, 59), zone=AMSTERDAM)
    with village() as session:
        order = order_by_id(session, order_id=order_id)
        assert order.status == OrderStatus.CANCELLED.value
        assert order.cancelled_at == local(2026, 12, 7, 19, 59, 59)
        assert open_orders(session, resident_id=order.resident_id) == []
        cancelled = [m for m in outbox(session) if m.kind == "order_cancelled"]
        assert len(cancelled) == 1
        assert f"bestelling {order_id} is geannuleerd" in cancelled[0].text
        assert "dinsdag 8 december" in cancelled[0].text
        with pytest.raises(OrderNotOpenError):
            cancel_order(session, order=order, now=MONDAY_MORNING)


def test_cancel_after_the_cut_off_is_refused_with_order_and_cut_off(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    order_id = _place(village, plan, [("bak-wit", 1)])
    with unit_of_work(village) as session:
        order = order_by_id(session, order_id=order_id)
        with pytest.raises(CancelTooLateError) as caught:
            cancel_order(session, order=order, now=local(2026, 12, 7, 20))
    assert caught.value.order_id == order_id
    assert caught.value.cutoff_at == local(2026, 12, 7, 20)
    with village() as session:
        assert order_by_id(session, order_id=order_id).status == OrderStatus.PLACED.value
        assert [m.kind for m in outbox(session)] == ["order_confirmation"]


def test_open_orders_are_the_ones_still_on_their_way(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    first = _place(village, plan, [("bak-wit", 1)])
    second = _place(village, plan, [("bak-stokbrood", 2)])
    with unit_of_work(village) as session:
        jansen = resident(session, JANSEN)
        assert [o.id for o in open_orders(session, resident_id=jansen.id)] == [first, second]
        order = order_by_id(session, order_id=first)
        order.status = OrderStatus.NOTIFIED.value
        set_status(session, order=order, status=OrderStatus.DELIVERED, now=MONDAY_MORNING)
        assert [o.id for o in open_orders(session, resident_id=jansen.id)] == [second]
        # The demo history (delivered) is listed too, but is not open.
        assert {first, second} < {o.id for o in list_orders(session)}


def test_status_only_moves_forward_after_the_round_closed(
    village: sessionmaker[Session], plan: RoundPlan
) -> None:
    order_id = _place(village, plan, [("bak-wit", 1)])
    with unit_of_work(village) as session:
        order = order_by_id(session, order_id=order_id)
        with pytest.raises(StatusChangeError):  # shops have not been told yet
            set_status(session, order=order, status=OrderStatus.READY, now=MONDAY_MORNING)
        order.status = OrderStatus.NOTIFIED.value
        set_status(session, order=order, status=OrderStatus.READY, now=MONDAY_MORNING)
        before = len(list_outbox(session))
        set_status(session, order=order, status=OrderStatus.OUT_FOR_DELIVERY, now=MONDAY_MORNING)
        on_the_way = list_outbox(session)[before:]
        assert [m.kind for m in on_the_way] == ["order_on_the_way"]
        assert "koerier is onderweg" in on_the_way[0].text
        with pytest.raises(StatusChangeError) as caught:
            set_status(session, order=order, status=OrderStatus.READY, now=MONDAY_MORNING)
        assert (caught.value.current, caught.value.wanted) == ("out_for_delivery", "ready")
        set_status(session, order=order, status=OrderStatus.DELIVERED, now=MONDAY_MORNING)
        assert order.status == "delivered"


# -- every line lands in exactly one part, and the parts add up -----------------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_random_baskets_split_exactly(
    village: sessionmaker[Session], plan: RoundPlan, data: st.DataObject
) -> None:
    with village() as session:
        products = [p for p in all_products(session) if p.available]
        basket = data.draw(
            st.lists(
                st.tuples(
                    st.sampled_from(products),
                    st.integers(min_value=1, max_value=12),
                    st.integers(min_value=50, max_value=5000),
                ),
                min_size=1,
                max_size=12,
            )
        )
        lines = [(p.sku, pieces if p.unit == "piece" else grams) for p, pieces, grams in basket]
        # Each example places inside a savepoint that is rolled back: a clean village each time.
        savepoint = session.begin_nested()
        try:
            order = place_order(
                session, resident=resident(session, JANSEN), lines=wanted(session, lines),
                plan=plan, now=MONDAY_MORNING,
            )  # fmt: skip
            placed = [(line.sku, line.quantity) for part in order.parts for line in part.lines]
            assert sorted(placed) == sorted(lines)
            for part in order.parts:
                assert {line.sku for line in part.lines} <= {
                    p.sku for p in products if p.shop_id == part.shop_id
                }
                assert part.subtotal_cents == sum(line.line_total_cents for line in part.lines)
            assert len({part.shop_id for part in order.parts}) == len(order.parts)
            assert order.total_cents == sum(part.subtotal_cents for part in order.parts)
            prices = {p.sku: p for p in products}
            expected = sum(
                prices[sku].price_cents * qty
                if prices[sku].unit == "piece"
                else (prices[sku].price_cents * qty + 500) // 1000
                for sku, qty in lines
            )
            assert order.total_cents == expected
        finally:
            savepoint.rollback()
