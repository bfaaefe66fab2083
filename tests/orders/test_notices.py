"""The words: dates in Dutch and English, amounts, and SMS text that stays GSM-7."""

from __future__ import annotations

from datetime import datetime

import pytest

from orders.models import DeliveryRound
from orders.notices import amount, describe_round, euros, total_amount
from tests.orders.conftest import AMSTERDAM, local


def a_round(start: datetime, end: datetime) -> DeliveryRound:
    return DeliveryRound(starts_at=start, ends_at=end, cutoff_at=start)


def test_a_round_in_dutch_and_english() -> None:
    saturday = a_round(local(2026, 12, 12, 10), local(2026, 12, 12, 12))
    assert describe_round(saturday, language="nl", zone=AMSTERDAM) == (
        "zaterdag 12 december tussen 10 en 12 uur"
    )
    assert describe_round(saturday, language="en", zone=AMSTERDAM) == (
        "Saturday 12 December between 10:00 and 12:00"
    )


def test_a_round_at_half_past_shows_the_minutes() -> None:
    evening = a_round(local(2026, 7, 1, 17, 30), local(2026, 7, 1, 19))
    assert describe_round(evening, language="nl", zone=AMSTERDAM) == (
        "woensdag 1 juli tussen 17:30 en 19:00 uur"
    )


@pytest.mark.parametrize(
    ("quantity", "unit", "language", "line", "total"),
    [
        (3, "piece", "nl", "3x", "3"),
        (200, "kg", "nl", "200 g", "200 g"),
        (1500, "kg", "nl", "1,5 kg", "1,5 kg"),
        (1500, "kg", "en", "1.5 kg", "1.5 kg"),
        (1250, "kg", "nl", "1,25 kg", "1,25 kg"),
        (2000, "kg", "nl", "2 kg", "2 kg"),
    ],
)
def test_amounts(quantity: int, unit: str, language: str, line: str, total: str) -> None:
    assert amount(quantity, unit, language) == line
    assert total_amount(quantity, unit, language) == total


def test_euros() -> None:
    assert euros(1234) == "€ 12,34"
    assert euros(5) == "€ 0,05"
