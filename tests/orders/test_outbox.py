"""The outbox: every message sent once, retried with backoff, failures kept with their reason."""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from core.database import unit_of_work
from orders.models import OutboxMessage, OutboxStatus
from orders.outbox import (
    LEASE,
    MAX_ATTEMPTS,
    OutgoingMessage,
    PermanentSendError,
    SendResult,
    TransientSendError,
    claim_due,
    deliver_due,
    enqueue,
    list_outbox,
    retry_delay,
)
from tests.orders.conftest import MONDAY_MORNING

NOW = MONDAY_MORNING


class RecordingSender:
    """A stand-in for a messaging platform: remembers what it was given, can be made to fail."""

    def __init__(self, *, fail: Exception | None = None, fail_times: int = 0, pause: float = 0):
        self.sent: list[OutgoingMessage] = []
        self.fail = fail
        self.fail_times = fail_times
        self.pause = pause
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> None:
        if self.pause:
            time.sleep(self.pause)
        with self._lock:
            if self.fail is not None and self.fail_times > 0:
                self.fail_times -= 1
                raise self.fail
            self.sent.append(message)


def add(sessions: sessionmaker[Session], count: int = 1, channel: str = "sms") -> list[int]:
    with unit_of_work(sessions) as session:
        rows = [
            enqueue(
                session,
                kind="order_confirmation",
                channel=channel,
                recipient=f"+3161234{i:04d}",
                recipient_name=f"Bewoner {i}",
                text=f"Bericht {i}",
                payload={"n": i},
                now=NOW,
            )
            for i in range(count)
        ]
        return rows


def row(sessions: sessionmaker[Session], message_id: int) -> OutboxMessage:
    with sessions() as session:
        found = session.get(OutboxMessage, message_id)
        assert found is not None
        return found


def test_a_due_message_is_sent_once(sessions: sessionmaker[Session]) -> None:
    [message_id] = add(sessions)
    sms = RecordingSender()
    report = deliver_due(sessions, senders={"sms": sms}, now=NOW, limit=10, clock=lambda: NOW)
    again = deliver_due(sessions, senders={"sms": sms}, now=NOW + timedelta(hours=1), limit=10)
    assert (report.sent, again.claimed) == (1, 0)
    assert [(m.id, m.recipient, m.text, m.payload) for m in sms.sent] == [
        (message_id, "+31612340000", "Bericht 0", {"n": 0})
    ]
    stored = row(sessions, message_id)
    assert stored.status == OutboxStatus.SENT.value
    assert stored.sent_at == NOW
    assert stored.attempts == 1


class LogOnly:
    """A channel that is off: the message is written down, and the sender says only that."""

    def __init__(self) -> None:
        self.logged: list[int] = []

    def send(self, message: OutgoingMessage) -> SendResult:
        self.logged.append(message.id)
        return SendResult.LOGGED


def test_a_message_only_logged_is_logged_not_sent(sessions: sessionmaker[Session]) -> None:
    [logged_id] = add(sessions, channel="telegram")
    [sent_id] = add(sessions)
    telegram = LogOnly()
    report = deliver_due(
        sessions,
        senders={"telegram": telegram, "sms": RecordingSender()},
        now=NOW,
        limit=10,
        clock=lambda: NOW,
    )
    assert (report.sent, report.logged, report.claimed) == (1, 1, 2)
    assert telegram.logged == [logged_id]
    stored = row(sessions, logged_id)
    assert (stored.status, stored.sent_at, stored.last_error) == ("logged", NOW, None)
    assert row(sessions, sent_id).status == OutboxStatus.SENT.value
    with sessions() as session:
        assert [m.id for m in list_outbox(session, status=OutboxStatus.LOGGED)] == [logged_id]
    # Logged is done: it is not tried again.
    again = deliver_due(
        sessions, senders={"telegram": telegram}, now=NOW + timedelta(hours=2), limit=10
    )
    assert again.claimed == 0 and telegram.logged == [logged_id]


def test_a_message_not_yet_due_waits(sessions: sessionmaker[Session]) -> None:
    add(sessions)
    sms = RecordingSender()
    report = deliver_due(sessions, senders={"sms": sms}, now=NOW - timedelta(seconds=1), limit=10)
    assert report.claimed == 0 and sms.sent == []


def test_a_transient_failure_is_retried_after_a_backoff(sessions: sessionmaker[Session]) -> None:
    [message_id] = add(sessions)
    sms = RecordingSender(fail=TransientSendError(reason="Twilio 503"), fail_times=1)
    report = deliver_due(sessions, senders={"sms": sms}, now=NOW, limit=10)
    assert report.retried == 1
    waiting = row(sessions, message_id)
    assert waiting.status == OutboxStatus.PENDING.value
    assert waiting.last_error == "Twilio 503"
    # 30 seconds, give or take the jitter.
    assert NOW + timedelta(seconds=24) <= waiting.next_attempt_at <= NOW + timedelta(seconds=36)
    too_soon = deliver_due(
        sessions, senders={"sms": sms}, now=NOW + timedelta(seconds=20), limit=10
    )
    assert too_soon.claimed == 0
    later = deliver_due(sessions, senders={"sms": sms}, now=NOW + timedelta(seconds=40), limit=10)
    assert later.sent == 1
    done = row(sessions, message_id)
    assert (done.status, done.attempts, done.last_error) == ("sent", 2, None)


