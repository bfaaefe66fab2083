"""Builders for conversations with the bot in the demo village."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.demo_village import load_demo
from bot.dialogue import Dialogue
from bot.messages import InboundMessage, Reply
from bot.wiring import Runtime, build_dialogue
from core.database import unit_of_work
from nlu import Parser

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Monday 7 December 2026, 09:00 in Bunnik: the next round is Tuesday 8 December.
MONDAY_MORNING = datetime(2026, 12, 7, 9, 0, tzinfo=AMSTERDAM).astimezone(UTC)
JANSEN = "+31612340001"


@pytest.fixture(scope="session")
def parser() -> Parser:
    return Parser()


@pytest.fixture
def village(runtime: Runtime) -> Runtime:
    with unit_of_work(runtime.sessions) as session:
        load_demo(session, settings=runtime.settings)
    return runtime


@pytest.fixture
def dialogue(village: Runtime, parser: Parser) -> Dialogue:
    return build_dialogue(village, parser=parser)


class Talk:
    """A resident on one channel, sending messages with fresh ids."""

    _ids: Iterator[int] = itertools.count(1)

    def __init__(
        self, dialogue: Dialogue, *, sender: str = JANSEN, channel: str = "sms",
        now: datetime = MONDAY_MORNING,
    ) -> None:  # fmt: skip
        self.dialogue = dialogue
        self.sender = sender
        self.channel = channel
        self.now = now

    def message(self, text: str, **extra: object) -> InboundMessage:
        return InboundMessage(
            channel=self.channel,
            sender=self.sender,
            text=text,
            message_id=f"{self.channel}-{next(self._ids)}",
            **extra,  # type: ignore[arg-type]
        )

    def send(self, text: str, **extra: object) -> str:
        return "\n".join(r.text for r in self.replies(text, **extra))

    def replies(self, text: str, **extra: object) -> list[Reply]:
        return self.dialogue.handle(self.message(text, **extra), now=self.now)


@pytest.fixture
def talk(dialogue: Dialogue) -> Talk:
    return Talk(dialogue)
