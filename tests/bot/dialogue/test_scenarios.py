"""Scripted conversations, played in process against the dialogue on the test database.

Every scenario of every `*.yml` set in this folder (one village per folder: `catalog.csv`,
`scenarios.yml`, optionally `clock.yml`) and of the shared dev set
(`../shared/dialogue-eval/dev/scenarios.yml`, skipped when absent) is one test, with the id
`village/scenario-id`. The semantics are those of the shared runner
(`../shared/dialogue-eval/run.py`, format in its README), only faster: a fresh migrated
database per test (SQLite, or PostgreSQL with DORPSPLEIN_TEST_DATABASE_URL), one parser for
the session, and a fixed clock instead of the wall clock:

- the conversation starts on Monday 7 December 2026, 09:00 in Amsterdam (the next round is
  Tuesday, cut-off Monday 20:00), each message a few seconds after the one before;
- each `history` conversation takes place a week earlier than the next one (the last a week
  before the scenario); afterwards its rounds are closed and its orders delivered;
- `!clock +2d`, `!clock +3h`, `!clock +30m` move the clock on between two messages (our sets
  only; the shared runner ignores it, so scenarios that use it live in `clock.yml`);
- `replies_have: [text, ...]` (our sets only): text some reply must contain.

Scenarios listed in `known_failing.txt` are expected to fail today (strict xfail): one that
starts to pass fails the run until its line is removed.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.messages import InboundMessage
from bot.wiring import Runtime, build_dialogue
from bot.worker import close_due_rounds
from catalog.csv_format import parse_catalog, parse_price
from catalog.service import import_rows, set_available
from core.database import unit_of_work
from nlu import Parser
from orders.errors import StatusChangeError
from orders.models import OrderStatus
from orders.placing import list_orders, order_by_id, set_status
from orders.residents import add_resident, list_residents, normalise_phone

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SHARED = ROOT.parent / "shared"
SHARED_DEV = SHARED / "dialogue-eval" / "dev" / "scenarios.yml"
KNOWN_FAILING = HERE / "known_failing.txt"

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Monday 7 December 2026, 09:00: the next round is Tuesday 8 December (cut-off Monday 20:00).
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=AMSTERDAM).astimezone(UTC)
BETWEEN_MESSAGES = timedelta(seconds=5)
CLOCK_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


@dataclass(frozen=True)
class Case:
    village: str
    catalog: Path
    residents: tuple[dict[str, Any], ...]
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.village}/{self.spec['id']}"


def scenario_files() -> list[tuple[str, Path]]:
    files = [(path.parent.name, path) for path in sorted(HERE.glob("*/*.yml"))]
    if SHARED_DEV.is_file():
        files.append(("dev", SHARED_DEV))
    return files


def load_cases() -> list[Case]:
    cases = []
    for village, path in scenario_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        catalog = (path.parent / data["catalog"]).resolve()
        residents = tuple(data.get("residents", []))
        cases += [Case(village, catalog, residents, spec) for spec in data["scenarios"]]
    return cases


def known_failing() -> dict[str, str]:
    """Scenario id -> why it fails today, from known_failing.txt (`id  # reason`).

    A reason starting with `[sqlite]` or `[postgresql]` holds on that database only.
    """
    database = (
        "postgresql" if os.environ.get("DORPSPLEIN_TEST_DATABASE_URL", "").strip() else "sqlite"
    )
    known = {}
    if KNOWN_FAILING.is_file():
        for line in KNOWN_FAILING.read_text(encoding="utf-8").splitlines():
            name, _, reason = line.partition("#")
            reason = reason.strip()
            only = re.match(r"\[(sqlite|postgresql)\]\s*", reason)
            if name.strip() and (only is None or only.group(1) == database):
                known[name.strip()] = reason or "known to fail"
    return known


def known_names() -> set[str]:
    """Every scenario id named in known_failing.txt, whatever the database."""
    if not KNOWN_FAILING.is_file():
        return set()
    lines = KNOWN_FAILING.read_text(encoding="utf-8").splitlines()
    return {n.strip() for n in (line.partition("#")[0] for line in lines) if n.strip()}


CASES = load_cases()
KNOWN = known_failing()


def _params() -> Iterator[Any]:
    for case in CASES:
        marks = []
        if case.id in KNOWN:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN[case.id]))
        yield pytest.param(case, id=case.id, marks=marks)


def choice_number(replies: str, name: str) -> str:
    """The number before the last listed option that contains name, as run.py finds it."""
    found = "?"
    for line in replies.splitlines():
        match = re.match(r"\s*(\d+)[.):]?\s+(.*)", line)
        if match and name.lower() in match.group(2).lower():
            found = match.group(1)
    return found


@dataclass
class Play:
    """One scenario on one database: catalogue, residents, a dialogue and a clock."""

    runtime: Runtime
    parser: Parser
    case: Case
    now: datetime = MONDAY_MORNING
    problems: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.rows = parse_catalog(self.case.catalog.read_bytes())
        with unit_of_work(self.runtime.sessions) as session:
            import_rows(session, rows=self.rows)
            for person in self.case.residents:
                add_resident(
                    session,
                    name=person["name"],
                    phone=person["phone"],
                    street=person["street"],
                    postcode=person["postcode"],
                    language=person.get("language", "nl"),
                    area=self.runtime.settings.delivery_area,
                )
        self.dialogue = build_dialogue(self.runtime, parser=self.parser)
        people = {p["key"]: p for p in self.case.residents}
        who = self.case.spec["as"]
        self.phone = normalise_phone(people[who]["phone"] if who in people else str(who))

    # --- what the resident and the shops do ---

    def send(self, text: str) -> str:
        self.now += BETWEEN_MESSAGES
        message = InboundMessage(
            channel="terminal",
            sender=self.phone,
            text=text,
            message_id=f"scenario-{next(self._ids)}",
        )
        said = "\n".join(reply.text for reply in self.dialogue.handle(message, now=self.now))
        self.transcript += [f"> {text}", *("  " + line for line in said.splitlines())]
        return said

    def chat(self, lines: list[str]) -> str:
        """Messages in order; `!` lines change the world, `#Name` picks from the last list."""
        out: list[str] = []
        batch: list[str] = []
        last = ""
        for line in lines:
            if not line.startswith(("!", "#")):
                batch.append(self.send(line))
                continue
            if batch:  # run.py answers '#' from the replies of the messages just before
                last = "\n".join(batch)
                out += batch
                batch = []
            if line.startswith("#"):
                batch.append(self.send(choice_number(last, line[1:])))
            else:
                self.transcript.append(f"  [{line}]")
                self.directive(*line[1:].split())
        return "\n".join(out + batch)

    def directive(self, word: str, *args: str) -> None:
        if word == "price":
            sku, euros = args
            cents = parse_price(euros)
            rows = [
                dataclasses.replace(r, price_cents=cents) if r.sku == sku else r for r in self.rows
            ]
            with unit_of_work(self.runtime.sessions) as session:
                import_rows(session, rows=rows)
        elif word == "unavailable":
            with unit_of_work(self.runtime.sessions) as session:
                set_available(session, sku=args[0], available=False)
        elif word == "clock":
            match = re.fullmatch(r"\+(\d+)([dhm])", args[0])
            assert match, f"!clock takes +Nd, +Nh or +Nm, not {args[0]!r}"
            self.now += timedelta(**{CLOCK_UNITS[match.group(2)]: int(match.group(1))})
        else:
            raise AssertionError(f"unknown directive !{word}")

    def deliver_everything(self) -> None:
        """What happens after a past conversation: its rounds close, the courier delivers."""
        later = self.now + timedelta(days=6)
        close_due_rounds(self.runtime, now=later)
        with unit_of_work(self.runtime.sessions) as session:
            waiting = [
                o.id
                for o in list_orders(session)
                if o.status not in (OrderStatus.DELIVERED.value, OrderStatus.CANCELLED.value)
            ]
        for order_id in waiting:
            with unit_of_work(self.runtime.sessions) as session:
                order = order_by_id(session, order_id=order_id)
                try:
                    set_status(session, order=order, status=OrderStatus.DELIVERED, now=later)
                except StatusChangeError as error:
                    self.problems.append(f"history order {order_id} not delivered: {error}")

    def orders(self) -> list[dict[str, Any]]:
        with unit_of_work(self.runtime.sessions) as session:
            rows = []
            for order in list_orders(session):
                lines: dict[str, float] = {}
                for part in order.parts:
                    for line in part.lines:
                        lines[line.sku] = lines.get(line.sku, 0.0) + float(line.quantity)
                rows.append(
                    {
                        "id": order.id,
                        "status": order.status,
                        "total_cents": order.total_cents,
                        "lines": lines,
                    }
                )
            return rows

    # --- the scenario ---

    def run(self) -> None:
        spec = self.case.spec
        past = spec.get("history", [])
        for weeks_ago, messages in zip(range(len(past), 0, -1), past, strict=True):
            self.now = MONDAY_MORNING - timedelta(weeks=weeks_ago)
            self.transcript.append(f"-- a conversation {weeks_ago} week(s) earlier")
            self.chat(list(messages))
            self.deliver_everything()
        self.now = MONDAY_MORNING
        if past:
            self.transcript.append("-- now")
        before = {o["id"] for o in self.orders()}
        said = self.chat(list(spec["say"]))
        self.check([o for o in self.orders() if o["id"] not in before], said)

    def check(self, new: list[dict[str, Any]], said: str) -> None:
        spec, problems = self.case.spec, self.problems
        live = [o for o in new if o["status"] != OrderStatus.CANCELLED.value]
        got = sorted(str(sorted(o["lines"].items())) for o in live)
        want = sorted(
            str(sorted((k, float(v)) for k, v in w.items())) for w in spec.get("orders", [])
        )
        if got != want:
            problems.append(f"orders {[o['lines'] for o in live]} != {spec.get('orders', [])}")
        cancelled = sum(1 for o in new if o["status"] == OrderStatus.CANCELLED.value)
        if cancelled != spec.get("cancelled", 0):
            problems.append(f"cancelled {cancelled} != {spec.get('cancelled', 0)}")
        if "total_cents" in spec and [o["total_cents"] for o in live] != [spec["total_cents"]]:
            problems.append(f"total {[o['total_cents'] for o in live]} != {spec['total_cents']}")
        if "residents" in spec or "names" in spec:
            with unit_of_work(self.runtime.sessions) as session:
                names = [r.name for r in list_residents(session)]
            if "residents" in spec and len(names) != spec["residents"]:
                problems.append(f"residents {len(names)} != {spec['residents']}")
            for name in spec.get("names", []):
                if name not in names:
                    problems.append(f"no resident named {name!r} (names: {sorted(names)})")
        for text in spec.get("replies_lack", []):
            if text.lower() in said.lower():
                problems.append(f"a reply says {text!r}")
        for text in spec.get("replies_have", []):
            if text.lower() not in said.lower():
                problems.append(f"no reply says {text!r}")


@pytest.mark.parametrize("case", list(_params()))
def test_scenario(case: Case, runtime: Runtime, parser: Parser) -> None:
    play = Play(runtime=runtime, parser=parser, case=case)
    play.run()
    problems, transcript = play.problems, "\n".join(play.transcript)
    assert not problems, "; ".join(problems) + "\n" + transcript


def test_known_failing_names_existing_scenarios() -> None:
    ids = {case.id for case in CASES}
    shared_absent = not SHARED_DEV.is_file()
    stale = [
        name
        for name in sorted(known_names())
        if name not in ids and not (shared_absent and name.startswith("dev/"))
    ]
    assert not stale, f"known_failing.txt names scenarios that do not exist: {stale}"
