"""Phone calls and SMS opt-outs: what the channels must remember between requests.

Phone calls: each step of a call is a new webhook request, so the call lives here.

Twilio posts every answer of a call as its own request; what was asked last, how often the
caller stayed silent and which step we are at must survive between them (and between web
workers), keyed by the call's CallSid.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.database import Base, UTCDateTime, utcnow
from orders.models import OutboxMessage
from orders.outbox import enqueue


class CallState(Base):
    __tablename__ = "call_states"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), unique=True)
    caller: Mapped[str] = mapped_column(String(40))
    # The last step answered; a request for it again is a retry and gets `answer` again.
    step: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[str] = mapped_column(Text, default="")
    # The question the caller hears now: spoken text, written text, choices, read-back version.
    question: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    silences: Mapped[int] = mapped_column(Integer, default=0)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def find_call(session: Session, call_sid: str, *, lock: bool = False) -> CallState | None:
    query = select(CallState).where(CallState.call_sid == call_sid)
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def text_after_call(
    session: Session, *, to: str, name: str | None, text: str, now: datetime
) -> OutboxMessage:
    """A text message with what was left open when a call ended without an answer."""
    return enqueue(
        session,
        kind="call_summary",
        channel="sms",
        recipient=to,
        recipient_name=name,
        text=text,
        payload={},
        now=now,
    )


# -- opt-outs: numbers that sent STOP on SMS; the outbox sends them nothing ---------------


class OptOut(Base):
    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(120))
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def opt_out(session: Session, *, channel: str, address: str, now: datetime) -> None:
    if not is_opted_out(session, channel=channel, address=address):
        session.add(OptOut(channel=channel, address=address, opted_out_at=now))
        session.flush()


def opt_in(session: Session, *, channel: str, address: str) -> None:
    session.execute(delete(OptOut).where(OptOut.channel == channel, OptOut.address == address))


def is_opted_out(session: Session, *, channel: str, address: str) -> bool:
    found = session.scalar(
        select(OptOut.id).where(OptOut.channel == channel, OptOut.address == address)
    )
    return found is not None
