"""The parser's catalogue follows the database from one message to the next, cheaply."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from bot.live_catalog import LiveCatalog
from bot.wiring import Runtime
from catalog.models import CatalogueVersion, Product, Shop
from core.database import unit_of_work


def _refresh(village: Runtime, catalog: LiveCatalog) -> tuple[LiveCatalog, int]:
    statements = {"n": 0}

    def count(*_: object) -> None:
        statements["n"] += 1

    event.listen(village.engine, "before_cursor_execute", count)
    try:
        with unit_of_work(village.sessions) as session:
            catalog.refresh(session)
            catalog.refresh(session)  # once per unit of work
    finally:
        event.remove(village.engine, "before_cursor_execute", count)
    return catalog, statements["n"]


def _product(session: Session, sku: str) -> Product:
    product = session.scalar(select(Product).where(Product.sku == sku))
    assert product is not None
    return product


def test_an_unchanged_catalogue_is_one_small_look(village: Runtime) -> None:
    catalog, _ = _refresh(village, LiveCatalog())
    assert catalog.index.get("bak-appeltaart") is not None
    _, statements = _refresh(village, catalog)
    # BEGIN (SQLite) and the version look, no product rows.
    assert statements <= 2


@pytest.mark.parametrize("version_row", [True, False], ids=["version row", "row emptied by hand"])
def test_a_change_a_new_product_and_a_removal_are_live_at_the_next_look(
    village: Runtime, version_row: bool
) -> None:
    """Without the version row, the products' own newest change and count tell instead."""
    catalog, _ = _refresh(village, LiveCatalog())
    if not version_row:
        with unit_of_work(village.sessions) as session:
            session.execute(delete(CatalogueVersion))
        _refresh(village, catalog)
    with unit_of_work(village.sessions) as session:
        _product(session, "bak-appeltaart").name = "Hollandse appeltaart"
    _refresh(village, catalog)
    entry = catalog.index.get("bak-appeltaart")
    assert entry is not None and entry.name == "Hollandse appeltaart"

    with unit_of_work(village.sessions) as session:
        shop = session.scalars(select(Shop)).first()
        assert shop is not None
        session.add(Product(sku="new-kwarktaart", shop=shop, name="Kwarktaart", unit="piece",
                            price_cents=1200))  # fmt: skip
    _refresh(village, catalog)
    assert catalog.index.get("new-kwarktaart") is not None

    with unit_of_work(village.sessions) as session:
        session.execute(delete(Product).where(Product.sku == "new-kwarktaart"))
    _refresh(village, catalog)
    assert catalog.index.get("new-kwarktaart") is None

    with unit_of_work(village.sessions) as session:
        _product(session, "bak-appeltaart").available = False
    _refresh(village, catalog)
    entry = catalog.index.get("bak-appeltaart")
    assert entry is not None and not entry.available
