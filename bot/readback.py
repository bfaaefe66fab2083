"""The basket as it will be ordered: per shop, with prices, total and delivery round."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from catalog.models import Product
from orders.models import DeliveryRound
from orders.pricing import line_total_cents
from orders.rounds import RoundPlan, next_round, next_round_for_shop


@dataclass(frozen=True)
class ReadbackLine:
    shop: str
    sku: str
    name: str
    unit: str
    quantity: int
    total_cents: int
    usual: bool


@dataclass
class Readback:
    lines: list[ReadbackLine]
    delivery_round: DeliveryRound
    later_rounds: dict[str, DeliveryRound] = field(default_factory=dict)

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)

    def by_shop(self) -> Iterator[tuple[str, list[ReadbackLine]]]:
        shops: dict[str, list[ReadbackLine]] = {}
        for line in self.lines:
            shops.setdefault(line.shop, []).append(line)
        yield from shops.items()


def build_readback(
    session: Session, *, basket: Sequence[dict[str, Any]], plan: RoundPlan, now: datetime
) -> Readback:
    skus = [line["sku"] for line in basket]
    products = {
        p.sku: p
        for p in session.scalars(
            select(Product).where(Product.sku.in_(skus)).options(joinedload(Product.shop))
        )
    }
    delivery_round = next_round(session, plan=plan, now=now)
    readback = Readback(lines=[], delivery_round=delivery_round)
    for line in basket:
        product = products.get(line["sku"])
        if product is None:
            continue
        quantity = int(line["quantity"])
        readback.lines.append(
            ReadbackLine(
                shop=product.shop.name,
                sku=product.sku,
                name=product.name,
                unit=product.unit,
                quantity=quantity,
                total_cents=line_total_cents(
                    unit=product.unit, unit_price_cents=product.price_cents, quantity=quantity
                ),
                usual=bool(line.get("usual")),
            )
        )
        shop = product.shop
        if shop.name not in readback.later_rounds:
            shop_round = next_round_for_shop(
                session, plan=plan, shop=shop, now=now, not_before=delivery_round
            )
            if shop_round.id != delivery_round.id:
                readback.later_rounds[shop.name] = shop_round
    return readback
