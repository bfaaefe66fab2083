"""The outbox: messages written with what caused them, sent afterwards by workers.

Delivery is at least once, never exactly once. A worker claims one due row at a time in a
short transaction (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite every transaction holds
the write lock), which leases it: its next attempt moves LEASE ahead, so no other worker takes
it. The worker then sends outside any transaction, renewing the lease while a slow send runs,
and records the result in a transaction of its own. A worker that dies mid-send leaves its one
row to be retried when the lease runs out, within a minute; if it died after the platform took
the message but before the result was written, the message goes out twice. Twilio's Messages
API and Telegram's sendMessage take no idempotency key, so nothing downstream removes such a
duplicate (see bot/channels/twilio_sender.py and telegram_sender.py).

A failed attempt's retry delay counts from the moment the attempt ended, not from the start of
the worker's pass.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from sqlalchemy import CursorResult, bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from core.database import standalone, unit_of_work
from core.errors import DorpspleinError, NotFoundError
from orders.models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
# How long a claim holds without news from its worker: a crashed worker's message waits this
# long. Short, because a running send renews it (every RENEW_EVERY seconds).
LEASE = timedelta(seconds=60)
RENEW_EVERY = 15.0
# A send still running after this long is taken to hang: its lease is no longer renewed, and
# another worker may try the message again (a duplicate, if the hung send did get through).
LONGEST_SEND = timedelta(minutes=10)

Clock = Callable[[], datetime]


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


class SendResult(Enum):
    """What a sender did with a message it did not refuse."""

    SENT = "sent"
    # Written down only (a channel that is off goes to var/outbox.log): it reached nobody.
    LOGGED = "logged"


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> SendResult | None:
        """Deliver the message or raise TransientSendError / PermanentSendError.

        None is SendResult.SENT; a sender that only writes the message down says LOGGED.
        """


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
    logged: int = 0  # written to the log only, reaching nobody; not counted in `sent`

    @property
    def claimed(self) -> int:
        return self.sent + self.logged + self.retried + self.failed

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.logged += other.logged
        self.retried += other.retried
        self.failed += other.failed
        self.failures += other.failures


_OUTBOX = OutboxMessage.table()
_ENQUEUE = insert(_OUTBOX).returning(_OUTBOX.c.id)


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
) -> int:
    """Write a message to be sent after the commit; its id.

    A Core insert, written now: a dialogue's yes writes one, and it costs less than a row
    for the unit of work to flush.
    """
    values = {
        "kind": kind,
        "channel": channel,
        "recipient": recipient,
        "recipient_name": recipient_name,
        "text": text,
        "payload": dict(payload),
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    new_id: int = session.execute(_ENQUEUE, values).scalar_one()
    return new_id


# The claim, built once (the worker claims once for every message it sends): the due rows'
# ids under FOR UPDATE SKIP LOCKED, and in the same statement their attempt counted (so a
# message that crashes its worker still runs out of tries; the count also tells this claim
# from a later one of the same row) and their lease taken.
_DUE = (
    select(_OUTBOX.c.id)
    .where(
        _OUTBOX.c.status == OutboxStatus.PENDING.value,
        _OUTBOX.c.next_attempt_at <= bindparam("now"),
    )
    .order_by(_OUTBOX.c.next_attempt_at, _OUTBOX.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_CLAIM = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(_DUE.scalar_subquery()))
    .values(
        attempts=_OUTBOX.c.attempts + 1,
        next_attempt_at=bindparam("leased_until", type_=_OUTBOX.c.next_attempt_at.type),
    )
    .returning(
        _OUTBOX.c.id,
        _OUTBOX.c.kind,
        _OUTBOX.c.channel,
        _OUTBOX.c.recipient,
        _OUTBOX.c.recipient_name,
        _OUTBOX.c.text,
        _OUTBOX.c.payload,
        _OUTBOX.c.attempts,
    )
)


def claim_due(session: Session, *, now: datetime, limit: int) -> list[OutgoingMessage]:
    """Take up to `limit` due rows for this worker, each leased until now + LEASE.

    Commit before sending them; a worker sending several should claim them one at a time
    (as deliver_due does), so that no claim waits on the sends before it.
    """
    claimed = [
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
        for row in session.execute(
            _CLAIM, {"now": now, "limit": limit, "leased_until": now + LEASE}
        )
    ]
    # In the order they were due (a row's id follows the order it was written in).
    return sorted(claimed, key=lambda message: message.id)


def renew_lease(session: Session, *, message: OutgoingMessage, now: datetime) -> bool:
    """Hold the claim another LEASE from now; False when it is no longer this worker's."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.attempts == message.attempt,
        )
        .values(next_attempt_at=now + LEASE)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def retry_delay(attempt: int, *, rng: random.Random | None = None) -> timedelta:
    """Wait after the `attempt`-th failed try (1-based): 30 s, 1 min, 2 min, ... at most 1 h.

    Jitter (between 80% and 120%) keeps messages that failed together from retrying together.
    """
    base = min(FIRST_RETRY * (1 << max(attempt - 1, 0)), LONGEST_RETRY)
    factor: float = (rng or random.Random()).uniform(0.8, 1.2)
    return base * factor


