"""Each week: one reminder before the cut-off, and at the cut-off the order placed.

`remind_due` and `place_due` run in every worker pass, before rounds are closed, so a standing
order is on its round's shop lists like any order. Both are safe with several workers: each
step is claimed on the week's row by a conditional update only one transaction can win.

What is checked each week: a product no longer sold, or whose price rose more than the
allowed share over the price she agreed to, is named in the reminder and left out (she can
still order it for this week by message); nothing is ever replaced by something else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from catalog.models import Product
from catalog.service import WEEKDAYS
from core.database import unit_of_work
from core.errors import DorpspleinError
from orders.models import DeliveryRound
from orders.notices import describe_round, render
from orders.placing import place_quote, tell_resident
from orders.quote import Limits, Wanted, make_quote
from orders.rounds import RoundPlan, rounds_due_for_closing
from orders.standing.models import StandingOrder, StandingWeek
from orders.standing.service import (
    active_standing_orders,
    is_paused,
    local_day,
    next_round_on,
    wanted_this_week,
    week_of,
)


@dataclass(frozen=True)
class StandingPolicy:
    # The reminder goes this many days before the round, at this local time (and never
    # later than the cut-off itself).
    remind_days_before_round: int = 1
    remind_at: time = time(10, 0)
    # A price more than this share above the agreed price is left out and asked about.
    max_price_rise: float = 0.10


@dataclass(frozen=True)
class LeftOut:
    sku: str
    name: str
    reason: str  # "gone" | "unavailable" | "dearer"
    was_cents: int = 0
    now_cents: int = 0


@dataclass
class StandingReport:
    reminded: int = 0
    placed: list[int] = field(default_factory=list)  # order ids
    not_placed: dict[str, int] = field(default_factory=dict)  # outcome -> count


def remind_moment(
    delivery_round: DeliveryRound, *, plan: RoundPlan, policy: StandingPolicy
) -> datetime:
    day = local_day(delivery_round.starts_at, plan) - timedelta(
        days=policy.remind_days_before_round
    )
    moment = datetime.combine(day, policy.remind_at, tzinfo=plan.zone)
    # A reminder after the cut-off would come too late to change anything.
    latest = delivery_round.cutoff_at - timedelta(hours=1)
    return min(moment, latest)


def review(
    session: Session, *, standing: StandingOrder, wanted: list[Wanted], policy: StandingPolicy
) -> tuple[list[Wanted], list[LeftOut]]:
    """What can come this week at a price she would still agree to, and what cannot."""
    agreed = {line["sku"]: int(line["unit_price_cents"]) for line in standing.lines}
    products = {
        p.sku: p
        for p in session.scalars(select(Product).where(Product.sku.in_([w.sku for w in wanted])))
    }
    keep: list[Wanted] = []
    left: list[LeftOut] = []
    for line in wanted:
        product = products.get(line.sku)
        if product is None:
            left.append(LeftOut(sku=line.sku, name=line.sku, reason="gone"))
        elif not product.available:
            left.append(LeftOut(sku=line.sku, name=product.name, reason="unavailable"))
        elif line.sku in agreed and product.price_cents > agreed[line.sku] * (
            1 + policy.max_price_rise
        ):
            left.append(
                LeftOut(
                    sku=line.sku, name=product.name, reason="dearer",
                    was_cents=agreed[line.sku], now_cents=product.price_cents,
                )
            )  # fmt: skip
        else:
            keep.append(line)
    return keep, left


def _claim(session: Session, week: StandingWeek, column: str, now: datetime) -> bool:
    """Set the week's step `column` to now, if nobody has: True for the one who did."""
    target = getattr(StandingWeek, column)
    result = session.execute(
        update(StandingWeek)
        .where(StandingWeek.id == week.id, target.is_(None))
        .values({column: now})
        .execution_options(synchronize_session=False)
    )
    session.refresh(week)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def remind_due(
    sessions: sessionmaker[Session], *, plan: RoundPlan, policy: StandingPolicy, now: datetime
) -> int:
    """Send this week's reminder for every standing order whose moment has come."""
    with sessions() as session:
        ids = [s.id for s in active_standing_orders(session)]
    sent = 0
    for standing_id in ids:
        with unit_of_work(sessions) as session:
            standing = session.get(StandingOrder, standing_id)
            if standing is None or not standing.active:
                continue
            delivery_round = next_round_on(session, plan=plan, weekday=standing.weekday, now=now)
            if now < remind_moment(delivery_round, plan=plan, policy=policy):
                continue
            if is_paused(standing, delivery_round, plan):
                continue
            week = week_of(session, standing=standing, delivery_round=delivery_round)
            if week.skipped or week.reminded_at is not None:
                continue
            if not _claim(session, week, "reminded_at", now):
                continue
            keep, left = review(
                session, standing=standing, wanted=wanted_this_week(standing, week), policy=policy
            )
            week.left_out = [item.sku for item in left]
            _send(
                session, standing=standing, kind="standing_reminder", now=now,
                template="standing_reminder", delivery_round=delivery_round, plan=plan,
                lines=_named(session, keep), left=left,
            )  # fmt: skip
            sent += 1
    return sent


