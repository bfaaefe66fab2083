"""The conversation with a resident: one inbound message in, replies out.

Every message is one unit of work: the inbound record (for replays), the conversation and its
basket, a placed order and its outbox rows commit together or not at all.

The guarantee: an order is placed only on an explicit yes to the latest read-back, and what
is placed is that read-back (see orders.quote). Everything else a message says is taken into
the basket, asked about, or answered; one read-back or one question closes every turn.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue import amend, basket, intents, questions, readback, standing, usual
from bot.dialogue.turn import Services, Turn
from bot.messages import InboundMessage, Reply
from bot.registration import Registrar, Talk
from conversations.models import Conversation
from conversations.models import InboundMessage as InboundRecord
from conversations.state import AmountQuestion, ConversationState
from core.database import unit_of_work, utcnow
from nlu import CatalogIndex, Interpretation
from orders.models import AddressKind, Resident

ADDRESS_KIND = {
    "terminal": AddressKind.PHONE,
    "sms": AddressKind.PHONE,
    "voice": AddressKind.PHONE,
    "whatsapp": AddressKind.WHATSAPP,
    "telegram": AddressKind.TELEGRAM,
}
# Built once: a statement object keeps its cache key, so each reading is only its execution.
_RECORD = insert(InboundRecord.table())
_CONVERSATIONS = Conversation.table()
_WRITE_CONVERSATION = update(_CONVERSATIONS).where(
    _CONVERSATIONS.c.id == bindparam("conversation_id")
)


class Dialogue:
    def __init__(self, *, sessions: sessionmaker[Session], services: Services) -> None:
        self._sessions = sessions
        self._services = services
        self._registrar = Registrar(settings=services.settings, words=services.words)

    # -- entry point -------------------------------------------------------------------------

    def handle(self, message: InboundMessage, *, now: datetime | None = None) -> list[Reply]:
        """Answer a message; a message id seen before gets the same answer again, nothing more."""
        now = now or utcnow()
        try:
            with unit_of_work(self._sessions) as session:
                replies = self._route(session, message, now)
                # Written last, with its answer, in the turn's transaction: a message id seen
                # before breaks the unique key here, the whole turn is undone and the stored
                # answer is given from the except. (No look first: that would be a statement
                # more for every message, to catch the rare retry.)
                session.execute(
                    _RECORD,
                    {
                        "channel": message.channel,
                        "message_id": message.message_id,
                        "sender": message.sender,
                        "text": message.text[:4000],
                        "received_at": now,
                        "replies": [reply.to_dict() for reply in replies],
                    },
                )
                return replies
        except IntegrityError:
            # The same message was handled before, or is being handled right now by another
            # worker (the insert waited for it to commit): give its answer, and nothing more.
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
                InboundRecord.sender == message.sender,
                InboundRecord.message_id == message.message_id,
            )
        )
        return None if record is None else [Reply.from_dict(r) for r in record.replies]

    def _route(self, session: Session, message: InboundMessage, now: datetime) -> list[Reply]:
        kind = ADDRESS_KIND.get(message.channel, AddressKind.PHONE)
        # Serialise this resident's messages: a second one waits here until the first commits.
        speaker = self._registrar.speaker(session, kind=kind, address=message.sender)
        if speaker is None:
            return self._registrar.step(
                session, kind=kind, address=message.sender, text=message.text
            )
        resident, conversation = speaker
        if not resident.active:
            # Paused by the coordinator: told so kindly, and nothing is read or ordered.
            return [self._paused(resident, spoken=message.channel == "voice")]
        if conversation is None:
            begun = Conversation(resident_id=resident.id, state=ConversationState())
            session.add(begun)
            session.flush()
            conversation = Talk(begun.id, begun.state, begun.version, begun.misunderstandings)
        turn = Turn(
            services=self._services,
            session=session,
            message=message,
            resident=resident,
            state=conversation.state,
            version=conversation.version,
            misunderstandings=conversation.misunderstandings,
            now=now,
        )
        converse(turn)
        # One statement, not the ORM's flush of the object: its unit of work was about 6% of
        # a message (an order and its yes, on average). The object is only read in a turn.
        session.execute(
            _WRITE_CONVERSATION,
            {
                "conversation_id": conversation.id,
                "state": turn.state,
                "version": turn.version,
                "misunderstandings": turn.misunderstandings,
                "updated_at": now,
            },
        )
        return turn.replies

    def _paused(self, resident: Resident, *, spoken: bool) -> Reply:
        coordinator = self._services.settings.coordinator
        values = {"coordinator": coordinator.name, "phone": coordinator.phone}
        words = self._services.words
        return Reply(
            words("account_paused", resident.language, medium="text", **values),
            spoken=words("account_paused", resident.language, medium="voice", **values)
            if spoken
            else None,
        )

    # -- for the channels --------------------------------------------------------------------

    def usual_names(self, session: Session, *, resident_id: int) -> list[str]:
        """The products of a resident's usual order, as the parser reads "het gewone"."""
        return usual.usual_names(session, services=self._services, resident_id=resident_id)

    def answer_of(self, text: str) -> Literal["yes", "no"] | None:
        """An explicit yes or no, as the dialogue itself would read it (for keypad menus)."""
        return self._services.parser.parse(text, catalog=CatalogIndex(())).answer

    def greeting(self, *, language: str, now: datetime) -> str:
        """Goedemorgen, goedemiddag or goedenavond, by the village's clock."""
        return usual.greeting(self._services, language=language, now=now)