def running_clock(start: datetime) -> Clock:
    """A clock that reads `start` now and moves on with real time from here."""
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


def deliver_due(
    sessions_factory: sessionmaker[Session],
    *,
    senders: Mapping[str, Sender],
    now: datetime,
    limit: int,
    rng: random.Random | None = None,
    clock: Clock | None = None,
    renew_every: float = RENEW_EVERY,
) -> DeliveryReport:
    """Claim, send and record due messages one at a time, at most `limit`; what happened.

    `clock` tells the time as the pass goes on (by default `now`, moving with real time):
    each claim, lease and result is stamped when it happens.
    """
    clock = clock or running_clock(now)
    report = DeliveryReport()
    for _ in range(limit):
        with standalone(sessions_factory) as session:
            claimed = claim_due(session, now=clock(), limit=1)
        if not claimed:
            break
        [message] = claimed
        with _KeepClaimed(sessions_factory, message=message, clock=clock, every=renew_every):
            result, error, permanent = _send(senders, message)
        if error is None:
            with standalone(sessions_factory) as session:
                _record_sent(session, message=message, result=result, now=clock())
        else:
            with unit_of_work(sessions_factory) as session:
                _record_failure(
                    session,
                    message=message,
                    error=error,
                    permanent=permanent,
                    now=clock(),
                    rng=rng,
                )
        if error is None and result is SendResult.LOGGED:
            report.logged += 1
        elif error is None:
            report.sent += 1
        elif permanent or message.attempt >= MAX_ATTEMPTS:
            report.failed += 1
            report.failures.append((message.id, error))
        else:
            report.retried += 1
    return report


def _send(
    senders: Mapping[str, Sender], message: OutgoingMessage
) -> tuple[SendResult, str | None, bool]:
    """What the sender did, the failure's reason and whether it is permanent.

    No reason when the message went (or was only logged).
    """
    sender = senders.get(message.channel)
    if sender is None:
        return SendResult.SENT, f"no sender configured for channel {message.channel}", True
    try:
        result = sender.send(message)
    except PermanentSendError as failure:
        return SendResult.SENT, failure.reason, True
    except TransientSendError as failure:
        return SendResult.SENT, failure.reason, False
    except Exception as failure:
        # A sender bug must not stop the worker; it is retried and its reason kept.
        return SendResult.SENT, f"{type(failure).__name__}: {failure}", False
    return result or SendResult.SENT, None, False