def place_due(
    sessions: sessionmaker[Session],
    *,
    plan: RoundPlan,
    policy: StandingPolicy,
    now: datetime,
    limits: Limits | None = None,
) -> StandingReport:
    """At each due round's cut-off, place the standing orders of its weekday.

    They are placed at the last moment before the cut-off (the round is not closed yet: this
    runs before the close), through the same quote and placing path as any order.
    """
    report = StandingReport()
    with sessions() as session:
        due = [(r.id, r.cutoff_at, r.starts_at) for r in rounds_due_for_closing(session, now=now)]
        standing_ids = [(s.id, s.weekday) for s in active_standing_orders(session)]
    for round_id, cutoff_at, starts_at in due:
        weekday = WEEKDAYS[local_day(starts_at, plan).weekday()]
        at = cutoff_at - timedelta(microseconds=1)
        for standing_id, standing_day in standing_ids:
            if standing_day != weekday:
                continue
            outcome = _place_one(
                sessions, standing_id=standing_id, round_id=round_id, plan=plan,
                policy=policy, at=at, limits=limits, report=report,
            )  # fmt: skip
            if outcome != "placed":
                report.not_placed[outcome] = report.not_placed.get(outcome, 0) + 1
    return report


def _place_one(
    sessions: sessionmaker[Session],
    *,
    standing_id: int,
    round_id: int,
    plan: RoundPlan,
    policy: StandingPolicy,
    at: datetime,
    limits: Limits | None,
    report: StandingReport,
) -> str:
    try:
        with unit_of_work(sessions) as session:
            standing = session.get(StandingOrder, standing_id)
            delivery_round = session.get(DeliveryRound, round_id)
            assert standing is not None and delivery_round is not None
            if standing.created_at > at:
                return "new"  # set up after this cut-off: it starts next time
            week = week_of(session, standing=standing, delivery_round=delivery_round)
            if not _claim(session, week, "settled_at", at):
                return "done"
            if week.skipped or is_paused(standing, delivery_round, plan):
                week.outcome = "skipped" if week.skipped else "paused"
                return week.outcome
            keep, left = review(
                session, standing=standing, wanted=wanted_this_week(standing, week), policy=policy
            )
            quote = make_quote(session, wanted=keep, version=0, plan=plan, now=at)
            if not quote.parts:
                week.outcome = "empty"
                _send(
                    session, standing=standing, kind="standing_nothing", now=at,
                    template="standing_nothing", delivery_round=delivery_round, plan=plan,
                    lines=[], left=left,
                )  # fmt: skip
                return week.outcome
            order = place_quote(
                session, resident=standing.resident, quote=quote, plan=plan, now=at, limits=limits
            )
            week.order_id = order.id
            week.outcome = "placed"
            if left:
                _send(
                    session, standing=standing, kind="standing_left_out", now=at,
                    template="standing_left_out", delivery_round=delivery_round, plan=plan,
                    lines=[], left=left,
                )  # fmt: skip
            report.placed.append(order.id)
            return "placed"
    except DorpspleinError:
        # E.g. over the order limits: not placed, and settled as failed so it is not retried
        # every pass; the coordinator sees it on the standing orders list.
        with unit_of_work(sessions) as session:
            standing = session.get(StandingOrder, standing_id)
            delivery_round = session.get(DeliveryRound, round_id)
            assert standing is not None and delivery_round is not None
            week = week_of(session, standing=standing, delivery_round=delivery_round)
            week.settled_at = at
            week.outcome = "failed"
        return "failed"


@dataclass(frozen=True)
class _Line:
    name: str
    unit: str
    quantity: int
    price_cents: int


def _named(session: Session, wanted: list[Wanted]) -> list[_Line]:
    products = {
        p.sku: p
        for p in session.scalars(
            select(Product)
            .where(Product.sku.in_([w.sku for w in wanted]))
            .options(joinedload(Product.shop))
        )
    }
    return [
        _Line(products[w.sku].name, products[w.sku].unit, w.quantity, products[w.sku].price_cents)
        for w in wanted
        if w.sku in products
    ]


def _send(
    session: Session,
    *,
    standing: StandingOrder,
    kind: str,
    now: datetime,
    template: str,
    delivery_round: DeliveryRound,
    plan: RoundPlan,
    lines: list[_Line],
    left: list[LeftOut],
) -> None:
    resident = standing.resident
    language = resident.language if resident.language in ("nl", "en") else "nl"
    moment = describe_round(delivery_round, language=language, zone=plan.zone)
    cutoff = delivery_round.cutoff_at
    render_text: Callable[[bool], str] = lambda sms_safe: render(  # noqa: E731
        f"{template}.{language}.j2",
        sms_safe=sms_safe,
        name=resident.name,
        moment=moment,
        cutoff=cutoff.astimezone(plan.zone),
        lines=lines,
        left=left,
    )
    tell_resident(
        session,
        resident=resident,
        kind=kind,
        render=render_text,
        payload={"standing_order_id": standing.id, "round_id": delivery_round.id},
        now=now,
    )
