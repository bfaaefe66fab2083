"""The read-only catalogue view the parser matches against, built from rows or the database."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from catalog.csv_format import CatalogRow
from catalog.models import Product
from catalog.service import all_products
from nlu import CatalogEntry, CatalogIndex


def entry_from_row(row: CatalogRow) -> CatalogEntry:
    return CatalogEntry(
        sku=row.sku,
        name=row.name,
        unit=row.unit.value,
        shop=row.shop,
        aliases=row.aliases,
        category=row.category,
        available=row.available,
    )


def entry_from_product(product: Product) -> CatalogEntry:
    return CatalogEntry(
        sku=product.sku,
        name=product.name,
        unit=product.unit,
        shop=product.shop.name,
        aliases=product.alias_list,
        category=product.category,
        available=product.available,
    )


def index_from_rows(rows: Iterable[CatalogRow]) -> CatalogIndex:
    return CatalogIndex(entry_from_row(row) for row in rows)


def index_from_database(session: Session) -> CatalogIndex:
    return CatalogIndex(entry_from_product(product) for product in all_products(session))
