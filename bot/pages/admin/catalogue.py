"""The coordinator's catalogue page (to be built)."""

from fastapi import APIRouter

from bot.pages.context import Pages


def routes(pages: Pages) -> APIRouter:
    return APIRouter()
