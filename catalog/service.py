"""Catalogue operations: import, export, listing, availability, shop settings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from catalog.csv_format import CatalogRow
from catalog.errors import ProductChangeError, UnknownProductError
from catalog.models import Product, Shop, Unit

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_shops: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProductPreview:
    """What an import would do to one product: `before` is None for a new product."""

    row: CatalogRow
    before: CatalogRow | None = None

    @property
    def changed_fields(self) -> tuple[str, ...]:
        """Which of shop, name, unit, price_cents, aliases, category, available differ."""
        before = self.before
        if before is None:
            return ()
        changed = ["shop"] if shop_key(before.shop) != shop_key(self.row.shop) else []
        for name in ("name", "unit", "price_cents", "aliases", "category", "available"):
            if getattr(before, name) != getattr(self.row, name):
                changed.append(name)
        return tuple(changed)


@dataclass
class ImportPreview:
    """What `import_rows` would do with these rows, without doing it."""

    new: list[ProductPreview] = field(default_factory=list)
    changed: list[ProductPreview] = field(default_factory=list)
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


def _row_of(product: Product) -> CatalogRow:
    return CatalogRow(
        shop=product.shop.name,
        sku=product.sku,
        name=product.name,
        unit=Unit(product.unit),
        price_cents=product.price_cents,
        aliases=product.alias_list,
        category=product.category,
        available=product.available,
    )


def preview_import(session: Session, *, rows: Iterable[CatalogRow]) -> ImportPreview:
    """What `import_rows(rows)` would create, change and leave alone; writes nothing.

    "Changed" and "unchanged" mean what import_rows counts as updated and unchanged.
    """
    preview = ImportPreview()
    existing = {p.sku: p for p in all_products(session)}
    known = {shop_key(name) for name in session.scalars(select(Shop.name))}
    for row in rows:
        key = shop_key(row.shop)
        if key not in known:
            known.add(key)
            preview.new_shops.append(" ".join(row.shop.split()))
        product = existing.get(row.sku)
        if product is None:
            preview.new.append(ProductPreview(row=row))
            continue
        item = ProductPreview(row=row, before=_row_of(product))
        if item.changed_fields:
            preview.changed.append(item)
        else:
            preview.unchanged += 1
    return preview


_KEEP: Any = object()


def update_product(
    session: Session,
    *,
    sku: str,
    name: str | None = None,
    price_cents: int | None = None,
    aliases: Sequence[str] | None = None,
    category: str | None = _KEEP,
    available: bool | None = None,
) -> Product:
    """Change what is given of one product (None, or no category argument, keeps it).

    For the coordinator's edit form and a shop's own page alike: a name must not be blank,
    a price is whole cents above 0; else ProductChangeError and nothing is changed. A blank
    category clears it; aliases are cleaned of blanks and ';' (the CSV's alias separator).
    """
    product = product_by_sku(session, sku=sku)
    if name is not None and not name.strip():
        raise ProductChangeError(sku=sku, field="name", reason="is empty")
    if price_cents is not None and (
        isinstance(price_cents, bool) or not isinstance(price_cents, int) or price_cents <= 0
    ):
        raise ProductChangeError(sku=sku, field="price", reason="is not more than 0 cents")
    if name is not None:
        product.name = " ".join(name.split())
    if price_cents is not None:
        product.price_cents = price_cents
    if aliases is not None:
        cleaned = [part.strip() for alias in aliases for part in alias.split(";")]
        product.aliases = ";".join(alias for alias in cleaned if alias)
    if category is not _KEEP:
        product.category = (category or "").strip() or None
    if available is not None:
        product.available = available
    session.flush()
    return product
