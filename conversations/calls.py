"""Phone calls: each step of a call is a new webhook request, so the call lives here.

Twilio posts every answer of a call as its own request; what was asked last, how often the
caller stayed silent and which step we are at must survive between them (and between web
workers), keyed by the call's CallSid.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.models import CallState
from orders.outbox import enqueue


def find_call(session: Session, call_sid: str, *, lock: bool = False) -> CallState | None:
    query = select(CallState).where(CallState.call_sid == call_sid)
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def text_after_call(
    session: Session, *, to: str, name: str | None, text: str, now: datetime
) -> int:
    """A text message with what was left open when a call ended without an answer; its id."""
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
