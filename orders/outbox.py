"""The outbox: messages written with what caused them, sent afterwards by workers.

A worker claims due rows in a short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
several workers never claim the same row), pushes their next attempt forward as a lease, sends
outside any transaction, and records the result in a transaction of its own. A worker that dies
mid-send leaves the row to be retried when its lease runs out.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.database import unit_of_work
from core.errors import DorpspleinError
from orders.models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
# Longer than any send should take; a send that outlives it may be repeated by another worker.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Recipient:
    """Someone a message goes to: a name for people, a channel and an address for senders."""

    name: str
    channel: str
    address: str


@dataclass(frozen=True)
class OutgoingMessage:
    """A claimed row, detached from the database, for a sender to deliver."""

    id: int
    kind: str
    channel: str
    recipient: str
    recipient_name: str | None
    text: str
    payload: Mapping[str, Any]
    attempt: int


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> None:
        """Deliver the message or raise TransientSendError / PermanentSendError."""


class TransientSendError(DorpspleinError):
    """Worth trying again later: a timeout, a rate limit, a platform hiccup."""

    def __init__(self, *, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentSendError(DorpspleinError):
    """Trying again will not help: an unknown number, a blocked bot, a refused address."""

    def __init__(self, *, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    failures: list[tuple[int, str]] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed


def enqueue(
    session: Session,
    *,
    kind: str,
    channel: str,
    recipient: str,
    recipient_name: str | None,
    text: str,
    payload: Mapping[str, Any],
    now: datetime,
) -> OutboxMessage:
    message = OutboxMessage(
        kind=kind,
        channel=channel,
        recipient=recipient,
        recipient_name=recipient_name,
        text=text,
        payload=dict(payload),
        status=OutboxStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(message)
    return message


def claim_due(session: Session, *, now: datetime, limit: int) -> list[OutgoingMessage]:
    """Take up to `limit` due rows for this worker; commit before sending them."""
    query = (
        select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    claimed: list[OutgoingMessage] = []
    for row in session.scalars(query):
        # Counted at the claim, so a message that crashes its worker still runs out of tries.
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        claimed.append(
            OutgoingMessage(
                id=row.id,
                kind=row.kind,
                channel=row.channel,
                recipient=row.recipient,
                recipient_name=row.recipient_name,
                text=row.text,
                payload=dict(row.payload),
                attempt=row.attempts,
            )
        )
    session.flush()
    return claimed


def retry_delay(attempt: int, *, rng: random.Random | None = None) -> timedelta:
    """Wait after the `attempt`-th failed try (1-based): 30 s, 1 min, 2 min, ... at most 1 h.

    Jitter (between 80% and 120%) keeps messages that failed together from retrying together.
    """
    base = min(FIRST_RETRY * (1 << max(attempt - 1, 0)), LONGEST_RETRY)
    factor: float = (rng or random.Random()).uniform(0.8, 1.2)
    return base * factor


def deliver_due(
    sessions_factory: sessionmaker[Session],
    *,
    senders: Mapping[str, Sender],
    now: datetime,
    limit: int,
    rng: random.Random | None = None,
) -> DeliveryReport:
    """Claim due messages, send each, record each outcome; returns what happened."""
    with unit_of_work(sessions_factory) as session:
        claimed = claim_due(session, now=now, limit=limit)
    report = DeliveryReport()
    for message in claimed:
        sender = senders.get(message.channel)
        error: str | None = None
        permanent = False
        if sender is None:
            error, permanent = f"no sender configured for channel {message.channel}", True
        else:
            try:
                sender.send(message)
            except PermanentSendError as failure:
                error, permanent = failure.reason, True
            except TransientSendError as failure:
                error = failure.reason
            except Exception as failure:
                # A sender bug must not stop the worker; it is retried and its reason kept.
                error = f"{type(failure).__name__}: {failure}"
        with unit_of_work(sessions_factory) as session:
            _record(session, message=message, error=error, permanent=permanent, now=now, rng=rng)
        if error is None:
            report.sent += 1
        elif permanent or message.attempt >= MAX_ATTEMPTS:
            report.failed += 1
            report.failures.append((message.id, error))
        else:
            report.retried += 1
    return report


def _record(
    session: Session,
    *,
    message: OutgoingMessage,
    error: str | None,
    permanent: bool,
    now: datetime,
    rng: random.Random | None,
) -> None:
    row = session.get(OutboxMessage, message.id, with_for_update=True)
    if row is None or row.status != OutboxStatus.PENDING.value:
        return
    if error is None:
        row.status = OutboxStatus.SENT.value
        row.sent_at = now
        row.last_error = None
    elif permanent:
        row.status = OutboxStatus.FAILED.value
        row.last_error = error
    elif message.attempt >= MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED.value
        row.last_error = f"gave up after {message.attempt} attempts: {error}"
    else:
        row.last_error = error
        row.next_attempt_at = now + retry_delay(message.attempt, rng=rng)


def list_outbox(session: Session, *, status: OutboxStatus | None = None) -> Sequence[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if status is not None:
        query = query.where(OutboxMessage.status == status.value)
    return session.scalars(query).all()
