"""What the resident asks besides ordering: take out, cancel, status, help, prices, browse."""

from __future__ import annotations

from bot.dialogue import amend, basket, standing
from bot.dialogue.turn import Turn
from nlu import Interpretation
from orders.errors import CancelTooLateError, OrderNotOpenError
from orders.models import Order
from orders.notices import describe_round
from orders.placing import can_still_change, cancel_order, open_orders


def remove(turn: Turn, meaning: Interpretation) -> None:
    # What to take out is in the basket: read the words against the basket alone, so
    # "haal het brood eraf" finds the bread she has, not the one she usually buys.
    in_basket = [line.sku for line in turn.state.basket]
    found = {
        sku
        for item in turn.parse(meaning.text, only=in_basket).items
        for sku in ([item.sku] if item.status == "resolved" else list(item.candidates))
        if sku in in_basket
    }
    skus = found or {i.sku for i in meaning.items if i.sku}
    if not found:
        skus |= {c for i in meaning.items if i.status == "ambiguous" for c in i.candidates}
    if not skus:
        turn.misunderstood()
        return
    turn.understood()
    names = basket.remove(turn, skus)
    if not names:
        turn.reply("not_in_basket", names=", ".join(turn.name(sku) for sku in sorted(skus)))
        return
    turn.reply("removed", names=", ".join(names))


def named_orders(turn: Turn, number: int | None) -> list[Order]:
    """Her open orders, oldest first; only the one she named by number, if she did."""
    orders = open_orders(turn.session, resident_id=turn.resident.id)
    if number is None:
        return orders
    return [order for order in orders if order.id == number]


def cancel(turn: Turn, number: int | None = None) -> None:
    """A basket is emptied at once; a placed order is cancelled after a yes, if still possible."""
    turn.understood()
    state = turn.state
    if state.amending is not None:
        amend.drop(turn)
        return
    if state.standing is not None:
        standing.drop_draft(turn)
        turn.reply("standing_draft_dropped")
        return
    if state.basket or state.questions:
        state.basket, state.questions = [], []
        turn.basket_changed()
        turn.readback_due = False
        turn.reply("basket_cleared")
        return
    orders = named_orders(turn, number)
    if not orders:
        turn.reply("nothing_to_cancel")
        return
    order = orders[-1]
    if not can_still_change(order, now=turn.now):
        # Said at once: asking JA/NEE first and then refusing would waste her answer.
        turn.reply("too_late", number=order.id, **turn.coordinator())
        return
    state.cancel_order = order.id
    moment = _moment(turn, order)
    turn.ask_yes_no("cancel_question", number=order.id, moment=moment)


def answer_cancel(turn: Turn, meaning: Interpretation) -> bool:
    """The yes or no to "cancel order N?"; False when the message is about something else."""
    order_id = turn.state.cancel_order
    turn.state.cancel_order = None
    if meaning.answer is None or meaning.items or order_id is None:
        return False
    turn.understood()
    order = turn.session.get(Order, order_id)
    if order is None:
        turn.reply("nothing_to_cancel")
        return True
    if meaning.answer == "no":
        turn.reply("cancel_kept", number=order.id)
        return True
    try:
        cancel_order(
            turn.session,
            order=order,
            now=turn.now,
            channel=turn.message.channel,
            recipient=turn.message.sender,
            zone=turn.services.plan.zone,
        )
    except CancelTooLateError:
        turn.reply("too_late", number=order.id, **turn.coordinator())
        return True
    except OrderNotOpenError:
        turn.reply("nothing_to_cancel")
        return True
    turn.reply("cancelled", number=order.id)
    return True


def status(turn: Turn, number: int | None = None) -> None:
    turn.understood()
    orders = named_orders(turn, number)
    if not orders:
        turn.reply("status_none")
        return
    for order in orders:
        state = turn.say(f"state_{order.status}")
        turn.reply("status", number=order.id, state=state, moment=_moment(turn, order))


def _moment(turn: Turn, order: Order) -> str:
    if order.delivery_round is None:
        return ""
    zone = turn.services.plan.zone
    return describe_round(order.delivery_round, language=turn.language, zone=zone)


def prices(turn: Turn, meaning: Interpretation, *, availability: bool = False) -> None:
    """ "wat kost de kaas?" / "heeft u brie?": answered, and nothing is ordered."""
    skus: list[str] = []
    for item in meaning.items:
        for sku in [item.sku] if item.sku else list(item.candidates):
            if sku and sku not in skus:
                skus.append(sku)
    products = [p for p in (turn.product(sku) for sku in skus[:5]) if p is not None]
    if not products:
        unknown = [i for i in meaning.items if i.status == "unknown"]
        if unknown:
            turn.understood()
            basket.tell_unknown(turn, unknown)
        else:
            turn.misunderstood()
        return
    turn.understood()
    lines = [
        {"name": p.name, "price": p.price_cents, "unit": p.unit, "available": p.available}
        for p in products
    ]
    turn.reply("availability" if availability else "prices", lines=lines)


def browse(turn: Turn, meaning: Interpretation) -> None:
    """ "wat heeft de bakker?": what a shop, or a kind of product, has today."""
    index = turn.index()
    shop, category = meaning.shop, meaning.category
    entries = [
        e
        for e in index
        if e.available
        and (shop is None or e.shop == shop)
        and (category is None or e.category == category)
    ]
    if not entries or (shop is None and category is None):
        turn.misunderstood()
        return
    turn.understood()
    names = [e.name for e in entries]
    turn.reply("browse", what=shop or category, names=names[:12], more=max(0, len(names) - 12))


def help_(turn: Turn) -> None:
    turn.understood()
    turn.reply("help", **turn.coordinator())
