"""A resident's past orders, the memory behind "het gewone"."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from orders.models import Order, OrderPart, OrderStatus

HistoryOrder = list[tuple[str, int]]


def order_history(session: Session, *, resident_id: int, limit: int = 20) -> list[HistoryOrder]:
    """The last `limit` orders that were not cancelled, oldest first, as (sku, quantity)."""
    query = (
        select(Order)
        .where(Order.resident_id == resident_id, Order.status != OrderStatus.CANCELLED.value)
        .options(selectinload(Order.parts).selectinload(OrderPart.lines))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    orders = list(session.scalars(query))
    orders.reverse()
    return [[(line.sku, line.quantity) for part in o.parts for line in part.lines] for o in orders]
