"""What a shop prepares: the list for its coming round, and its bags marked ready.

A shop works on one round at a time: the earliest round that still concerns it. That is a
round whose cut-off has passed (closed, or about to be closed by the worker) with bags of the
shop not yet delivered; when there is none, the shop's next open round, whose list is
provisional because residents may still order, change or cancel until its cut-off.

A bag (an OrderPart) can be marked ready once its round no longer takes orders, and unmarked
again until the courier has taken it. An order whose bags are all ready is READY; unmarking a
bag puts it back to NOTIFIED. A cancelled order's bag is on no list and cannot be marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Shop
from core.errors import DorpspleinError, NotFoundError
from orders.closing import live_parts, shop_list_of
from orders.models import DeliveryRound, Order, OrderPart, OrderStatus
from orders.notices import SHOP_LANGUAGE, Bag, ProductTotal, describe_round
from orders.rounds import ROUND_CLOSED, ROUND_OPEN, RoundPlan, next_round, next_round_for_shop

# The courier has the bag (or the resident has it): the shop cannot change it any more.
_TAKEN = (OrderStatus.OUT_FOR_DELIVERY.value, OrderStatus.DELIVERED.value)


class BagNotChangeableError(DorpspleinError):
    """A bag that cannot be marked (un)ready now. `reason` is "round_open" (residents may
    still change the order until `cutoff_at`) or "taken" (the courier has it)."""

    def __init__(self, *, part_id: int, reason: str, cutoff_at: datetime | None = None) -> None:
        super().__init__(f"bag {part_id} cannot be changed: {reason}")
        self.part_id = part_id
        self.reason = reason
        self.cutoff_at = cutoff_at


@dataclass(frozen=True)
class BagToPrepare:
    """One bag on a shop's list, with what the shop's page needs to mark it."""

    part_id: int
    bag: Bag
    ready_at: datetime | None
    # The courier has taken it (out for delivery, or delivered): no more changes.
    taken: bool

    @property
    def ready(self) -> bool:
        return self.ready_at is not None


@dataclass(frozen=True)
class RoundToPrepare:
    """A shop's list for one round: totals per product and the bags in route order."""

    shop: str
    round_id: int
    starts_at: datetime
    ends_at: datetime
    cutoff_at: datetime
    # In words, as on the list the shop receives ("dinsdag 8 december tussen 10 en 12 uur").
    moment: str
    # Residents may still order for this round: the list can still change.
    provisional: bool
    totals: tuple[ProductTotal, ...]
    bags: tuple[BagToPrepare, ...]

    @property
    def ready_count(self) -> int:
        return sum(1 for bag in self.bags if bag.ready)


def _takes_orders(delivery_round: DeliveryRound, now: datetime) -> bool:
    return delivery_round.status == ROUND_OPEN and now < delivery_round.cutoff_at


def round_for_shop(
    session: Session, *, shop: Shop, plan: RoundPlan, now: datetime
) -> DeliveryRound:
    """The round this shop prepares now (see the module's words)."""
    pending = session.scalar(
        select(DeliveryRound)
        .join(OrderPart, OrderPart.round_id == DeliveryRound.id)
        .join(Order, Order.id == OrderPart.order_id)
        .where(
            OrderPart.shop_id == shop.id,
            or_(DeliveryRound.status == ROUND_CLOSED, DeliveryRound.cutoff_at <= now),
            Order.status.not_in([OrderStatus.CANCELLED.value, OrderStatus.DELIVERED.value]),
            Order.delivered_at.is_(None),
        )
        .order_by(DeliveryRound.starts_at)
        .limit(1)
    )
    if pending is not None:
        return pending
    first = next_round(session, plan=plan, now=now)
    return next_round_for_shop(session, plan=plan, shop=shop, now=now, not_before=first)


def round_to_prepare(
    session: Session,
    *,
    shop: Shop,
    delivery_round: DeliveryRound,
    now: datetime,
    zone: ZoneInfo,
) -> RoundToPrepare:
    """The shop's list for this round, as the round list message has it, with bag states."""
    parts = live_parts(session, round_id=delivery_round.id, shop_id=shop.id)
    moment = describe_round(delivery_round, language=SHOP_LANGUAGE, zone=zone)
    listed = shop_list_of(shop, parts, moment)
    by_order = {part.order_id: part for part in parts}
    return RoundToPrepare(
        shop=shop.name,
        round_id=delivery_round.id,
        starts_at=delivery_round.starts_at,
        ends_at=delivery_round.ends_at,
        cutoff_at=delivery_round.cutoff_at,
        moment=moment,
        provisional=_takes_orders(delivery_round, now),
        totals=listed.totals,
        bags=tuple(
            BagToPrepare(
                part_id=by_order[bag.order_id].id,
                bag=bag,
                ready_at=by_order[bag.order_id].ready_at,
                taken=by_order[bag.order_id].order.status in _TAKEN,
            )
            for bag in listed.bags
        ),
    )


def bag_of_shop(session: Session, *, shop_id: int, part_id: int) -> OrderPart:
    """This shop's bag; another shop's, a cancelled order's or an unknown one is not found."""
    part = session.scalar(
        select(OrderPart)
        .where(OrderPart.id == part_id)
        .options(
            selectinload(OrderPart.order).selectinload(Order.parts),
            selectinload(OrderPart.delivery_round),
        )
    )
    if part is None or part.shop_id != shop_id or part.order.status == OrderStatus.CANCELLED.value:
        raise NotFoundError(kind="bag", key=str(part_id))
    return part


def set_ready(
    session: Session, *, shop_id: int, part_id: int, ready: bool, now: datetime
) -> OrderPart:
    """Mark this shop's bag ready (at `now`) or not ready after all.

    NotFoundError for a bag that is not this shop's (or a cancelled order's);
    BagNotChangeableError while residents may still change the order, or once the courier
    has it. Marking twice keeps the first moment.
    """
    part = bag_of_shop(session, shop_id=shop_id, part_id=part_id)
    order = part.order
    if order.status in _TAKEN or order.delivered_at is not None:
        raise BagNotChangeableError(part_id=part.id, reason="taken")
    delivery_round = part.delivery_round
    if delivery_round is None or _takes_orders(delivery_round, now):
        raise BagNotChangeableError(
            part_id=part.id,
            reason="round_open",
            cutoff_at=delivery_round.cutoff_at if delivery_round is not None else None,
        )
    if ready:
        if part.ready_at is None:
            part.ready_at = now
    else:
        part.ready_at = None
    _follow_bags(order)
    session.flush()
    return part


def _follow_bags(order: Order) -> None:
    """All bags ready: the order is READY; one taken back: NOTIFIED again."""
    everything_ready = all(p.ready_at is not None for p in order.parts)
    if everything_ready and order.status == OrderStatus.NOTIFIED.value:
        order.status = OrderStatus.READY.value
    elif not everything_ready and order.status == OrderStatus.READY.value:
        order.status = OrderStatus.NOTIFIED.value
