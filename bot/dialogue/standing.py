"""Standing orders in the conversation: set up (read back, then JA), shown, stopped (after a
yes), skipped, paused, changed for this week only, and offered after a third like order.

Setting one up uses the basket: the products are taken, asked about and corrected as for any
order, and the read-back says "elke donderdag" and the first delivery instead of one day. The
basket she had before is kept aside meanwhile (StandingDraft.parked) and given back after.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from functools import partial

from bot.dialogue.turn import Turn
from bot.words import Medium
from catalog.service import WEEKDAYS
from conversations.state import BasketLine, StandingDraft, StandingOffer
from nlu import HistoryLine, Interpretation
from orders.models import Order
from orders.notices import describe_day
from orders.quote import Quote, Wanted
from orders.rounds import next_round
from orders.standing.models import StandingOrder, StandingWeek
from orders.standing.service import (
    StandingLine,
    change_this_week,
    first_delivery,
    next_round_on,
    pause,
    set_up,
    skip_this_week,
    standing_orders_of,
    stop,
    wanted_this_week,
    week_of,
)

# How many like orders in a row before the bot offers to make it a standing order.
OFFER_AFTER = 3


def handle(turn: Turn, meaning: Interpretation) -> bool:
    """Act on what the message says about a standing order; False when it is not about one
    the dialogue can act on (then it is read as any other message)."""
    kind = meaning.standing
    if kind is None:
        return False
    own = _own(turn, meaning.weekdays)
    if kind == "set_up":
        start_draft(turn, meaning)
        if meaning.items or meaning.used_usual or meaning.used_last or turn.state.basket:
            return False  # the products are taken into the basket as usual, then read back
        turn.understood()
        turn.readback_due = False
        turn.reply("standing_what", days=_day_names(turn, draft_days(turn)))
        return True
    if kind == "show" and not own and (meaning.used_usual or meaning.used_last):
        return False  # "mijn vaste bestelling" without one: her usual order, as ever
    turn.understood()
    if kind == "show":
        _show(turn, own)
    elif not own:
        if kind == "this_week":
            return False  # "deze week ook een appeltaart" without one: an order like any
        turn.reply("standing_none")
    elif kind == "stop":
        turn.state.standing_stop = [s.weekday for s in own]
        turn.ask_yes_no("standing_stop_question", days=_days(turn, own))
    elif kind == "skip":
        _skip(turn, own)
    elif kind == "pause":
        _pause(turn, own, meaning.until)
    elif kind == "this_week":
        _this_week(turn, own, meaning)
    return True


def start_draft(turn: Turn, meaning: Interpretation) -> None:
    state = turn.state
    days = [d for d in meaning.weekdays if d in turn.services.plan.days]
    if state.standing is None:
        state.standing = StandingDraft(weekdays=days, parked=list(state.basket))
        state.basket, state.questions = [], []
    elif days:
        state.standing.weekdays = days
    unknown = [d for d in meaning.weekdays if d not in turn.services.plan.days]
    if unknown:
        turn.reply("standing_not_a_round_day", days=_day_names(turn, unknown))
    turn.basket_changed()


def drop_draft(turn: Turn) -> None:
    """ "annuleren" during a draft: nothing set up, her earlier basket back."""
    draft = turn.state.standing
    if draft is None:
        return
    turn.state.standing = None
    turn.state.basket, turn.state.questions = list(draft.parked), []
    turn.basket_changed()
    turn.readback_due = bool(turn.state.basket)


def draft_days(turn: Turn) -> list[str]:
    """The draft's round days; without one named, the day of the next round."""
    draft = turn.state.standing
    assert draft is not None
    if draft.weekdays:
        return draft.weekdays
    first = next_round(turn.session, plan=turn.services.plan, now=turn.now)
    return [WEEKDAYS[first.starts_at.astimezone(turn.services.plan.zone).weekday()]]


