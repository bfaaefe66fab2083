"""The shop's page (/shop) (to be built)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from accounts.models import Role
from bot.pages.auth import Operator
from bot.pages.context import Pages


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    allowed = pages.require(Role.SHOP)

    @router.get("/shop")
    def home(request: Request, operator: Annotated[Operator, Depends(allowed)]) -> Response:
        return pages.render(request, "shop/home.html", operator=operator)

    return router
