"""The coordinator's catalogue: every product per shop, availability, one product's edit form,
and a catalogue CSV upload that is checked, previewed and only then imported.

The upload is all-or-nothing (catalog.csv_format): a file with any bad line writes nothing and
the page names every bad line. A good file first shows what would change; the preview page
carries the file's text in a hidden field, and "Importeren" posts it back, where it is checked
again in full before catalog.service.import_rows writes it. The upload and its confirmation
are multipart posts under /admin/catalog, so the upload size limit (settings web.max_upload_kib)
applies to both; a file is only taken when its text still fits that limit on the way back.

Routes with fixed names (upload, import) are declared before /admin/catalog/{sku}.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from accounts.models import Role
from bot.pages.auth import Operator, checked_form
from bot.pages.context import Pages, redirect
from catalog.csv_format import CatalogRow, parse_catalog, parse_price
from catalog.errors import CatalogFileError, ProductChangeError, RowProblem, UnknownProductError
from catalog.models import Product, Shop
from catalog.service import (
    ProductPreview,
    all_products,
    import_rows,
    preview_import,
    product_by_sku,
    set_available,
    update_product,
)

_PRICE = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


@dataclass(frozen=True)
class Problem:
    """One bad line of an uploaded file, for the page: a words key and its values."""

    line: int
    key: str
    args: dict[str, str]
    reason: str


def worded(problem: RowProblem) -> Problem:
    """The line's problem as page words (keys admin.catalog.upload.problem.<code>); a problem
    without a code is shown in the catalogue's own (English) words."""
    return Problem(problem.line, problem.code, dict(problem.values), problem.reason)


def price_error(text: str) -> tuple[int | None, str]:
    """Cents from "2,95", "2.95" or "€ 2,95", or the words key of what is wrong with it."""
    plain = text.strip().removeprefix("€").strip()
    try:
        return parse_price(plain, decimal_comma=True), ""
    except ValueError:
        pass
    if not plain:
        return None, "admin.catalog.edit.price_empty"
    if not _PRICE.fullmatch(plain):
        return None, "admin.catalog.edit.price_text"
    try:
        value = Decimal(plain.replace(",", "."))
    except InvalidOperation:
        return None, "admin.catalog.edit.price_text"
    if value <= 0:
        return None, "admin.catalog.edit.price_positive"
    return None, "admin.catalog.edit.price_decimals"


def _aliases(text: str) -> list[str]:
    return [alias.strip() for alias in re.split(r"[;,\n]", text) if alias.strip()]


def _product_view(product: Product) -> dict[str, Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "unit": product.unit,
        "price_cents": product.price_cents,
        "available": product.available,
        "aliases": ", ".join(product.alias_list),
        "category": product.category or "",
        "shop": product.shop.name,
        "shop_id": product.shop_id,
    }


def _matches(product: Product, query: str) -> bool:
    wanted = query.casefold()
    return any(
        wanted in text.casefold()
        for text in (product.name, product.sku, product.category or "", *product.alias_list)
    )


@dataclass
class Preview:
    """An uploaded file that may be imported: its text and what it would do."""

    text: str
    rows: int
    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    new_shops: list[str] = field(default_factory=list)


def _row_view(row: CatalogRow) -> dict[str, Any]:
    return {
        "shop": " ".join(row.shop.split()),
        "sku": row.sku,
        "name": row.name,
        "unit": row.unit.value,
        "price_cents": row.price_cents,
        "available": row.available,
    }