def test_backoff_doubles_up_to_an_hour_with_jitter() -> None:
    rng = random.Random(7)
    for attempt, base in [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (12, 3600)]:
        delays = [retry_delay(attempt, rng=rng).total_seconds() for _ in range(50)]
        assert all(0.8 * base <= d <= 1.2 * base for d in delays), attempt
        assert len(set(delays)) > 1  # jittered


def test_after_eight_transient_failures_the_message_fails(sessions: sessionmaker[Session]) -> None:
    [message_id] = add(sessions)
    sms = RecordingSender(fail=TransientSendError(reason="timeout"), fail_times=100)
    now = NOW
    for _ in range(MAX_ATTEMPTS + 2):
        deliver_due(sessions, senders={"sms": sms}, now=now, limit=10)
        now += timedelta(hours=2)
    failed = row(sessions, message_id)
    assert failed.status == OutboxStatus.FAILED.value
    assert failed.attempts == MAX_ATTEMPTS
    assert failed.last_error == "gave up after 8 attempts: timeout"
    assert sms.fail_times == 100 - MAX_ATTEMPTS


def test_a_permanent_failure_is_kept_with_its_reason(sessions: sessionmaker[Session]) -> None:
    [message_id] = add(sessions)
    sms = RecordingSender(fail=PermanentSendError(reason="21211: not a valid phone"), fail_times=1)
    report = deliver_due(sessions, senders={"sms": sms}, now=NOW, limit=10)
    assert (report.failed, report.failures) == (1, [(message_id, "21211: not a valid phone")])
    failed = row(sessions, message_id)
    assert (failed.status, failed.last_error) == ("failed", "21211: not a valid phone")
    assert (
        deliver_due(sessions, senders={"sms": sms}, now=NOW + timedelta(days=1), limit=9).claimed
        == 0
    )
    with sessions() as session:
        assert [m.id for m in list_outbox(session, status=OutboxStatus.FAILED)] == [message_id]
        assert list_outbox(session, status=OutboxStatus.PENDING) == []


def test_a_channel_without_a_sender_fails_with_that_reason(sessions: sessionmaker[Session]) -> None:
    [message_id] = add(sessions, channel="carrier-pigeon")
    report = deliver_due(sessions, senders={"sms": RecordingSender()}, now=NOW, limit=10)
    assert report.failed == 1
    failed = row(sessions, message_id)
    assert failed.status == "failed"
    assert failed.last_error == "no sender configured for channel carrier-pigeon"


def test_a_crashing_sender_does_not_stop_the_others(sessions: sessionmaker[Session]) -> None:
    class Broken:
        def send(self, message: OutgoingMessage) -> None:
            raise KeyError("chat_id")

    [broken_id] = add(sessions, channel="telegram")
    [ok_id] = add(sessions, channel="sms")
    sms = RecordingSender()
    report = deliver_due(sessions, senders={"sms": sms, "telegram": Broken()}, now=NOW, limit=10)
    assert (report.sent, report.retried) == (1, 1)
    assert [m.id for m in sms.sent] == [ok_id]
    assert row(sessions, broken_id).last_error == "KeyError: 'chat_id'"


def test_a_claim_whose_worker_died_is_retried_after_the_lease(
    sessions: sessionmaker[Session],
) -> None:
    [message_id] = add(sessions)
    with unit_of_work(sessions) as session:
        assert [m.id for m in claim_due(session, now=NOW, limit=10)] == [message_id]
    # ...and the worker never reports back.
    sms = RecordingSender()
    assert timedelta(minutes=1) >= LEASE
    assert (
        deliver_due(
            sessions, senders={"sms": sms}, now=NOW + LEASE - timedelta(seconds=1), limit=10
        ).claimed
        == 0
    )
    later = deliver_due(sessions, senders={"sms": sms}, now=NOW + LEASE, limit=10)
    assert later.sent == 1
    assert row(sessions, message_id).attempts == 2


def test_two_workers_send_each_message_once(sessions: sessionmaker[Session]) -> None:
    # PostgreSQL: SKIP LOCKED; SQLite: every transaction holds the write lock (BEGIN IMMEDIATE).
    ids = add(sessions, count=60)
    sms = RecordingSender(pause=0.005)
    start = threading.Barrier(2)
    reports = []

    def worker() -> None:
        start.wait()
        while True:
            report = deliver_due(sessions, senders={"sms": sms}, now=NOW, limit=5)
            reports.append(report)
            if report.claimed == 0:
                return

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    sent_ids = [m.id for m in sms.sent]
    assert sorted(sent_ids) == sorted(ids)  # every message, none twice
    with sessions() as session:
        assert {m.status for m in list_outbox(session)} == {"sent"}
        assert {m.attempts for m in list_outbox(session)} == {1}


