"""The courier's round: what to pick up at which shop, where to ring, and what happened there.

The courier works on one round at a time: the earliest closed round that still has a stop to
visit. Its pickups are the shops with bags on that round; its stops are the residents, in the
route order of the courier's list (orders.closing.street_order), one stop per resident however
many orders she has on the round.

At a door the courier marks the stop delivered or "not home". Both are written on the orders
(`delivered_at`, `not_home_at`) and tell the resident; "not home" also alerts the coordinator,
who calls her to arrange it. A second tap changes and sends nothing.

A stop's state belongs to its round. An order whose shops deliver on different days rides on
several rounds (a part per shop, see orders.split); its bags on a round count as handed over
when the order was marked after that round closed, and the order itself becomes delivered
when the bags of its last round are. So Tuesday's doorstep does not hide Thursday's fish.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Shop
from core.errors import DorpspleinError, NotFoundError
from orders.closing import live_parts, street_order
from orders.models import (
    AddressKind,
    DeliveryRound,
    Order,
    OrderPart,
    OrderStatus,
    Resident,
)
from orders.notices import describe_day, render
from orders.outbox import Recipient, enqueue
from orders.placing import set_status, tell_resident
from orders.rounds import ROUND_CLOSED, ROUND_OPEN, RoundPlan, next_round

LANGUAGES = ("nl", "en")
COORDINATOR_LANGUAGE = "nl"


class StopState(StrEnum):
    TO_DO = "to_do"
    DELIVERED = "delivered"
    NOT_HOME = "not_home"


class RefusalReason(StrEnum):
    CANCELLED = "cancelled"
    # The round is still taking orders: the shops have not even been told.
    ROUND_OPEN = "round_open"
    # The order has no bag on this round.
    NOT_IN_ROUND = "not_in_round"
    # "Not home" for bags that were already handed over.
    DELIVERED = "delivered"


class DeliveryRefusedError(DorpspleinError):
    """The courier cannot mark this order on this round; nothing was changed or sent."""

    def __init__(self, *, order_id: int, round_id: int, reason: RefusalReason) -> None:
        super().__init__(f"order {order_id} cannot be marked on round {round_id}: {reason}")
        self.order_id = order_id
        self.round_id = round_id
        self.reason = reason


@dataclass(frozen=True)
class ShopPickup:
    """Where the courier collects bags: one shop, its bags on the round, how many are packed."""

    shop_id: int
    shop: str
    street: str | None
    postcode: str | None
    bags: int
    ready: int

    @property
    def all_ready(self) -> bool:
        return self.ready == self.bags


@dataclass(frozen=True)
class StopBags:
    shop: str
    bags: int


@dataclass(frozen=True)
class RoundStop:
    """One door: a resident, her orders on the round, and what happened there."""

    number: int
    resident_id: int
    name: str
    street: str
    postcode: str
    phone: str | None
    order_ids: tuple[int, ...]
    bags: tuple[StopBags, ...]
    state: StopState
    # When it was delivered, or found nobody home (None while to do).
    since: datetime | None

    @property
    def done(self) -> bool:
        return self.state is not StopState.TO_DO


@dataclass(frozen=True)
class CourierRound:
    round_id: int
    starts_at: datetime
    ends_at: datetime
    pickups: tuple[ShopPickup, ...]
    # In route order.
    stops: tuple[RoundStop, ...]

    @property
    def to_do(self) -> tuple[RoundStop, ...]:
        return tuple(stop for stop in self.stops if not stop.done)

    @property
    def done(self) -> tuple[RoundStop, ...]:
        return tuple(stop for stop in self.stops if stop.done)


@dataclass(frozen=True)
class CourierDay:
    """What the courier's page shows: the round at hand (if any) and when the next one is."""

    current: CourierRound | None
    next_starts_at: datetime | None


@dataclass(frozen=True)
class Marked:
    """What a tap did: the orders it changed now (empty on a second tap) and for whom."""

    round_id: int
    changed: tuple[int, ...]
    residents: tuple[str, ...]


# -- reading the round ---------------------------------------------------------------------


