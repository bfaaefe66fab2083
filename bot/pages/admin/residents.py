"""The coordinator's residents: find one, add one, change her details, pause her, and her data
exported or forgotten (AVG); her recent conversation with the bot, to help her when stuck.

Every field error of the forms is shown beside its field with what was typed kept; nothing
is written until every field is right.
"""

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.datastructures import FormData

from accounts.models import Role
from bot.pages.auth import Operator, checked_form
from bot.pages.context import Pages, redirect
from conversations.privacy import (
    FORGOTTEN,
    NothingHeldError,
    OrdersUnderwayError,
    export_resident,
    forget_resident,
)
from conversations.recent import RECENT, open_conversation, recent_exchanges
from core.errors import DorpspleinError, NotFoundError
from orders.errors import (
    AddressTakenError,
    InvalidPhoneError,
    InvalidPostcodeError,
    OutsideDeliveryAreaError,
)
from orders.models import AddressKind, Order, Resident
from orders.residents import (
    add_resident,
    check_delivery_area,
    find_resident,
    get_resident,
    normalise_phone,
    search_residents,
    set_active,
    update_resident,
)

FIELDS = ("name", "phone", "street", "postcode", "language")
LANGUAGES = ("nl", "en")
CHANNELS = ("terminal", "sms", "whatsapp", "voice", "telegram")
RECENT_ORDERS = 10


@dataclass(frozen=True)
class Row:
    """A resident as the pages show her (no database object outlives a request)."""

    id: int
    name: str
    street: str
    postcode: str
    phone: str
    whatsapp: str
    telegram: str
    language: str
    active: bool

    @classmethod
    def of(cls, resident: Resident) -> "Row":
        return cls(
            id=resident.id,
            name=resident.name,
            street=resident.street,
            postcode=resident.postcode,
            phone=resident.address(AddressKind.PHONE) or "",
            whatsapp=resident.address(AddressKind.WHATSAPP) or "",
            telegram=resident.address(AddressKind.TELEGRAM) or "",
            language=resident.language,
            active=resident.active,
        )

    @property
    def export_phone(self) -> str:
        """The number privacy.export_resident and forget_resident find her by."""
        return self.phone or self.whatsapp

    def form(self) -> dict[str, str]:
        return {
            "name": self.name,
            "phone": self.phone or self.whatsapp,
            "street": self.street,
            "postcode": self.postcode,
            "language": self.language,
        }


