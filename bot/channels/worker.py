"""The outbox worker inside the web process: a thread that sends what is due every few seconds.

One process is enough for a village; with PostgreSQL more processes may run the same loop
(rows are claimed with SKIP LOCKED and rounds are locked while closing).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from bot.wiring import Runtime
from core.database import unit_of_work, utcnow
from orders.closing import close_round
from orders.outbox import Recipient, Sender, deliver_due
from orders.rounds import rounds_due_for_closing

log = logging.getLogger(__name__)


def outbox_tick(runtime: Runtime, senders: Mapping[str, Sender]) -> Callable[[], None]:
    """Close rounds whose cut-off passed, then send what is due."""
    settings = runtime.settings
    courier = Recipient(
        name=settings.courier.name,
        channel=settings.courier.channel,
        address=settings.courier.address or "",
    )

    def tick() -> None:
        now = utcnow()
        with unit_of_work(runtime.sessions) as session:
            for due in rounds_due_for_closing(session, now=now):
                close_round(session, round=due, now=now, courier=courier, zone=settings.zone)
        report = deliver_due(runtime.sessions, senders=senders, now=utcnow(), limit=50)
        for message_id, reason in report.failures:
            log.warning("outbox message %s failed: %s", message_id, reason)

    return tick


class BackgroundWorker:
    def __init__(self, tick: Callable[[], None], *, interval: float = 5.0) -> None:
        self._tick = tick
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Run the next tick now: a reply is waiting in the outbox."""
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:
                # A database hiccup must not end the loop; the next tick tries again.
                log.exception("outbox worker tick failed")
            self._wake.wait(self._interval)
            self._wake.clear()