def converse(turn: Turn) -> None:
    meaning = turn.parse(turn.text)
    # The products the message names, read together rather than one by one as they come up;
    # with those in her basket, which the read-back that follows will price.
    named = [item.sku for item in meaning.items if item.sku]
    if named:
        turn.read_products([*named, *(line.sku for line in turn.state.basket)])
    _follow_language(turn, meaning)
    if meaning.truncated:
        turn.reply("message_cut")  # said first: what follows is about the part that was read
    state = turn.state
    if state.cancel_order is not None and intents.answer_cancel(turn, meaning):
        return
    if standing.answer(turn, meaning):
        return
    if not (state.questions and questions.answer(turn, meaning)):
        _dispatch(turn, meaning)
    if state.questions:
        if turn.basket_asked:
            readback.show(turn, ask=False)  # what she has so far; the question still waits
        questions.ask_next(turn)
    elif turn.readback_due or turn.basket_asked:
        readback.show(turn)


def _dispatch(turn: Turn, meaning: Interpretation) -> None:
    intent = meaning.intent
    state = turn.state
    if standing.handle(turn, meaning):
        return
    if intent in ("price_question", "availability_question"):
        intents.prices(turn, meaning, availability=intent == "availability_question")
    elif intent == "browse":
        intents.browse(turn, meaning)
    elif intent == "cancel":
        intents.cancel(turn, meaning.order_number)
    elif intent == "status":
        intents.status(turn, meaning.order_number)
    elif intent == "help":
        intents.help_(turn)
    elif intent == "remove":
        intents.remove(turn, meaning)
    elif intent in ("close", "show_basket"):
        # "dat was alles", "mandje": the read-back and its question, never an order.
        turn.understood()
        turn.basket_asked = True
    elif meaning.correction or (meaning.answer == "no" and meaning.items):
        amend.start(turn, meaning.order_number)
        _correct(turn, meaning)
    elif meaning.answer == "yes" and not meaning.items:
        turn.understood()
        readback.confirm(turn)
    elif meaning.answer == "no" and not meaning.items:
        turn.understood()
        state.quote = None
        turn.reply("deny" if state.basket else "basket_empty")
    elif intent == "greet" and not meaning.items:
        turn.understood()
        usual.greet(turn)
    else:
        if meaning.adding or meaning.order_number is not None:
            # Only words about the placed order change it ("doe er nog een appeltaart bij",
            # "bij bestelling 12"); "een stokbrood" a day later is an order of its own.
            amend.start(turn, meaning.order_number)
        _order(turn, meaning)


def _order(turn: Turn, meaning: Interpretation) -> None:
    if meaning.used_usual and meaning.no_history and not meaning.items:
        turn.misunderstood("no_usual")
        return
    if not meaning.items and meaning.has_amount and turn.state.basket:
        _amount_for_the_last(turn, meaning, setting=False)
        return
    if meaning.confidence < 0.5 and not meaning.items:
        turn.misunderstood()
        return
    if not basket.take_items(turn, meaning):
        turn.misunderstood()
        return
    # "ja, en een brood": the yes was for a basket that has now grown; show it again.
    if meaning.answer == "yes":
        turn.readback_due = True


def _amount_for_the_last(turn: Turn, meaning: Interpretation, *, setting: bool) -> None:
    """An amount without a product is about the line added last: "doe er nog 2 bij" adds,
    "maak er 3 van" sets; without one to read (a bare "3": more, or in all? "maak er 3 van"
    for cheese: 3 what?) it is asked rather than guessed."""
    turn.understood()
    last = turn.state.basket[-1]
    readable = meaning.has_amount if setting else meaning.adding
    quantity = turn.read_amount(meaning.text, last.sku) if readable else None
    if quantity is None:
        basket.ask(turn, AmountQuestion(sku=last.sku, replace=True))
        return
    basket.put(turn, last.sku, quantity, setting=setting)
    if setting:
        turn.readback_due = True


def _correct(turn: Turn, meaning: Interpretation) -> None:
    """ "nee, 6 croissants", "doe maar 2", "maak er 3 van": amounts set, not added."""
    if meaning.items:
        basket.take_items(turn, meaning, setting=True)
        turn.readback_due = True
    elif turn.state.basket:
        _amount_for_the_last(turn, meaning, setting=True)
    else:
        turn.misunderstood()


def _follow_language(turn: Turn, meaning: Interpretation) -> None:
    # One word ("ok", "help") or an amount ("1.5 kilo") says little about a language.
    words = re.findall(r"[^\W\d_]{2,}", turn.text)
    language = meaning.language
    if language in ("nl", "en") and language != turn.resident.language and len(words) >= 2:
        turn.resident.language = language
