"""The courier's page (/courier) (to be built)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from accounts.models import Role
from bot.pages.auth import Operator
from bot.pages.context import Pages


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    allowed = pages.require(Role.COURIER)

    @router.get("/courier")
    def home(request: Request, operator: Annotated[Operator, Depends(allowed)]) -> Response:
        return pages.render(request, "courier/home.html", operator=operator)

    return router