def _closed_moment(delivery_round: DeliveryRound) -> datetime:
    return delivery_round.closed_at or delivery_round.cutoff_at


def _marked_after(moment: datetime | None, delivery_round: DeliveryRound) -> bool:
    return moment is not None and moment >= _closed_moment(delivery_round)


def order_state(order: Order, delivery_round: DeliveryRound) -> StopState:
    """What happened at the door with this order's bags of this round."""
    if order.status == OrderStatus.DELIVERED.value or _marked_after(
        order.delivered_at, delivery_round
    ):
        return StopState.DELIVERED
    if _marked_after(order.not_home_at, delivery_round):
        return StopState.NOT_HOME
    return StopState.TO_DO


def round_to_deliver(session: Session) -> DeliveryRound | None:
    """The earliest closed round with a bag not yet delivered nor found nobody home."""
    closed_moment = func.coalesce(DeliveryRound.closed_at, DeliveryRound.cutoff_at)
    query = (
        select(DeliveryRound)
        .join(OrderPart, OrderPart.round_id == DeliveryRound.id)
        .join(Order, Order.id == OrderPart.order_id)
        .where(
            DeliveryRound.status == ROUND_CLOSED,
            Order.status.not_in([OrderStatus.CANCELLED.value, OrderStatus.DELIVERED.value]),
            or_(Order.delivered_at.is_(None), Order.delivered_at < closed_moment),
            or_(Order.not_home_at.is_(None), Order.not_home_at < closed_moment),
        )
        .order_by(DeliveryRound.starts_at)
        .limit(1)
    )
    return session.scalar(query)


def following_round(
    session: Session, *, now: datetime, plan: RoundPlan | None = None
) -> DeliveryRound | None:
    """The next round still to come that takes (or took) orders: the courier's next ride."""
    found = session.scalar(
        select(DeliveryRound)
        .where(DeliveryRound.status == ROUND_OPEN, DeliveryRound.starts_at > now)
        .order_by(DeliveryRound.starts_at)
        .limit(1)
    )
    if found is None and plan is not None:
        found = next_round(session, plan=plan, now=now)
    return found


def courier_day(session: Session, *, now: datetime, plan: RoundPlan | None = None) -> CourierDay:
    """The round to ride now, with its pickups and stops, and the next round's start."""
    delivery_round = round_to_deliver(session)
    current = None if delivery_round is None else courier_round(session, round=delivery_round)
    coming = following_round(session, now=now, plan=plan)
    return CourierDay(current=current, next_starts_at=coming.starts_at if coming else None)


def _shop_key(shop: Shop) -> tuple[tuple[str, int, str, str], str, int]:
    return (street_order(shop.street or shop.name, shop.postcode or ""), shop.name, shop.id)


def _resident_key(resident: Resident) -> tuple[tuple[str, int, str, str], str, int]:
    # The same order as the courier's list in orders.closing.
    return (street_order(resident.street, resident.postcode), resident.name, resident.id)


def courier_round(session: Session, *, round: DeliveryRound) -> CourierRound:
    """A closed round as the courier rides it: pickups by shop, then the stops in route order."""
    parts = live_parts(session, round_id=round.id)
    by_shop: dict[int, list[OrderPart]] = defaultdict(list)
    by_resident: dict[int, list[OrderPart]] = defaultdict(list)
    for part in parts:
        by_shop[part.shop_id].append(part)
        by_resident[part.order.resident_id].append(part)
    shops = sorted((found[0].shop for found in by_shop.values()), key=_shop_key)
    shop_rank = {shop.id: rank for rank, shop in enumerate(shops)}
    pickups = tuple(
        ShopPickup(
            shop_id=shop.id,
            shop=shop.name,
            street=shop.street,
            postcode=shop.postcode,
            bags=len(by_shop[shop.id]),
            ready=sum(1 for part in by_shop[shop.id] if part.ready_at is not None),
        )
        for shop in shops
    )
    residents = sorted(
        (found[0].order.resident for found in by_resident.values()), key=_resident_key
    )
    stops = []
    for number, resident in enumerate(residents, start=1):
        mine = by_resident[resident.id]
        orders = {part.order_id: part.order for part in mine}
        bag_count: dict[int, int] = defaultdict(int)
        for part in mine:
            bag_count[part.shop_id] += 1
        names = {part.shop_id: part.shop.name for part in mine}
        state, since = _stop_state(list(orders.values()), round)
        stops.append(
            RoundStop(
                number=number,
                resident_id=resident.id,
                name=resident.name,
                street=resident.street,
                postcode=resident.postcode,
                phone=resident.address(AddressKind.PHONE),
                order_ids=tuple(sorted(orders)),
                bags=tuple(
                    StopBags(shop=names[shop_id], bags=bag_count[shop_id])
                    for shop_id in sorted(bag_count, key=shop_rank.__getitem__)
                ),
                state=state,
                since=since,
            )
        )
    return CourierRound(
        round_id=round.id,
        starts_at=round.starts_at,
        ends_at=round.ends_at,
        pickups=pickups,
        stops=tuple(stops),
    )


