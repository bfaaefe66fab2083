"""The catalogue version row moves with every change to the products, whoever makes it: the
bot's catalogue trusts it to tell that nothing changed."""

from __future__ import annotations

from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from catalog.models import CatalogueVersion, Product, Shop
from core.database import unit_of_work


def _version(engine: Engine) -> int:
    with engine.connect() as connection:
        found = connection.execute(select(CatalogueVersion.version)).scalar_one()
    return int(found)


def test_every_insert_update_and_delete_of_products_moves_the_version(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    seen = [_version(engine)]
    with unit_of_work(sessions) as session:
        session.add(Shop(name="Bakker"))
    # A shop alone is no product: the version stays.
    assert _version(engine) == seen[-1]
    with unit_of_work(sessions) as session:
        shop = session.scalars(select(Shop)).one()
        session.add(Product(sku="b1", shop=shop, name="Brood", unit="piece", price_cents=300))
    seen.append(_version(engine))
    with unit_of_work(sessions) as session:
        session.execute(update(Product).values(price_cents=320))
    seen.append(_version(engine))
    # By hand, in SQL, as an operator might.
    with engine.begin() as connection:
        connection.execute(text("UPDATE products SET available = false WHERE sku = 'b1'"))
    seen.append(_version(engine))
    with unit_of_work(sessions) as session:
        session.execute(delete(Product))
    seen.append(_version(engine))
    assert seen == sorted(set(seen)), seen  # each change a higher number than the one before


def test_a_change_rolled_back_leaves_the_version(
    engine: Engine, sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(sessions) as session:
        shop = Shop(name="Bakker")
        session.add(Product(sku="b1", shop=shop, name="Brood", unit="piece", price_cents=300))
    before = _version(engine)
    with sessions() as session:
        session.execute(update(Product).values(price_cents=999))
        session.rollback()
    assert _version(engine) == before
