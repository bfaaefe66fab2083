"""Exact money: integer cents throughout."""

from __future__ import annotations


def line_total_cents(*, unit: str, unit_price_cents: int, quantity: int) -> int:
    """Pieces times price, or grams times the price per kg, rounded half up to a cent."""
    if unit == "kg":
        return (unit_price_cents * quantity + 500) // 1000
    return unit_price_cents * quantity


def format_euros(cents: int) -> str:
    """Dutch notation, e.g. 1234 -> "12,34"."""
    return f"{cents // 100},{cents % 100:02d}"
