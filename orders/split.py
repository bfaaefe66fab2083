"""Turning basket lines into one order with one part per shop."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalog.models import Product
from orders.models import DeliveryRound, Order, OrderLine, OrderPart, OrderStatus, Resident
from orders.pricing import line_total_cents


@dataclass(frozen=True)
class WantedLine:
    product: Product
    quantity: int  # pieces, or grams for weighed products


def build_order(
    *,
    resident: Resident,
    lines: Sequence[WantedLine],
    delivery_round: DeliveryRound | None,
    status: OrderStatus = OrderStatus.PLACED,
) -> Order:
    """An order whose parts hold every line exactly once, prices snapshotted now."""
    order = Order(resident=resident, delivery_round=delivery_round, status=status.value)
    parts: dict[int, OrderPart] = {}
    for wanted in lines:
        product = wanted.product
        part = parts.get(product.shop_id)
        if part is None:
            part = parts[product.shop_id] = OrderPart(shop=product.shop)
            order.parts.append(part)
        part.lines.append(
            OrderLine(
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                unit=product.unit,
                quantity=wanted.quantity,
                unit_price_cents=product.price_cents,
                line_total_cents=line_total_cents(
                    unit=product.unit,
                    unit_price_cents=product.price_cents,
                    quantity=wanted.quantity,
                ),
            )
        )
    for part in order.parts:
        part.subtotal_cents = sum(line.line_total_cents for line in part.lines)
    order.total_cents = sum(part.subtotal_cents for part in order.parts)
    return order
