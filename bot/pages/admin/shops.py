"""The coordinator's shops: where each shop's round list goes, its pick-up address and the
days it supplies; one shop's settings are changed with catalog.service.configure_shop.

A phone channel (sms, whatsapp) needs a phone number, stored as +31...; e-mail an address with
an @; Telegram a chat id (a number); "log" only writes the list to the outbox log. The shop's
name is the catalogue's (its CSV), so it is not changed here.
"""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from accounts.models import Role
from bot.pages.auth import Operator, checked_form
from bot.pages.context import Pages, redirect
from catalog.models import Product, Shop
from catalog.service import WEEKDAYS, ShopSettings, configure_shop
from orders.errors import InvalidPhoneError, InvalidPostcodeError
from orders.residents import normalise_phone, normalise_postcode

CHANNELS = ("sms", "whatsapp", "telegram", "email", "log")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CHAT_ID = re.compile(r"-?[0-9]{1,20}")
# The columns' sizes (catalog.models.Shop): PostgreSQL refuses anything longer.
_LONGEST = {"kind": 40, "street": 120, "address": 200}


def _shop_view(shop: Shop, products: int = 0) -> dict[str, Any]:
    return {
        "id": shop.id,
        "name": shop.name,
        "kind": shop.kind or "",
        "street": shop.street or "",
        "postcode": shop.postcode or "",
        "channel": shop.notify_channel or "log",
        "address": (shop.notify_address or "").removeprefix("whatsapp:"),
        "days": shop.weekdays,
        "products": products,
    }


def checked_settings(
    form: FormData, *, name: str
) -> tuple[ShopSettings | None, dict[str, Any], dict[str, str]]:
    """The settings a form asks for, or the words keys of what is wrong, per field."""
    values: dict[str, Any] = {
        key: str(form.get(key, "")).strip()
        for key in ("kind", "street", "postcode", "channel", "address")
    }
    values["days"] = tuple(day for day in WEEKDAYS if day in form.getlist("days"))
    errors: dict[str, str] = {}
    for key, longest in _LONGEST.items():
        if len(values[key]) > longest:
            errors[key] = "admin.shops.error.too_long"
    if values["postcode"]:
        try:
            values["postcode"] = normalise_postcode(values["postcode"])
        except InvalidPostcodeError:
            errors["postcode"] = "admin.shops.error.postcode"
    channel = values["channel"]
    address = values["address"]
    if channel not in CHANNELS:
        errors["channel"] = "admin.shops.error.channel"
    elif channel != "log" and not address:
        errors["address"] = f"admin.shops.error.address_{channel}"
    elif channel in ("sms", "whatsapp"):
        try:
            values["address"] = normalise_phone(address)
        except InvalidPhoneError:
            errors["address"] = "admin.shops.error.phone"
    elif channel == "email" and not _EMAIL.fullmatch(address):
        errors["address"] = "admin.shops.error.email"
    elif channel == "telegram" and not _CHAT_ID.fullmatch(address):
        errors["address"] = "admin.shops.error.telegram"
    if errors:
        return None, values, errors
    settings = ShopSettings(
        name=name,
        kind=values["kind"] or None,
        street=values["street"] or None,
        postcode=values["postcode"] or None,
        notify_channel=channel,
        notify_address=values["address"] or None,
        delivery_days=values["days"],
    )
    return settings, values, errors


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    coordinator = pages.require(Role.COORDINATOR)

    def shop_of(session: Session, shop_id: int) -> Shop:
        shop = session.get(Shop, shop_id)
        if shop is None:
            raise HTTPException(status_code=404)
        return shop

    @router.get("/admin/shops")
    def shops_page(
        request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        with pages.work() as session:
            counts: dict[int, int] = {
                shop_id: count
                for shop_id, count in session.execute(
                    select(Product.shop_id, func.count()).group_by(Product.shop_id)
                )
            }
            shops = [
                _shop_view(shop, counts.get(shop.id, 0))
                for shop in session.scalars(select(Shop).order_by(Shop.name))
            ]
        return pages.render(
            request, "admin/shops.html", operator=operator, shops=shops, weekdays=WEEKDAYS
        )

    @router.get("/admin/shops/{shop_id}")
    def shop_form(
        shop_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        with pages.work() as session:
            view = _shop_view(shop_of(session, shop_id))
        return pages.render(
            request,
            "admin/shop_edit.html",
            operator=operator,
            shop=view,
            values=view,
            errors={},
            channels=CHANNELS,
            weekdays=WEEKDAYS,
        )

    @router.post("/admin/shops/{shop_id}")
    async def shop_save(
        shop_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        form = await checked_form(request, operator)
        with pages.work() as session:
            shop = shop_of(session, shop_id)
            view = _shop_view(shop)
            settings, values, errors = checked_settings(form, name=shop.name)
            if settings is not None:
                configure_shop(session, settings=settings)
                return redirect("/admin/shops", notice="shop_settings_saved", name=shop.name)
        return pages.render(
            request,
            "admin/shop_edit.html",
            operator=operator,
            status_code=400,
            shop=view,
            values=values,
            errors=errors,
            channels=CHANNELS,
            weekdays=WEEKDAYS,
        )

    return router
