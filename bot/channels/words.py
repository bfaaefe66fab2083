"""The channels' own words (bot/templates/voice.{nl,en}.yml), loaded like bot.words.Words."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template

from bot.words import LANGUAGES


class ChannelWords:
    def __init__(self) -> None:
        env = Environment(undefined=StrictUndefined, autoescape=False)
        self._templates: dict[str, dict[str, Template]] = {}
        for language in LANGUAGES:
            source = (
                resources.files("bot")
                .joinpath("templates", f"voice.{language}.yml")
                .read_text(encoding="utf-8")
            )
            table: dict[str, str] = yaml.safe_load(source)
            self._templates[language] = {key: env.from_string(t) for key, t in table.items()}
        missing = set(self._templates["nl"]) ^ set(self._templates["en"])
        if missing:
            raise RuntimeError(f"voice templates missing in one language: {sorted(missing)}")

    def __call__(self, key: str, language: str, **values: Any) -> str:
        table = self._templates.get(language, self._templates["nl"])
        return table[key].render(**values).strip()
