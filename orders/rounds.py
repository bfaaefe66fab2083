"""Delivery rounds: when the courier rides, and until when residents can order for it.

Rounds follow a weekly plan in the village's own time zone; a round row is created the first
time someone needs it, keyed by its start, so every caller agrees on the same row.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.models import Shop
from catalog.service import WEEKDAYS
from core.errors import NotFoundError
from orders.errors import NoRoundForShopError
from orders.models import DeliveryRound

ROUND_OPEN = "open"
ROUND_CLOSED = "closed"
# Far enough to pass any weekly plan combined with any shop's days, several times over.
_SEARCH_DAYS = 8 * 7


@dataclass(frozen=True)
class RoundPlan:
    days: tuple[str, ...]
    start: time
    end: time
    cutoff: time
    cutoff_days_before: int
    zone: ZoneInfo

    def __post_init__(self) -> None:
        unknown = [day for day in self.days if day not in WEEKDAYS]
        if not self.days or unknown:
            raise ValueError(f"round days must be some of {', '.join(WEEKDAYS)}, got {self.days}")
        if not self.start < self.end:
            raise ValueError("a round must start before it ends")
        if not 0 <= self.cutoff_days_before <= 6:
            raise ValueError("cutoff_days_before must be between 0 and 6")
        if self.cutoff_days_before == 0 and self.cutoff > self.start:
            raise ValueError("the cut-off must not be after the round has started")


@dataclass(frozen=True)
class Slot:
    """A round as the plan says it should be, before it has a row."""

    starts_at: datetime
    ends_at: datetime
    cutoff_at: datetime


def slot_on(plan: RoundPlan, day: date) -> Slot:
    """The round on a local calendar day; wall-clock times survive a DST change."""

    def at(on: date, moment: time) -> datetime:
        return datetime.combine(on, moment, tzinfo=plan.zone).astimezone(UTC)

    return Slot(
        starts_at=at(day, plan.start),
        ends_at=at(day, plan.end),
        cutoff_at=at(day - timedelta(days=plan.cutoff_days_before), plan.cutoff),
    )


def _weekday(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def _slots_from(plan: RoundPlan, first: date) -> Iterator[Slot]:
    for offset in range(_SEARCH_DAYS):
        day = first + timedelta(days=offset)
        if _weekday(day) in plan.days:
            yield slot_on(plan, day)


# Built once: a statement object keeps its cache key, so each reading is only its execution.
_ROUNDS_BETWEEN = select(DeliveryRound).where(
    DeliveryRound.starts_at >= bindparam("first"), DeliveryRound.starts_at < bindparam("until")
)
# The key in Session.info of the rounds read for the current transaction (see _Known).
_KNOWN = "delivery_rounds_known"


@dataclass
class _Known:
    """Every round row starting in [first, until), read in one query for one transaction.

    A quote looks at several slots (the first open one, then a later one for each shop that
    does not supply that day): one query finds the rows of them all. Rows made by another
    transaction after it are met by the unique start (see _get_or_create).
    """

    transaction: object
    first: datetime
    until: datetime
    rounds: dict[datetime, DeliveryRound]

    def covers(self, session: Session, starts_at: datetime) -> bool:
        return self.transaction is session.get_transaction() and (
            self.first <= starts_at < self.until
        )


def _known(session: Session, starts_at: datetime) -> _Known:
    known: _Known | None = session.info.get(_KNOWN)
    if known is None or not known.covers(session, starts_at):
        # Wide enough for every slot a quote made around `starts_at` can look at.
        first = starts_at - timedelta(days=1)
        until = starts_at + timedelta(days=2 * _SEARCH_DAYS)
        rows = session.scalars(_ROUNDS_BETWEEN, {"first": first, "until": until})
        rounds = {row.starts_at: row for row in rows}
        known = _Known(session.get_transaction(), first, until, rounds)
        session.info[_KNOWN] = known
    return known


def _in_session(session: Session, starts_at: datetime) -> DeliveryRound | None:
    """The round starting then, if this session holds it already (read, locked or made).

    What a select by its start would give: the session's own object of that row, as it was
    loaded (a plain select does not refresh it); rounds are never deleted or moved.
    """
    for held in session.identity_map.values():
        if isinstance(held, DeliveryRound):
            state = inspect(held)
            if state.dict.get("starts_at") == starts_at and not state.deleted:
                return held
    return None


def _get_or_create(session: Session, slot: Slot) -> DeliveryRound:
    existing = _in_session(session, slot.starts_at)
    if existing is not None:
        return existing
    known = _known(session, slot.starts_at)
    existing = known.rounds.get(slot.starts_at)
    if existing is not None:
        return existing
    created = DeliveryRound(
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        cutoff_at=slot.cutoff_at,
        status=ROUND_OPEN,
    )
    try:
        # Another transaction may create the same round at the same moment; the unique
        # start makes one of us lose, and the loser simply uses the winner's row.
        with session.begin_nested():
            session.add(created)
    except IntegrityError:
        found = session.scalar(
            select(DeliveryRound).where(DeliveryRound.starts_at == slot.starts_at)
        )
        assert found is not None
        created = found
    known.rounds[slot.starts_at] = created
    return created


def round_for(session: Session, slot: Slot) -> DeliveryRound:
    """The round row of this slot, made the first time anyone needs it."""
    return _get_or_create(session, slot)


def _takes_orders(delivery_round: DeliveryRound, now: datetime) -> bool:
    # The stored row wins over the plan: a round closed early, or planned under an older
    # schedule, keeps the promise that was made with it.
    return delivery_round.status == ROUND_OPEN and now < delivery_round.cutoff_at


def _local_date(moment: datetime, plan: RoundPlan) -> date:
    return moment.astimezone(plan.zone).date()


def next_round(session: Session, *, plan: RoundPlan, now: datetime) -> DeliveryRound:
    """The first round whose cut-off has not passed (at the cut-off itself it has)."""
    for slot in _slots_from(plan, _local_date(now, plan)):
        if now >= slot.cutoff_at:
            continue
        delivery_round = _get_or_create(session, slot)
        if _takes_orders(delivery_round, now):
            return delivery_round
    raise AssertionError("a valid plan always has a round within eight weeks")


def next_round_for_shop(
    session: Session,
    *,
    plan: RoundPlan,
    shop: Shop,
    now: datetime,
    not_before: DeliveryRound,
) -> DeliveryRound:
    """The first open round from `not_before` on whose weekday the shop supplies."""
    shop_days = shop.weekdays
    if not shop_days or _weekday(_local_date(not_before.starts_at, plan)) in shop_days:
        return not_before
    if not set(shop_days) & set(plan.days):
        raise NoRoundForShopError(shop=shop.name, shop_days=shop_days, round_days=plan.days)
    for slot in _slots_from(plan, _local_date(not_before.starts_at, plan)):
        day = _weekday(_local_date(slot.starts_at, plan))
        if slot.starts_at < not_before.starts_at or day not in shop_days:
            continue
        if now >= slot.cutoff_at:
            continue
        delivery_round = _get_or_create(session, slot)
        if _takes_orders(delivery_round, now):
            return delivery_round
    raise AssertionError("shop and plan share a weekday, so one comes within eight weeks")


def rounds_due_for_closing(session: Session, *, now: datetime) -> Sequence[DeliveryRound]:
    """Open rounds whose cut-off has come: their shops and courier must now be told."""
    query = (
        select(DeliveryRound)
        .where(DeliveryRound.status == ROUND_OPEN, DeliveryRound.cutoff_at <= now)
        .order_by(DeliveryRound.starts_at)
    )
    return session.scalars(query).all()


def list_rounds(session: Session) -> Sequence[DeliveryRound]:
    return session.scalars(select(DeliveryRound).order_by(DeliveryRound.starts_at)).all()


def round_by_id(session: Session, *, round_id: int) -> DeliveryRound:
    delivery_round = session.get(DeliveryRound, round_id)
    if delivery_round is None:
        raise NotFoundError(kind="round", key=str(round_id))
    return delivery_round
