"""Setting up, showing, changing, pausing and stopping a standing order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from catalog.models import Product
from catalog.service import WEEKDAYS
from core.errors import DorpspleinError, NotFoundError
from orders.models import DeliveryRound, Resident
from orders.quote import Wanted
from orders.rounds import ROUND_OPEN, RoundPlan, Slot, round_for, slot_on
from orders.standing.models import StandingOrder, StandingWeek


class NotARoundDayError(DorpspleinError):
    def __init__(self, *, weekday: str, round_days: tuple[str, ...]) -> None:
        super().__init__(f"{weekday} is not a round day ({', '.join(round_days)})")
        self.weekday = weekday
        self.round_days = round_days


class EmptyStandingOrderError(DorpspleinError):
    def __init__(self, *, resident_id: int) -> None:
        super().__init__(f"a standing order for resident {resident_id} needs at least one line")
        self.resident_id = resident_id


@dataclass(frozen=True)
class StandingLine:
    product: Product
    quantity: int


def set_up(
    session: Session,
    *,
    resident: Resident,
    weekday: str,
    lines: Sequence[StandingLine],
    plan: RoundPlan,
    now: datetime,
) -> StandingOrder:
    """Her standing order for this round day: a new one, or the old one replaced."""
    if weekday not in plan.days:
        raise NotARoundDayError(weekday=weekday, round_days=plan.days)
    if not lines:
        raise EmptyStandingOrderError(resident_id=resident.id)
    record = [
        {"sku": line.product.sku, "quantity": line.quantity,
         "unit_price_cents": line.product.price_cents}
        for line in lines
    ]  # fmt: skip
    standing = session.scalar(
        select(StandingOrder).where(
            StandingOrder.resident_id == resident.id, StandingOrder.weekday == weekday
        )
    )
    if standing is None:
        standing = StandingOrder(resident_id=resident.id, weekday=weekday, created_at=now)
        session.add(standing)
    standing.lines = record
    standing.active = True
    standing.paused_until = None
    standing.stopped_at = None
    session.flush()
    return standing


def standing_orders_of(session: Session, *, resident_id: int) -> list[StandingOrder]:
    """Her active standing orders, in weekday order."""
    found = session.scalars(_ACTIVE_OF, {"resident_id": resident_id}).all()
    return sorted(found, key=lambda s: WEEKDAYS.index(s.weekday))


# Built once: a statement object keeps its cache key, so each reading is only its execution
# (asked after every order placed, for the offer of a standing order).
_ACTIVE_OF = select(StandingOrder).where(
    StandingOrder.resident_id == bindparam("resident_id"), StandingOrder.active.is_(True)
)


def active_standing_orders(session: Session) -> list[StandingOrder]:
    query = (
        select(StandingOrder)
        .join(StandingOrder.resident)
        .where(StandingOrder.active.is_(True), Resident.active.is_(True))
        .options(selectinload(StandingOrder.resident).selectinload(Resident.addresses))
        .order_by(StandingOrder.id)
    )
    return list(session.scalars(query))


def stop(session: Session, *, standing: StandingOrder, now: datetime) -> None:
    standing.active = False
    standing.stopped_at = now
    session.flush()


def pause(session: Session, *, standing: StandingOrder, until: date | None) -> None:
    """No orders for rounds on or before `until` (None: paused no longer)."""
    standing.paused_until = until
    session.flush()


def local_day(moment: datetime, plan: RoundPlan) -> date:
    return moment.astimezone(plan.zone).date()


def is_paused(standing: StandingOrder, delivery_round: DeliveryRound, plan: RoundPlan) -> bool:
    until = standing.paused_until
    return until is not None and local_day(delivery_round.starts_at, plan) <= until


def next_round_on(
    session: Session, *, plan: RoundPlan, weekday: str, now: datetime
) -> DeliveryRound:
    """The first open round on this weekday whose cut-off is still to come."""
    first = local_day(now, plan)
    for offset in range(8 * 7):
        day = first + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] != weekday:
            continue
        slot = slot_on(plan, day)
        if now >= slot.cutoff_at:
            continue
        delivery_round = round_for(session, slot)
        if delivery_round.status == ROUND_OPEN and now < delivery_round.cutoff_at:
            return delivery_round
    raise NotARoundDayError(weekday=weekday, round_days=plan.days)


def first_delivery(
    session: Session, *, standing: StandingOrder, plan: RoundPlan, now: datetime
) -> DeliveryRound:
    """The round her standing order next comes with (pauses and skips taken into account)."""
    moment = now
    for _ in range(60):
        delivery_round = next_round_on(session, plan=plan, weekday=standing.weekday, now=moment)
        week = session.scalar(
            select(StandingWeek).where(
                StandingWeek.standing_order_id == standing.id,
                StandingWeek.round_id == delivery_round.id,
            )
        )
        if not is_paused(standing, delivery_round, plan) and not (week and week.skipped):
            return delivery_round
        moment = delivery_round.cutoff_at
    raise NotARoundDayError(weekday=standing.weekday, round_days=plan.days)


def week_of(
    session: Session, *, standing: StandingOrder, delivery_round: DeliveryRound
) -> StandingWeek:
    """This standing order's row for this round, made the first time it is needed."""
    query = select(StandingWeek).where(
        StandingWeek.standing_order_id == standing.id,
        StandingWeek.round_id == delivery_round.id,
    )
    found = session.scalar(query)
    if found is not None:
        return found
    week = StandingWeek(standing_order_id=standing.id, round_id=delivery_round.id)
    try:
        # Two workers (or the resident and a worker) may make it at once; one row wins.
        with session.begin_nested():
            session.add(week)
    except IntegrityError:
        found = session.scalar(query)
        assert found is not None
        return found
    return week


