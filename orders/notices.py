"""The words of the messages that follow an order: to residents, shops and the courier.

Residents read their own language (Dutch or English); shops and the courier read Dutch. Texts
sent by SMS are made GSM-7 safe: one "ë" or "€" would otherwise shrink every segment from 160
to 70 characters, and a confirmation must fit in two or three segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date
from jinja2 import Environment, PackageLoader, StrictUndefined

from core.gsm7 import to_gsm7
from orders.models import Order
from orders.pricing import format_euros

LANGUAGES = ("nl", "en")
SHOP_LANGUAGE = "nl"


class RoundWindow(Protocol):
    """A delivery round's window: a round row, or the round of a quote."""

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...


def euros(cents: int) -> str:
    return f"€ {format_euros(cents)}"


def amount(quantity: int, unit: str, language: str = "nl") -> str:
    """How much of a line: "3x", "200 g", "1,5 kg" ("1.5 kg" in English)."""
    if unit != "kg":
        return f"{quantity}x"
    return _weight(quantity, language)


def total_amount(quantity: int, unit: str, language: str = "nl") -> str:
    """A shop's total of one product: a count of pieces, or a weight."""
    if unit != "kg":
        return str(quantity)
    return _weight(quantity, language)


def _weight(grams: int, language: str) -> str:
    if grams < 1000:
        return f"{grams} g"
    kilos = f"{grams / 1000:.3f}".rstrip("0").rstrip(".")
    return f"{kilos.replace('.', ',') if language == 'nl' else kilos} kg"


def _day(moment: datetime, language: str) -> str:
    return format_date(moment.date(), "EEEE d MMMM", locale=language)


def describe_round(delivery_round: RoundWindow, *, language: str, zone: ZoneInfo) -> str:
    """ "dinsdag 8 december tussen 10 en 12 uur" / "Tuesday 8 December between 10:00 and 12:00"."""
    start = delivery_round.starts_at.astimezone(zone)
    end = delivery_round.ends_at.astimezone(zone)
    if language == "en":
        return f"{_day(start, 'en')} between {start:%H:%M} and {end:%H:%M}"
    whole = start.minute == 0 and end.minute == 0
    first = str(start.hour) if whole else f"{start:%H:%M}"
    last = str(end.hour) if whole else f"{end:%H:%M}"
    return f"{_day(start, 'nl')} tussen {first} en {last} uur"


def describe_day(moment: datetime, *, language: str, zone: ZoneInfo) -> str:
    """ "donderdag 10 december" / "Thursday 10 December"."""
    return _day(moment.astimezone(zone), language)


def describe_moment(moment: datetime, *, language: str, zone: ZoneInfo) -> str:
    """ "maandag 7 december 20:00 uur" / "Monday 7 December 20:00"."""
    local = moment.astimezone(zone)
    suffix = "" if language == "en" else " uur"
    return f"{_day(local, language)} {local:%H:%M}{suffix}"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("orders", "templates"),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )
    env.filters["euros"] = euros
    env.filters["amount"] = amount
    env.filters["total_amount"] = total_amount
    return env


def render(template: str, *, sms_safe: bool = False, **context: Any) -> str:
    text = _environment().get_template(template).render(**context).strip()
    return to_gsm7(text) if sms_safe else text


def _language(language: str) -> str:
    return language if language in LANGUAGES else "nl"


# -- resident ------------------------------------------------------------------------------


def confirmation_text(
    order: Order, *, zone: ZoneInfo, sms_safe: bool = False, replaces: int | None = None
) -> str:
    language = _language(order.resident.language)
    assert order.delivery_round is not None
    later = [
        (part.shop.name, describe_day(part.delivery_round.starts_at, language=language, zone=zone))
        for part in order.parts
        if part.delivery_round is not None and part.round_id != order.round_id
    ]
    cutoffs = [p.delivery_round.cutoff_at for p in order.parts if p.delivery_round is not None]
    return render(
        f"confirmation.{language}.j2",
        sms_safe=sms_safe,
        order=order,
        moment=describe_round(order.delivery_round, language=language, zone=zone),
        later=later,
        cancel_until=describe_moment(min(cutoffs), language=language, zone=zone),
        language=language,
        replaces=replaces,
    )


def cancellation_text(order: Order, *, zone: ZoneInfo | None, sms_safe: bool = False) -> str:
    """Without the village's zone the delivery day is left out rather than given wrongly."""
    language = _language(order.resident.language)
    moment = (
        describe_round(order.delivery_round, language=language, zone=zone)
        if order.delivery_round is not None and zone is not None
        else None
    )
    return render(f"cancellation.{language}.j2", sms_safe=sms_safe, order=order, moment=moment)


def on_the_way_text(order: Order, *, sms_safe: bool = False) -> str:
    language = _language(order.resident.language)
    return render(f"on_the_way.{language}.j2", sms_safe=sms_safe, order=order)


# -- shop and courier ----------------------------------------------------------------------


@dataclass(frozen=True)
class BagLine:
    name: str
    unit: str
    quantity: int


@dataclass(frozen=True)
class Bag:
    """One resident's part of one shop: what goes in one bag."""

    order_id: int
    resident: str
    street: str
    postcode: str
    lines: tuple[BagLine, ...]


@dataclass(frozen=True)
class ProductTotal:
    name: str
    unit: str
    quantity: int


@dataclass(frozen=True)
class ShopList:
    shop: str
    moment: str
    totals: tuple[ProductTotal, ...]
    bags: tuple[Bag, ...]


@dataclass(frozen=True)
class Pickup:
    shop: str
    street: str | None
    bags: int


@dataclass(frozen=True)
class Stop:
    resident: str
    street: str
    postcode: str
    order_ids: tuple[int, ...]
    shops: tuple[str, ...]


@dataclass(frozen=True)
class CourierList:
    courier: str
    moment: str
    pickups: tuple[Pickup, ...]
    stops: tuple[Stop, ...] = field(default=())


def shop_list_text(shop_list: ShopList, *, sms_safe: bool = False) -> str:
    return render(f"shop_round.{SHOP_LANGUAGE}.j2", sms_safe=sms_safe, list=shop_list)


def courier_list_text(courier_list: CourierList, *, sms_safe: bool = False) -> str:
    return render(f"courier_round.{SHOP_LANGUAGE}.j2", sms_safe=sms_safe, list=courier_list)
