"""The coordinator's view of the residents' standing orders (issue 12): who gets what on which
round day, what it costs now, the next delivery, this week's changes and the last weeks.

She can pause one for a resident (a stay in hospital: a last day "tot en met", today or later),
let it go on again, or stop it. The resident is not messaged by any of these: the coordinator
phones her, as the page says.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from babel.dates import format_date
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from accounts.models import Role
from bot.pages.auth import Operator, checked_form
from bot.pages.context import Pages, redirect
from bot.round_plan import round_plan
from catalog.models import Product
from catalog.service import WEEKDAYS
from core.errors import NotFoundError
from orders.models import AddressKind
from orders.pricing import line_total_cents
from orders.rounds import RoundPlan
from orders.standing.models import StandingOrder, StandingWeek
from orders.standing.service import (
    StandingOverview,
    local_day,
    pause,
    standing_order_by_id,
    standing_overview,
    stop,
)

RECENT_WEEKS = 3
_LOCALES = {"nl": "nl_NL", "en": "en_GB"}
_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


@dataclass(frozen=True)
class LineRow:
    """One product of a standing order, at today's price."""

    name: str
    unit: str
    quantity: int
    price_cents: int  # 0 when it is no longer sold
    total_cents: int
    state: str  # "ok" | "unavailable" | "gone"


@dataclass(frozen=True)
class ChangeRow:
    """This week only: "extra" (not in her standing order), "none" (not this week) or
    "other" (another amount than usual)."""

    kind: str
    name: str
    unit: str
    quantity: int
    usual: int


@dataclass(frozen=True)
class WeekRow:
    starts_at: datetime
    outcome: str
    order_id: int | None


@dataclass(frozen=True)
class StandingRow:
    id: int
    resident_id: int
    resident_name: str
    phone: str
    weekday: str
    lines: list[LineRow]
    total_cents: int
    next_delivery_at: datetime | None
    coming_at: datetime | None
    coming_paused: bool
    skipped: bool
    changes: list[ChangeRow]
    left_out: list[str]
    paused_until: date | None  # only while it still counts (today or later)
    paused_until_text: str
    recent: list[WeekRow]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def parse_day(text: str) -> date | None:
    """A date as a date field sends it (2026-12-20), or as typed in Dutch (20-12-2026)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    found = _DUTCH_DATE.match(text)
    if found is None:
        return None
    day, month, year = (int(part) for part in found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def written_day(day: date, language: str) -> str:
    """ "zondag 20 december 2026": a whole day, in the operator's language."""
    return format_date(day, "EEEE d MMMM y", locale=_LOCALES.get(language, "nl_NL"))


def _day_order(weekday: str) -> int:
    return WEEKDAYS.index(weekday) if weekday in WEEKDAYS else len(WEEKDAYS)


def _products(session: Session, skus: set[str]) -> dict[str, Product]:
    if not skus:
        return {}
    return {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(skus)))}


