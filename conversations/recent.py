"""What a resident said lately and what the bot answered, for the coordinator helping her.

Read only. Her messages are found by every form her addresses take as a sender (a phone
number also writes on WhatsApp as "whatsapp:+31..."), so messages from before she was
registered on that number show too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Product
from conversations.models import Conversation, InboundMessage
from conversations.state import AmountQuestion
from orders.models import AddressKind, Resident

RECENT = 30


@dataclass(frozen=True)
class Exchange:
    """One message of hers and the replies it got."""

    channel: str
    received_at: datetime
    text: str
    replies: tuple[str, ...]


@dataclass(frozen=True)
class OpenLine:
    name: str
    quantity: int
    unit: str


@dataclass(frozen=True)
class OpenQuestion:
    """A question the bot is waiting on: an amount of `subject`, or which of `candidates`."""

    kind: str  # amount | choice
    subject: str
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpenConversation:
    basket: tuple[OpenLine, ...]
    questions: tuple[OpenQuestion, ...]
    awaiting_yes: bool  # a read-back was shown and waits for her yes
    cancel_order: int | None
    amending: int | None
    updated_at: datetime

    @property
    def empty(self) -> bool:
        return not (
            self.basket
            or self.questions
            or self.awaiting_yes
            or self.cancel_order is not None
            or self.amending is not None
        )


def senders_of(resident: Resident) -> set[str]:
    senders: set[str] = set()
    for address in resident.addresses:
        if address.kind == AddressKind.TELEGRAM.value:
            senders.add(address.address)
        else:
            senders |= {address.address, f"whatsapp:{address.address}"}
    return senders


def recent_exchanges(
    session: Session, *, resident: Resident, limit: int = RECENT
) -> list[Exchange]:
    """Her last `limit` messages with the bot's replies, oldest first (newest last)."""
    senders = senders_of(resident)
    if not senders:
        return []
    newest = session.scalars(
        select(InboundMessage)
        .where(InboundMessage.sender.in_(senders))
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(limit)
    ).all()
    return [
        Exchange(
            channel=m.channel,
            received_at=m.received_at,
            text=m.text,
            replies=tuple(str(r.get("text", "")) for r in (m.replies or []) if r.get("text")),
        )
        for m in reversed(newest)
    ]


def open_conversation(session: Session, *, resident_id: int) -> OpenConversation | None:
    """Her basket and the questions waiting for an answer, with product names."""
    conversation = session.scalar(
        select(Conversation).where(Conversation.resident_id == resident_id)
    )
    if conversation is None:
        return None
    state = conversation.state
    skus = {line.sku for line in state.basket} | {
        q.sku for q in state.questions if isinstance(q, AmountQuestion)
    }
    for question in state.questions:
        if not isinstance(question, AmountQuestion):
            skus |= set(question.candidates)
    products = _products(session, skus)

    def name(sku: str) -> str:
        product = products.get(sku)
        return product.name if product is not None else sku

    questions = tuple(
        OpenQuestion(kind="amount", subject=name(q.sku))
        if isinstance(q, AmountQuestion)
        else OpenQuestion(
            kind="choice", subject=q.word, candidates=tuple(name(c) for c in q.candidates)
        )
        for q in state.questions
    )
    return OpenConversation(
        basket=tuple(
            OpenLine(
                name=name(line.sku),
                quantity=line.quantity,
                unit=products[line.sku].unit if line.sku in products else "piece",
            )
            for line in state.basket
        ),
        questions=questions,
        awaiting_yes=state.quote is not None,
        cancel_order=state.cancel_order,
        amending=state.amending,
        updated_at=conversation.updated_at,
    )


def _products(session: Session, skus: Iterable[str]) -> dict[str, Product]:
    wanted = sorted(set(skus))
    if not wanted:
        return {}
    return {p.sku: p for p in session.scalars(select(Product).where(Product.sku.in_(wanted)))}