@dataclass(frozen=True)
class OrderRow:
    id: int
    status: str
    total_cents: int
    delivery: Any  # datetime | None


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _listed(resident: Resident) -> bool:
    # The one anonymous holder of forgotten people's orders is nobody to look after.
    return not (resident.name == FORGOTTEN and not resident.addresses)


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    coordinator = pages.require(Role.COORDINATOR)
    area = pages.runtime.settings.delivery_area

    def words(operator: Operator, key: str, **args: Any) -> str:
        return pages.words.get(operator.language, key, **args)

    def field_errors(
        session: Session, operator: Operator, values: dict[str, str], *, resident_id: int | None
    ) -> dict[str, str]:
        """Every field that is wrong, worded, before anything is written."""
        errors: dict[str, str] = {}
        for name in ("name", "street", "phone", "postcode"):
            if not values[name]:
                errors[name] = words(operator, f"admin.residents.errors.{name}_missing")
        if "postcode" not in errors:
            try:
                check_delivery_area(values["postcode"], area=area)
            except (InvalidPostcodeError, OutsideDeliveryAreaError) as error:
                errors["postcode"] = error_words(operator, error)
        if "phone" not in errors:
            try:
                number = normalise_phone(values["phone"])
            except InvalidPhoneError as error:
                errors["phone"] = error_words(operator, error)
            else:
                owner = find_resident(session, kind=AddressKind.PHONE, address=number)
                if owner is not None and owner.id != resident_id:
                    errors["phone"] = words(
                        operator, "admin.residents.errors.phone_taken", name=owner.name
                    )
        if values["language"] not in LANGUAGES:
            errors["language"] = words(operator, "admin.residents.errors.language")
        return errors

    def error_words(operator: Operator, error: DorpspleinError) -> str:
        if isinstance(error, InvalidPostcodeError):
            return words(operator, "admin.residents.errors.postcode_invalid", text=error.text)
        if isinstance(error, OutsideDeliveryAreaError):
            return words(
                operator,
                "admin.residents.errors.postcode_outside",
                postcode=error.postcode,
                area=", ".join(error.area),
            )
        if isinstance(error, InvalidPhoneError):
            return words(operator, "admin.residents.errors.phone_invalid", text=error.text)
        if isinstance(error, AddressTakenError):
            return words(operator, "admin.residents.errors.phone_taken_plain")
        return words(operator, "admin.residents.errors.other")

    def field_of(error: DorpspleinError) -> str:
        if isinstance(error, InvalidPostcodeError | OutsideDeliveryAreaError):
            return "postcode"
        return "phone"

    def values_of(form: FormData) -> dict[str, str]:
        values = {name: _text(form, name) for name in FIELDS}
        values["language"] = values["language"] or "nl"
        return values

    def list_page(
        request: Request,
        operator: Operator,
        *,
        new: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        query = request.query_params.get("q", "").strip()
        with pages.work() as session:
            rows = [Row.of(r) for r in search_residents(session, query=query) if _listed(r)]
        return pages.render(
            request,
            "admin/residents.html",
            operator=operator,
            status_code=status_code,
            residents=rows,
            query=query,
            new=new or {name: "nl" if name == "language" else "" for name in FIELDS},
            errors=errors or {},
            languages=LANGUAGES,
        )

    def load(session: Session, resident_id: int) -> Resident:
        try:
            resident = get_resident(session, resident_id=resident_id)
        except NotFoundError:
            raise HTTPException(status_code=404) from None
        if not _listed(resident):
            raise HTTPException(status_code=404)
        return resident

    def detail_page(
        request: Request,
        operator: Operator,
        resident_id: int,
        *,
        edit: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        with pages.work() as session:
            row = Row.of(load(session, resident_id))
            orders = [
                OrderRow(
                    id=o.id,
                    status=o.status,
                    total_cents=o.total_cents,
                    delivery=o.delivery_round.starts_at if o.delivery_round else None,
                )
                for o in session.scalars(
                    select(Order)
                    .where(Order.resident_id == resident_id)
                    .options(selectinload(Order.delivery_round))
                    .order_by(Order.id.desc())
                    .limit(RECENT_ORDERS)
                )
            ]
        return pages.render(
            request,
            "admin/resident.html",
            operator=operator,
            status_code=status_code,
            resident=row,
            orders=orders,
            edit=edit or row.form(),
            errors=errors or {},
            languages=LANGUAGES,
        )

    @router.get("/admin/residents")
    def residents_page(
        request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        return list_page(request, operator)

    @router.post("/admin/residents")
    async def add(
        request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        form = await checked_form(request, operator)
        values = values_of(form)
        with pages.work() as session:
            errors = field_errors(session, operator, values, resident_id=None)
        if errors:
            return list_page(request, operator, new=values, errors=errors, status_code=400)
        try:
            with pages.work() as session:
                resident = add_resident(
                    session,
                    name=values["name"],
                    street=values["street"],
                    postcode=values["postcode"],
                    phone=values["phone"],
                    language=values["language"],
                    area=area,
                )
                new_id = resident.id
        except DorpspleinError as error:  # a number taken between the check and the write
            errors = {field_of(error): error_words(operator, error)}
            return list_page(request, operator, new=values, errors=errors, status_code=400)
        return redirect(f"/admin/residents/{new_id}", notice="resident_added", name=values["name"])

    @router.get("/admin/residents/{resident_id}")
    def resident_page(
        resident_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        return detail_page(request, operator, resident_id)

    @router.post("/admin/residents/{resident_id}")
    async def edit(
        resident_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        form = await checked_form(request, operator)
        values = values_of(form)
        with pages.work() as session:
            load(session, resident_id)
            errors = field_errors(session, operator, values, resident_id=resident_id)
        if errors:
            return detail_page(
                request, operator, resident_id, edit=values, errors=errors, status_code=400
            )
        try:
            with pages.work() as session:
                update_resident(session, resident_id=resident_id, area=area, **values)
        except DorpspleinError as error:
            errors = {field_of(error): error_words(operator, error)}
            return detail_page(
                request, operator, resident_id, edit=values, errors=errors, status_code=400
            )
        return redirect(f"/admin/residents/{resident_id}", notice="resident_saved")

    def activity(active: bool) -> Any:
        async def change(
            resident_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
        ) -> Response:
            await checked_form(request, operator)
            with pages.work() as session:
                load(session, resident_id)
                name = set_active(session, resident_id=resident_id, active=active).name
            notice = "resident_reactivated" if active else "resident_paused"
            return redirect(f"/admin/residents/{resident_id}", notice=notice, name=name)

        return change

    router.post("/admin/residents/{resident_id}/deactivate")(activity(False))
    router.post("/admin/residents/{resident_id}/reactivate")(activity(True))

    @router.get("/admin/residents/{resident_id}/export")
    def export(
        resident_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        with pages.work() as session:
            row = Row.of(load(session, resident_id))
            if not row.export_phone:
                return redirect(f"/admin/residents/{resident_id}", notice="resident_no_phone")
            try:
                data = export_resident(session, phone=row.export_phone, now=pages.clock())
            except NothingHeldError:
                return redirect(f"/admin/residents/{resident_id}", notice="resident_no_phone")
        body = json.dumps(data, ensure_ascii=False, indent=2)
        filename = f"bewoner-{resident_id}-{pages.clock():%Y%m%d}.json"
        return Response(
            body,
            media_type="application/json; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "Cache-Control": "no-store",
            },
        )

    @router.post("/admin/residents/{resident_id}/forget")
    async def forget(
        resident_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        form = await checked_form(request, operator)
        back = f"/admin/residents/{resident_id}"
        with pages.work() as session:
            row = Row.of(load(session, resident_id))
        if _text(form, "sure") != "yes":
            return redirect(back, notice="forget_unconfirmed")
        if not row.export_phone:
            return redirect(back, notice="resident_no_phone")
        try:
            with pages.work() as session:
                report = forget_resident(session, phone=row.export_phone, now=pages.clock())
        except OrdersUnderwayError as error:
            return redirect(
                back, notice="forget_underway", orders=", ".join(map(str, error.order_ids))
            )
        except NothingHeldError:
            return redirect(back, notice="resident_no_phone")
        return redirect("/admin/residents", notice="resident_forgotten", orders=report.orders_kept)

    @router.get("/admin/residents/{resident_id}/conversation")
    def conversation(
        resident_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        with pages.work() as session:
            resident = load(session, resident_id)
            row = Row.of(resident)
            exchanges = recent_exchanges(session, resident=resident)
            state = open_conversation(session, resident_id=resident_id)
        return pages.render(
            request,
            "admin/resident_conversation.html",
            operator=operator,
            resident=row,
            exchanges=exchanges,
            state=state,
            channels=CHANNELS,
            limit=RECENT,
        )

    return router
