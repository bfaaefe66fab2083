"""What residents read and hear: templates per language, written or spoken.

Written words live in bot/templates/{nl,en}.yml. On the phone the same messages are spoken:
bot/templates/voice.{nl,en}.yml overrides what must sound different ("zeg" instead of
"stuur", no symbols) and adds what only a call says. Amounts and money are formatted by the
template filters `amount` and `euros`, in the medium's own way ("€ 3,35" / "3 euro 35").
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from jinja2 import Environment, StrictUndefined, Template, pass_context
from jinja2.runtime import Context

from orders.notices import amount as written_amount
from orders.notices import euros as written_euros

LANGUAGES = ("nl", "en")
Medium = Literal["text", "voice"]


def _load(name: str) -> dict[str, str]:
    source = resources.files("bot").joinpath("templates", name).read_text(encoding="utf-8")
    table: dict[str, str] = yaml.safe_load(source)
    return table


def spoken_amount(quantity: int, unit: str, language: str) -> str:
    """ "3", "200 gram", "1,5 kilo": what a voice reads well."""
    if unit != "kg":
        return str(quantity)
    if quantity < 1000:
        return f"{quantity} {'gram' if language == 'nl' else 'grams'}"
    kilos = f"{quantity / 1000:.3f}".rstrip("0").rstrip(".")
    return f"{kilos.replace('.', ',') if language == 'nl' else kilos} kilo"


def spoken_euros(cents: int, language: str) -> str:
    euros, rest = divmod(cents, 100)
    unit = "euro" if language == "nl" or euros == 1 else "euros"
    return f"{euros} {unit} {rest}" if rest else f"{euros} {unit}"


def _environment(medium: Medium) -> Environment:
    env = Environment(undefined=StrictUndefined, autoescape=False)

    @pass_context
    def amount(context: Context, quantity: int, unit: str) -> str:
        language = context["language"]
        if medium == "voice":
            return spoken_amount(quantity, unit, language)
        return written_amount(quantity, unit, language)

    @pass_context
    def euros(context: Context, cents: int) -> str:
        if medium == "voice":
            return spoken_euros(cents, context["language"])
        return written_euros(cents)

    env.filters["amount"] = amount
    env.filters["euros"] = euros
    return env


@cache
def _compiled() -> dict[tuple[Medium, str], dict[str, Template]]:
    """Every template compiled once per process (the packaged files do not change)."""
    templates: dict[tuple[Medium, str], dict[str, Template]] = {}
    text_env, voice_env = _environment("text"), _environment("voice")
    for language in LANGUAGES:
        written = _load(f"{language}.yml")
        spoken = {**written, **_load(f"voice.{language}.yml")}
        templates["text", language] = {
            key: text_env.from_string(source) for key, source in written.items()
        }
        templates["voice", language] = {
            key: voice_env.from_string(source) for key, source in spoken.items()
        }
    for medium in ("text", "voice"):
        missing = set(templates[medium, "nl"]) ^ set(templates[medium, "en"])
        if missing:
            raise RuntimeError(f"{medium} templates missing in one language: {sorted(missing)}")
    return templates


class Words:
    """Renders a message by key, language and medium; loaded once at start-up."""

    def __init__(self) -> None:
        self._templates = _compiled()

    def __call__(self, key: str, language: str, *, medium: Medium = "text", **values: Any) -> str:
        language = language if language in LANGUAGES else LANGUAGES[0]
        template = self._templates[medium, language][key]
        return template.render(language=language, **values).strip()
