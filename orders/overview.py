"""What the coordinator looks at: the coming rounds with their totals, orders, the outbox.

Read-only queries; they return plain data (or loaded rows) for the pages and change nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from orders.models import (
    DeliveryRound,
    Order,
    OrderPart,
    OrderStatus,
    OutboxMessage,
    OutboxStatus,
)
from orders.rounds import ROUND_OPEN


@dataclass(frozen=True)
class ShopTotal:
    """One shop's share of a round: how many bags it packs and what they are worth."""

    shop_id: int
    shop_name: str
    bags: int
    cents: int


@dataclass(frozen=True)
class RoundOverview:
    round_id: int
    starts_at: datetime
    ends_at: datetime
    cutoff_at: datetime
    status: str
    closed_at: datetime | None
    # Orders not cancelled with at least one bag on this round.
    orders: int
    # Of those, how many are delivered.
    delivered: int
    shops: tuple[ShopTotal, ...]

    @property
    def is_open(self) -> bool:
        return self.status == ROUND_OPEN

    @property
    def bags(self) -> int:
        return sum(shop.bags for shop in self.shops)

    @property
    def cents(self) -> int:
        return sum(shop.cents for shop in self.shops)


def coming_rounds(session: Session, *, now: datetime, zone: ZoneInfo) -> list[RoundOverview]:
    """Every open round, and every closed one whose day is today or later or that still has
    orders on their way; earliest first, each with its live orders and totals per shop.

    An open round whose delivery is over is shown too: it was never closed, which the
    coordinator should see.
    """
    today = now.astimezone(zone).date()
    rounds = session.scalars(select(DeliveryRound).order_by(DeliveryRound.starts_at)).all()
    parts_by_round = _live_parts(session, [r.id for r in rounds])
    shown: list[RoundOverview] = []
    for delivery_round in rounds:
        parts = parts_by_round.get(delivery_round.id, [])
        order_status = {part.order_id: part.order.status for part in parts}
        delivered = sum(1 for s in order_status.values() if s == OrderStatus.DELIVERED.value)
        coming = delivery_round.starts_at.astimezone(zone).date() >= today
        if not (delivery_round.status == ROUND_OPEN or coming or delivered < len(order_status)):
            continue
        shown.append(
            RoundOverview(
                round_id=delivery_round.id,
                starts_at=delivery_round.starts_at,
                ends_at=delivery_round.ends_at,
                cutoff_at=delivery_round.cutoff_at,
                status=delivery_round.status,
                closed_at=delivery_round.closed_at,
                orders=len(order_status),
                delivered=delivered,
                shops=_shop_totals(parts),
            )
        )
    return shown


def _live_parts(session: Session, round_ids: Sequence[int]) -> dict[int, list[OrderPart]]:
    if not round_ids:
        return {}
    query = (
        select(OrderPart)
        .join(OrderPart.order)
        .where(
            OrderPart.round_id.in_(round_ids),
            Order.status != OrderStatus.CANCELLED.value,
        )
        .options(selectinload(OrderPart.order), selectinload(OrderPart.shop))
        .order_by(OrderPart.id)
    )
    found: dict[int, list[OrderPart]] = defaultdict(list)
    for part in session.scalars(query):
        assert part.round_id is not None
        found[part.round_id].append(part)
    return found


def _shop_totals(parts: list[OrderPart]) -> tuple[ShopTotal, ...]:
    bags: dict[int, list[OrderPart]] = defaultdict(list)
    for part in parts:
        bags[part.shop_id].append(part)
    totals = [
        ShopTotal(
            shop_id=shop_id,
            shop_name=held[0].shop.name,
            bags=len(held),
            cents=sum(part.subtotal_cents for part in held),
        )
        for shop_id, held in bags.items()
    ]
    return tuple(sorted(totals, key=lambda total: total.shop_name.casefold()))


def find_orders(
    session: Session,
    *,
    round_id: int | None = None,
    status: OrderStatus | None = None,
    limit: int = 200,
) -> list[Order]:
    """Orders newest first, with their resident, rounds and parts loaded.

    `round_id` finds the orders riding on that round, and those with a bag coming with it.
    """
    query = (
        select(Order)
        .options(
            selectinload(Order.resident),
            selectinload(Order.delivery_round),
            selectinload(Order.parts).selectinload(OrderPart.delivery_round),
        )
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    if round_id is not None:
        query = query.where(
            or_(
                Order.round_id == round_id,
                Order.id.in_(select(OrderPart.order_id).where(OrderPart.round_id == round_id)),
            )
        )
    if status is not None:
        query = query.where(Order.status == status.value)
    return list(session.scalars(query))


def outbox_counts(session: Session) -> dict[OutboxStatus, int]:
    """How many messages there are of each status (every status, 0 when none)."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    counted: dict[str, int] = {status: count for status, count in session.execute(query)}
    return {status: counted.get(status.value, 0) for status in OutboxStatus}


def latest_messages(
    session: Session, *, statuses: Sequence[OutboxStatus], limit: int = 50
) -> list[OutboxMessage]:
    """The newest messages of these statuses, newest first."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status.in_([status.value for status in statuses]))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
