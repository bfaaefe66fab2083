"""What residents read: templates per language in bot/templates/{nl,en}.yml."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template

LANGUAGES = ("nl", "en")


class Words:
    """Renders a message by key in the resident's language; loaded once at start-up."""

    def __init__(self) -> None:
        env = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
        self._templates: dict[str, dict[str, Template]] = {}
        for language in LANGUAGES:
            source = (
                resources.files("bot")
                .joinpath("templates", f"{language}.yml")
                .read_text(encoding="utf-8")
            )
            table: dict[str, str] = yaml.safe_load(source)
            self._templates[language] = {key: env.from_string(t) for key, t in table.items()}
        missing = set(self._templates["nl"]) ^ set(self._templates["en"])
        if missing:
            raise RuntimeError(f"templates missing in one language: {sorted(missing)}")

    def __call__(self, key: str, language: str, **values: Any) -> str:
        table = self._templates.get(language, self._templates["nl"])
        return table[key].render(**values).strip()
