"""What the bot keeps between messages: conversations, registrations, inbound messages, calls.

Channels and the dialogue own this state; orders/ knows nothing of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from conversations.state import ConversationState, StateColumn
from core.database import Base, UTCDateTime, utcnow


class Conversation(Base):
    """A resident's conversation: what the bot asked last and the open basket.

    Shared by every channel of the resident and kept in the database, so a half-finished
    basket survives a restart. `version` grows with every change of the basket; a "yes" only
    counts for the read-back of the version it was shown.
    """

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), unique=True)
    # Basket, open questions and the last read-back, typed (conversations.state).
    state: Mapped[ConversationState] = mapped_column(StateColumn, default=ConversationState)
    version: Mapped[int] = mapped_column(Integer, default=0)
    misunderstandings: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Registration(Base):
    """An unknown sender on the way to becoming a resident."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("kind", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(120))
    step: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class InboundMessage(Base):
    """Every inbound message id once: a retried delivery is answered again, never redone.

    Unique per sender too: a message id is the platform's word, and when it is missing or
    reused, one resident must never be given another resident's stored replies.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "sender", "message_id", name="uq_inbound_messages_sender_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str] = mapped_column(String(120))
    sender: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    # The replies as they were given, to give them again on a replay.
    replies: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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


class RateWindow(Base):
    """Messages counted in one window of time, for one sender or (key "*") for everyone.

    Kept in our own database so that every server process counts in the same place
    (conversations.rate_limits says why not Redis). Old windows are deleted as new ones start.
    """

    __tablename__ = "rate_windows"
    __table_args__ = (UniqueConstraint("key", "window_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)
    # The one kind notice of this window has been given (a sender is told once, then quiet).
    noticed: Mapped[bool] = mapped_column(Boolean, default=False)


class RateLimited(Base):
    """Who was held back by a rate limit, for the coordinator (`dorpsplein limits list`)."""

    __tablename__ = "rate_limited"
    __table_args__ = (UniqueConstraint("channel", "sender"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    sender: Mapped[str] = mapped_column(String(120))
    # Messages not answered because of a limit, over all time.
    count: Mapped[int] = mapped_column(Integer, default=0)
    first_limited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_limited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ChannelNotice(Base):
    """A one-time notice given to a channel address (a Telegram group is refused once)."""

    __tablename__ = "channel_notices"
    __table_args__ = (UniqueConstraint("channel", "address", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