def render_draft(turn: Turn, quote: Quote, medium: Medium, *, question: bool) -> str:
    def say(key: str, **values: object) -> str:
        return turn.say(key, medium, **values)

    days = draft_days(turn)
    lines = [say("standing_readback_intro", days=_day_names(turn, days))]
    replaced = [s for s in _own(turn, days) if s.weekday in days]
    if replaced:
        lines.append(say("standing_readback_replaces", days=_days(turn, replaced)))
    lines.extend(
        say(
            "readback_line", quantity=line.quantity, unit=line.unit, name=line.name,
            usual=False, price=line.total_cents,
        )
        for line in quote.lines
    )  # fmt: skip
    lines.append(say("standing_readback_total", total=quote.total_cents))
    lines.append(say("standing_readback_first", moment=_first_moment(turn, days)))
    if question:
        lines.append(say("standing_readback_question"))
    return "\n".join(lines)


def confirm_draft(turn: Turn, quote: Quote) -> None:
    """The yes to a standing read-back: set up exactly the lines and days read back."""
    state = turn.state
    draft = state.standing
    assert draft is not None
    days = draft_days(turn)
    lines = [
        StandingLine(product, line.quantity)
        for line in quote.lines
        if (product := turn.product(line.sku)) is not None
    ]
    for day in days:
        set_up(
            turn.session, resident=turn.resident, weekday=day, lines=lines,
            plan=turn.services.plan, now=turn.now,
        )  # fmt: skip
    state.standing, state.quote = None, None
    state.basket, state.questions = list(draft.parked), []
    turn.version += 1
    turn.reply("standing_set", days=_day_names(turn, days), moment=_first_moment(turn, days))
    if state.basket:
        turn.reply("standing_basket_back")
        turn.readback_due = True


def answer(turn: Turn, meaning: Interpretation) -> bool:
    """A yes or no to "stop?" or to the offer; False when the message is about something else.

    Either question is only for the very next message: anything else drops it."""
    state = turn.state
    stopping, offer = state.standing_stop, state.standing_offer
    state.standing_stop, state.standing_offer = None, None
    bare = meaning.answer is not None and not meaning.items and meaning.standing is None
    if not bare or (stopping is None and offer is None):
        return False
    turn.understood()
    if meaning.answer == "no":
        turn.reply("standing_stop_kept" if stopping else "standing_offer_declined")
        return True
    if stopping is not None:
        for standing in _own(turn, stopping):
            stop(turn.session, standing=standing, now=turn.now)
        turn.reply("standing_stopped", days=_day_names(turn, stopping))
        return True
    assert offer is not None
    _accept_offer(turn, offer)
    return True


def offer_after(turn: Turn, order: Order, *, earlier: list[list[HistoryLine]]) -> None:
    """After her third like order in a row on the same round day: "Wilt u dit elke week?".

    `earlier` is her history as the turn read it before this order was placed: with the
    order's own lines it is her history now, without reading it again.
    """
    if order.delivery_round is None or len(earlier) < OFFER_AFTER - 1:
        return
    placed = [(line.sku, line.quantity) for part in order.parts for line in part.lines]
    recent = [sorted((h.sku, h.quantity) for h in past) for past in earlier[1 - OFFER_AFTER :]]
    recent.append(sorted(placed))
    if any(past != recent[-1] for past in recent):
        return
    plan = turn.services.plan
    weekday = WEEKDAYS[order.delivery_round.starts_at.astimezone(plan.zone).weekday()]
    if any(s.weekday == weekday for s in _own(turn, ())):
        return
    lines = [BasketLine(sku=sku, quantity=quantity) for sku, quantity in recent[-1]]
    prices = {
        line.sku: product.price_cents
        for line in lines
        if (product := turn.product(line.sku)) is not None
    }
    turn.state.standing_offer = StandingOffer(weekday=weekday, lines=lines, prices=prices)
    wanted = [(line.sku, line.quantity) for line in lines]
    _reply(
        turn,
        "standing_offer",
        ask=True,
        lists={"items": partial(_listed, turn, wanted)},
        day=_day_names(turn, [weekday]),
    )


