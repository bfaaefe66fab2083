"""The pages for the people behind the counter: the coordinator (/admin), each shop (/shop)
and the courier (/courier), after logging in at /login.

Server-rendered with Jinja2; the little JavaScript there is (static/site.js) ships in the
package. Each area is a module with a `routes(pages)` function that returns its router;
`mount_pages` puts them on the app. Routes are plain functions that FastAPI runs in its thread
pool; each does its own unit of work, as a webhook does.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from bot.pages.context import Pages


def mount_pages(app: FastAPI, pages: Pages) -> None:
    from bot.pages import admin, courier, login, shop

    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for area in (login, admin, shop, courier):
        app.include_router(area.routes(pages))
    pages.install_error_pages(app)
