"""Changing a placed order before its cut-off: "maak er 6 van", "doe er nog een appeltaart bij".

The open order's lines become the basket; the change is read back as the whole new order, and
a yes replaces the old order by the new one in one transaction.
"""

from __future__ import annotations

from bot.dialogue.turn import Turn
from conversations.state import BasketLine
from orders.models import Order
from orders.placing import can_still_change, open_orders


def start(turn: Turn, number: int | None = None) -> None:
    """With an empty basket, a change or an addition to an order ("maak er 6 van", "doe er
    nog een appeltaart bij") is about the open order (the one she named, else the latest), if
    it may still change; otherwise it starts a basket of its own."""
    state = turn.state
    if state.basket or state.questions or state.amending is not None:
        return
    orders = open_orders(turn.session, resident_id=turn.resident.id)
    if number is not None:
        orders = [o for o in orders if o.id == number]
    order = next((o for o in reversed(orders) if can_still_change(o, now=turn.now)), None)
    if order is None:
        return
    state.basket = [
        BasketLine(sku=line.sku, quantity=line.quantity)
        for part in order.parts
        for line in part.lines
    ]
    state.amending = order.id
    turn.basket_changed()


def order_being_changed(turn: Turn) -> Order | None:
    if turn.state.amending is None:
        return None
    return turn.session.get(Order, turn.state.amending)


def drop(turn: Turn) -> None:
    """The change is off: the placed order stays as it was."""
    number = turn.state.amending
    turn.state.basket, turn.state.questions, turn.state.amending = [], [], None
    turn.basket_changed()
    turn.readback_due = False
    turn.reply("change_dropped", number=number)
