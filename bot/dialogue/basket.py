"""Putting what the resident asked for into the basket: add, set, take out, ask when unsure."""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogue.turn import Turn
from conversations.state import AmountQuestion, BasketLine, ChoiceQuestion
from nlu import Interpretation, Item

# Parser notes saying a weighed product was counted in pieces or containers, not weighed.
_NO_WEIGHT = frozenset({"count_for_weighed", "container_for_weighed"})


def take_items(turn: Turn, meaning: Interpretation, *, setting: bool = False) -> bool:
    """Every item of the message goes in the basket, becomes a question, or is named as not
    sold. `setting`: amounts replace what is in the basket ("nee, 6 croissants").

    False when the message held nothing to take.
    """
    resolved = [i for i in meaning.items if i.status == "resolved" and i.sku]
    ambiguous = [i for i in meaning.items if i.status == "ambiguous" and i.candidates]
    unknown = [i for i in meaning.items if i.status == "unknown"]
    if not resolved and not ambiguous:
        if unknown:
            tell_unknown(turn, unknown)  # understood, just not sold: no misunderstanding
            turn.understood()
            return True
        return False
    turn.understood()
    # Whatever was named, she sees the basket it made (even when nothing had to change).
    turn.readback_due = True
    from_usual = meaning.used_usual or meaning.used_last
    for item in resolved:
        assert item.sku is not None
        if _needs_weight(turn, item):
            ask(turn, AmountQuestion(sku=item.sku, replace=setting))
            continue
        quantity = item.quantity or 1
        # "het gewone" brings the usual set; what is in the basket already stays as the
        # resident put it there, rather than doubling.
        keep = from_usual and item.from_history
        put(turn, item.sku, quantity, usual=item.from_history, setting=setting, keep=keep)
    for item in ambiguous:
        if len(item.candidates) == 1:
            # One product, but the amount does not fit it (no weight, not whole packs).
            ask(turn, AmountQuestion(sku=item.candidates[0], replace=setting))
            continue
        phrase = meaning.text[item.span[0] : item.span[1]] or item.text
        ask(
            turn,
            ChoiceQuestion(word=item.text, candidates=list(item.candidates), phrase=phrase),
        )
    if unknown:
        tell_unknown(turn, unknown)
    return True


def put(
    turn: Turn,
    sku: str,
    quantity: int,
    *,
    usual: bool = False,
    setting: bool = False,
    keep: bool = False,
) -> None:
    """One product into the basket; an amount over the limit is asked about instead."""
    product = turn.product(sku)
    if product is None:
        return
    if not product.available:
        turn.reply("not_available", name=product.name)
        return
    if quantity <= 0:
        ask(turn, AmountQuestion(sku=sku, replace=setting))
        return
    if turn.services.limits.line_too_large(unit=product.unit, quantity=quantity):
        ask(turn, AmountQuestion(sku=sku, replace=True, too_large=quantity))
        return
    line = turn.state.line(sku)
    if line is None:
        turn.state.basket.append(BasketLine(sku=sku, quantity=quantity, usual=usual))
    elif keep:
        return
    elif setting:
        if line.quantity == quantity:
            turn.readback_due = True
            return
        line.quantity = quantity
        line.usual = False
    else:
        if turn.services.limits.line_too_large(
            unit=product.unit, quantity=line.quantity + quantity
        ):
            ask(turn, AmountQuestion(sku=sku, replace=True, too_large=line.quantity + quantity))
            return
        line.quantity += quantity
        line.usual = False
    turn.basket_changed()


def ask(turn: Turn, question: AmountQuestion | ChoiceQuestion) -> None:
    """Queue a question; one about a product already queued replaces nothing and waits."""
    if question not in turn.state.questions:
        turn.state.questions.append(question)


def remove(turn: Turn, skus: set[str]) -> list[str]:
    """Take these products out; the names of what was in the basket."""
    gone = [line for line in turn.state.basket if line.sku in skus]
    # A question about what is taken out is no longer worth asking.
    turn.state.questions = [
        q
        for q in turn.state.questions
        if not (q.sku in skus if isinstance(q, AmountQuestion) else set(q.candidates) <= skus)
    ]
    if gone:
        turn.state.basket = [line for line in turn.state.basket if line.sku not in skus]
        turn.basket_changed()
    return [turn.name(line.sku) for line in gone]


def tell_unknown(turn: Turn, items: Sequence[Item]) -> None:
    for item in items:
        words = item.text or turn.text
        alternatives = turn.services.catalog.suggest(words)
        joiner = " of " if turn.language == "nl" else " or "
        turn.reply("unknown", words=words, alternatives=joiner.join(alternatives))


def _needs_weight(turn: Turn, item: Item) -> bool:
    """A weighed product without a usable weight: asking beats guessing a kilo."""
    product = turn.product(item.sku)
    if product is None or product.unit != "kg":
        return False
    return not item.quantity or item.note in _NO_WEIGHT
