"""The coordinator's pages (/admin): rounds, orders, residents, standing orders, catalogue,
shops, messages.

One module per subject, each with a `routes(pages)` that returns its router; every route of
every one of them needs the coordinator's role; paths are written out whole ("/admin/orders").
"""

from fastapi import APIRouter

from bot.pages.context import Pages


def routes(pages: Pages) -> APIRouter:
    from bot.pages.admin import catalogue, orders, outbox, residents, rounds, shops, standing

    router = APIRouter()
    for area in (rounds, orders, residents, standing, catalogue, shops, outbox):
        router.include_router(area.routes(pages))
    return router
