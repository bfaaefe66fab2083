"""The tokenizer reads a text chunk by chunk between its spaces and keeps each chunk's tokens;
what it gives must be what reading the whole text at once gives, spans included."""

from __future__ import annotations

import random

import pytest

from nlu._cache import BoundedCache
from nlu._text import _tokenize, tokenize

TRICKY = [
    "",
    " ",
    "  2 broden  ",
    "2 ½ kilo",
    "2½ kilo",
    "- brood\n- kaas",
    "  -- melk",
    "kaas - 2 ons",
    "kaas  -  2 ons",
    "1. Maisbrood\n2. Appelflap",
    "groetjes,\nAns",
    "500g gehakt, 2x kaas; 1,5 liter melk!",
    "drieëntwintig croissants’s",
    "don't forget the eggs",
    "a_b c__d",
    "\t2\tbroden\r\n",
    "12345x 77",
    "“brood” (vers) [2] / 3 + 4 & 5 * 6 • 7 · 8 | 9",
]


@pytest.mark.parametrize("text", TRICKY)
def test_chunked_tokens_are_the_whole_texts(text: str) -> None:
    assert tokenize(text) == _tokenize(text)
    assert tokenize(text) == _tokenize(text)  # again, from the kept chunks


def test_chunked_tokens_on_random_texts() -> None:
    rnd = random.Random(11)
    alphabet = [*"ab cdé  \n\t12½,.-x'’:;()_/+&*\"“”•|?!E", "  ", " - ", "\n-", "2 ½", "12.5"]
    for _ in range(5000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14)))
        assert tokenize(text) == _tokenize(text), text


def test_bounded_cache_forgets_everything_when_full() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    assert cache.put("a", 1) == 1
    cache.put("b", 2)
    assert cache == {"a": 1, "b": 2}
    cache.put("c", 3)
    assert cache == {"c": 3}
