"""The read-back: the basket as a quote, shown per shop with prices, total and delivery day;
and the yes that places exactly that quote."""

from __future__ import annotations

from bot.dialogue import amend, standing
from bot.dialogue.turn import Turn
from bot.words import Medium
from orders.errors import (
    AmountTooLargeError,
    CancelTooLateError,
    QuoteChangedError,
    TotalTooLargeError,
)
from orders.notices import describe_round
from orders.placing import place_quote
from orders.quote import (
    Change,
    Quote,
    QuoteLine,
    QuoteRound,
    changes_between,
    make_quote,
    wanted_of,
)


def show(turn: Turn, *, ask: bool = True) -> None:
    """Quote the basket now and read it back; the quote is what a yes will place.

    With `ask` False (a question is still open) the basket is shown without asking for a yes.
    """
    state = turn.state
    if not state.basket:
        state.quote = None
        turn.reply("basket_empty" if ask else "basket_empty_so_far")
        return
    quote = _quote(turn)
    if quote.missing:
        for sku in quote.missing:
            turn.reply("not_available", name=turn.name(sku))
        state.basket = [line for line in state.basket if line.sku not in quote.missing]
        turn.basket_changed()
        if not state.basket:
            turn.reply("basket_empty")
            return
        quote = _quote(turn)
    # A standing order being made is read back as one: its days and first delivery.
    render = standing.render_draft if state.standing is not None else _render
    if not ask:
        turn.reply_with(lambda medium: render(turn, quote, medium, question=False))
        return
    limit = turn.services.limits.max_total_cents
    if quote.total_cents > limit:
        # Shown, but not offered for a yes: a person should look at an order this large.
        state.quote = None
        turn.reply_with(lambda medium: render(turn, quote, medium, question=False))
        turn.reply("total_too_large", total=quote.total_cents, limit=limit, **turn.coordinator())
        return
    state.quote = quote
    state.quote_channel = turn.message.channel
    turn.reply_with(
        lambda medium: render(turn, quote, medium, question=True),
        choices=turn.yes_no(),
        confirms_version=quote.version,
    )


def confirm(turn: Turn) -> None:
    """An explicit yes: place the quote she saw, if it is still the basket and still true."""
    state = turn.state
    quote = state.quote
    if not state.basket:
        turn.reply("nothing_to_confirm")
        return
    answers = turn.message.answers_version
    current = turn.version
    if (
        quote is None
        or quote.version != current
        or state.quote_channel != turn.message.channel
        or (answers is not None and answers != current)
    ):
        # A yes to an older read-back, to one shown elsewhere, or to none: show this one.
        if quote is not None or answers is not None:
            turn.reply("stale_readback")
        turn.readback_due = True
        return
    if state.standing is not None:
        _confirm_standing(turn, quote)
        return
    replaces = amend.order_being_changed(turn)
    # Read before the order is placed: her history without it (see standing.offer_after,
    # which a changed order does not ask).
    earlier = turn.history() if replaces is None else []
    try:
        order = place_quote(
            turn.session,
            resident=turn.resident,
            quote=quote,
            plan=turn.services.plan,
            now=turn.now,
            limits=turn.services.limits,
            channel=turn.message.channel,
            recipient=turn.message.sender,
            replaces=replaces,
        )
    except CancelTooLateError:
        # Its round was passed on to the shops meanwhile: the placed order stays as it was.
        number = state.amending
        state.basket, state.amending, state.quote = [], None, None
        turn.version += 1
        turn.reply("change_too_late", number=number, **turn.coordinator())
        return
    except QuoteChangedError as error:
        tell_changes(turn, error.changes)
        turn.basket_changed()
        return
    except (AmountTooLargeError, TotalTooLargeError):
        # The basket was built within the limits; a changed limit shows the basket again.
        turn.basket_changed()
        return
    state.basket, state.questions, state.quote, state.amending = [], [], None, None
    turn.version += 1
    turn.understood()
    turn.reply(
        "placed",
        replaces=replaces.id if replaces is not None else None,
        number=order.id,
        moment=_moment(turn, quote.first_round),
        later=_later(turn, quote),
        total=quote.total_cents,
    )
    if replaces is None:
        standing.offer_after(turn, order, earlier=earlier)


def _confirm_standing(turn: Turn, quote: Quote) -> None:
    """A yes to a standing order's read-back: set up if its lines and prices still hold."""
    fresh = make_quote(
        turn.session, wanted=wanted_of(quote), version=quote.version,
        plan=turn.services.plan, now=turn.now,
    )  # fmt: skip
    changes = changes_between(quote, fresh)
    lines_changed = [c for c in changes if c.kind != "round"]
    if lines_changed or fresh.missing:
        tell_changes(turn, lines_changed)
        turn.basket_changed()
        return
    turn.understood()
    standing.confirm_draft(turn, quote)


def tell_changes(turn: Turn, changes: list[Change]) -> None:
    turn.reply("quote_changed")
    for change in changes:
        if change.kind == "price":
            assert isinstance(change.old, QuoteLine) and isinstance(change.new, QuoteLine)
            turn.reply(
                "change_price",
                name=change.name,
                old=change.old.unit_price_cents,
                new=change.new.unit_price_cents,
                unit=change.new.unit,
            )
        elif change.kind == "round":
            assert isinstance(change.new, QuoteRound)
            turn.reply("change_round", shop=change.name, moment=_moment(turn, change.new))
        else:
            turn.reply("not_available", name=change.name)


def _quote(turn: Turn) -> Quote:
    return make_quote(
        turn.session,
        wanted=turn.state.wanted(),
        version=turn.version,
        plan=turn.services.plan,
        now=turn.now,
    )


def _moment(turn: Turn, delivery_round: QuoteRound) -> str:
    return describe_round(delivery_round, language=turn.language, zone=turn.services.plan.zone)


def _later(turn: Turn, quote: Quote) -> list[tuple[str, str]]:
    """Shops whose part comes with a later round than the first, with that round."""
    first = quote.first_round
    return [
        (part.shop, _moment(turn, part.delivery_round))
        for part in quote.parts
        if part.delivery_round.id != first.id
    ]


def _render(turn: Turn, quote: Quote, medium: Medium, *, question: bool) -> str:
    def say(key: str, **values: object) -> str:
        return turn.say(key, medium, **values)

    changing = turn.state.amending
    lines = [say("readback_intro_change", number=changing) if changing else say("readback_intro")]
    for part in quote.parts:
        lines.append(say("readback_shop", shop=part.shop))
        lines.extend(
            say(
                "readback_line",
                quantity=line.quantity,
                unit=line.unit,
                name=line.name,
                usual=line.usual,
                price=line.total_cents,
            )
            for line in part.lines
        )
    lines.append(say("readback_total", total=quote.total_cents))
    lines.append(say("readback_delivery", moment=_moment(turn, quote.first_round)))
    lines.extend(
        say("readback_later", shop=shop, moment=moment) for shop, moment in _later(turn, quote)
    )
    if question:
        lines.append(say("readback_question"))
    return "\n".join(lines)
