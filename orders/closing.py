"""Closing a round at its cut-off: one bundled list per shop, one route for the courier."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Shop
from orders.models import DeliveryRound, Order, OrderPart, OrderStatus, Resident
from orders.notices import (
    SHOP_LANGUAGE,
    Bag,
    BagLine,
    CourierList,
    Pickup,
    ProductTotal,
    ShopList,
    Stop,
    courier_list_text,
    describe_round,
    shop_list_text,
)
from orders.outbox import Recipient, enqueue
from orders.placing import lock_rounds
from orders.rounds import ROUND_CLOSED

_HOUSE = re.compile(r"^(?P<street>.*?)\s*(?P<number>\d+)\s*(?P<addition>.*)$")


@dataclass(frozen=True)
class CloseReport:
    round_id: int
    # False when the round had been closed before: nothing was written this time.
    closed_now: bool
    orders: int
    shops: tuple[str, ...]
    messages: int


def street_order(street: str, postcode: str) -> tuple[str, int, str, str]:
    """Sort key for a route: street name, house number as a number, addition, postcode."""
    match = _HOUSE.match(street.strip())
    if match is None or not match["street"]:
        return (street.strip().casefold(), 0, "", postcode)
    return (
        match["street"].casefold(),
        int(match["number"]),
        match["addition"].casefold(),
        postcode,
    )


def close_round(
    session: Session,
    *,
    round: DeliveryRound,
    now: datetime,
    courier: Recipient,
    zone: ZoneInfo,
) -> CloseReport:
    """Close the round once: its orders become notified, shops and courier get their lists.

    The round row is locked first (the lock placing and cancelling take, see
    orders.placing.lock_rounds), so two workers closing at the same moment close it once, and
    an order being placed or cancelled right now either is committed before the list is made
    or finds the round closed. The lists record the orders they hold (`order_ids`).
    """
    locked = lock_rounds(session, [round.id], closing=True).get(round.id)
    assert locked is not None
    if locked.status == ROUND_CLOSED:
        return CloseReport(round_id=locked.id, closed_now=False, orders=0, shops=(), messages=0)
    locked.status = ROUND_CLOSED
    locked.closed_at = now
    parts = live_parts(session, round_id=locked.id)
    for part in parts:
        if part.order.status == OrderStatus.PLACED.value:
            part.order.status = OrderStatus.NOTIFIED.value
    moment = describe_round(locked, language=SHOP_LANGUAGE, zone=zone)
    by_shop: dict[int, list[OrderPart]] = defaultdict(list)
    for part in parts:
        by_shop[part.shop_id].append(part)
    shops = sorted((parts[0].shop for parts in by_shop.values()), key=_shop_key)
    messages = 0
    for shop in shops:
        shop_list = _shop_list(shop, by_shop[shop.id], moment)
        # A shop without an address still has its list kept where the coordinator sees it.
        channel = (shop.notify_channel or "log") if shop.notify_address else "log"
        address = shop.notify_address or shop.name
        enqueue(
            session,
            kind="shop_round",
            channel=channel,
            recipient=address,
            recipient_name=shop.name,
            text=shop_list_text(shop_list, sms_safe=channel == "sms"),
            payload={
                "round_id": locked.id,
                "shop_id": shop.id,
                "order_ids": [bag.order_id for bag in shop_list.bags],
            },
            now=now,
        )
        messages += 1
    if shops:
        courier_list = _courier_list(courier.name, shops, by_shop, moment)
        enqueue(
            session,
            kind="courier_round",
            channel=courier.channel,
            recipient=courier.address,
            recipient_name=courier.name,
            text=courier_list_text(courier_list, sms_safe=courier.channel == "sms"),
            payload={
                "round_id": locked.id,
                "stops": [list(stop.order_ids) for stop in courier_list.stops],
            },
            now=now,
        )
        messages += 1
    session.flush()
    return CloseReport(
        round_id=locked.id,
        closed_now=True,
        orders=len({part.order_id for part in parts}),
        shops=tuple(shop.name for shop in shops),
        messages=messages,
    )


def live_parts(session: Session, *, round_id: int, shop_id: int | None = None) -> list[OrderPart]:
    """The bags riding on a round (of one shop, or all) whose order is not cancelled, with
    what the lists need: the order, its resident and her addresses, the shop, the lines."""
    query = (
        select(OrderPart)
        .join(OrderPart.order)
        .where(OrderPart.round_id == round_id, Order.status != OrderStatus.CANCELLED.value)
        .options(
            selectinload(OrderPart.order)
            .selectinload(Order.resident)
            .selectinload(Resident.addresses),
            selectinload(OrderPart.shop),
            selectinload(OrderPart.lines),
        )
        .order_by(OrderPart.id)
    )
    if shop_id is not None:
        query = query.where(OrderPart.shop_id == shop_id)
    return list(session.scalars(query))


def _shop_key(shop: Shop) -> tuple[str, int, str, str]:
    return street_order(shop.street or shop.name, shop.postcode or "")


def _resident_key(resident: Resident) -> tuple[tuple[str, int, str, str], str, int]:
    return (street_order(resident.street, resident.postcode), resident.name, resident.id)


def _shop_list(shop: Shop, parts: list[OrderPart], moment: str) -> ShopList:
    totals: dict[tuple[str, str, str], int] = {}
    for part in parts:
        for line in part.lines:
            key = (line.sku, line.name, line.unit)
            totals[key] = totals.get(key, 0) + line.quantity
    ordered = sorted(parts, key=lambda p: (_resident_key(p.order.resident), p.order_id))
    return ShopList(
        shop=shop.name,
        moment=moment,
        totals=tuple(
            ProductTotal(name=name, unit=unit, quantity=quantity)
            for (_sku, name, unit), quantity in sorted(totals.items(), key=lambda kv: kv[0][1])
        ),
        bags=tuple(
            Bag(
                order_id=part.order_id,
                resident=part.order.resident.name,
                street=part.order.resident.street,
                postcode=part.order.resident.postcode,
                lines=tuple(
                    BagLine(name=line.name, unit=line.unit, quantity=line.quantity)
                    for line in part.lines
                ),
            )
            for part in ordered
        ),
    )


def shop_list_of(shop: Shop, parts: list[OrderPart], moment: str) -> ShopList:
    """One shop's list of the given parts (the caller leaves cancelled orders out): totals per
    product, one bag per part in route order. The shop's own page shows it too."""
    return _shop_list(shop, parts, moment)


def _courier_list(
    courier: str, shops: list[Shop], by_shop: dict[int, list[OrderPart]], moment: str
) -> CourierList:
    # One stop per address: a resident with two orders in the round is visited once.
    stops: dict[int, tuple[Resident, set[int], set[str]]] = {}
    for shop in shops:
        for part in by_shop[shop.id]:
            resident = part.order.resident
            _, order_ids, shop_names = stops.setdefault(resident.id, (resident, set(), set()))
            order_ids.add(part.order_id)
            shop_names.add(shop.name)
    route = sorted(stops.values(), key=lambda stop: _resident_key(stop[0]))
    return CourierList(
        courier=courier,
        moment=moment,
        pickups=tuple(
            Pickup(shop=shop.name, street=shop.street, bags=len(by_shop[shop.id])) for shop in shops
        ),
        stops=tuple(
            Stop(
                resident=resident.name,
                street=resident.street,
                postcode=resident.postcode,
                order_ids=tuple(sorted(order_ids)),
                shops=tuple(sorted(shop_names)),
            )
            for resident, order_ids, shop_names in route
        ),
    )
