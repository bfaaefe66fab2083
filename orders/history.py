"""A resident's past orders, the memory behind "het gewone"."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orders.models import Order, OrderLine, OrderPart, OrderStatus

HistoryOrder = list[tuple[str, int]]


def order_history(session: Session, *, resident_id: int, limit: int = 20) -> list[HistoryOrder]:
    """The last `limit` orders that were not cancelled, oldest first, as (sku, quantity).

    Read on every message, so it is one plain query rather than a tree of ORM objects.
    """
    recent = (
        select(Order.id, Order.created_at)
        .where(Order.resident_id == resident_id, Order.status != OrderStatus.CANCELLED.value)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
        .subquery()
    )
    rows = session.execute(
        select(recent.c.id, OrderLine.sku, OrderLine.quantity)
        .join(OrderPart, OrderPart.order_id == recent.c.id)
        .join(OrderLine, OrderLine.part_id == OrderPart.id)
        .order_by(recent.c.created_at, recent.c.id, OrderPart.id, OrderLine.id)
    )
    orders: dict[int, HistoryOrder] = {}
    for order_id, sku, quantity in rows:
        orders.setdefault(order_id, []).append((sku, quantity))
    return list(orders.values())
