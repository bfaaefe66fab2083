"""SMS text: keep to the GSM-7 alphabet where possible, and count what a message costs.

One character outside GSM-7 ("ë", a curly quote, an emoji) switches the whole message to
UCS-2, which cuts a segment from 160 to 70 characters; for a read-back that is the difference
between two text messages and five.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Each of these is sent as an escape plus the character: it counts twice.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE_GSM, MULTI_GSM = 160, 153
SINGLE_UCS2, MULTI_UCS2 = 70, 67

_REPLACEMENTS = {
    "€": "EUR",
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2022": "-",
    "ĳ": "ij",
    "Ĳ": "IJ",
    "ç": "c",
}


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" or "UCS-2"
    count: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def to_gsm7(text: str) -> str:
    """The same words in GSM-7: accents dropped where GSM-7 lacks them, € as EUR.

    Characters with no plain-letter form (emoji, other scripts) are kept: the message then
    goes as UCS-2, which is better than losing what it says.
    """
    out: list[str] = []
    for char in text:
        if char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        elif char in GSM7_BASIC or char in GSM7_EXTENSION:
            out.append(char)
        else:
            bare = "".join(
                c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c)
            )
            out.append(bare if bare and is_gsm7(bare) else char)
    return "".join(out)


def count_segments(text: str) -> Segments:
    """How many SMS segments `text` takes; an escaped character never straddles two."""
    if is_gsm7(text):
        sizes = [2 if c in GSM7_EXTENSION else 1 for c in text]
        return Segments("GSM-7", _fill(sizes, SINGLE_GSM, MULTI_GSM), sum(sizes))
    # UTF-16: a character beyond the BMP (most emoji) is a surrogate pair, kept together.
    sizes = [2 if ord(c) > 0xFFFF else 1 for c in text]
    return Segments("UCS-2", _fill(sizes, SINGLE_UCS2, MULTI_UCS2), sum(sizes))


def _fill(sizes: list[int], single: int, multi: int) -> int:
    total = sum(sizes)
    if total <= single:
        return 1
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:
            segments, used = segments + 1, 0
        used += size
    return max(segments, math.ceil(total / multi))


def split_for_sms(text: str, *, max_segments: int) -> list[str]:
    """Texts of at most `max_segments` segments each, cut between lines where possible.

    A shop's list for a busy round is longer than one SMS can carry (Twilio takes at most
    1,600 characters); it goes out as "(1/3) ...", "(2/3) ...", "(3/3) ..." instead.
    """
    if count_segments(text).count <= max_segments:
        return [text]
    parts: list[str] = []
    current = ""
    # "(99/99) " stands in for the part prefix, so a part still fits once it is numbered.
    for line in _pieces(text, max_segments):
        candidate = f"{current}\n{line}" if current else line
        if current and count_segments("(99/99) " + candidate).count > max_segments:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current:
        parts.append(current)
    return [f"({n}/{len(parts)}) {part}" for n, part in enumerate(parts, start=1)]


def _pieces(text: str, max_segments: int) -> list[str]:
    """The text's lines; a line too long for one message is cut into pieces that fit in any
    encoding (UCS-2, every character a surrogate pair, prefix included)."""
    size = max(1, (MULTI_UCS2 * max_segments - 8) // 2)
    pieces: list[str] = []
    for line in text.splitlines():
        if count_segments("(99/99) " + line).count <= max_segments:
            pieces.append(line)
        else:
            pieces.extend(line[i : i + size] for i in range(0, len(line), size))
    return pieces
