"""Retention: what the bot remembers about messages and calls is kept only as long as it helps.

Run by the worker on every pass (cheap when nothing is due). Inbound messages are kept to
answer a replayed delivery the same way; platforms replay within minutes or hours, so a
message older than the window is deleted outright, text, replies, sender and all (a replay of
it would be answered as a new message). A call's state only lives as long as the call. A
registration that has not moved on in its window was abandoned. Outbox messages that were sent
or gave up carry the texts we wrote; the ones still waiting are never touched. Who was held
back by a rate limit, and one-time channel notices, go with the messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from conversations.models import CallState, ChannelNotice, InboundMessage, RateLimited, Registration
from core.database import unit_of_work
from orders.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)


class RetentionPolicy(Protocol):
    """How many days each kind of record is kept (config.yml `retention`)."""

    @property
    def messages_days(self) -> int: ...

    @property
    def call_states_days(self) -> int: ...

    @property
    def registrations_days(self) -> int: ...


@dataclass(frozen=True)
class RetentionReport:
    messages: int = 0
    outbox: int = 0
    rate_limited: int = 0
    notices: int = 0
    call_states: int = 0
    registrations: int = 0


def apply_retention(session: Session, *, now: datetime, policy: RetentionPolicy) -> RetentionReport:
    """Delete what is older than the policy allows, as of `now`."""
    messages_before = now - timedelta(days=policy.messages_days)
    done = (OutboxStatus.SENT.value, OutboxStatus.LOGGED.value, OutboxStatus.FAILED.value)
    return RetentionReport(
        messages=_deleted(
            session, delete(InboundMessage).where(InboundMessage.received_at < messages_before)
        ),
        outbox=_deleted(
            session,
            delete(OutboxMessage).where(
                OutboxMessage.status.in_(done), OutboxMessage.created_at < messages_before
            ),
        ),
        # Who was held back by a rate limit, and one-time notices, carry a sender's address.
        rate_limited=_deleted(
            session, delete(RateLimited).where(RateLimited.last_limited_at < messages_before)
        ),
        notices=_deleted(
            session, delete(ChannelNotice).where(ChannelNotice.sent_at < messages_before)
        ),
        call_states=_deleted(
            session,
            delete(CallState).where(
                CallState.updated_at < now - timedelta(days=policy.call_states_days)
            ),
        ),
        registrations=_deleted(
            session,
            delete(Registration).where(
                Registration.updated_at < now - timedelta(days=policy.registrations_days)
            ),
        ),
    )


def expire(
    sessions: sessionmaker[Session], *, now: datetime, policy: RetentionPolicy
) -> RetentionReport | None:
    """One retention pass in its own transaction, for the worker.

    A failure is logged and left for the next pass: forgetting must never hold up the rounds
    and the outbox that the same pass serves.
    """
    try:
        with unit_of_work(sessions) as session:
            return apply_retention(session, now=now, policy=policy)
    except SQLAlchemyError:
        log.exception("retention pass failed")
        return None


def _deleted(session: Session, statement: Any) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
