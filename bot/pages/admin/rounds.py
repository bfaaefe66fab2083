"""The coordinator's first page: the coming delivery rounds at a glance, and closing one early.

Closing a round before its cut-off does what the worker does at the cut-off
(bot.worker.close_now): the orders are passed on and every shop and the courier get their
lists in the outbox. A round closed already is closed once only.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from accounts.models import Role
from bot.pages.auth import Operator, checked_form
from bot.pages.context import Pages, redirect
from bot.pages.rendering import moment
from bot.round_plan import round_plan
from bot.worker import close_now
from core.errors import NotFoundError
from orders.overview import coming_rounds
from orders.rounds import next_round, round_by_id


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    coordinator = pages.require(Role.COORDINATOR)

    @router.get("/admin")
    def overview(request: Request, operator: Annotated[Operator, Depends(coordinator)]) -> Response:
        now = pages.clock()
        with pages.work() as session:
            # The next round is made when someone first orders for it; made here too, so the
            # coordinator sees it (and may close it) before the first order comes in.
            next_round(session, plan=round_plan(pages.runtime.settings), now=now)
            rounds = coming_rounds(session, now=now, zone=pages.zone)
        return pages.render(request, "admin/rounds.html", operator=operator, rounds=rounds)

    @router.post("/admin/rounds/{round_id}/close")
    async def close(
        round_id: int, request: Request, operator: Annotated[Operator, Depends(coordinator)]
    ) -> Response:
        await checked_form(request, operator)
        with pages.work() as session:
            try:
                starts_at = round_by_id(session, round_id=round_id).starts_at
            except NotFoundError:
                raise HTTPException(status_code=404) from None
        when = moment(starts_at, language=operator.language, zone=pages.zone)
        report = await run_in_threadpool(
            close_now, pages.runtime, round_id=round_id, now=pages.clock()
        )
        if not report.closed_now:
            return redirect("/admin", notice="rounds_already_closed", moment=when)
        if not report.shops:
            return redirect("/admin", notice="rounds_closed_empty", moment=when)
        return redirect(
            "/admin",
            notice="rounds_closed",
            moment=when,
            orders=report.orders,
            shops=len(report.shops),
            names=", ".join(report.shops),
        )

    return router
