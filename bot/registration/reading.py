"""Reading a registration answer: a name, a street and house number, a postcode, "help".

Pure: text in, a reading out. The word lists live in words.yml beside this module and are
loaded on first use (`lexicon()`), never at import time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml

# Punctuation around a word that is not part of it ("Wit." "hallo," "(Henk").
_EDGE = '.,;:!?"()[]{}<>*~'
_SPACES = re.compile(r"\s+")
_LETTERS = re.compile(r"[^\W\d_]{2}")
_POSTCODE = re.compile(r"(?:^|(?<=[\s,]))(\d{4})\s?([A-Za-z]{2})(?=$|[\s,.;])")
# A house number with what may follow it: 10, 10a, 10 A, 10-2, 10/2, 3 bis, 12 hs, 5 II.
_NUMBER = (
    r"\d{1,5}(?:\s?-?\s?[A-Za-z]{1,2}\b|[-/]\d{1,4}\b)?"
    r"(?:\s+(?:bis|hs|huis|boven|beneden|[IVX]{1,3}))?"
)
_DUTCH = re.compile(rf"^(?P<street>\D*?[^\W\d_]{{2}}.*?)\s*,?\s+(?P<number>{_NUMBER})$", re.I)
_UNIT = r"(?:flat|apartment|apt|unit|suite|studio)\.?\s*\d{1,4}[A-Za-z]?"
_ENGLISH = re.compile(
    rf"^(?:{_UNIT}\s*,?\s+)?(?P<number>\d{{1,5}}[A-Za-z]?(?:-\d{{1,5}})?)\s*,?\s+"
    r"(?P<street>[^\d,]*[^\W\d_]{2}[^\d,]*)$",
    re.I,
)
_BARE_NUMBER = re.compile(rf"^{_NUMBER}$", re.I)


@dataclass(frozen=True)
class Lexicon:
    """The word lists of words.yml, as sets of lower-case words and tuples of word phrases."""

    not_a_name: frozenset[str]
    fillers: tuple[tuple[str, ...], ...]
    name_lead_ins: tuple[tuple[str, ...], ...]
    name_tails: tuple[tuple[str, ...], ...]
    sentence_words: frozenset[str]
    amount_words: frozenset[str]
    tussenvoegsels: frozenset[str]
    address_lead_ins: tuple[tuple[str, ...], ...]
    street_types: frozenset[str]
    street_suffixes: tuple[str, ...]
    help: frozenset[tuple[str, ...]]
    english: frozenset[str]
    dutch: frozenset[str]


@cache
def lexicon() -> Lexicon:
    source = resources.files("bot.registration").joinpath("words.yml").read_text("utf-8")
    data: dict[str, list[str]] = yaml.safe_load(source)
    for key, entries in data.items():
        odd = [entry for entry in entries if not isinstance(entry, str)]
        if odd:  # an unquoted yes/no reads as a boolean
            raise ValueError(f"words.yml {key}: quote {odd}")

    def phrases(key: str) -> tuple[tuple[str, ...], ...]:
        found = {tuple(_keys(str(p))) or (str(p),) for p in data[key]}
        return tuple(sorted(found, key=len, reverse=True))

    def words(key: str) -> frozenset[str]:
        return frozenset(str(w).lower() for w in data[key])

    return Lexicon(
        not_a_name=words("not_a_name"),
        fillers=phrases("fillers"),
        name_lead_ins=phrases("name_lead_ins"),
        name_tails=phrases("name_tails"),
        sentence_words=words("sentence_words"),
        amount_words=words("amount_words"),
        tussenvoegsels=words("tussenvoegsels"),
        address_lead_ins=phrases("address_lead_ins"),
        street_types=words("street_types"),
        street_suffixes=tuple(str(s).lower() for s in data["street_suffixes"]),
        help=frozenset(phrases("help")),
        english=words("english"),
        dutch=words("dutch"),
    )


def tidy(text: str) -> str:
    """One line, single spaces, no punctuation at the ends (a closing "?" stays: a question)."""
    text = _SPACES.sub(" ", text.replace("’", "'")).strip()
    return text.lstrip(_EDGE + " '-").rstrip(_EDGE.replace("?", "") + " -")


def _key(word: str) -> str:
    return word.lower().replace("’", "'").strip(_EDGE)


def _keys(text: str) -> list[str]:
    return [key for key in (_key(w) for w in text.split()) if key]


def _starts(keys: Sequence[str], phrase: Sequence[str]) -> bool:
    return len(keys) >= len(phrase) and tuple(keys[: len(phrase)]) == tuple(phrase)


def _drop_leading(words: list[str], phrases: Sequence[Sequence[str]]) -> list[str]:
    """Drop the first phrase the words start with, if anything remains after it."""
    keys = [_key(w) for w in words]
    for phrase in phrases:
        if _starts(keys, phrase) and len(words) > len(phrase):
            return words[len(phrase) :]
    return words


def _drop_trailing(words: list[str], phrases: Sequence[Sequence[str]]) -> list[str]:
    keys = [_key(w) for w in words]
    for phrase in phrases:
        n = len(phrase)
        if len(words) > n and tuple(keys[-n:]) == tuple(phrase):
            return words[:-n]
    return words


def _strip_lead(words: list[str], lead_ins: Sequence[Sequence[str]]) -> list[str]:
    """Greetings, yes-words and a lead-in at the start: "hallo, ja, ik ben ..." -> "..."."""
    lex = lexicon()
    while True:
        shorter = _drop_leading(_drop_leading(words, lex.fillers), lead_ins)
        if shorter == words:
            return words
        words = shorter


def is_help(text: str) -> bool:
    """ "help", "hulp", "?", "ik snap het niet", "help me please": the resident needs a person."""
    keys = tuple(_keys(text)) or ((text.strip(),) if text.strip() == "?" else ())
    return keys in lexicon().help or (len(keys) <= 4 and bool({"help", "hulp"} & set(keys)))


def guess_language(text: str, current: str) -> str:
    """English words switch to English, Dutch words to Dutch; neither keeps `current`."""
    lex = lexicon()
    keys = _keys(text)
    english = sum(key in lex.english for key in keys)
    dutch = sum(key in lex.dutch for key in keys)
    if english > dutch:
        return "en"
    if dutch > english:
        return "nl"
    return current


def read_name(text: str) -> str | None:
    """The name in an answer to "what is your name?", capitalised; None when it is none."""
    lex = lexicon()
    text = tidy(text)
    if not text or text.endswith("?") or len(text) > 120:
        return None
    words = _drop_trailing(_strip_lead(text.split(), lex.name_lead_ins), lex.name_tails)
    name = tidy(" ".join(words))
    keys = _keys(name)
    if not keys or len(keys) > 6 or not _LETTERS.search(name) or re.search(r"\d", name):
        return None
    if any(key in lex.sentence_words for key in keys):
        return None
    if all(key in lex.not_a_name or key in lex.tussenvoegsels for key in keys):
        return None
    if keys[0] in lex.amount_words or name.startswith("a "):  # "a loaf", not "A. de Vries"
        return None
    return capitalise(name)


def read_introduction(text: str) -> str | None:
    """A name the first message introduces ("Hallo, ik ben Henk de Wit"); None otherwise.

    Stricter than an answer to "what is your name?": only after a lead-in, and written with a
    capital ("ik ben benieuwd" is no name).
    """
    lex = lexicon()
    words = tidy(text).split()
    while (shorter := _drop_leading(words, lex.fillers)) != words:
        words = shorter
    keys = [_key(w) for w in words]
    for phrase in lex.name_lead_ins:
        if _starts(keys, phrase) and len(words) > len(phrase):
            rest = words[len(phrase) :]
            if not rest[0][:1].isupper():
                return None
            return read_name(" ".join(rest))
    return None


def capitalise(name: str) -> str:
    """ "henk de wit" -> "Henk de Wit"; a name written with capitals is kept as written."""
    if name != name.lower() and name != name.upper():
        return name
    tussen = lexicon().tussenvoegsels
    out = []
    for index, word in enumerate(name.lower().split()):
        if index > 0 and word in tussen:
            out.append(word)
            continue
        parts = [p[:1].upper() + p[1:] for p in word.split("-")]
        word = "-".join(parts)
        if re.match(r"^[oO]'[a-z]", word):
            word = word[:2] + word[2].upper() + word[3:]
        out.append(word)
    return " ".join(out)


@dataclass(frozen=True)
class Address:
    street: str  # street and house number as written, spaces normalised
    postcode: str | None  # as written ("3981AB"), checked later


@dataclass(frozen=True)
class Partial:
    """Not an address yet: what is missing, and the part that was given (lead-ins dropped)."""

    missing: Literal["number", "street", "both"]
    part: str = ""


def split_postcode(text: str, *, village: str = "") -> tuple[str, str | None]:
    """ "Kerkstraat 10, 3981 AB Bunnik" -> ("Kerkstraat 10", "3981 AB")."""
    matches = list(_POSTCODE.finditer(text))
    postcode = None
    if matches:
        found = matches[-1]
        after = text[found.end() :].strip(" ,.")
        if not after or not re.search(r"\d", after):
            postcode = f"{found.group(1)} {found.group(2)}"
            text = text[: found.start()]
    text = text.strip(" ,;")
    if village:
        text = re.sub(rf"\s*,?\s*\b{re.escape(village)}$", "", text, flags=re.I).strip(" ,;")
    return text, postcode


def read_address(text: str, *, village: str = "") -> Address | Partial:
    """A street and house number (Dutch or English order), with a postcode if one is given."""
    lex = lexicon()
    words = _strip_lead(tidy(text).split(), lex.address_lead_ins)
    line, postcode = split_postcode(tidy(" ".join(words)), village=village)
    line = tidy(line)
    keys = _keys(line)
    if keys and any(key in lex.sentence_words for key in keys):
        return Partial("both")
    english = _ENGLISH.match(line)
    if english and _is_street_type(english.group("street")):
        return Address(street=line, postcode=postcode)
    if _DUTCH.match(line):
        return Address(street=line, postcode=postcode)
    if _BARE_NUMBER.match(line):
        return Partial("street", line)
    if looks_like_street(line):
        return Partial("number", line)
    return Partial("both")


def _is_street_type(street: str) -> bool:
    keys = _keys(street)
    if not keys:
        return False
    lex = lexicon()
    last = keys[-1]
    return last in lex.street_types or last.endswith(lex.street_suffixes)


def looks_like_street(text: str) -> bool:
    """A street name without a number: letters, a few words, not an answer or a sentence."""
    lex = lexicon()
    keys = _keys(text)
    if not keys or len(keys) > 5 or re.search(r"\d", text) or not re.search(r"[^\W\d_]{3}", text):
        return False
    if any(key in lex.sentence_words for key in keys):
        return False
    return not all(key in lex.not_a_name for key in keys)


def is_house_number(text: str) -> bool:
    return _BARE_NUMBER.match(tidy(text)) is not None


def join_street(street: str, number: str) -> str:
    """A street and a number given in two messages, in the order the street's language uses."""
    street, number = tidy(street), tidy(number)
    keys = _keys(street)
    if keys and keys[-1] in lexicon().street_types:
        return f"{number} {street}"
    return f"{street} {number}"


def find_postcode(text: str) -> str | None:
    """A postcode anywhere in the answer ("3981 AB", "ik woon in 3981ab")."""
    matches = list(_POSTCODE.finditer(tidy(text)))
    return f"{matches[-1].group(1)} {matches[-1].group(2)}" if matches else None
