"""The worker's pass sends the outbox: several workers send each message once, and a killed
worker's message goes out within a minute of the next pass (issue 9)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from bot.wiring import Runtime
from bot.worker import work_once
from core.database import unit_of_work
from orders.models import OutboxStatus
from orders.outbox import OutgoingMessage, Sender, claim_due, enqueue, list_outbox

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


class SlowPlatform:
    """The platform's side: takes a while per message and remembers what it got."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.got: list[int] = []
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> None:
        time.sleep(self.pause)
        with self._lock:
            self.got.append(message.id)


def add(runtime: Runtime, count: int) -> list[int]:
    with unit_of_work(runtime.sessions) as session:
        rows = [
            enqueue(
                session, kind="order_confirmation", channel="sms", recipient=f"+3161234{i:04d}",
                recipient_name=None, text=f"Bericht {i}", payload={}, now=NOW,
            )
            for i in range(count)
        ]  # fmt: skip
        return rows


def pending(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        return len(list_outbox(session, status=OutboxStatus.PENDING))


def test_two_worker_passes_with_a_slow_sender_send_each_message_once(runtime: Runtime) -> None:
    ids = add(runtime, 60)  # more than one BATCH
    platform = SlowPlatform(pause=0.004)
    senders: dict[str, Sender] = {"sms": platform}
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            while pending(runtime):
                work_once(runtime, senders=senders, now=NOW)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert sorted(platform.got) == ids
    with runtime.sessions() as session:
        assert {(m.status, m.attempts) for m in list_outbox(session)} == {("sent", 1)}


def test_a_killed_workers_message_goes_out_within_a_minute_of_the_next_pass(
    runtime: Runtime,
) -> None:
    [message_id] = add(runtime, 1)
    with unit_of_work(runtime.sessions) as session:
        assert [m.id for m in claim_due(session, now=NOW, limit=1)] == [message_id]
    # ...killed here, before it sent or recorded anything; a worker starts again at once.
    platform = SlowPlatform(pause=0)
    assert work_once(runtime, senders={"sms": platform}, now=NOW).delivered.claimed == 0
    report = work_once(runtime, senders={"sms": platform}, now=NOW + timedelta(seconds=61))
    assert report.delivered.sent == 1 and platform.got == [message_id]
