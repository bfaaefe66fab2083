"""The quote: a basket as it will be ordered, computed once, read back, and placed as read back.

A quote holds every line with its price, every shop part with the round it rides on, the
total and the basket version it was made for. The read-back shows a quote; placing takes the
quote, makes a fresh one from the same lines, and places only when nothing differs. When
something changed (a price, a product going off sale, a cut-off passing), placing refuses
with the differences and the fresh quote, so the resident can be shown the new one first.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from catalog.models import Product
from orders.pricing import line_total_cents
from orders.rounds import RoundPlan, next_round, next_round_for_shop


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class QuoteLine(_Frozen):
    sku: str
    name: str
    unit: str  # "piece" or "kg"
    quantity: int  # pieces, or grams for weighed products
    unit_price_cents: int
    total_cents: int
    usual: bool = False


class QuoteRound(_Frozen):
    id: int
    starts_at: datetime
    ends_at: datetime
    cutoff_at: datetime


class QuotePart(_Frozen):
    shop: str
    shop_id: int
    delivery_round: QuoteRound
    lines: tuple[QuoteLine, ...]

    @property
    def subtotal_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)


class Quote(_Frozen):
    version: int  # the basket version it was made for
    parts: tuple[QuotePart, ...]
    missing: tuple[str, ...] = ()  # skus asked for that are off sale or gone

    @property
    def total_cents(self) -> int:
        return sum(part.subtotal_cents for part in self.parts)

    @property
    def lines(self) -> tuple[QuoteLine, ...]:
        return tuple(line for part in self.parts for line in part.lines)

    @property
    def first_round(self) -> QuoteRound:
        return min((p.delivery_round for p in self.parts), key=lambda r: r.starts_at)

    def same_terms(self, other: Quote) -> bool:
        """Lines, prices, rounds and total equal: what the resident agreed to, unchanged."""
        return self.parts == other.parts and self.missing == other.missing


@dataclass(frozen=True)
class Wanted:
    """A basket line: what the resident asked for, before prices and rounds."""

    sku: str
    quantity: int
    usual: bool = False


@dataclass(frozen=True)
class Limits:
    """What a single message may order before a person should look again."""

    max_pieces: int
    max_grams: int
    max_total_cents: int

    def line_too_large(self, *, unit: str, quantity: int) -> bool:
        return quantity > (self.max_grams if unit == "kg" else self.max_pieces)


# What differs between a quote the resident saw and the quote of now.
ChangeKind = Literal["price", "unavailable", "round", "gone"]


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    name: str  # a product's name, or for "round" the shop's
    old: QuoteLine | QuoteRound | None = None
    new: QuoteLine | QuoteRound | None = None


# Built once: a statement object keeps its cache key, so each reading is only its execution.
_PRODUCTS = (
    select(Product)
    .where(Product.sku.in_(bindparam("skus", expanding=True)))
    .options(joinedload(Product.shop))
)
# The key in Session.info of a unit of work that keeps the products it read (see below).
PRODUCTS_READ = "products_by_sku"


def keep_products_read(session: Session) -> None:
    """Let this unit of work read each product once (a dialogue turn: it changes none)."""
    session.info.setdefault(PRODUCTS_READ, {})


def products_by_sku(session: Session, skus: Sequence[str]) -> dict[str, Product]:
    """The products (with their shops) of these skus that exist, in one query.

    In a unit of work marked by keep_products_read, products read before are not read again.
    """
    kept: dict[str, Product | None] | None = session.info.get(PRODUCTS_READ)
    wanted = set(skus) if kept is None else {sku for sku in skus if sku not in kept}
    found: dict[str, Product] = {}
    if wanted:
        found = {p.sku: p for p in session.scalars(_PRODUCTS, {"skus": sorted(wanted)})}
    if kept is None:
        return found
    for sku in wanted:
        kept[sku] = found.get(sku)
    return {sku: product for sku in skus if (product := kept[sku]) is not None}


def make_quote(
    session: Session,
    *,
    wanted: Sequence[Wanted],
    version: int,
    plan: RoundPlan,
    now: datetime,
) -> Quote:
    """Price the lines and give every shop part the first round it can ride on.

    Products off sale or no longer in the catalogue are left out and named in `missing`.
    """
    # A dialogue turn's pending changes (her conversation) concern no product or round:
    # they are not flushed for these reads, but once, at the end of the turn.
    reading = session.no_autoflush if PRODUCTS_READ in session.info else nullcontext()
    with reading:
        products = products_by_sku(session, [line.sku for line in wanted])
        first = next_round(session, plan=plan, now=now)
        by_shop: dict[int, list[QuoteLine]] = {}
        shops: dict[int, Product] = {}
        missing: list[str] = []
        for line in wanted:
            product = products.get(line.sku)
            if product is None or not product.available:
                missing.append(line.sku)
                continue
            by_shop.setdefault(product.shop_id, []).append(
                QuoteLine(
                    sku=product.sku,
                    name=product.name,
                    unit=product.unit,
                    quantity=line.quantity,
                    unit_price_cents=product.price_cents,
                    total_cents=line_total_cents(
                        unit=product.unit,
                        unit_price_cents=product.price_cents,
                        quantity=line.quantity,
                    ),
                    usual=line.usual,
                )
            )
            shops.setdefault(product.shop_id, product)
        parts = []
        for shop_id, lines in by_shop.items():
            shop = shops[shop_id].shop
            delivery_round = next_round_for_shop(
                session, plan=plan, shop=shop, now=now, not_before=first
            )
            parts.append(
                QuotePart(
                    shop=shop.name,
                    shop_id=shop_id,
                    delivery_round=QuoteRound(
                        id=delivery_round.id,
                        starts_at=delivery_round.starts_at,
                        ends_at=delivery_round.ends_at,
                        cutoff_at=delivery_round.cutoff_at,
                    ),
                    lines=tuple(lines),
                )
            )
        return Quote(version=version, parts=tuple(parts), missing=tuple(missing))


def wanted_of(quote: Quote) -> list[Wanted]:
    return [Wanted(sku=line.sku, quantity=line.quantity, usual=line.usual) for line in quote.lines]


def changes_between(seen: Quote, now: Quote) -> list[Change]:
    """What the resident would not recognise in `now` after having seen `seen`."""
    changes: list[Change] = []
    fresh = {line.sku: line for line in now.lines}
    for line in seen.lines:
        current = fresh.get(line.sku)
        if current is None:
            kind: ChangeKind = "unavailable" if line.sku in now.missing else "gone"
            changes.append(Change(kind=kind, name=line.name, old=line))
        elif current.unit_price_cents != line.unit_price_cents:
            changes.append(Change(kind="price", name=line.name, old=line, new=current))
    rounds = {part.shop_id: part.delivery_round for part in now.parts}
    for part in seen.parts:
        current_round = rounds.get(part.shop_id)
        if current_round is not None and current_round.id != part.delivery_round.id:
            changes.append(
                Change(kind="round", name=part.shop, old=part.delivery_round, new=current_round)
            )
    return changes
