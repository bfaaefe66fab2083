"""Catalogue operations: import, export, listing, availability, shop settings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from catalog.csv_format import CatalogRow
from catalog.errors import UnknownProductError
from catalog.models import Product, Shop, Unit

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_shops: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ShopSettings:
    name: str
    kind: str | None = None
    street: str | None = None
    postcode: str | None = None
    notify_channel: str = "log"
    notify_address: str | None = None
    delivery_days: tuple[str, ...] = ()


def shop_key(name: str) -> str:
    """What makes two shop names the same shop: case and surrounding spaces do not count."""
    return " ".join(name.split()).casefold()


def shop_by_name(session: Session, *, name: str) -> Shop | None:
    """The shop called `name`, whatever its case or surrounding spaces ("bakker " is "Bakker").

    Compared in Python, not with SQL lower(), which on SQLite folds only ASCII letters.
    """
    key = shop_key(name)
    return next(
        (shop for shop in session.scalars(select(Shop)) if shop_key(shop.name) == key), None
    )


def ensure_shop(session: Session, *, name: str) -> tuple[Shop, bool]:
    """The shop called `name`, created when none matches; an existing shop keeps its spelling."""
    shop = shop_by_name(session, name=name)
    if shop is not None:
        return shop, False
    shop = Shop(name=" ".join(name.split()))
    session.add(shop)
    session.flush()
    return shop, True


def configure_shop(session: Session, *, settings: ShopSettings) -> Shop:
    unknown = [day for day in settings.delivery_days if day not in WEEKDAYS]
    if unknown:
        raise ValueError(f"unknown weekday(s) {unknown} for shop {settings.name!r}")
    shop, _ = ensure_shop(session, name=settings.name)
    shop.kind = settings.kind
    shop.street = settings.street
    shop.postcode = settings.postcode
    shop.notify_channel = settings.notify_channel
    shop.notify_address = settings.notify_address
    shop.delivery_days = ",".join(settings.delivery_days)
    return shop


def import_rows(session: Session, *, rows: Iterable[CatalogRow]) -> ImportReport:
    """Create or update products by sku; products not in the rows are left as they are."""
    report = ImportReport()
    existing = {
        p.sku: p for p in session.scalars(select(Product).options(joinedload(Product.shop)))
    }
    shops: dict[str, Shop] = {}
    for row in rows:
        key = shop_key(row.shop)
        if key not in shops:
            shop, created = ensure_shop(session, name=row.shop)
            shops[key] = shop
            if created:
                report.new_shops.append(shop.name)
        values = {
            "shop_id": shops[key].id,
            "name": row.name,
            "unit": row.unit.value,
            "price_cents": row.price_cents,
            "aliases": ";".join(row.aliases),
            "category": row.category,
            "available": row.available,
        }
        product = existing.get(row.sku)
        if product is None:
            session.add(Product(sku=row.sku, **values))
            report.created += 1
        elif any(getattr(product, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(product, key, value)
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()
    return report


def all_products(session: Session) -> Sequence[Product]:
    query = (
        select(Product)
        .join(Product.shop)
        .options(joinedload(Product.shop))
        .order_by(Shop.name, Product.sku)
    )
    return session.scalars(query).all()


def export_rows(session: Session) -> list[CatalogRow]:
    return [
        CatalogRow(
            shop=p.shop.name,
            sku=p.sku,
            name=p.name,
            unit=Unit(p.unit),
            price_cents=p.price_cents,
            aliases=p.alias_list,
            category=p.category,
            available=p.available,
        )
        for p in all_products(session)
    ]


def product_by_sku(session: Session, *, sku: str) -> Product:
    product = session.scalar(select(Product).where(Product.sku == sku))
    if product is None:
        raise UnknownProductError(sku=sku)
    return product


def set_available(session: Session, *, sku: str, available: bool) -> Product:
    product = product_by_sku(session, sku=sku)
    product.available = available
    return product
