"""What the bot remembers of residents, written straight into the demo village's tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from conversations.models import CallState, Conversation, InboundMessage, Registration
from conversations.state import BasketLine, ConversationState
from core.database import unit_of_work
from orders.models import AddressKind, OutboxMessage
from orders.residents import find_resident

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
JANSEN = "+31612340001"  # Mevrouw A. Jansen: SMS and WhatsApp
DE_VRIES = "+31612340002"  # Meneer H. de Vries: also Telegram chat 100000002
NEWCOMER = "+31687654321"  # halfway through registering


def inbound(
    session: Session, *, channel: str, sender: str, text: str, at: datetime, sid: str
) -> None:
    session.add(
        InboundMessage(
            channel=channel,
            message_id=sid,
            sender=sender,
            text=text,
            replies=[{"text": f"antwoord op {text}", "choices": []}],
            received_at=at,
        )
    )


def outbox(session: Session, *, recipient: str, text: str, at: datetime, **extra: Any) -> None:
    values: dict[str, Any] = {
        "kind": "order_confirmation",
        "channel": "sms",
        "recipient": recipient,
        "recipient_name": None,
        "text": text,
        "payload": {"order_id": 1},
        "status": "sent",
        "next_attempt_at": at,
        "created_at": at,
    }
    values.update(extra)
    session.add(OutboxMessage(**values))


def remember(village: sessionmaker[Session]) -> sessionmaker[Session]:
    """Jansen wrote by SMS and WhatsApp, called once and has a basket; others wrote too."""
    with unit_of_work(village) as session:
        jansen = find_resident(session, kind=AddressKind.PHONE, address=JANSEN)
        assert jansen is not None
        inbound(session, channel="sms", sender=JANSEN, text="twee krentenbollen", at=NOW, sid="a")
        inbound(
            session,
            channel="whatsapp",
            sender=f"whatsapp:{JANSEN}",
            text="en een ons belegen kaas",
            at=NOW,
            sid="b",
        )
        inbound(session, channel="sms", sender=DE_VRIES, text="het gewone", at=NOW, sid="c")
        inbound(session, channel="telegram", sender="100000002", text="ja", at=NOW, sid="d")
        inbound(session, channel="sms", sender=NEWCOMER, text="Piet Bakker", at=NOW, sid="e")
        session.add(
            CallState(
                call_sid="CA1",
                caller=JANSEN,
                step=2,
                answer="<Response/>",
                question={"spoken": "Welk brood bedoelt u?"},
                created_at=NOW,
                updated_at=NOW,
            )
        )
        session.add(CallState(call_sid="CA2", caller=DE_VRIES, created_at=NOW, updated_at=NOW))
        session.add(
            Conversation(
                resident_id=jansen.id,
                state=ConversationState(basket=[BasketLine(sku="bak-krentenbol", quantity=2)]),
            )
        )
        session.add(
            Registration(
                kind="phone",
                address=NEWCOMER,
                step="street",
                data={"name": "Piet Bakker"},
                updated_at=NOW,
            )
        )
        outbox(session, recipient=JANSEN, text="Bedankt, Mevrouw A. Jansen", at=NOW)
        outbox(session, recipient=DE_VRIES, text="Bedankt, Meneer H. de Vries", at=NOW)
        outbox(
            session,
            recipient="+31612340999",
            text=(
                "1. Julianalaan 18, 3981 CK - Mevrouw A. Jansen\n"
                "2. Singel 42, 3984 HB - Meneer H. de Vries"
            ),
            at=NOW,
            kind="courier_round",
        )
    return village


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)