def _stop_state(
    orders: Sequence[Order], delivery_round: DeliveryRound
) -> tuple[StopState, datetime | None]:
    states = [order_state(order, delivery_round) for order in orders]
    if StopState.TO_DO in states:
        return StopState.TO_DO, None
    if all(state is StopState.DELIVERED for state in states):
        moments = [o.delivered_at for o in orders if o.delivered_at is not None]
        return StopState.DELIVERED, max(moments, default=None)
    moments = [o.not_home_at for o in orders if o.not_home_at is not None]
    return StopState.NOT_HOME, max(moments, default=None)


# -- at the door ---------------------------------------------------------------------------


def _locked_orders(session: Session, order_ids: Iterable[int]) -> list[Order]:
    """The orders, locked until this transaction ends (two taps at once mark them once)."""
    wanted = sorted(set(order_ids))
    found = {
        order.id: order
        for order in session.scalars(
            select(Order)
            .where(Order.id.in_(wanted))
            .order_by(Order.id)
            .with_for_update()
            .execution_options(populate_existing=True)
            .options(
                selectinload(Order.resident).selectinload(Resident.addresses),
                selectinload(Order.parts).selectinload(OrderPart.shop),
                selectinload(Order.parts).selectinload(OrderPart.delivery_round),
            )
        )
    }
    for order_id in wanted:
        if order_id not in found:
            raise NotFoundError(kind="order", key=str(order_id))
    return [found[order_id] for order_id in wanted]


def _checked(
    session: Session, round_id: int, order_ids: Iterable[int]
) -> tuple[DeliveryRound, list[Order]]:
    delivery_round = session.get(DeliveryRound, round_id)
    if delivery_round is None:
        raise NotFoundError(kind="round", key=str(round_id))
    orders = _locked_orders(session, order_ids)
    for order in orders:
        if order.status == OrderStatus.CANCELLED.value:
            raise DeliveryRefusedError(
                order_id=order.id, round_id=round_id, reason=RefusalReason.CANCELLED
            )
        if not any(part.round_id == round_id for part in order.parts):
            raise DeliveryRefusedError(
                order_id=order.id, round_id=round_id, reason=RefusalReason.NOT_IN_ROUND
            )
        if delivery_round.status != ROUND_CLOSED:
            raise DeliveryRefusedError(
                order_id=order.id, round_id=round_id, reason=RefusalReason.ROUND_OPEN
            )
    return delivery_round, orders


def _is_last_round(order: Order, delivery_round: DeliveryRound) -> bool:
    """No bag of the order rides on a later round than this one."""
    return all(
        part.delivery_round is None or part.delivery_round.starts_at <= delivery_round.starts_at
        for part in order.parts
    )


def _by_resident(orders: Iterable[Order]) -> dict[int, list[Order]]:
    grouped: dict[int, list[Order]] = defaultdict(list)
    for order in orders:
        grouped[order.resident_id].append(order)
    return grouped