def _accept_offer(turn: Turn, offer: StandingOffer) -> None:
    lines: list[StandingLine] = []
    for line in offer.lines:
        product = turn.product(line.sku)
        if (
            product is None
            or not product.available
            or product.price_cents != offer.prices.get(line.sku)
        ):
            # Not what was offered any more: make it again, as a read-back with a yes.
            turn.reply("standing_offer_changed")
            start = StandingDraft(weekdays=[offer.weekday], parked=list(turn.state.basket))
            turn.state.standing = start
            turn.state.basket = [b for b in offer.lines if turn.product(b.sku) is not None]
            turn.basket_changed()
            return
        lines.append(StandingLine(product, line.quantity))
    set_up(
        turn.session, resident=turn.resident, weekday=offer.weekday, lines=lines,
        plan=turn.services.plan, now=turn.now,
    )  # fmt: skip
    days = [offer.weekday]
    turn.reply("standing_set", days=_day_names(turn, days), moment=_first_moment(turn, days))


# -- show, skip, pause, this week --------------------------------------------------------------


def _own(turn: Turn, weekdays: tuple[str, ...] | list[str]) -> list[StandingOrder]:
    own = standing_orders_of(turn.session, resident_id=turn.resident.id)
    return [s for s in own if not weekdays or s.weekday in weekdays]


def _show(turn: Turn, own: list[StandingOrder]) -> None:
    if not own:
        turn.reply("standing_none")
        return
    for standing in own:
        delivery = first_delivery(
            turn.session, standing=standing, plan=turn.services.plan, now=turn.now
        )
        week = week_of(turn.session, standing=standing, delivery_round=delivery)
        _reply(
            turn,
            "standing_shown",
            lists={
                "items": partial(_items, turn, standing, this_week=False),
                "this_week": partial(_items, turn, standing, this_week=True, week=week),
            },
            days=_day_names(turn, [standing.weekday]),
            moment=_day(turn, delivery.starts_at),
            changed=bool(week.changes),
            paused=_day(turn, standing.paused_until) if standing.paused_until else None,
        )
    turn.reply("standing_how")


def _skip(turn: Turn, own: list[StandingOrder]) -> None:
    plan = turn.services.plan
    # Only the soonest delivery of all her days: "volgende week niet" is one delivery.
    soonest = min(
        own,
        key=lambda s: first_delivery(turn.session, standing=s, plan=plan, now=turn.now).starts_at,
    )
    week = skip_this_week(turn.session, standing=soonest, plan=plan, now=turn.now)
    after = first_delivery(turn.session, standing=soonest, plan=plan, now=turn.now)
    turn.reply(
        "standing_skipped",
        moment=_day(turn, week.delivery_round.starts_at),
        next=_day(turn, after.starts_at),
    )


def _pause(turn: Turn, own: list[StandingOrder], until: tuple[int, int] | None) -> None:
    assert until is not None
    day, month = until
    today = turn.now.astimezone(turn.services.plan.zone).date()
    last = _on_or_after(today, day, month)
    if last is None:
        turn.misunderstood("standing_bad_date")
        return
    for standing in own:
        pause(turn.session, standing=standing, until=last)
    soonest = min(
        (
            first_delivery(turn.session, standing=s, plan=turn.services.plan, now=turn.now)
            for s in own
        ),
        key=lambda r: r.starts_at,
    )
    turn.reply(
        "standing_paused",
        until=describe_day_of(turn, last),
        next=_day(turn, soonest.starts_at),
    )


