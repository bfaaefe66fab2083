"""No message tells a resident to send one of Twilio's SMS opt-out words on its own.

On SMS, STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE and OPTOUT as the whole message
unsubscribe the number at Twilio: a resident told to "send CANCEL" to cancel an order would
stop receiving anything from us. Every template source (written and spoken, every language, the
bot's and the notices of orders/) is scanned, all branches included; "cancel order" is the
wording, and the parser understands it.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from nlu import CatalogIndex, Parser

OPT_OUT = r"(?:stop|stopall|unsubscribe|cancel|end|quit|revoke|optout)"
# An opt-out word on its own: not followed by what makes it our command ("cancel order").
_COMMAND_GOES_ON = r"\s+(?:orders?|my|the|this|that|it|bestelling|\{\{|\d)"
_ALONE = rf"{OPT_OUT}(?![\w-]|{_COMMAND_GOES_ON})"
_QUOTES = "\"'“”‘’«»"
_BARE_WORD = [
    # "cancel", 'STOP', “end” in quotes
    re.compile(rf"[{_QUOTES}]\s*{OPT_OUT}\s*[.!]?\s*[{_QUOTES}]", re.I),
    # send CANCEL, reply stop, say cancel, stuur STOP, sms stop
    re.compile(
        rf"\b(?:send|text|reply|type|write|say|sms|stuur|zeg|typ|antwoord|sms'?)"
        rf"(?:\s+(?:with|us|met|dan|just|only|alleen|the\s+word|het\s+woord))*\s*[:\"']?\s*{_ALONE}",
        re.I,
    ),
    # a command in capitals: STOP, CANCEL. (never "CANCEL ORDER")
    re.compile(
        rf"\b(?:STOP|STOPALL|UNSUBSCRIBE|CANCEL|END|QUIT|REVOKE|OPTOUT)"
        rf"(?![\w-]|(?i:{_COMMAND_GOES_ON}))"
    ),
]


def tells_bare_opt_out(text: str) -> str | None:
    """The first place where `text` asks for a bare opt-out word, or None."""
    for pattern in _BARE_WORD:
        found = pattern.search(text)
        if found:
            return found.group(0)
    return None


def _bot_templates() -> list[tuple[str, str, str]]:
    """(file, key, source) of every template of bot/templates."""
    folder = resources.files("bot").joinpath("templates")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yml"):
            table = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
            found += [(entry.name, key, str(source)) for key, source in table.items()]
    return found


def _notice_templates() -> list[tuple[str, str, str]]:
    folder = Path(str(resources.files("orders").joinpath("templates")))
    return [(p.name, "", p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.j2"))]


TEMPLATES = _bot_templates() + _notice_templates()


@pytest.mark.parametrize(
    ("name", "key", "source"),
    [
        pytest.param(name, key, source, id=f"{name}:{key}" if key else name)
        for name, key, source in TEMPLATES
    ],
)  # fmt: skip
def test_no_template_asks_for_a_bare_opt_out_word(name: str, key: str, source: str) -> None:
    assert tells_bare_opt_out(source) is None, f"{name} {key}: {tells_bare_opt_out(source)!r}"


def test_the_templates_are_found() -> None:
    names = {name for name, _, _ in TEMPLATES}
    assert {"en.yml", "voice.en.yml", "nl.yml", "voice.nl.yml", "confirmation.en.j2"} <= names


@pytest.mark.parametrize(
    "text",
    [
        'Send something to add, or "cancel".',
        "You can cancel until 20:00. Just send CANCEL.",
        "Reply STOP to stop.",
        "Or say cancel.",
        "send stop",
        "Text QUIT to end.",
        "“End” ends the conversation.",
        "Stuur STOP om af te melden.",
        "Type 'unsubscribe'",
    ],
)
def test_the_check_finds_a_bare_opt_out_word(text: str) -> None:
    assert tells_bare_opt_out(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        'Send something to add, or "cancel order".',
        "To cancel, send CANCEL ORDER.",
        "Or say cancel order.",
        "Order {{ number }} is cancelled.",
        "Cancel order {{ number }} ({{ moment }})? Send YES or NO.",
        "It can no longer be cancelled. Call {{ coordinator }}.",
        '"annuleren" stopt.',
        "Bestelling {{ number }} is geannuleerd.",
        "At the end of the round.",
        "Send cancel {{ number }} to cancel that order.",
    ],
)
def test_the_check_lets_cancel_order_through(text: str) -> None:
    assert tells_bare_opt_out(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "cancel order",
        "CANCEL ORDER",
        "cancel my order",
        "please cancel my order",
        "cancel the order",
    ],
)
def test_the_parser_understands_cancel_order(text: str) -> None:
    assert Parser().parse(text, catalog=CatalogIndex([])).intent == "cancel"
