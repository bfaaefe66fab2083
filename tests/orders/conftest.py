"""The demo village and its round plan (tue, thu, sat 10-12, cut-off 20:00 the day before)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.demo_village import load_demo
from bot.round_plan import round_plan
from bot.settings import Settings
from catalog.service import product_by_sku
from core.database import unit_of_work
from orders.models import Resident
from orders.rounds import RoundPlan
from orders.split import WantedLine

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """A moment on the village clock, as the aware UTC datetime the code works with."""
    return datetime(year, month, day, hour, minute, second, tzinfo=AMSTERDAM).astimezone(UTC)


# Monday 7 December 2026, 09:00 in Bunnik: the next round is Tuesday 8 December.
MONDAY_MORNING = local(2026, 12, 7, 9)


@pytest.fixture
def plan(settings: Settings) -> RoundPlan:
    return round_plan(settings)


@pytest.fixture
def village(sessions: sessionmaker[Session], settings: Settings) -> sessionmaker[Session]:
    with unit_of_work(sessions) as session:
        load_demo(session, settings=settings)
    return sessions


def resident(session: Session, name: str) -> Resident:
    found = session.scalar(select(Resident).where(Resident.name == name))
    assert found is not None, name
    return found


def wanted(session: Session, lines: Sequence[tuple[str, int]]) -> list[WantedLine]:
    return [WantedLine(product_by_sku(session, sku=sku), quantity) for sku, quantity in lines]


JANSEN = "Mevrouw A. Jansen"
DE_VRIES = "Meneer H. de Vries"
WHITFIELD = "Mr. J. Whitfield"