def _this_week(turn: Turn, own: list[StandingOrder], meaning: Interpretation) -> None:
    removing = meaning.intent == "remove"
    if removing:
        # "deze week geen eieren": the eggs she has in it, whichever box the word means.
        holding = {w.sku for s in own for w in _wanted(turn, s)}
        meaning = turn.parse(turn.text, only=sorted(holding))
    items = [i for i in meaning.items if i.status == "resolved" and i.sku and not i.from_history]
    if len(items) != len(meaning.items) or not items:
        turn.reply("standing_this_week_unclear")
        return
    standing = _for_item(turn, own, items[0].sku or "")
    current = {w.sku: w.quantity for w in _wanted(turn, standing)}
    changes: dict[str, int] = {}
    for item in items:
        assert item.sku is not None
        if removing:
            changes[item.sku] = 0
        elif meaning.correction or item.sku not in current:
            changes[item.sku] = item.quantity or 1
        else:
            changes[item.sku] = current[item.sku] + (item.quantity or 1)
    week = change_this_week(
        turn.session, standing=standing, plan=turn.services.plan, now=turn.now, changes=changes
    )
    _reply(
        turn,
        "standing_this_week",
        lists={"items": partial(_items, turn, standing, this_week=True, week=week)},
        moment=_day(turn, week.delivery_round.starts_at),
    )


def _for_item(turn: Turn, own: list[StandingOrder], sku: str) -> StandingOrder:
    """Of several standing orders, the one holding the product, else the soonest."""
    holding = [s for s in own if any(line["sku"] == sku for line in s.lines)]
    plan = turn.services.plan
    return min(
        holding or own,
        key=lambda s: first_delivery(turn.session, standing=s, plan=plan, now=turn.now).starts_at,
    )


def _wanted(turn: Turn, standing: StandingOrder) -> list[Wanted]:
    plan = turn.services.plan
    delivery = first_delivery(turn.session, standing=standing, plan=plan, now=turn.now)
    week = week_of(turn.session, standing=standing, delivery_round=delivery)
    return wanted_this_week(standing, week)


# -- words -------------------------------------------------------------------------------------


def _reply(
    turn: Turn,
    key: str,
    *,
    ask: bool = False,
    lists: dict[str, Callable[..., str]],
    **values: object,
) -> None:
    """A reply naming products: written ("2x Volkorenbrood") or spoken ("2 volkorenbrood")."""

    def render(medium: Medium) -> str:
        listed = {name: make(medium=medium) for name, make in lists.items()}
        return turn.say(key, medium, **values, **listed)

    turn.reply_with(render, choices=turn.yes_no() if ask else ())


def _items(
    turn: Turn,
    standing: StandingOrder,
    *,
    this_week: bool,
    week: StandingWeek | None = None,
    medium: Medium = "text",
) -> str:
    if this_week:
        wanted = [(w.sku, w.quantity) for w in wanted_this_week(standing, week)]
    else:
        wanted = [(line["sku"], int(line["quantity"])) for line in standing.lines]
    return _listed(turn, wanted, medium=medium)


def _listed(turn: Turn, wanted: list[tuple[str, int]], *, medium: Medium = "text") -> str:
    if not wanted:
        return turn.say("standing_nothing_this_week", medium)
    return ", ".join(
        turn.say(
            "standing_item",
            medium,
            quantity=quantity,
            unit=product.unit if (product := turn.product(sku)) else "piece",
            name=turn.name(sku),
        )
        for sku, quantity in wanted
    )


def _days(turn: Turn, own: list[StandingOrder]) -> str:
    return _day_names(turn, [s.weekday for s in own])


def _day_names(turn: Turn, days: list[str]) -> str:
    names = [turn.say(f"weekday_{day}") for day in days]
    joiner = turn.say("and_word")
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {joiner} " + names[-1]


def _first_moment(turn: Turn, days: list[str]) -> str:
    plan = turn.services.plan
    soonest = min(
        (next_round_on(turn.session, plan=plan, weekday=d, now=turn.now) for d in days),
        key=lambda r: r.starts_at,
    )
    return _day(turn, soonest.starts_at)


def _day(turn: Turn, moment: datetime | date) -> str:
    if not isinstance(moment, datetime):
        return describe_day_of(turn, moment)
    return describe_day(moment, language=turn.language, zone=turn.services.plan.zone)


def describe_day_of(turn: Turn, day: date) -> str:
    noon = datetime.combine(day, time(12), tzinfo=turn.services.plan.zone)
    return describe_day(noon, language=turn.language, zone=turn.services.plan.zone)


def _on_or_after(today: date, day: int, month: int) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None
