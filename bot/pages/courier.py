"""The courier's page (/courier): on a phone, at the door.

One page for the whole ride: first where to collect the bags ("Ophalen"), then the addresses
in route order ("Bezorgen"), each with a tap-to-call link and two big buttons, "Bezorgd" and
"Niet thuis". Done addresses move below the ones still to do. The work is orders.delivery's;
this module reads the form and words the outcome.

"Niet thuis" alerts the coordinator by SMS at the coordinator's phone number in the
configuration (settings.coordinator.phone): the one address of the coordinator the village
configures, and the number residents are told to call. The resident reads the same number in
her message, so she can call first.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from accounts.models import Role
from bot.pages.auth import Operator, checked_form
from bot.pages.context import Pages, redirect
from bot.round_plan import round_plan
from core.errors import NotFoundError
from orders.delivery import (
    DeliveryRefusedError,
    Marked,
    courier_day,
    mark_delivered,
    mark_not_home,
    round_to_deliver,
)
from orders.outbox import Recipient

HOME = "/courier"


def _ids(values: list[str]) -> list[int]:
    try:
        ids = [int(value) for value in values]
    except ValueError:
        raise HTTPException(status_code=400) from None
    if not ids or any(i <= 0 for i in ids):
        raise HTTPException(status_code=400)
    return ids


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    courier = pages.require(Role.COURIER)
    settings = pages.runtime.settings

    @router.get(HOME)
    def home(request: Request, operator: Annotated[Operator, Depends(courier)]) -> Response:
        with pages.work() as session:
            day = courier_day(session, now=pages.clock(), plan=round_plan(settings))
        return pages.render(request, "courier/home.html", operator=operator, day=day)

    async def read_stop(request: Request, operator: Operator) -> tuple[int, list[int]]:
        form = await checked_form(request, operator)
        rounds = _ids([str(v) for v in form.getlist("round")])
        if len(rounds) != 1:
            raise HTTPException(status_code=400)
        return rounds[0], _ids([str(v) for v in form.getlist("order")])

    def outcome(marked: Marked, notice: str) -> Response:
        if not marked.changed:
            return redirect(HOME, notice="courier_already")
        with pages.work() as session:
            still = round_to_deliver(session)
        if still is None or still.id != marked.round_id:
            return redirect(HOME, notice="courier_round_done", name=", ".join(marked.residents))
        return redirect(HOME, notice=notice, name=", ".join(marked.residents))

    def refused(error: DeliveryRefusedError) -> Response:
        return redirect(HOME, notice=f"courier_refused_{error.reason.value}", order=error.order_id)

    @router.post(HOME + "/delivered")
    async def delivered(
        request: Request, operator: Annotated[Operator, Depends(courier)]
    ) -> Response:
        round_id, order_ids = await read_stop(request, operator)
        try:
            with pages.work() as session:
                marked = mark_delivered(
                    session,
                    round_id=round_id,
                    order_ids=order_ids,
                    now=pages.clock(),
                    zone=settings.zone,
                )
        except DeliveryRefusedError as error:
            return refused(error)
        except NotFoundError:
            raise HTTPException(status_code=404) from None
        return outcome(marked, "courier_delivered")

    @router.post(HOME + "/not-home")
    async def not_home(
        request: Request, operator: Annotated[Operator, Depends(courier)]
    ) -> Response:
        round_id, order_ids = await read_stop(request, operator)
        coordinator = settings.coordinator
        try:
            with pages.work() as session:
                marked = mark_not_home(
                    session,
                    round_id=round_id,
                    order_ids=order_ids,
                    now=pages.clock(),
                    coordinator=Recipient(
                        name=coordinator.name, channel="sms", address=coordinator.phone
                    ),
                    coordinator_phone=coordinator.phone,
                )
        except DeliveryRefusedError as error:
            return refused(error)
        except NotFoundError:
            raise HTTPException(status_code=404) from None
        return outcome(marked, "courier_not_home")

    return router
