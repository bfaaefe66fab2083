"""The background worker of `serve`: the whole pass on its interval, only the sending when a
message wakes it (issue 11: the scheduled duties cost more than a dialogue turn even when
nothing is due, and a wake comes after every message)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest

from bot.worker import BackgroundWorker

WAIT = 10.0  # seconds: generous, a pass here takes microseconds


class Passes:
    """What the worker ran, with an event per kind to wait on."""

    def __init__(self, *, failing_passes: int = 0) -> None:
        self.whole = 0
        self.sends = 0
        self._failing = failing_passes
        self._changed = threading.Condition()

    def tick(self) -> None:
        with self._changed:
            self.whole += 1
            self._changed.notify_all()
            if self.whole <= self._failing:
                raise ConnectionError("the database went away")

    def send(self) -> None:
        with self._changed:
            self.sends += 1
            self._changed.notify_all()

    def wait_for(self, done: Callable[[], bool]) -> None:
        with self._changed:
            assert self._changed.wait_for(done, timeout=WAIT)


@pytest.fixture
def running() -> Iterator[Callable[..., tuple[BackgroundWorker, Passes]]]:
    workers: list[BackgroundWorker] = []

    def start(*, interval: float, failing_passes: int = 0) -> tuple[BackgroundWorker, Passes]:
        passes = Passes(failing_passes=failing_passes)
        worker = BackgroundWorker(passes.tick, send=passes.send, interval=interval)
        worker.start()
        workers.append(worker)
        return worker, passes

    yield start
    for worker in workers:
        worker.stop()


def test_a_wake_sends_at_once_and_leaves_the_scheduled_duties_to_their_interval(
    running: Callable[..., tuple[BackgroundWorker, Passes]],
) -> None:
    worker, passes = running(interval=3600)
    # At start the whole pass runs once: rounds that fell due while the bot was down close.
    passes.wait_for(lambda: passes.whole == 1)
    for woken in range(1, 4):
        worker.wake()
        passes.wait_for(lambda sent=woken: passes.sends == sent)
    assert passes.whole == 1


def test_the_whole_pass_comes_back_on_its_interval_without_wakes(
    running: Callable[..., tuple[BackgroundWorker, Passes]],
) -> None:
    _, passes = running(interval=0.01)
    passes.wait_for(lambda: passes.whole >= 3)
    assert passes.sends == 0


def test_a_failing_pass_does_not_end_the_worker(
    running: Callable[..., tuple[BackgroundWorker, Passes]],
) -> None:
    worker, passes = running(interval=0.01, failing_passes=2)
    passes.wait_for(lambda: passes.whole >= 4)
    worker.wake()
    passes.wait_for(lambda: passes.sends >= 1)


def test_without_a_sending_of_its_own_a_wake_runs_the_whole_pass() -> None:
    # `dorpsplein telegram --polling` gives one pass for both.
    passes = Passes()
    worker = BackgroundWorker(passes.tick, interval=3600)
    worker.start()
    try:
        passes.wait_for(lambda: passes.whole == 1)
        worker.wake()
        passes.wait_for(lambda: passes.whole == 2)
    finally:
        worker.stop()
