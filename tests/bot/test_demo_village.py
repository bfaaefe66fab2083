"""The demo village a newcomer gets with --demo."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.demo_village import load_demo
from bot.settings import Settings
from catalog.models import Product, Shop
from core.database import unit_of_work
from orders.history import order_history
from orders.residents import list_residents


def test_demo_village_has_the_shops_products_and_residents_promised(
    sessions: sessionmaker[Session], settings: Settings
) -> None:
    with unit_of_work(sessions) as session:
        load_demo(session, settings=settings)
    with sessions() as session:
        shops = session.scalars(select(Shop)).all()
        kinds = {shop.kind for shop in shops}
        assert {"bakker", "slager", "groenteboer", "kaasboer", "eierboer", "zuivelboer",
                "visboer", "bloemist"} <= kinds  # fmt: skip
        assert all(
            shop.notify_channel in {"sms", "whatsapp", "telegram", "email"} for shop in shops
        )
        products = session.scalars(select(Product)).all()
        assert len(products) >= 100
        assert Counter(p.unit for p in products).keys() == {"piece", "kg"}
        residents = list_residents(session)
        assert len(residents) >= 3
        histories = [order_history(session, resident_id=r.id) for r in residents]
        assert all(len(history) >= 3 for history in histories)
        assert all(r.postcode[:4] in settings.delivery_area for r in residents)
