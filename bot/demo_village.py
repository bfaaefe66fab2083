"""The demo village Bunnik: shops, products and residents with an order history."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy.orm import Session

from accounts.models import Role
from accounts.service import add_user, hash_password
from bot.settings import Settings
from catalog.csv_format import parse_catalog
from catalog.service import ShopSettings, configure_shop, import_rows, product_by_sku
from core.database import utcnow
from orders.models import AddressKind, OrderStatus
from orders.residents import add_resident, link_address
from orders.split import WantedLine, build_order


def _demo_file(name: str) -> bytes:
    return resources.files("bot").joinpath("demo", name).read_bytes()


# The demo's accounts share one password: hashed once per process (argon2 takes a while on
# purpose, and the tests load the demo village hundreds of times).
_demo_hash = cache(hash_password)


def load_demo(session: Session, *, settings: Settings) -> None:
    import_rows(session, rows=parse_catalog(_demo_file("catalog.csv")))
    shops: list[dict[str, Any]] = yaml.safe_load(_demo_file("shops.yml"))["shops"]
    for shop in shops:
        notify = shop.get("notify") or {}
        configure_shop(
            session,
            settings=ShopSettings(
                name=shop["name"],
                kind=shop.get("kind"),
                street=shop.get("street"),
                postcode=shop.get("postcode"),
                notify_channel=notify.get("channel", "log"),
                notify_address=str(notify["address"]) if notify.get("address") else None,
                delivery_days=tuple(shop.get("delivery_days") or ()),
            ),
        )
    residents: list[dict[str, Any]] = yaml.safe_load(_demo_file("residents.yml"))["residents"]
    for person in residents:
        resident = add_resident(
            session,
            name=person["name"],
            street=person["street"],
            postcode=person["postcode"],
            phone=person["phone"],
            area=settings.delivery_area,
            language=person.get("language", "nl"),
        )
        if person.get("telegram"):
            link_address(
                session,
                resident=resident,
                kind=AddressKind.TELEGRAM,
                address=str(person["telegram"]),
            )
        history = person.get("history") or []
        for weeks_ago, past in zip(range(len(history), 0, -1), history, strict=True):
            order = build_order(
                resident=resident,
                lines=[
                    WantedLine(product_by_sku(session, sku=line["sku"]), int(line["quantity"]))
                    for line in past
                ],
                delivery_round=None,
                status=OrderStatus.DELIVERED,
            )
            order.created_at = utcnow() - timedelta(weeks=weeks_ago)
            session.add(order)
    session.flush()
    accounts: dict[str, Any] = yaml.safe_load(_demo_file("users.yml"))
    for user in accounts["users"]:
        add_user(
            session,
            email=user["email"],
            role=Role(user["role"]),
            password_hash=_demo_hash(accounts["password"]),
            shop=user.get("shop"),
        )
    session.flush()