class FakeClock:
    """The time as all workers of a test see it, moved on by the senders."""

    def __init__(self, start: datetime) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, by: timedelta) -> None:
        with self._lock:
            self._now += by


class SlowSender(RecordingSender):
    """Each send takes `takes` on the test's clock, in `steps` of `pause` real seconds each."""

    def __init__(
        self, clock: FakeClock, *, takes: timedelta, steps: int = 1, pause: float = 0.01
    ) -> None:
        super().__init__()
        self.clock = clock
        self.takes = takes
        self.steps = steps
        self.step_pause = pause
        self.sending = threading.Event()

    def send(self, message: OutgoingMessage) -> None:
        self.sending.set()
        for _ in range(self.steps):
            time.sleep(self.step_pause)
            self.clock.advance(self.takes / self.steps)
        super().send(message)


def pending(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return len(list_outbox(session, status=OutboxStatus.PENDING))


def test_two_workers_with_a_slow_sender_send_nothing_twice(
    sessions: sessionmaker[Session],
) -> None:
    # 30 sends of 12 s each: 6 minutes in all, longer than any lease, yet each claim is
    # taken just before its own send, so no message outlives its lease while waiting.
    ids = add(sessions, count=30)
    clock = FakeClock(NOW)
    sms = SlowSender(clock, takes=timedelta(seconds=12))
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            # Like `dorpsplein worker`: pass after pass until nothing waits any more.
            while pending(sessions):
                deliver_due(
                    sessions, senders={"sms": sms}, now=clock(), limit=50, clock=clock,
                    renew_every=0.002,
                )  # fmt: skip
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert clock() - NOW >= timedelta(minutes=6)
    sent_ids = [m.id for m in sms.sent]
    assert sorted(sent_ids) == sorted(ids)  # every message, none twice
    with sessions() as session:
        assert {(m.status, m.attempts) for m in list_outbox(session)} == {("sent", 1)}


def test_a_send_that_outlasts_its_lease_keeps_its_claim(sessions: sessionmaker[Session]) -> None:
    [message_id] = add(sessions)
    clock = FakeClock(NOW)
    # Three leases long, in steps of 6 s (10 ms each), the lease renewed every 1 ms meanwhile.
    slow = SlowSender(clock, takes=3 * LEASE, steps=30)
    other = RecordingSender()
    sending = threading.Thread(
        target=deliver_due,
        args=(sessions,),
        kwargs={
            "senders": {"sms": slow}, "now": NOW, "limit": 1, "clock": clock,
            "renew_every": 0.001,
        },
    )  # fmt: skip
    sending.start()
    assert slow.sending.wait(timeout=10)
    tries = 0
    while sending.is_alive():
        deliver_due(sessions, senders={"sms": other}, now=clock(), limit=1, clock=clock)
        tries += 1
    sending.join()
    assert tries > 0
    assert other.sent == []
    assert [m.id for m in slow.sent] == [message_id]
    stored = row(sessions, message_id)
    assert (stored.status, stored.attempts) == ("sent", 1)


def test_a_killed_workers_claim_is_sent_within_a_minute(sessions: sessionmaker[Session]) -> None:
    first, second, third = add(sessions, count=3)
    with unit_of_work(sessions) as session:
        # The worker claims its next message and is killed before it records anything.
        assert [m.id for m in claim_due(session, now=NOW, limit=1)] == [first]
    sms = RecordingSender()
    # It held that one message only: the others go out at once.
    restarted = deliver_due(
        sessions, senders={"sms": sms}, now=NOW + timedelta(seconds=1), limit=10
    )
    assert restarted.sent == 2 and [m.id for m in sms.sent] == [second, third]
    minute = deliver_due(sessions, senders={"sms": sms}, now=NOW + timedelta(seconds=61), limit=10)
    assert minute.sent == 1 and sms.sent[-1].id == first
    assert row(sessions, first).attempts == 2


def test_a_retry_waits_from_the_end_of_a_slow_attempt(sessions: sessionmaker[Session]) -> None:
    [message_id] = add(sessions)
    clock = FakeClock(NOW)

    class SlowThenDown:
        def send(self, message: OutgoingMessage) -> None:
            clock.advance(timedelta(minutes=10))  # e.g. a Twilio timeout after a long wait
            raise TransientSendError(reason="Twilio 503")

    report = deliver_due(sessions, senders={"sms": SlowThenDown()}, now=NOW, limit=10, clock=clock)
    assert report.retried == 1
    ended = NOW + timedelta(minutes=10)
    waiting = row(sessions, message_id)
    assert ended + timedelta(seconds=24) <= waiting.next_attempt_at
    assert waiting.next_attempt_at <= ended + timedelta(seconds=36)
    sms = RecordingSender()
    too_soon = deliver_due(
        sessions, senders={"sms": sms}, now=ended + timedelta(seconds=20), limit=10
    )
    assert too_soon.claimed == 0
    later = deliver_due(sessions, senders={"sms": sms}, now=ended + timedelta(seconds=40), limit=10)
    assert later.sent == 1
