"""Tokenising with character spans, and the normalisation every comparison goes through."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from nlu._cache import BoundedCache

# Word characters include letters with diacritics; digits are split off from letters so that
# "500g", "2x" and "1kg" yield separate number and unit tokens.
_TOKEN_RE = re.compile(
    r"""
    (?P<num>\d+(?:[.,]\d+)?(?:\s?½)?|½|¼|¾)
    |(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*)
    |(?P<nl>\n+)
    |(?P<sep>[,;:.!?()\[\]/+&*•·|"“”]|\s-+\s|^\s*-+|(?<=\n)\s*-+)
    |(?P<other>[^\w\s])
    """,
    re.VERBOSE | re.UNICODE,
)

WORD = "word"
NUM = "num"
SEP = "sep"
NL = "nl"
OTHER = "other"


class Token(NamedTuple):
    """One token; immutable. A named tuple, not a frozen dataclass: one is made for every
    token of every message, and a tuple is built several times faster."""

    kind: str
    text: str
    norm: str
    start: int
    end: int
    capitalised: bool = False


def within(token: Token, spans: list[tuple[int, int]]) -> bool:
    """The token lies wholly inside one of the character spans."""
    start, end = token.start, token.end
    # A loop, not any() over a generator: this runs for every word of every message.
    for a, b in spans:  # noqa: SIM110
        if a <= start and end <= b:
            return True
    return False


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, strip diacritics ("drieëntwintig" -> "drieentwintig") and apostrophes."""
    low = text.lower()
    if low.isascii():
        return low.replace("'", "")
    decomposed = unicodedata.normalize("NFKD", low)
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    return out.replace("'", "").replace("’", "").replace("ß", "ss")


# A token made without the named tuple's own __new__ (a Python function call per token).
_new_token = tuple.__new__
# The kind of a match by the number of its group (Match.lastindex: no name looked up).
_KINDS: tuple[str, ...] = (
    OTHER,
    *(name for name, _ in sorted(_TOKEN_RE.groupindex.items(), key=lambda g: g[1])),
)
_WORD_GROUP = _TOKEN_RE.groupindex[WORD]


# Space-separated chunks whose tokens are kept (at offset 0); all go when it is full.
MAX_KEPT_CHUNKS = 65_536
_chunks: BoundedCache[str, tuple[Token, ...]] = BoundedCache(MAX_KEPT_CHUNKS)


def tokenize(text: str) -> list[Token]:
    """The tokens of a text, each with its character span.

    A text is read chunk by chunk between its spaces, and a chunk's tokens are kept: the
    words of messages repeat, the messages do not. Only a dash (" - " is a separator, a
    dash opening a line a list mark) or a "½" after "2 " makes a token cross or depend on a
    space; a text with either is read whole."""
    if "-" in text or "½" in text:
        return _tokenize(text)
    tokens: list[Token] = []
    extend = tokens.extend
    append = tokens.append
    kept = _chunks.get
    offset = 0
    for chunk in text.split(" "):
        if chunk.isdecimal():  # a bare number, new as often as not: not kept
            end = offset + len(chunk)
            append(_new_token(Token, (NUM, chunk, chunk, offset, end, False)))
            offset = end + 1
            continue
        if chunk:
            toks = kept(chunk)
            if toks is None:
                toks = _chunks.put(chunk, tuple(_tokenize(chunk)))
            if offset:
                for kind, raw, norm, start, end, capitalised in toks:
                    append(
                        _new_token(
                            Token, (kind, raw, norm, start + offset, end + offset, capitalised)
                        )
                    )
            else:
                extend(toks)
        offset += len(chunk) + 1
    return tokens


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    append = tokens.append
    for m in _TOKEN_RE.finditer(text):
        group = m.lastindex or 0
        raw = m[0]
        start, end = m.span()
        if group == _WORD_GROUP:  # most tokens: the one kind that is folded, maybe capitalised
            append(_new_token(Token, (WORD, raw, fold(raw), start, end, raw[0].isupper())))
            continue
        kind = _KINDS[group]
        if kind == SEP:
            norm = raw.strip() or raw
            if norm.startswith("-"):
                norm = "-"
        elif kind == NL:
            norm = "\n"
        elif kind == NUM:
            norm = raw.replace(" ", "")
        else:
            norm = raw
        append(_new_token(Token, (kind, raw, norm, start, end, False)))
    return tokens
