"""The coordinator's residents page (to be built)."""

from fastapi import APIRouter

from bot.pages.context import Pages


def routes(pages: Pages) -> APIRouter:
    return APIRouter()