def _change_view(item: ProductPreview) -> dict[str, Any]:
    assert item.before is not None
    view = _row_view(item.row)
    view["before"] = _row_view(item.before)
    view["fields"] = item.changed_fields
    return view


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    coordinator = pages.require(Role.COORDINATOR)
    limit = pages.runtime.settings.web.max_upload_kib * 1024

    def problems_page(
        request: Request, operator: Operator, problems: list[Problem], *, filename: str = ""
    ) -> Response:
        return pages.render(
            request,
            "admin/catalog_upload.html",
            operator=operator,
            status_code=400,
            problems=problems,
            preview=None,
            filename=filename,
        )

    @router.get("/admin/catalog")
    def catalogue(
        request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        shop_filter = request.query_params.get("shop", "").strip()
        query = request.query_params.get("q", "").strip()
        new_shop_ids = [
            int(part)
            for part in request.query_params.get("new_shops", "").split(",")
            if part.isdigit()
        ]
        with pages.work() as session:
            shops = [
                {"id": shop.id, "name": shop.name}
                for shop in session.scalars(select(Shop).order_by(Shop.name))
            ]
            groups: dict[int, dict[str, Any]] = {}
            total = 0
            for product in all_products(session):
                total += 1
                if shop_filter and str(product.shop_id) != shop_filter:
                    continue
                if query and not _matches(product, query):
                    continue
                group = groups.setdefault(
                    product.shop_id,
                    {"id": product.shop_id, "name": product.shop.name, "products": []},
                )
                group["products"].append(_product_view(product))
            new_shops = [
                {"id": shop.id, "name": shop.name}
                for shop in session.scalars(select(Shop).where(Shop.id.in_(new_shop_ids)))
            ]
        back = "/admin/catalog"
        kept = {k: v for k, v in (("shop", shop_filter), ("q", query)) if v}
        if kept:
            back += "?" + urlencode(kept)
        return pages.render(
            request,
            "admin/catalog.html",
            operator=operator,
            shops=shops,
            groups=list(groups.values()),
            total=total,
            shown=sum(len(g["products"]) for g in groups.values()),
            shop_filter=shop_filter,
            query=query,
            back=back,
            new_shops=new_shops,
            max_kib=pages.runtime.settings.web.max_upload_kib,
        )

    async def upload_form(request: Request, operator: Operator) -> FormData:
        # Parsed once with room for the file's text in a field, then CSRF-checked (cached).
        await request.form(max_part_size=limit, max_files=1, max_fields=10)
        return await checked_form(request, operator)

    def checked_file(data: bytes) -> tuple[str, list[CatalogRow]]:
        rows = parse_catalog(data)
        text = data.decode("utf-8-sig")
        return text, rows

    def preview_of(text: str, rows: list[CatalogRow]) -> Preview:
        with pages.work() as session:
            found = preview_import(session, rows=rows)
            return Preview(
                text=text,
                rows=len(rows),
                new=[_row_view(item.row) for item in found.new],
                changed=[_change_view(item) for item in found.changed],
                unchanged=found.unchanged,
                new_shops=found.new_shops,
            )

    @router.post("/admin/catalog/upload")
    async def upload(
        request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        form = await upload_form(request, operator)
        given = form.get("file")
        if not isinstance(given, UploadFile) or not given.filename:
            return problems_page(request, operator, [Problem(0, "no_file", {}, "")])
        data = await given.read()
        filename = given.filename
        # The text goes back in a form field, where a browser writes each line end as CRLF.
        if len(data) + data.count(b"\n") + 8192 > limit:
            return problems_page(
                request,
                operator,
                [Problem(0, "too_large", {"kib": str(limit // 1024)}, "")],
                filename=filename,
            )
        try:
            text, rows = checked_file(data)
        except CatalogFileError as error:
            problems = [worded(problem) for problem in error.problems]
            return problems_page(request, operator, problems, filename=filename)
        return pages.render(
            request,
            "admin/catalog_upload.html",
            operator=operator,
            problems=[],
            preview=preview_of(text, rows),
            filename=filename,
        )

    @router.post("/admin/catalog/import")
    async def import_file(
        request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        form = await upload_form(request, operator)
        text = form.get("content")
        if not isinstance(text, str) or not text.strip():
            return problems_page(request, operator, [Problem(0, "no_file", {}, "")])
        filename = str(form.get("filename", ""))
        try:
            rows = parse_catalog(text.encode("utf-8"))
        except CatalogFileError as error:
            problems = [worded(problem) for problem in error.problems]
            return problems_page(request, operator, problems, filename=filename)
        with pages.work() as session:
            report = import_rows(session, rows=rows)
            new_ids = [
                shop.id
                for shop in session.scalars(select(Shop).where(Shop.name.in_(report.new_shops)))
            ]
        args: dict[str, object] = {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
        if new_ids:
            args["new_shops"] = ",".join(str(i) for i in sorted(new_ids))
        return redirect("/admin/catalog", notice="catalog_imported", **args)

    def product_page(
        request: Request,
        operator: Operator,
        session: Session,
        sku: str,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
    ) -> Response:
        try:
            product = product_by_sku(session, sku=sku)
        except UnknownProductError:
            raise HTTPException(status_code=404) from None
        view = _product_view(product)
        shown = {
            "name": view["name"],
            "price": f"{view['price_cents'] // 100},{view['price_cents'] % 100:02d}",
            "aliases": view["aliases"],
            "category": view["category"],
            "available": view["available"],
            **(values or {}),
        }
        return pages.render(
            request,
            "admin/catalog_product.html",
            operator=operator,
            status_code=400 if errors else 200,
            product=view,
            values=shown,
            errors=errors or {},
        )

    @router.get("/admin/catalog/{sku}")
    def product_form(
        sku: str, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        with pages.work() as session:
            return product_page(request, operator, session, sku)

    @router.post("/admin/catalog/{sku}")
    async def product_save(
        sku: str, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        form = await checked_form(request, operator)
        name = str(form.get("name", "")).strip()
        price = str(form.get("price", "")).strip()
        aliases = str(form.get("aliases", ""))
        category = str(form.get("category", "")).strip()
        available = form.get("available") == "1"
        values: dict[str, Any] = {
            "name": name,
            "price": price,
            "aliases": aliases,
            "category": category,
            "available": available,
        }
        errors: dict[str, str] = {}
        if not name:
            errors["name"] = "admin.catalog.edit.name_empty"
        elif len(name) > 200:
            errors["name"] = "admin.catalog.edit.too_long"
        if len(category) > 80:
            errors["category"] = "admin.catalog.edit.too_long"
        cents, price_problem = price_error(price)
        if price_problem:
            errors["price"] = price_problem
        with pages.work() as session:
            if not errors:
                try:
                    update_product(
                        session,
                        sku=sku,
                        name=name,
                        price_cents=cents,
                        aliases=_aliases(aliases),
                        category=category,
                        available=available,
                    )
                except UnknownProductError:
                    raise HTTPException(status_code=404) from None
                except ProductChangeError as error:
                    errors[error.field] = f"admin.catalog.edit.{error.field}_refused"
                else:
                    return redirect("/admin/catalog", notice="catalog_product_saved", name=name)
            session.rollback()
            return product_page(request, operator, session, sku, values=values, errors=errors)

    @router.post("/admin/catalog/{sku}/available")
    async def availability(
        sku: str, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        form = await checked_form(request, operator)
        available = form.get("available") == "1"
        back = str(form.get("back", ""))
        if not back.startswith("/admin/catalog") or back.startswith("//"):
            back = "/admin/catalog"
        with pages.work() as session:
            try:
                product = set_available(session, sku=sku, available=available)
            except UnknownProductError:
                raise HTTPException(status_code=404) from None
            name = product.name
        target, _, query = back.partition("?")
        response = redirect(
            target,
            notice="catalog_product_available" if available else "catalog_product_unavailable",
            name=name,
        )
        if query:
            response.headers["location"] += "&" + query
        return response

    return router