def _worded(template: str, **context: Any) -> Callable[[bool], str]:
    """A message's text as tell_resident asks for it: GSM-7 safe or not."""
    return lambda sms_safe: render(template, sms_safe=sms_safe, **context)


def _language(resident: Resident) -> str:
    return resident.language if resident.language in LANGUAGES else "nl"


def mark_delivered(
    session: Session, *, round_id: int, order_ids: Sequence[int], now: datetime, zone: ZoneInfo
) -> Marked:
    """The bags of these orders on this round are at the door: each resident is told, once.

    An order becomes delivered when this is its last round; with bags still to come on a later
    round it stays open, and the message says which shop comes when.
    """
    delivery_round, orders = _checked(session, round_id, order_ids)
    fresh = [o for o in orders if order_state(o, delivery_round) is not StopState.DELIVERED]
    for order in fresh:
        order.delivered_at = now
        if _is_last_round(order, delivery_round):
            set_status(session, order=order, status=OrderStatus.DELIVERED, now=now)
    for resident_orders in _by_resident(fresh).values():
        resident = resident_orders[0].resident
        language = _language(resident)
        later = sorted(
            {
                (
                    part.shop.name,
                    describe_day(part.delivery_round.starts_at, language=language, zone=zone),
                )
                for order in resident_orders
                for part in order.parts
                if part.delivery_round is not None
                and part.delivery_round.starts_at > delivery_round.starts_at
            }
        )
        ids = [order.id for order in resident_orders]
        tell_resident(
            session,
            resident=resident,
            kind="order_delivered",
            render=_worded(f"order_delivered.{language}.j2", orders=ids, later=later),
            payload={"order_ids": ids, "round_id": delivery_round.id},
            now=now,
        )
    session.flush()
    return Marked(
        round_id=delivery_round.id,
        changed=tuple(order.id for order in fresh),
        residents=tuple(sorted({order.resident.name for order in fresh})),
    )


def mark_not_home(
    session: Session,
    *,
    round_id: int,
    order_ids: Sequence[int],
    now: datetime,
    coordinator: Recipient,
    coordinator_phone: str,
) -> Marked:
    """Nobody opened: the resident is told the coordinator will call, the coordinator alerted.

    The orders keep their status (the bags go back with the courier); `not_home_at` records
    it. Bags already handed over on this round cannot be "not home" (DeliveryRefusedError).
    `coordinator` is where the alert goes; `coordinator_phone` is the number the resident
    may call herself.
    """
    delivery_round, orders = _checked(session, round_id, order_ids)
    for order in orders:
        if order_state(order, delivery_round) is StopState.DELIVERED:
            raise DeliveryRefusedError(
                order_id=order.id, round_id=round_id, reason=RefusalReason.DELIVERED
            )
    fresh = [o for o in orders if order_state(o, delivery_round) is StopState.TO_DO]
    for order in fresh:
        order.not_home_at = now
    for resident_orders in _by_resident(fresh).values():
        resident = resident_orders[0].resident
        language = _language(resident)
        ids = [order.id for order in resident_orders]
        payload = {"order_ids": ids, "round_id": delivery_round.id}
        tell_resident(
            session,
            resident=resident,
            kind="order_not_home",
            render=_worded(
                f"order_not_home.{language}.j2",
                orders=ids,
                coordinator=coordinator.name,
                phone=coordinator_phone,
            ),
            payload=payload,
            now=now,
        )
        enqueue(
            session,
            kind="coordinator_not_home",
            channel=coordinator.channel,
            recipient=coordinator.address,
            recipient_name=coordinator.name,
            text=render(
                f"coordinator_not_home.{COORDINATOR_LANGUAGE}.j2",
                sms_safe=coordinator.channel == "sms",
                orders=ids,
                name=resident.name,
                street=resident.street,
                postcode=resident.postcode,
                phone=resident.address(AddressKind.PHONE),
            ),
            payload={**payload, "resident_id": resident.id},
            now=now,
        )
    session.flush()
    return Marked(
        round_id=delivery_round.id,
        changed=tuple(order.id for order in fresh),
        residents=tuple(sorted({order.resident.name for order in fresh})),
    )
