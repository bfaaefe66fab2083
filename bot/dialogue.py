"""The conversation with a resident: one inbound message in, replies out.

Every message is one unit of work: the inbound record (for replays), the conversation and its
basket, a placed order and its outbox rows commit together or not at all.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.live_catalog import LiveCatalog
from bot.messages import Choice, InboundMessage, Reply
from bot.readback import Readback, build_readback
from bot.registration import Registrar
from bot.settings import Settings
from bot.words import Medium, Words
from catalog.models import Product
from conversations.models import Conversation
from conversations.models import InboundMessage as InboundRecord
from core.database import unit_of_work, utcnow
from nlu import CatalogIndex, HistoryLine, Interpretation, Item
from orders.errors import CancelTooLateError
from orders.history import order_history
from orders.models import AddressKind, Order, Resident
from orders.notices import describe_round
from orders.placing import cancel_order, open_orders, place_order
from orders.rounds import RoundPlan
from orders.split import WantedLine

ADDRESS_KIND = {
    "terminal": AddressKind.PHONE,
    "sms": AddressKind.PHONE,
    "voice": AddressKind.PHONE,
    "whatsapp": AddressKind.WHATSAPP,
    "telegram": AddressKind.TELEGRAM,
}
_CHANGE_AMOUNT = re.compile(
    r"^\s*(?:maak\s+(?:er|het|dat)\s+(?P<nl>.+?)\s+van|make\s+(?:it|that)\s+(?P<en>.+?))"
    r"\s*(?:graag|alstublieft|please)?[.!]?\s*$",
    re.IGNORECASE,
)
# Answers to a yes/no question asked in words (the cancel question), keys of a keypad included.
_YES = {"ja", "yes", "j", "y", "1"}
_NO = {"nee", "no", "n", "2"}
# Asking what something costs is not ordering it.
_PRICE_QUESTION = re.compile(
    r"\b(?:wat|hoeveel)\s+(?:kost|kosten)\b|\bprijs\b|\bprijzen\b|\bhow\s+much\s+(?:is|are|does|do)\b"
    r"|\bwhat\s+does\b.*\bcost\b|\bprices?\b",
    re.IGNORECASE,
)
# A neutral product word, to read a bare amount ("300 gram", "2") for one product.
_STAND_IN = "artikel"
_AMOUNT_HINT = re.compile(
    r"\d|\b(?:een|één|twee|drie|vier|vijf|zes|ons|pond|kilo|gram|liter|"
    r"one|two|three|four|five|six|half|dozen)\b",
    re.IGNORECASE,
)


def _has_amount(text: str) -> bool:
    """Whether a message seems to give an amount (then a failed reading is asked again)."""
    return _AMOUNT_HINT.search(text) is not None


# Parser notes saying a weighed product was counted in pieces or containers, not weighed.
_NO_WEIGHT = frozenset({"count_for_weighed", "container_for_weighed"})


class Understanding(Protocol):
    """nlu.Parser, or the Rasa-backed parser when `nlu.engine: rasa`."""

    def parse(
        self,
        text: str,
        *,
        catalog: CatalogIndex,
        history: Sequence[Sequence[HistoryLine]] = (),
    ) -> Interpretation: ...


@dataclass
class Turn:
    """What one message is about, handed between the steps of the dialogue."""

    session: Session
    message: InboundMessage
    resident: Resident
    conversation: Conversation
    now: datetime
    replies: list[Reply]

    @property
    def language(self) -> str:
        return self.resident.language

    @property
    def spoken(self) -> bool:
        return self.message.channel == "voice"


class Dialogue:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        settings: Settings,
        parser: Understanding,
        catalog: LiveCatalog,
        words: Words,
        plan: RoundPlan,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._parser = parser
        self._catalog = catalog
        self._words = words
        self._plan = plan
        self._registrar = Registrar(settings=settings, words=words)

    # -- entry point -------------------------------------------------------------------------

    def handle(self, message: InboundMessage, *, now: datetime | None = None) -> list[Reply]:
        """Answer a message; a message id seen before gets the same answer again, nothing more."""
        now = now or utcnow()
        try:
            with unit_of_work(self._sessions) as session:
                seen = self._seen(session, message)
                if seen is not None:
                    return seen
                record = InboundRecord(
                    channel=message.channel,
                    message_id=message.message_id,
                    sender=message.sender,
                    text=message.text[:4000],
                    received_at=now,
                )
                session.add(record)
                session.flush()
                replies = self._route(session, message, now)
                record.replies = [reply.to_dict() for reply in replies]
                return replies
        except IntegrityError:
            # The same message is being handled right now by another worker: give its answer.
            with self._sessions() as session:
                seen = self._seen(session, message)
            if seen is None:
                raise
            return seen

    @staticmethod
    def _seen(session: Session, message: InboundMessage) -> list[Reply] | None:
        record = session.scalar(
            select(InboundRecord).where(
                InboundRecord.channel == message.channel,
                InboundRecord.message_id == message.message_id,
            )
        )
        return None if record is None else [Reply.from_dict(r) for r in record.replies]

    def _route(self, session: Session, message: InboundMessage, now: datetime) -> list[Reply]:
        kind = ADDRESS_KIND.get(message.channel, AddressKind.PHONE)
        resident = self._registrar.resident_for(session, kind=kind, address=message.sender)
        if resident is None:
            return self._registrar.step(
                session, kind=kind, address=message.sender, text=message.text
            )
        # Serialise this resident's messages: a second one waits here until the first commits.
        session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())
        conversation = session.scalar(
            select(Conversation).where(Conversation.resident_id == resident.id)
        )
        if conversation is None:
            conversation = Conversation(resident_id=resident.id, basket=[], pending={})
            session.add(conversation)
            session.flush()
        turn = Turn(session, message, resident, conversation, now, [])
        self._converse(turn)
        return turn.replies

    # -- the conversation --------------------------------------------------------------------

    def _converse(self, turn: Turn) -> None:
        text = turn.message.text.strip()
        pending = dict(turn.conversation.pending or {})
        if pending.get("kind") == "ask" and self._answer(turn, pending, text):
            return
        if pending.get("kind") == "cancel" and self._answer_cancel(turn, pending, text):
            return
        if self._change_amount(turn, text):
            return
        index = self._catalog.refresh(turn.session)
        history = self._history(turn.session, turn.resident.id)
        meaning = self._parser.parse(text, catalog=index, history=history)
        self._follow_language(turn, meaning, text)
        if meaning.confidence < 0.5 and not meaning.items:
            self._misunderstood(turn)
            return
        if _PRICE_QUESTION.search(text):
            # "wat kost de kaas?" asks, it does not order: answer, and leave the basket be.
            # The question words are taken away so that the parser sees only the products.
            asked = self._parser.parse(
                _PRICE_QUESTION.sub(" ", text), catalog=index, history=history
            )
            if asked.items:
                self._prices(turn, asked)
                return
        handler = {
            "order": self._order,
            "remove": self._remove,
            "confirm": self._confirm,
            "deny": self._deny,
            "cancel": self._cancel,
            "status": self._status,
            "help": self._help,
            "greet": self._greet,
            "show_basket": self._show_basket,
        }.get(meaning.intent, self._order)
        handler(turn, meaning)

    @staticmethod
    def _history(session: Session, resident_id: int) -> list[list[HistoryLine]]:
        return [
            [HistoryLine(sku=sku, quantity=quantity) for sku, quantity in past]
            for past in order_history(session, resident_id=resident_id)
        ]

    def _say(self, turn: Turn, key: str, medium: Medium = "text", **values: Any) -> str:
        return self._words(key, turn.language, medium=medium, **values)

    def _reply(self, turn: Turn, key: str, **values: Any) -> None:
        turn.replies.append(self._message(turn, lambda m: self._say(turn, key, m, **values)))

    @staticmethod
    def _message(turn: Turn, render: Callable[[Medium], str], **reply: Any) -> Reply:
        """A reply written, and for a call also worded to be heard."""
        spoken = render("voice") if turn.spoken else None
        return Reply(render("text"), spoken=spoken, **reply)

    def _understood(self, turn: Turn) -> None:
        turn.conversation.misunderstandings = 0

    def _misunderstood(self, turn: Turn, key: str = "not_understood", **values: Any) -> None:
        self._reply(turn, key, **values)
        turn.conversation.misunderstandings += 1
        if turn.conversation.misunderstandings >= 2:
            self._reply(turn, "offer_human", **self._coordinator())
            turn.conversation.misunderstandings = 0

    def _coordinator(self) -> dict[str, str]:
        return {
            "coordinator": self._settings.coordinator.name,
            "phone": self._settings.coordinator.phone,
        }

    @staticmethod
    def _follow_language(turn: Turn, meaning: Interpretation, text: str) -> None:
        # One word ("ok", "help") or an amount ("1.5 kilo") says little about a language.
        if meaning.language in ("nl", "en") and len(re.findall(r"[^\W\d_]{2,}", text)) >= 2:
            turn.resident.language = meaning.language

    # -- intents -----------------------------------------------------------------------------

    def _order(self, turn: Turn, meaning: Interpretation) -> None:
        resolved = [i for i in meaning.items if i.status == "resolved" and i.sku]
        ambiguous = [i for i in meaning.items if i.status == "ambiguous" and i.candidates]
        unknown = [i for i in meaning.items if i.status == "unknown"]
        if meaning.used_usual and meaning.no_history and not resolved and not ambiguous:
            self._misunderstood(turn, "no_usual")
            return
        if not resolved and not ambiguous:
            if unknown:
                # Understood, just not sold: an answer, not a misunderstanding.
                self._unknown(turn, unknown)
            else:
                self._misunderstood(turn)
            return
        self._understood(turn)
        questions: list[dict[str, Any]] = []
        for item in resolved:
            if self._needs_amount(turn.session, item):
                questions.append({"type": "amount", "sku": item.sku})
            else:
                # "het gewone" brings the usual set; what is in the basket already stays as
                # the resident put it there, rather than doubling.
                from_usual = (meaning.used_usual or meaning.used_last) and item.from_history
                self._add(turn, [item], keep_existing=from_usual)
        if unknown:
            self._unknown(turn, unknown)
        text = turn.message.text
        for item in ambiguous:
            if len(item.candidates) == 1:
                # One product, but the amount does not fit it (no weight, not whole packs).
                questions.append({"type": "amount", "sku": item.candidates[0]})
                continue
            phrase = text[item.span[0] : item.span[1]] or item.text
            questions.append(
                {
                    "type": "choose",
                    "word": item.text,
                    "candidates": list(item.candidates),
                    "phrase": phrase,
                }
            )
        if questions:
            self._ask(turn, questions)
            return
        self._read_back(turn)

    def _needs_amount(self, session: Session, item: Item) -> bool:
        """A weighed product without a usable weight: asking beats guessing a kilo."""
        product = self._product(session, item.sku)
        if product is None or product.unit != "kg":
            return False
        return not item.quantity or item.note in _NO_WEIGHT

    def _add(
        self,
        turn: Turn,
        items: Sequence[Item],
        *,
        replace: bool = False,
        keep_existing: bool = False,
    ) -> None:
        basket = [dict(line) for line in turn.conversation.basket]
        for item in items:
            product = self._product(turn.session, item.sku)
            if product is None:
                continue
            if not product.available:
                self._reply(turn, "not_available", name=product.name)
                continue
            quantity = max(1, int(item.quantity or 1))
            line = next((line for line in basket if line["sku"] == product.sku), None)
            if line is None:
                basket.append(
                    {"sku": product.sku, "quantity": quantity, "usual": bool(item.from_history)}
                )
            elif replace:
                line["quantity"] = quantity
            elif not keep_existing:
                line["quantity"] += quantity
        self._set_basket(turn, basket)

    def _set_basket(self, turn: Turn, basket: list[dict[str, Any]]) -> None:
        if basket != turn.conversation.basket:
            turn.conversation.basket = basket
            turn.conversation.version += 1

    @staticmethod
    def _product(session: Session, sku: str | None) -> Product | None:
        if not sku:
            return None
        # A message names the same few products many times; look each up once per message.
        seen: dict[str, Product | None] = session.info.setdefault("products_by_sku", {})
        if sku not in seen:
            seen[sku] = session.scalar(select(Product).where(Product.sku == sku))
        return seen[sku]

    def _unknown(self, turn: Turn, items: Sequence[Item]) -> None:
        for item in items:
            words = item.text or turn.message.text
            alternatives = self._catalog.suggest(words)
            joiner = " of " if turn.language == "nl" else " or "
            self._reply(turn, "unknown", words=words, alternatives=joiner.join(alternatives))

    # -- questions: which product, how much ----------------------------------------------------

    def _ask(self, turn: Turn, questions: list[dict[str, Any]]) -> None:
        """Ask the first question; the rest wait their turn (one question at a time)."""
        question, queue = questions[0], questions[1:]
        turn.conversation.pending = {"kind": "ask", "question": question, "queue": queue}
        if question["type"] == "amount":
            self._ask_amount(turn, question["sku"])
            return
        names = [self._name(turn.session, sku) for sku in question["candidates"]]
        choices = tuple(Choice(str(n), name) for n, name in enumerate(names, start=1))
        turn.replies.append(
            self._message(
                turn,
                lambda m: self._say(turn, "choose", m, word=question["word"], choices=names),
                choices=choices,
            )
        )

    def _ask_amount(self, turn: Turn, sku: str) -> None:
        product = self._product(turn.session, sku)
        key = "ask_weight" if product is not None and product.unit == "kg" else "ask_count"
        self._reply(turn, key, name=self._name(turn.session, sku))

    def _drop_question(self, turn: Turn, question: dict[str, Any]) -> None:
        """The resident moved on: say what is not in the basket, rather than drop it silently."""
        turn.conversation.pending = {}
        if question["type"] == "amount":
            words = self._name(turn.session, question["sku"])
        else:
            words = question["word"]
        self._reply(turn, "not_added", words=words)

    def _name(self, session: Session, sku: str) -> str:
        product = self._product(session, sku)
        return product.name if product else sku

    def _answer(self, turn: Turn, pending: dict[str, Any], text: str) -> bool:
        """Take the answer to the open question; False when the message is about something else."""
        question = pending["question"]
        queue = list(pending.get("queue") or [])
        if question["type"] == "amount":
            product = self._product(turn.session, question["sku"])
            # Only an answer that gives an amount is read as one: "de losse" is not "1".
            quantity = (
                self._quantity_of(turn, product, text) if product and _has_amount(text) else None
            )
            if product is None or quantity is None:
                if _has_amount(text):
                    self._ask_amount(turn, question["sku"])
                    return True
                self._drop_question(turn, question)
                return False
            turn.conversation.pending = {}
            item = Item(status="resolved", sku=product.sku, quantity=quantity)
            self._add(turn, [item], replace=bool(question.get("replace")))
        else:
            candidates: list[str] = question["candidates"]
            chosen = self._pick(turn, candidates, text)
            if chosen is None:
                if text.strip().isdigit():
                    self._reply(turn, "choose_again", count=len(candidates))
                    return True
                self._drop_question(turn, question)
                return False
            turn.conversation.pending = {}
            product = self._product(turn.session, chosen)
            assert product is not None
            # The amount was said with the vague word: read it again for the chosen product.
            quantity = self._quantity_of(turn, product, question["phrase"])
            if quantity is None and (product.unit == "kg" or _has_amount(question["phrase"])):
                queue.insert(0, {"type": "amount", "sku": product.sku})
            else:
                self._add(turn, [Item(status="resolved", sku=chosen, quantity=quantity or 1)])
        self._understood(turn)
        if queue:
            self._ask(turn, queue)
        else:
            self._read_back(turn)
        return True

    def _quantity_of(self, turn: Turn, product: Product, phrase: str) -> int | None:
        """The amount `phrase` gives for this one product, read by the parser itself.

        Tried against this product alone: the resident's own words ("2 kilo aardappelen"),
        then as a bare amount ("300 gram", "2"), then with the product's name after it ("2
        liter" of a "Volle melk 1 liter"). None when no reading gives whole pieces or grams.
        """
        entry = self._catalog.refresh(turn.session).get(product.sku)
        if entry is None:
            return None
        stand_in = dataclasses.replace(entry, name=_STAND_IN, aliases=(), category=None)
        attempts = [(phrase, entry), (f"{phrase} {_STAND_IN}", stand_in)]
        attempts.append((f"{phrase} {product.name}", entry))
        for text, only in attempts:
            meaning = self._parser.parse(text, catalog=CatalogIndex([only]))
            for item in meaning.items:
                if item.status == "resolved" and item.sku == product.sku and item.quantity:
                    return item.quantity
        return None

    def _pick(self, turn: Turn, candidates: list[str], text: str) -> str | None:
        """The candidate an answer names: by its number, or by words the parser matches."""
        answer = text.strip().rstrip(".")
        if answer.isdigit():
            number = int(answer)
            return candidates[number - 1] if 1 <= number <= len(candidates) else None
        # Only the candidates are in play, so "de kruimige" or "the white one" is enough.
        hits = self._read_against(turn, candidates, answer)
        return hits.pop() if len(hits) == 1 else None

    def _read_against(self, turn: Turn, skus: list[str], text: str | None = None) -> set[str]:
        """The products among `skus` that the message names, read with only them in play."""
        entries = [e for e in map(self._catalog.refresh(turn.session).get, skus) if e]
        if not entries:
            return set()
        meaning = self._parser.parse(text or turn.message.text, catalog=CatalogIndex(entries))
        return {
            sku
            for item in meaning.items
            for sku in ([item.sku] if item.status == "resolved" else list(item.candidates))
            if sku in skus
        }

    def _change_amount(self, turn: Turn, text: str) -> bool:
        """ "maak er 3 van" / "make it 500 grams": a new amount for the item added last."""
        match = _CHANGE_AMOUNT.match(text)
        basket = [dict(line) for line in turn.conversation.basket]
        if match is None or not basket:
            return False
        product = self._product(turn.session, basket[-1]["sku"])
        if product is None:
            return False
        self._understood(turn)
        quantity = self._quantity_of(turn, product, match.group("nl") or match.group("en"))
        if quantity is None:
            # "maak er 3 van" for cheese: 3 what? Ask rather than guess grams.
            self._ask(turn, [{"type": "amount", "sku": product.sku, "replace": True}])
            return True
        basket[-1]["quantity"] = quantity
        self._set_basket(turn, basket)
        self._read_back(turn)
        return True

    def _remove(self, turn: Turn, meaning: Interpretation) -> None:
        # What to take out is in the basket: read the words against the basket alone, so
        # "haal het brood eraf" finds the bread she has, not the one she usually buys.
        basket = [dict(line) for line in turn.conversation.basket]
        in_basket = self._read_against(turn, [line["sku"] for line in basket])
        skus = in_basket or {i.sku for i in meaning.items if i.sku}
        if not in_basket:
            skus |= {c for i in meaning.items if i.status == "ambiguous" for c in i.candidates}
        keep = [line for line in basket if line["sku"] not in skus]
        gone = [line for line in basket if line["sku"] in skus]
        if not skus:
            self._misunderstood(turn)
            return
        self._understood(turn)
        if not gone:
            names = ", ".join(self._name(turn.session, sku) for sku in sorted(skus))
            self._reply(turn, "not_in_basket", names=names)
            return
        self._set_basket(turn, keep)
        names = ", ".join(self._name(turn.session, line["sku"]) for line in gone)
        self._reply(turn, "removed", names=names)
        self._read_back(turn)

    def _confirm(self, turn: Turn, meaning: Interpretation) -> None:
        pending = turn.conversation.pending or {}
        answers = turn.message.answers_version
        if pending.get("kind") != "confirm" or not turn.conversation.basket:
            self._reply(turn, "nothing_to_confirm")
            return
        current = turn.conversation.version
        shown_here = pending.get("channel") == turn.message.channel
        if pending.get("version") != current or (answers is not None and answers != current):
            shown_here = False
        if not shown_here:
            # A yes to an older read-back, or to one shown elsewhere, does not place anything.
            self._reply(turn, "stale_readback")
            self._read_back(turn)
            return
        self._place(turn)

    def _place(self, turn: Turn) -> None:
        lines: list[WantedLine] = []
        for line in turn.conversation.basket:
            product = self._product(turn.session, line["sku"])
            if product is None or not product.available:
                name = product.name if product else line["sku"]
                self._reply(turn, "not_available", name=name)
                self._set_basket(
                    turn, [b for b in turn.conversation.basket if b["sku"] != line["sku"]]
                )
                self._read_back(turn)
                return
            lines.append(WantedLine(product, int(line["quantity"])))
        order = place_order(
            turn.session,
            resident=turn.resident,
            lines=lines,
            plan=self._plan,
            now=turn.now,
            channel=turn.message.channel,
            recipient=turn.message.sender,
        )
        turn.conversation.basket = []
        turn.conversation.pending = {}
        turn.conversation.version += 1
        self._understood(turn)
        self._reply(
            turn,
            "placed",
            number=order.id,
            moment=self._moment(turn, order),
            total=order.total_cents,
        )

    def _moment(self, turn: Turn, order: Order) -> str:
        if order.delivery_round is None:
            return ""
        return describe_round(
            order.delivery_round, language=turn.language, zone=self._settings.zone
        )

    def _deny(self, turn: Turn, meaning: Interpretation) -> None:
        self._understood(turn)
        turn.conversation.pending = {}
        if not turn.conversation.basket:
            self._reply(turn, "basket_empty")
            return
        self._reply(turn, "deny")

    def _cancel(self, turn: Turn, meaning: Interpretation) -> None:
        self._understood(turn)
        turn.conversation.pending = {}
        if turn.conversation.basket:
            self._set_basket(turn, [])
            self._reply(turn, "basket_cleared")
            return
        orders = open_orders(turn.session, resident_id=turn.resident.id)
        if not orders:
            self._reply(turn, "nothing_to_cancel")
            return
        order = orders[-1]
        turn.conversation.pending = {"kind": "cancel", "order": order.id}
        moment = self._moment(turn, order)
        turn.replies.append(
            self._message(
                turn,
                lambda m: self._say(turn, "cancel_question", m, number=order.id, moment=moment),
                choices=self._yes_no(turn),
            )
        )

    def _answer_cancel(self, turn: Turn, pending: dict[str, Any], text: str) -> bool:
        answer = text.strip().lower().rstrip("!.")
        if answer not in _YES | _NO:
            turn.conversation.pending = {}
            return False
        turn.conversation.pending = {}
        self._understood(turn)
        order = turn.session.get(Order, pending["order"])
        if order is None:
            self._reply(turn, "nothing_to_cancel")
            return True
        if answer in _NO:
            self._reply(turn, "cancel_kept", number=order.id)
            return True
        try:
            cancel_order(
                turn.session,
                order=order,
                now=turn.now,
                channel=turn.message.channel,
                recipient=turn.message.sender,
                zone=self._settings.zone,
            )
        except CancelTooLateError:
            self._reply(turn, "too_late", number=order.id, **self._coordinator())
            return True
        self._reply(turn, "cancelled", number=order.id)
        return True

    def _status(self, turn: Turn, meaning: Interpretation) -> None:
        self._understood(turn)
        orders = open_orders(turn.session, resident_id=turn.resident.id)
        if not orders:
            self._reply(turn, "status_none")
            return
        for order in orders:
            state = self._say(turn, f"state_{order.status}")
            moment = self._moment(turn, order)
            self._reply(turn, "status", number=order.id, state=state, moment=moment)

    def _help(self, turn: Turn, meaning: Interpretation) -> None:
        self._understood(turn)
        self._reply(turn, "help", **self._coordinator())

    def _greet(self, turn: Turn, meaning: Interpretation) -> None:
        if meaning.items:
            self._order(turn, meaning)
            return
        self._understood(turn)
        greeting = self.greeting(language=turn.language, now=turn.now)
        if turn.conversation.basket:
            self._reply(turn, "greet_with_basket", greeting=greeting, name=turn.resident.name)
            return
        usual = ", ".join(self.usual_names(turn.session, resident_id=turn.resident.id))
        self._reply(turn, "greet", greeting=greeting, name=turn.resident.name, usual=usual)

    def usual_names(self, session: Session, *, resident_id: int) -> list[str]:
        """The products of a resident's usual order, as the parser reads "het gewone"."""
        history = self._history(session, resident_id)
        if not history:
            return []
        index = self._catalog.refresh(session)
        usual = self._parser.parse("het gewone", catalog=index, history=history)
        return [self._name(session, i.sku) for i in usual.items if i.sku]

    def greeting(self, *, language: str, now: datetime) -> str:
        """Goedemorgen, goedemiddag or goedenavond, by the village's clock."""
        hour = now.astimezone(self._settings.zone).hour
        part = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
        return self._words(f"greeting_{part}", language)

    def _prices(self, turn: Turn, meaning: Interpretation) -> None:
        self._understood(turn)
        skus: list[str] = []
        for item in meaning.items:
            for sku in [item.sku] if item.sku else list(item.candidates):
                if sku and sku not in skus:
                    skus.append(sku)
        products = [p for p in (self._product(turn.session, sku) for sku in skus[:5]) if p]
        if not products:
            self._unknown(turn, [i for i in meaning.items if i.status == "unknown"])
            return
        lines = [
            {"name": p.name, "price": p.price_cents, "unit": p.unit, "available": p.available}
            for p in products
        ]
        self._reply(turn, "prices", lines=lines)

    def _show_basket(self, turn: Turn, meaning: Interpretation) -> None:
        self._understood(turn)
        self._read_back(turn)

    # -- read-back ---------------------------------------------------------------------------

    def _read_back(self, turn: Turn) -> None:
        if not turn.conversation.basket:
            turn.conversation.pending = {}
            self._reply(turn, "basket_empty")
            return
        readback = build_readback(
            turn.session, basket=turn.conversation.basket, plan=self._plan, now=turn.now
        )
        turn.replies.append(
            self._message(
                turn,
                lambda m: self._render_readback(turn, readback, m),
                choices=self._yes_no(turn),
                confirms_version=turn.conversation.version,
            )
        )
        turn.conversation.pending = {
            "kind": "confirm",
            "version": turn.conversation.version,
            "channel": turn.message.channel,
        }

    def _render_readback(self, turn: Turn, readback: Readback, medium: Medium) -> str:
        zone = self._settings.zone

        def say(key: str, **values: Any) -> str:
            return self._say(turn, key, medium, **values)

        lines = [say("readback_intro")]
        for shop, shop_lines in readback.by_shop():
            lines.append(say("readback_shop", shop=shop))
            lines.extend(
                say(
                    "readback_line",
                    quantity=line.quantity,
                    unit=line.unit,
                    name=line.name,
                    usual=line.usual,
                    price=line.total_cents,
                )
                for line in shop_lines
            )
        lines.append(say("readback_total", total=readback.total_cents))
        moment = describe_round(readback.delivery_round, language=turn.language, zone=zone)
        lines.append(say("readback_delivery", moment=moment))
        for shop, later in readback.later_rounds.items():
            moment = describe_round(later, language=turn.language, zone=zone)
            lines.append(say("readback_later", shop=shop, moment=moment))
        lines.append(say("readback_question"))
        return "\n".join(lines)

    def _yes_no(self, turn: Turn) -> tuple[Choice, ...]:
        yes, no = self._say(turn, "yes_no_labels").split("|")
        return (Choice(yes.lower(), yes), Choice(no.lower(), no))