def _row(
    session: Session, seen: StandingOverview, *, plan: RoundPlan, language: str, today: date
) -> StandingRow:
    standing: StandingOrder = seen.standing
    week: StandingWeek | None = seen.coming_week
    changes = dict(week.changes) if week is not None else {}
    left_out = list(week.left_out) if week is not None else []
    products = _products(
        session, {line["sku"] for line in standing.lines} | set(changes) | set(left_out)
    )

    def name(sku: str) -> str:
        product = products.get(sku)
        return product.name if product is not None else sku

    def unit(sku: str) -> str:
        product = products.get(sku)
        return product.unit if product is not None else "piece"

    lines: list[LineRow] = []
    usual: dict[str, int] = {}
    for line in standing.lines:
        sku, quantity = line["sku"], int(line["quantity"])
        usual[sku] = quantity
        product = products.get(sku)
        if product is None:
            lines.append(LineRow(sku, "piece", quantity, 0, 0, "gone"))
            continue
        total = line_total_cents(
            unit=product.unit, unit_price_cents=product.price_cents, quantity=quantity
        )
        state = "ok" if product.available else "unavailable"
        lines.append(
            LineRow(product.name, product.unit, quantity, product.price_cents, total, state)
        )
    change_rows: list[ChangeRow] = []
    for sku, quantity in changes.items():
        if sku not in usual:
            if quantity > 0:
                change_rows.append(ChangeRow("extra", name(sku), unit(sku), quantity, 0))
        elif quantity <= 0:
            change_rows.append(ChangeRow("none", name(sku), unit(sku), 0, usual[sku]))
        elif quantity != usual[sku]:
            change_rows.append(ChangeRow("other", name(sku), unit(sku), quantity, usual[sku]))
    resident = standing.resident
    until = (
        standing.paused_until if standing.paused_until and standing.paused_until >= today else None
    )
    return StandingRow(
        id=standing.id,
        resident_id=resident.id,
        resident_name=resident.name,
        phone=resident.address(AddressKind.PHONE) or "",
        weekday=standing.weekday,
        lines=lines,
        total_cents=sum(line.total_cents for line in lines if line.state == "ok"),
        next_delivery_at=seen.next_delivery_at,
        coming_at=seen.coming_at,
        coming_paused=bool(seen.coming_at and until and local_day(seen.coming_at, plan) <= until),
        skipped=bool(week is not None and week.skipped),
        changes=change_rows,
        left_out=[name(sku) for sku in left_out],
        paused_until=until,
        paused_until_text=written_day(until, language) if until else "",
        recent=[
            WeekRow(w.delivery_round.starts_at, w.outcome or "unknown", w.order_id)
            for w in seen.recent
        ],
    )


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    coordinator = pages.require(Role.COORDINATOR)
    plan = round_plan(pages.runtime.settings)

    def words(operator: Operator, key: str, **args: Any) -> str:
        return pages.words.get(operator.language, key, **args)

    def today() -> date:
        return local_day(pages.clock(), plan)

    def list_page(
        request: Request,
        operator: Operator,
        *,
        errors: dict[int, str] | None = None,
        typed: dict[int, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        with pages.work() as session:
            seen = standing_overview(session, plan=plan, now=pages.clock(), recent=RECENT_WEEKS)
            rows = [
                _row(session, s, plan=plan, language=operator.language, today=today()) for s in seen
            ]
        rows.sort(key=lambda r: (r.resident_name.casefold(), _day_order(r.weekday)))
        return pages.render(
            request,
            "admin/standing.html",
            operator=operator,
            status_code=status_code,
            rows=rows,
            paused=sum(1 for r in rows if r.paused_until is not None),
            today=today().isoformat(),
            errors=errors or {},
            typed=typed or {},
        )

    def load(session: Session, standing_id: int) -> StandingOrder:
        try:
            return standing_order_by_id(session, standing_id=standing_id)
        except NotFoundError:
            raise HTTPException(status_code=404) from None

    def every(operator: Operator, weekday: str) -> str:
        return words(operator, f"admin.standing.every.{weekday}")

    @router.get("/admin/standing")
    def standing_page(
        request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        return list_page(request, operator)

    @router.post("/admin/standing/{standing_id}/pause")
    async def pause_one(
        standing_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        form = await checked_form(request, operator)
        typed = _text(form, "until")
        with pages.work() as session:
            load(session, standing_id)
        until = parse_day(typed)
        error = ""
        if not typed:
            error = words(operator, "admin.standing.errors.until_missing")
        elif until is None:
            error = words(operator, "admin.standing.errors.until_invalid", text=typed)
        elif until < today():
            error = words(
                operator,
                "admin.standing.errors.until_past",
                day=written_day(until, operator.language),
            )
        if error or until is None:
            return list_page(
                request,
                operator,
                errors={standing_id: error},
                typed={standing_id: typed},
                status_code=400,
            )
        with pages.work() as session:
            standing = load(session, standing_id)
            pause(session, standing=standing, until=until)
            name, weekday = standing.resident.name, standing.weekday
        return redirect(
            "/admin/standing",
            notice="standing_paused",
            name=name,
            day=every(operator, weekday),
            until=written_day(until, operator.language),
        )

    @router.post("/admin/standing/{standing_id}/resume")
    async def resume(
        standing_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        await checked_form(request, operator)
        with pages.work() as session:
            standing = load(session, standing_id)
            pause(session, standing=standing, until=None)
            name, weekday = standing.resident.name, standing.weekday
        return redirect(
            "/admin/standing", notice="standing_resumed", name=name, day=every(operator, weekday)
        )

    @router.post("/admin/standing/{standing_id}/stop")
    async def stop_one(
        standing_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        form = await checked_form(request, operator)
        with pages.work() as session:
            standing = load(session, standing_id)
            name, weekday = standing.resident.name, standing.weekday
            if _text(form, "sure") != "yes":
                return redirect("/admin/standing", notice="standing_stop_unconfirmed")
            stop(session, standing=standing, now=pages.clock())
        return redirect(
            "/admin/standing", notice="standing_stopped", name=name, day=every(operator, weekday)
        )

    return router