def change_this_week(
    session: Session,
    *,
    standing: StandingOrder,
    plan: RoundPlan,
    now: datetime,
    changes: dict[str, int],
) -> StandingWeek:
    """Only the coming week: sku -> quantity (0: none this week), the standing order kept."""
    delivery_round = first_delivery(session, standing=standing, plan=plan, now=now)
    week = week_of(session, standing=standing, delivery_round=delivery_round)
    week.changes = {**week.changes, **changes}
    session.flush()
    return week


def skip_this_week(
    session: Session, *, standing: StandingOrder, plan: RoundPlan, now: datetime
) -> StandingWeek:
    delivery_round = first_delivery(session, standing=standing, plan=plan, now=now)
    week = week_of(session, standing=standing, delivery_round=delivery_round)
    week.skipped = True
    session.flush()
    return week


def wanted_this_week(standing: StandingOrder, week: StandingWeek | None) -> list[Wanted]:
    """The standing lines with this week's changes applied, in the standing order's order."""
    changes = dict(week.changes) if week else {}
    wanted: list[Wanted] = []
    for line in standing.lines:
        quantity = changes.pop(line["sku"], line["quantity"])
        if quantity > 0:
            wanted.append(Wanted(sku=line["sku"], quantity=quantity))
    wanted.extend(Wanted(sku=sku, quantity=q) for sku, q in changes.items() if q > 0)
    return wanted


def standing_order_by_id(session: Session, *, standing_id: int) -> StandingOrder:
    """An active standing order (a stopped one is not found: nothing can be done with it)."""
    standing = session.get(StandingOrder, standing_id)
    if standing is None or not standing.active:
        raise NotFoundError(kind="standing order", key=str(standing_id))
    return standing


@dataclass(frozen=True)
class StandingOverview:
    """One active standing order as the coordinator sees it: read only, no rows are made."""

    standing: StandingOrder
    # The next round on her day that still takes orders, and its week row if one was made
    # (this week's changes and skip); her next delivery with pauses and skips counted.
    coming_at: datetime | None
    coming_week: StandingWeek | None
    next_delivery_at: datetime | None
    # Her last weeks that were dealt with at a cut-off, newest first.
    recent: list[StandingWeek]


def _open_slots_on(
    session: Session, *, plan: RoundPlan, weekday: str, now: datetime
) -> Iterator[tuple[Slot, DeliveryRound | None]]:
    """The coming rounds on a weekday that still take orders, as `next_round_on` finds them,
    each with its row if it has one (none is made)."""
    day = local_day(now, plan)
    while WEEKDAYS[day.weekday()] != weekday:
        day += timedelta(days=1)
    for _ in range(62):  # first_delivery looks 60 rounds ahead
        slot = slot_on(plan, day)
        day += timedelta(days=7)
        if now >= slot.cutoff_at:
            continue
        existing = session.scalar(
            select(DeliveryRound).where(DeliveryRound.starts_at == slot.starts_at)
        )
        if existing is None or (existing.status == ROUND_OPEN and now < existing.cutoff_at):
            yield slot, existing


def _week_row(session: Session, *, standing_id: int, round_id: int) -> StandingWeek | None:
    return session.scalar(
        select(StandingWeek).where(
            StandingWeek.standing_order_id == standing_id, StandingWeek.round_id == round_id
        )
    )


def standing_overview(
    session: Session, *, plan: RoundPlan, now: datetime, recent: int = 3
) -> list[StandingOverview]:
    """Every active standing order with this week, its next delivery and its last weeks.

    The next delivery is the one `first_delivery` would give, found without making round or
    week rows (a page that only looks must not fill the rounds list with empty rounds).
    """
    standing_orders = active_standing_orders(session)
    settled = session.scalars(
        select(StandingWeek)
        .join(StandingWeek.delivery_round)
        .where(
            StandingWeek.standing_order_id.in_([s.id for s in standing_orders]),
            StandingWeek.settled_at.is_not(None),
        )
        .options(selectinload(StandingWeek.delivery_round))
        .order_by(DeliveryRound.starts_at.desc())
    ).all()
    last: dict[int, list[StandingWeek]] = {}
    for week in settled:
        kept = last.setdefault(week.standing_order_id, [])
        if len(kept) < recent:
            kept.append(week)
    found: list[StandingOverview] = []
    for standing in standing_orders:
        coming_at: datetime | None = None
        coming_week: StandingWeek | None = None
        next_at: datetime | None = None
        slots = _open_slots_on(session, plan=plan, weekday=standing.weekday, now=now)
        for slot, existing in slots:
            until = standing.paused_until
            paused = until is not None and local_day(slot.starts_at, plan) <= until
            first = coming_at is None
            if paused and not first:
                continue
            row = (
                _week_row(session, standing_id=standing.id, round_id=existing.id)
                if existing is not None
                else None
            )
            if first:
                coming_at, coming_week = slot.starts_at, row
            if not paused and not (row is not None and row.skipped):
                next_at = slot.starts_at
                break
        found.append(
            StandingOverview(
                standing=standing,
                coming_at=coming_at,
                coming_week=coming_week,
                next_delivery_at=next_at,
                recent=last.get(standing.id, []),
            )
        )
    return found
