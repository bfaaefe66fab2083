"""The worker: closes rounds at their cut-off and sends what the outbox holds.

`dorpsplein worker` runs passes in a loop; `serve` runs them in a background thread.

One process is enough for a village; with PostgreSQL more processes may run the same loop
(outbox rows are claimed one at a time with SKIP LOCKED under a short lease, rounds are locked
while closing, the same lock placing takes).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.round_plan import courier_recipient, order_limits, round_plan, standing_policy
from bot.wiring import Runtime
from conversations.retention import expire
from core.database import unit_of_work, utcnow
from orders.closing import CloseReport, close_round
from orders.outbox import Clock, DeliveryReport, Sender, deliver_due, running_clock
from orders.rounds import round_by_id, rounds_due_for_closing
from orders.standing.weekly import StandingReport, place_due, remind_due

log = logging.getLogger(__name__)
BATCH = 50


@dataclass
class WorkReport:
    closed: list[CloseReport] = field(default_factory=list)
    delivered: DeliveryReport = field(default_factory=DeliveryReport)
    reminded: int = 0
    standing: StandingReport = field(default_factory=StandingReport)


def close_now(runtime: Runtime, *, round_id: int, now: datetime) -> CloseReport:
    """Close one round (even before its cut-off): shops and courier get their lists."""
    with unit_of_work(runtime.sessions) as session:
        return close_round(
            session,
            round=round_by_id(session, round_id=round_id),
            now=now,
            courier=courier_recipient(runtime.settings),
            zone=runtime.settings.zone,
        )


def close_due_rounds(runtime: Runtime, *, now: datetime) -> list[CloseReport]:
    """Close every round whose cut-off has passed, each in a transaction of its own."""
    with runtime.sessions() as session:
        due = [r.id for r in rounds_due_for_closing(session, now=now)]
    return [close_now(runtime, round_id=round_id, now=now) for round_id in due]


def work_once(
    runtime: Runtime, *, senders: Mapping[str, Sender], now: datetime | None = None
) -> WorkReport:
    """One pass of the worker: standing orders reminded and placed, rounds whose cut-off passed
    closed, then all that is due sent.

    The pass runs on the wall clock, or from `now` on when given (tests, replays).
    """
    clock = utcnow if now is None else running_clock(now)
    start = clock()
    settings = runtime.settings
    plan, policy = round_plan(settings), standing_policy(settings)
    reminded = remind_due(runtime.sessions, plan=plan, policy=policy, now=start)
    # Standing orders are placed before their round closes, so they are on its lists.
    standing = place_due(
        runtime.sessions, plan=plan, policy=policy, now=start, limits=order_limits(settings)
    )
    report = WorkReport(
        closed=close_due_rounds(runtime, now=start), reminded=reminded, standing=standing
    )
    expire(runtime.sessions, now=start, policy=runtime.settings.retention)
    report.delivered = send_due(runtime, senders=senders, clock=clock)
    return report


def send_due(runtime: Runtime, *, senders: Mapping[str, Sender], clock: Clock) -> DeliveryReport:
    """Send until nothing is due; each message is claimed, sent and recorded on its own."""
    total = DeliveryReport()
    while True:
        batch = deliver_due(
            runtime.sessions, senders=senders, now=clock(), limit=BATCH, clock=clock
        )
        total.add(batch)
        if batch.claimed < BATCH:
            return total


def logged_pass(runtime: Runtime, senders: Mapping[str, Sender]) -> Callable[[], None]:
    """A worker pass for a background thread: failures go to the log."""

    def tick() -> None:
        report = work_once(runtime, senders=senders)
        _log_failures(report.delivered)

    return tick


def logged_sending(runtime: Runtime, senders: Mapping[str, Sender]) -> Callable[[], None]:
    """Only the sending of a worker pass, for a wake after a message: failures go to the log."""

    def send() -> None:
        _log_failures(send_due(runtime, senders=senders, clock=utcnow))

    return send


def _log_failures(report: DeliveryReport) -> None:
    for message_id, reason in report.failures:
        log.warning("outbox message %s failed: %s", message_id, reason)


class BackgroundWorker:
    """Runs the whole pass every `interval` seconds and, when woken, only `send`.

    A wake comes after every inbound message. The scheduled duties (standing orders, closing
    rounds, retention) are 11 statements, more CPU than a dialogue turn, even when nothing is
    due; they keep to their interval, and the replies waiting in the outbox go at once.
    """

    def __init__(
        self,
        tick: Callable[[], None],
        *,
        send: Callable[[], None] | None = None,
        interval: float = 5.0,
    ) -> None:
        self._tick = tick
        self._send = send or tick
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Send what the outbox holds now: a reply is waiting there."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        next_pass = time.monotonic()  # the first pass at once: what fell due while stopped
        while not self._stop.is_set():
            whole = time.monotonic() >= next_pass
            try:
                (self._tick if whole else self._send)()
            except Exception:
                # A database hiccup must not end the loop; the next pass tries again.
                log.exception("outbox worker pass failed")
            if whole:
                next_pass = time.monotonic() + self._interval
            # Cleared before the run that answers it: a wake during a run is not lost, the
            # next wait returns at once.
            self._wake.wait(max(0.0, next_pass - time.monotonic()))
            self._wake.clear()
