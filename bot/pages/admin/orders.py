"""The coordinator's orders page (to be built)."""

from fastapi import APIRouter

from bot.pages.context import Pages


def routes(pages: Pages) -> APIRouter:
    return APIRouter()
