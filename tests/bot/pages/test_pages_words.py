"""The pages' words: every Dutch key has its English twin, and every key a template uses exists."""

from __future__ import annotations

import re
from pathlib import Path

from bot.pages.rendering import PageWords

TEMPLATES = Path(__file__).resolve().parents[3] / "bot" / "pages" / "templates"
# t("some.key") with a literal key; keys built at run time ("notice." ~ x) are not checked here.
_LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]*[a-z0-9_])["']\s*[,)]""")


def test_english_has_every_dutch_word_and_no_more() -> None:
    words = PageWords()
    assert words.keys("nl") - words.keys("en") == set()
    assert words.keys("en") - words.keys("nl") == set()


def test_every_word_a_template_asks_for_exists() -> None:
    words = PageWords()
    missing = {
        (template.name, key)
        for template in TEMPLATES.rglob("*.html")
        for key in _LITERAL_KEY.findall(template.read_text(encoding="utf-8"))
        if not words.has("nl", key)
    }
    assert missing == set()


def test_the_same_placeholders_in_both_languages() -> None:
    words = PageWords()
    field = re.compile(r"\{(\w+)\}")
    different = {
        key
        for key in words.keys("nl")
        if set(field.findall(words.get("nl", key))) != set(field.findall(words.get("en", key)))
    }
    assert different == set()


def test_every_bad_line_the_catalogue_names_has_words_on_the_page() -> None:
    source = (TEMPLATES.parents[2] / "catalog" / "csv_format.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'code="(\w+)"', source))
    codes |= set(re.findall(r'RowProblem\(\s*\w+,\s*(?:f?"[^"]*"|[^,]+),\s*"(\w+)"', source))
    assert {"price_text", "twice", "not_utf8", "empty", "header"} <= codes
    words = PageWords()
    missing = {c for c in codes if not words.has("nl", f"admin.catalog.upload.problem.{c}")}
    assert missing == set()
