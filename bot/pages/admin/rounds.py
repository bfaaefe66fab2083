"""The coordinator's first page: the coming delivery rounds at a glance."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from accounts.models import Role
from bot.pages.auth import Operator
from bot.pages.context import Pages


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    coordinator = pages.require(Role.COORDINATOR)

    @router.get("/admin")
    def overview(request: Request, operator: Annotated[Operator, Depends(coordinator)]) -> Response:
        return pages.render(request, "admin/rounds.html", operator=operator)

    return router
