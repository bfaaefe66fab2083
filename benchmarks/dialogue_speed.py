"""End-to-end speed of one message through the dialogue: parse, basket, read-back, commit.

Runs the demo village in a throw-away SQLite database (or DORPSPLEIN_DATABASE_URL, e.g. a
PostgreSQL database of your own) and sends a resident's conversation many times over.

    .venv/bin/python benchmarks/dialogue_speed.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bot.demo_village import load_demo
from bot.messages import InboundMessage
from bot.settings import load_settings
from bot.wiring import build_dialogue, start
from core.database import unit_of_work

CONVERSATION = [
    "Goedemorgen",
    "het gewone en een appeltaart",
    "en ook nog 3 krentenbollen",
    "geen appeltaart",
    "wat zit er in mijn mandje",
    "annuleren",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DORPSPLEIN_DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
        settings = load_settings(root / "config.yml").model_copy(update={"database_url": url})
        runtime = start(settings=settings)
        with unit_of_work(runtime.sessions) as session:
            load_demo(session, settings=runtime.settings)
        started = time.perf_counter()
        dialogue = build_dialogue(runtime)
        print(f"start-up (parser training, templates): {time.perf_counter() - started:.3f} s")
        timings: list[float] = []
        cpu_started = time.process_time()
        for _ in range(args.rounds):
            for text in CONVERSATION:
                message = InboundMessage("sms", "+31612340001", text, uuid.uuid4().hex)
                begin = time.perf_counter()
                dialogue.handle(message)
                timings.append(time.perf_counter() - begin)
        cpu = time.process_time() - cpu_started
        timings.sort()
        total = sum(timings)
        print(f"database: {runtime.engine.url.get_backend_name()}")
        print(f"messages: {len(timings)}  ({len(timings) / total:,.0f} messages/s, one thread)")
        # CPU time is what a busy (shared) machine does not blur: wall time includes waiting.
        print(f"CPU: {cpu / len(timings) * 1000:.2f} ms a message ({len(timings) / cpu:,.0f}/s)")
        print(f"median: {statistics.median(timings) * 1000:.2f} ms   "
              f"p99: {timings[int(len(timings) * 0.99)] * 1000:.2f} ms")  # fmt: skip
        runtime.engine.dispose()


if __name__ == "__main__":
    main()