class _KeepClaimed:
    """While a send runs, renew its lease every `every` seconds, for at most LONGEST_SEND.

    Only a live worker renews: when the process dies, the lease runs out within LEASE.
    """

    def __init__(
        self,
        sessions_factory: sessionmaker[Session],
        *,
        message: OutgoingMessage,
        clock: Clock,
        every: float,
    ) -> None:
        self._sessions = sessions_factory
        self._message = message
        self._clock = clock
        self._every = every
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-lease", daemon=True)

    def __enter__(self) -> None:
        self._thread.start()

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        give_up = self._clock() + LONGEST_SEND
        while not self._done.wait(self._every):
            now = self._clock()
            if now >= give_up:
                return
            try:
                with unit_of_work(self._sessions) as session:
                    if not renew_lease(session, message=self._message, now=now):
                        return
            except Exception:
                # A database hiccup: the lease still holds for a while; try again next beat.
                continue


def _record_sent(
    session: Session, *, message: OutgoingMessage, result: SendResult, now: datetime
) -> None:
    """The message went: one statement, once for every message sent.

    Recorded even if another worker claimed the row meanwhile: it went, and saying so keeps
    that worker from marking it failed. A logged message is done too, but says that it
    reached nobody; sent_at is when it was written down.
    """
    done = OutboxStatus.LOGGED if result is SendResult.LOGGED else OutboxStatus.SENT
    session.execute(_SENT, {"message_id": message.id, "done": done.value, "now": now})


# Built once, as the claim: once for every message sent.
_SENT = (
    update(_OUTBOX)
    .where(
        _OUTBOX.c.id == bindparam("message_id"),
        _OUTBOX.c.status == OutboxStatus.PENDING.value,
    )
    .values(
        status=bindparam("done"),
        sent_at=bindparam("now", type_=_OUTBOX.c.sent_at.type),
        last_error=None,
    )
)


def _record_failure(
    session: Session,
    *,
    message: OutgoingMessage,
    error: str,
    permanent: bool,
    now: datetime,
    rng: random.Random | None,
) -> None:
    row = session.get(OutboxMessage, message.id, with_for_update=True)
    if row is None or row.status != OutboxStatus.PENDING.value:
        return
    if row.attempts != message.attempt:
        # Another worker holds the row now; its attempt decides what happens next.
        return
    if permanent:
        row.status = OutboxStatus.FAILED.value
        row.last_error = error
    elif message.attempt >= MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED.value
        row.last_error = f"gave up after {message.attempt} attempts: {error}"
    else:
        row.last_error = error
        # Counted from the end of this attempt: a slow send still gets its full wait.
        row.next_attempt_at = now + retry_delay(message.attempt, rng=rng)


def list_outbox(session: Session, *, status: OutboxStatus | None = None) -> Sequence[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if status is not None:
        query = query.where(OutboxMessage.status == status.value)
    return session.scalars(query).all()


class MessageNotFailedError(DorpspleinError):
    """Only a failed message can be tried again; this one is pending, sent or logged."""

    def __init__(self, *, message_id: int, status: str) -> None:
        super().__init__(f"outbox message {message_id} is {status}, not failed")
        self.message_id = message_id
        self.status = status


def retry_failed(session: Session, *, message_id: int, now: datetime) -> OutboxMessage:
    """Put a failed message back in line, due now, with a fresh set of MAX_ATTEMPTS tries.

    The count starts again because someone decided to try again (after fixing an address,
    or once a platform is back); with the old count one more hiccup would fail it at once.
    Its last reason is kept until a send succeeds, so the coordinator still sees why it
    failed before.
    """
    row = session.get(OutboxMessage, message_id, with_for_update=True)
    if row is None:
        raise NotFoundError(kind="outbox message", key=str(message_id))
    if row.status != OutboxStatus.FAILED.value:
        raise MessageNotFailedError(message_id=row.id, status=row.status)
    row.status = OutboxStatus.PENDING.value
    row.attempts = 0
    row.next_attempt_at = now
    session.flush()
    return row
