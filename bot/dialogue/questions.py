"""Open questions: asked one at a time, each saying what is already noted; answers taken.

An answer may carry more than the answer ("de brie, 2 ons", "ja, en een pond gehakt"):
whatever else it holds is taken too, never dropped.
"""

from __future__ import annotations

from dataclasses import replace

from bot.dialogue import basket
from bot.dialogue.turn import Turn
from bot.messages import Choice
from conversations.state import AmountQuestion, ChoiceQuestion
from nlu import Interpretation, Item

# Intents that are about something else than the open question: it waits for them.
_ELSEWHERE = frozenset({"cancel", "help", "status", "show_basket", "close", "greet"})


def ask_next(turn: Turn) -> None:
    """Ask the first open question, saying what the basket already holds."""
    question = turn.state.questions[0]
    noted = [turn.name(line.sku) for line in turn.state.basket]
    if noted:
        turn.reply("noted", names=", ".join(noted))
    if isinstance(question, AmountQuestion):
        product = turn.product(question.sku)
        weighed = product is not None and product.unit == "kg"
        if question.too_large is not None:
            limits = turn.services.limits
            turn.reply(
                "ask_too_large",
                name=turn.name(question.sku),
                quantity=question.too_large,
                unit="kg" if weighed else "piece",
                limit=limits.max_grams if weighed else limits.max_pieces,
                **turn.coordinator(),
            )
            return
        turn.reply("ask_weight" if weighed else "ask_count", name=turn.name(question.sku))
        return
    names = [turn.name(sku) for sku in question.candidates]
    choices = tuple(Choice(str(n), name) for n, name in enumerate(names, start=1))
    turn.reply_with(
        lambda medium: turn.say("choose", medium, word=question.word, choices=names),
        choices=choices,
    )


def answer(turn: Turn, meaning: Interpretation) -> bool:
    """Take the message as the answer to the open question; False when it is about something
    else (the question then waits, and is asked again after that has been dealt with)."""
    question = turn.state.questions[0]
    if meaning.intent in _ELSEWHERE and not meaning.items and not meaning.has_amount:
        return False
    if isinstance(question, AmountQuestion):
        return _amount(turn, question, meaning)
    return _choice(turn, question, meaning)


def _amount(turn: Turn, question: AmountQuestion, meaning: Interpretation) -> bool:
    others = [i for i in meaning.items if question.sku not in _skus(i)]
    if not meaning.has_amount:
        if meaning.answer == "no" and not others:
            _drop(turn, turn.name(question.sku))
            return True
        if meaning.answer == "yes" and not others:
            turn.understood()  # a yes is no amount: the question is simply asked again
            return True
        return False
    quantity = turn.read_amount(meaning.text, question.sku)
    if quantity is None:
        if others:
            return False
        turn.reply("amount_again")
        return True
    turn.state.questions.pop(0)
    turn.understood()
    basket.put(turn, question.sku, quantity, setting=question.replace)
    _take_the_rest(turn, meaning, others)
    return True


def _choice(turn: Turn, question: ChoiceQuestion, meaning: Interpretation) -> bool:
    text = meaning.text.strip().rstrip(".")
    if text.isdigit():
        number = int(text)
        if not 1 <= number <= len(question.candidates):
            turn.reply("choose_again", count=len(question.candidates))
            return True
        _chosen(turn, question, question.candidates[number - 1], meaning, answer_amount=False)
        return True
    hits = _named(turn, question.candidates, meaning.text)
    if len(hits) > 1:
        # "belegen" to "welke kaas?" is "belegen kaas": the answer qualifies the question's word.
        hits = _named(turn, sorted(hits), f"{meaning.text} {question.word}") or hits
    if len(hits) > 1:
        _narrow(turn, question, hits, meaning)
        return True
    picked = hits.pop() if hits else None
    if picked is None:
        if meaning.answer == "no" and not meaning.items:
            _drop(turn, question.word)
            return True
        if meaning.answer == "yes":
            turn.understood()  # "ja" names none of them: ask again, lose nothing
            _take_the_rest(turn, meaning, _other_items(meaning, question.candidates))
            return True
        return False
    _chosen(turn, question, picked, meaning, answer_amount=True)
    return True


def _chosen(
    turn: Turn,
    question: ChoiceQuestion,
    sku: str,
    meaning: Interpretation,
    *,
    answer_amount: bool,
) -> None:
    turn.state.questions.pop(0)
    turn.understood()
    # The amount is in the answer ("elstar, anderhalve kilo") or was said with the vague word.
    quantity = turn.read_amount(meaning.text, sku) if answer_amount and meaning.has_amount else None
    if quantity is None:
        quantity = turn.read_amount(question.phrase, sku)
    product = turn.product(sku)
    if quantity is None and product is not None and product.unit == "kg":
        turn.state.questions.insert(0, AmountQuestion(sku=sku))
    else:
        basket.put(turn, sku, quantity or 1)
    if answer_amount:
        _take_the_rest(turn, meaning, _other_items(meaning, question.candidates))


def _named(turn: Turn, candidates: list[str], text: str) -> set[str]:
    """The candidates the answer names; only the candidates are in play, so "de kruimige" or
    "the white one" is enough."""
    hits: set[str] = set()
    for item in turn.parse(text, only=candidates).items:
        hits.update(sku for sku in _skus(item) if sku in candidates)
    return hits


def _narrow(turn: Turn, question: ChoiceQuestion, hits: set[str], meaning: Interpretation) -> None:
    """The answer fits some of the choices: ask again among those, keeping an amount said."""
    turn.understood()
    kept = [sku for sku in question.candidates if sku in hits]
    phrase = meaning.text if meaning.has_amount else question.phrase
    turn.state.questions[0] = ChoiceQuestion(word=question.word, candidates=kept, phrase=phrase)


def _skus(item: Item) -> list[str]:
    return [item.sku] if item.status == "resolved" and item.sku else list(item.candidates)


def _other_items(meaning: Interpretation, skus: list[str]) -> list[Item]:
    """Items of the message that are not about these products."""
    return [i for i in meaning.items if i.status != "unknown" and not set(_skus(i)) & set(skus)]


def _take_the_rest(turn: Turn, meaning: Interpretation, items: list[Item]) -> None:
    if items:
        basket.take_items(turn, _with_items(meaning, items))


def _with_items(meaning: Interpretation, items: list[Item]) -> Interpretation:
    return replace(meaning, items=items)


def _drop(turn: Turn, words: str) -> None:
    """The resident said no to the question: say what is left out, and go on."""
    turn.state.questions.pop(0)
    turn.understood()
    turn.reply("not_added", words=words)
    if turn.state.basket:
        turn.readback_due = True
