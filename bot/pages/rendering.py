"""Words and formatting for the pages: Dutch by default, English per user.

The words live in bot/pages/words/{nl,en}/*.yml, one file per area, as nested keys that are
read as dotted names ("admin.rounds.title"). `t("key", name=...)` fills `{name}` in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import yaml
from babel.dates import format_datetime
from fastapi import Request
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from orders.notices import amount as written_amount
from orders.notices import euros as written_euros

LANGUAGES = ("nl", "en")
_LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def _flatten(prefix: str, node: Any, into: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), value, into)
    else:
        into[prefix] = str(node)


class PageWords:
    def __init__(self) -> None:
        self._tables: dict[str, dict[str, str]] = {}
        root = resources.files("bot").joinpath("pages", "words")
        for language in LANGUAGES:
            table: dict[str, str] = {}
            for item in sorted(root.joinpath(language).iterdir(), key=lambda i: i.name):
                if item.name.endswith(".yml"):
                    _flatten("", yaml.safe_load(item.read_text(encoding="utf-8")) or {}, table)
            self._tables[language] = table

    def keys(self, language: str) -> set[str]:
        return set(self._tables[language])

    def has(self, language: str, key: str) -> bool:
        return key in self._tables.get(language, {})

    def get(self, language: str, key: str, **args: Any) -> str:
        table = self._tables.get(language) or self._tables["nl"]
        # A key missing from a language is a bug the words test catches; never a blank page.
        text = table.get(key) or self._tables["nl"][key]
        return text.format(**args) if args else text

    def language_of(self, request: Request) -> str:
        """For someone not logged in: English only when the browser prefers it over Dutch."""
        wanted = request.query_params.get("lang", "")
        if wanted in LANGUAGES:
            return wanted
        accept = request.headers.get("accept-language", "").lower()
        for part in accept.split(","):
            code = part.split(";")[0].strip()[:2]
            if code in LANGUAGES:
                return code
        return "nl"


def readable_phone(number: str | None) -> str:
    """ "+31612340001" as people write it here: "06 12340001"; anything else as it is."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, "NL")
    except phonenumbers.NumberParseException:
        return number
    if parsed.country_code != 31:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def moment(when: datetime, *, language: str, zone: ZoneInfo) -> str:
    """ "di 3 dec. 10:00": the day and time in the village's time zone."""
    return format_datetime(when.astimezone(zone), "EEE d MMM HH:mm", locale=_LOCALES[language])


def countdown(until: datetime, *, now: datetime, words: PageWords, language: str) -> str:
    left = until - now
    if left <= timedelta(0):
        return words.get(language, "common.countdown_passed")
    minutes = int(left.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return words.get(language, "common.countdown_days", days=days, hours=hours)
    return words.get(language, "common.countdown_hours", hours=hours, minutes=minutes)


def template_environment(directory: Path, *, words: PageWords, zone: ZoneInfo) -> Environment:
    env = Environment(
        loader=FileSystemLoader(directory),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    @pass_context
    def t(context: Context, key: str, **args: Any) -> str:
        return words.get(context["language"], key, **args)

    @pass_context
    def local_moment(context: Context, when: datetime | None) -> str:
        return "" if when is None else moment(when, language=context["language"], zone=zone)

    @pass_context
    def time_left(context: Context, until: datetime) -> str:
        return countdown(until, now=context["now"], words=words, language=context["language"])

    @pass_context
    def amount(context: Context, quantity: int, unit: str) -> str:
        return written_amount(quantity, unit, context["language"])

    env.globals["t"] = t
    env.filters["moment"] = local_moment
    env.filters["time_left"] = time_left
    env.filters["amount"] = amount
    env.filters["euros"] = written_euros
    env.filters["phone"] = readable_phone
    return env
