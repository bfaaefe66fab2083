"""The words: dates in Dutch and English, amounts, and SMS text that stays GSM-7."""

from __future__ import annotations

from datetime import datetime

import pytest

from orders.models import DeliveryRound
from orders.notices import amount, describe_round, euros, sms_segments, to_gsm7, total_amount
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


def test_sms_text_is_made_gsm7_and_costs_fewer_segments() -> None:
    text = "Crème fraîche, één ons paté en 2 kaasbroodjes: € 12,34 – dank u wel… " * 2
    safe = to_gsm7(text)
    assert safe.startswith(
        "Creme fraiche, een ons pate en 2 kaasbroodjes: EUR 12,34 - dank u wel..."
    )
    assert safe.isascii()
    assert sms_segments(text) == 3  # UCS-2: 67 characters a segment
    assert sms_segments(safe) == 1


def test_segments_count_like_a_phone_does() -> None:
    assert sms_segments("a" * 160) == 1
    assert sms_segments("a" * 161) == 2
    assert sms_segments("a" * 306) == 2
    assert sms_segments("a" * 307) == 3
    assert sms_segments("€" * 80) == 1  # an escape character in GSM-7 counts twice
    assert sms_segments("ë" * 70) == 1
    assert sms_segments("ë" * 71) == 2
