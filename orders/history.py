"""A resident's past orders, the memory behind "het gewone"."""

from __future__ import annotations

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from orders.models import Order, OrderLine, OrderPart, OrderStatus

HistoryOrder = list[tuple[str, int]]


def _history_query(limit: int) -> Select[int, str, int]:
    recent = (
        select(Order.id, Order.created_at)
        .where(
            Order.resident_id == bindparam("resident_id"),
            Order.status != OrderStatus.CANCELLED.value,
        )
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
        .subquery()
    )
    return (
        select(recent.c.id, OrderLine.sku, OrderLine.quantity)
        .join(OrderPart, OrderPart.order_id == recent.c.id)
        .join(OrderLine, OrderLine.part_id == OrderPart.id)
        .order_by(recent.c.created_at, recent.c.id, OrderPart.id, OrderLine.id)
    )


# Built once: a statement object keeps its cache key, so each reading is only its execution.
_QUERIES = {20: _history_query(20)}


def order_history(session: Session, *, resident_id: int, limit: int = 20) -> list[HistoryOrder]:
    """The last `limit` orders that were not cancelled, oldest first, as (sku, quantity).

    Read on every message, so it is one plain query rather than a tree of ORM objects.
    """
    query = _QUERIES.get(limit)
    if query is None:
        query = _history_query(limit)
    rows = session.execute(query, {"resident_id": resident_id})
    orders: dict[int, HistoryOrder] = {}
    for order_id, sku, quantity in rows:
        orders.setdefault(order_id, []).append((sku, quantity))
    return list(orders.values())
