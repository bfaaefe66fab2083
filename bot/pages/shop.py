"""The shop's own page (/shop): its products, and the list of bags for its coming round.

A shop user is bound to one shop. It changes its products' prices and availability (live for
the bot's next message: the bot reads the catalogue from the database), sees the list for the
round it works on (orders.bags.round_for_shop), marks bags ready, and prints the list on one
A4 page. Another shop's product or bag is "not found" (404): its existence is not revealed.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Role
from bot.pages.auth import Operator, checked_form
from bot.pages.context import Pages, redirect
from bot.round_plan import round_plan
from catalog.errors import ProductChangeError, UnknownProductError
from catalog.models import Product, Shop
from catalog.service import product_by_sku, update_product
from core.errors import NotFoundError
from orders.bags import BagNotChangeableError, RoundToPrepare, round_for_shop, round_to_prepare
from orders.bags import set_ready as set_bag_ready
from orders.pricing import format_euros

_PRICE = re.compile(r"[0-9]+(?:[.,][0-9]+)?")


@dataclass(frozen=True)
class ProductRow:
    sku: str
    name: str
    unit: str
    category: str | None
    price_cents: int
    available: bool

    @property
    def price_text(self) -> str:
        return format_euros(self.price_cents)


def read_price(text: str) -> int | str:
    """Euros as a shopkeeper types them ("2,95", "2.95", "3") to cents, or the word key of
    what is wrong: a price is more than 0 with at most two decimals."""
    given = text.strip().replace(" ", "").removeprefix("€")
    if not _PRICE.fullmatch(given):
        return "shop.products.price_not_a_number"
    value = Decimal(given.replace(",", "."))
    if value != value.quantize(Decimal("0.01")):
        return "shop.products.price_too_precise"
    if value <= 0:
        return "shop.products.price_not_positive"
    return int(value * 100)


def _shop_id(operator: Operator) -> int:
    if operator.shop_id is None:
        # A shop account not bound to a shop: nothing here is theirs.
        raise HTTPException(status_code=403)
    return operator.shop_id


def _own_product(session: Session, *, operator: Operator, sku: str) -> Product:
    try:
        product = product_by_sku(session, sku=sku)
    except UnknownProductError:
        raise HTTPException(status_code=404) from None
    if product.shop_id != _shop_id(operator):
        raise HTTPException(status_code=404)
    return product


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    allowed = pages.require(Role.SHOP)
    settings = pages.runtime.settings

    def products_of(session: Session, shop_id: int) -> list[ProductRow]:
        query = select(Product).where(Product.shop_id == shop_id).order_by(Product.name)
        return [
            ProductRow(
                sku=p.sku,
                name=p.name,
                unit=p.unit,
                category=p.category,
                price_cents=p.price_cents,
                available=p.available,
            )
            for p in session.scalars(query)
        ]

    def coming_round(session: Session, shop_id: int) -> RoundToPrepare:
        shop = session.get(Shop, shop_id)
        if shop is None:
            raise HTTPException(status_code=403)
        now = pages.clock()
        delivery_round = round_for_shop(session, shop=shop, plan=round_plan(settings), now=now)
        return round_to_prepare(
            session, shop=shop, delivery_round=delivery_round, now=now, zone=settings.zone
        )

    def home_page(
        request: Request,
        operator: Operator,
        *,
        errors: dict[str, str] | None = None,
        given: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        shop_id = _shop_id(operator)
        with pages.work() as session:
            products = products_of(session, shop_id)
            coming = coming_round(session, shop_id)
        return pages.render(
            request,
            "shop/home.html",
            operator=operator,
            status_code=status_code,
            products=products,
            coming=coming,
            errors=errors or {},
            given=given or {},
        )

    @router.get("/shop")
    def home(request: Request, operator: Annotated[Operator, Depends(allowed)]) -> Response:
        return home_page(request, operator)

    @router.post("/shop/products/{sku}/price")
    async def change_price(
        sku: str, request: Request, operator: Annotated[Operator, Depends(allowed)]
    ) -> Response:
        form = await checked_form(request, operator)
        text = str(form.get("price", ""))
        with pages.work() as session:
            product = _own_product(session, operator=operator, sku=sku)
            name = product.name
            price = read_price(text)
            if not isinstance(price, str):
                try:
                    update_product(session, sku=sku, price_cents=price)
                except ProductChangeError:
                    price = "shop.products.price_not_positive"
        if isinstance(price, str):
            return home_page(
                request, operator, errors={sku: price}, given={sku: text}, status_code=400
            )
        return redirect("/shop", notice="shop_price_saved", name=name, price=format_euros(price))

    @router.post("/shop/products/{sku}/available")
    async def change_available(
        sku: str, request: Request, operator: Annotated[Operator, Depends(allowed)]
    ) -> Response:
        form = await checked_form(request, operator)
        available = form.get("available") == "1"
        with pages.work() as session:
            product = _own_product(session, operator=operator, sku=sku)
            update_product(session, sku=sku, available=available)
            name = product.name
        notice = "shop_available" if available else "shop_unavailable"
        return redirect("/shop", notice=notice, name=name)

    @router.get("/shop/list")
    def round_list(request: Request, operator: Annotated[Operator, Depends(allowed)]) -> Response:
        with pages.work() as session:
            coming = coming_round(session, _shop_id(operator))
        return pages.render(request, "shop/list.html", operator=operator, coming=coming)

    @router.get("/shop/print")
    def printable(request: Request, operator: Annotated[Operator, Depends(allowed)]) -> Response:
        with pages.work() as session:
            coming = coming_round(session, _shop_id(operator))
        return pages.render(request, "shop/print.html", operator=operator, coming=coming)

    async def mark(part_id: int, request: Request, operator: Operator, *, ready: bool) -> Response:
        await checked_form(request, operator)
        try:
            with pages.work() as session:
                order_id = set_bag_ready(
                    session,
                    shop_id=_shop_id(operator),
                    part_id=part_id,
                    ready=ready,
                    now=pages.clock(),
                ).order_id
        except NotFoundError:
            raise HTTPException(status_code=404) from None
        except BagNotChangeableError as error:
            if error.reason == "round_open":
                return redirect("/shop/list", notice="shop_bag_round_open")
            return redirect("/shop/list", notice="shop_bag_taken")
        notice = "shop_bag_ready" if ready else "shop_bag_not_ready"
        back = redirect("/shop/list", notice=notice, order=order_id)
        back.headers["location"] += f"#bag-{part_id}"
        return back

    @router.post("/shop/bags/{part_id}/ready")
    async def bag_ready(
        part_id: int, request: Request, operator: Annotated[Operator, Depends(allowed)]
    ) -> Response:
        return await mark(part_id, request, operator, ready=True)

    @router.post("/shop/bags/{part_id}/not-ready")
    async def bag_not_ready(
        part_id: int, request: Request, operator: Annotated[Operator, Depends(allowed)]
    ) -> Response:
        return await mark(part_id, request, operator, ready=False)

    return router
