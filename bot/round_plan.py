"""The round plan and the courier's address, as the configuration describes them."""

from __future__ import annotations

from bot.settings import Settings
from core.errors import ConfigError
from orders.outbox import Recipient
from orders.quote import Limits
from orders.rounds import RoundPlan
from orders.standing.weekly import StandingPolicy


def round_plan(settings: Settings) -> RoundPlan:
    rounds = settings.rounds
    try:
        return RoundPlan(
            days=tuple(rounds.days),
            start=rounds.start,
            end=rounds.end,
            cutoff=rounds.cutoff,
            cutoff_days_before=rounds.cutoff_days_before,
            zone=settings.zone,
        )
    except ValueError as error:
        raise ConfigError(key="rounds", reason=str(error)) from None


def courier_recipient(settings: Settings) -> Recipient:
    courier = settings.courier
    if courier.channel == "log" or not courier.address:
        return Recipient(name=courier.name, channel="log", address=courier.name)
    return Recipient(name=courier.name, channel=courier.channel, address=courier.address)


def order_limits(settings: Settings) -> Limits:
    limits = settings.limits
    return Limits(
        max_pieces=limits.max_pieces_per_line,
        max_grams=limits.max_grams_per_line,
        max_total_cents=round(limits.max_total_euros * 100),
    )


def standing_policy(settings: Settings) -> StandingPolicy:
    standing = settings.standing_orders
    return StandingPolicy(
        remind_days_before_round=standing.remind_days_before_round,
        remind_at=standing.remind_at,
        max_price_rise=standing.max_price_rise_percent / 100,
    )
