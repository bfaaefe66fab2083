"""Amounts in Dutch and English: number words, digits, fractions, measures and containers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from nlu._cache import BoundedCache
from nlu._morph import word_keys
from nlu._resources import Measure, Resources
from nlu._text import NUM, WORD, Token

_FRACTIONS = {"½": 0.5, "¼": 0.25, "¾": 0.75}
# Words whose container and whether they may open an amount are kept.
MAX_KEPT_WORDS = 100_000


# Not frozen: one is made for every amount read, and a frozen dataclass sets each of its
# eleven fields through object.__setattr__ (four times the cost). Never changed once made
# (dataclasses.replace makes a new one), so it hashes by value as a frozen one would.
@dataclass(slots=True, unsafe_hash=True)
class Amount:
    value: float | None  # None: no number ("kilo aardappelen" has an implicit 1)
    measure: Measure | None = None
    container: str | None = None
    pieces: bool = False  # "stuks", "pieces"
    vague: bool = False  # "een paar", "some": no number was given
    several: bool = False  # "een paar", "a few": a vague number of more than one
    approximate: bool = False  # "een stuk of 6", "een kilo of 2"
    start: int = 0
    end: int = 0
    explicit_number: bool = True
    # "een doosje van 6", "a box of ten": how many one pack holds, not how many packs.
    pack_size: float | None = None

    @property
    def count(self) -> float:
        return 1.0 if self.value is None else self.value


_BASE_ITEMS: dict[int, tuple[tuple[str, int], ...]] = {}


def _dutch_number(word: str, base: dict[str, int]) -> int | None:
    """Dutch number words are written as one word: "drieentwintig", "tweehonderdvijftig"."""
    items = _BASE_ITEMS.get(id(base))
    if items is None:
        items = _BASE_ITEMS[id(base)] = tuple(sorted(base.items()))
    return _dutch_number_cached(word, items)


@lru_cache(maxsize=4096)
def _dutch_number_cached(word: str, base_items: tuple[tuple[str, int], ...]) -> int | None:
    base = dict(base_items)
    if word in base and word != "dozijn":
        return base[word]
    for big, size in (("duizend", 1000), ("honderd", 100)):
        if big in word:
            left, _, right = word.partition(big)
            mult = 1 if not left else _dutch_number_cached(left, base_items)
            if mult is None:
                return None
            rest = 0 if not right else _dutch_number_cached(right.removeprefix("en"), base_items)
            if rest is None:
                return None
            return mult * size + rest
    if "en" in word:
        for cut in range(len(word)):
            if word.startswith("en", cut):
                unit, tens = word[:cut], word[cut + 2 :]
                u = base.get(unit)
                t = base.get(tens)
                if u is not None and t is not None and 1 <= u <= 9 and t % 10 == 0 and t >= 20:
                    return t + u
    return None


def _parse_digits(text: str) -> float | None:
    if text.isdecimal():
        return float(text)  # the common case: digits alone ("2", "250")
    text = text.replace(" ", "")
    frac = 0.0
    for sym, val in _FRACTIONS.items():
        if text.endswith(sym):
            frac = val
            text = text[: -len(sym)]
    if not text:
        return frac or None
    if "." in text and len(text.split(".")[1]) == 3:
        text = text.replace(".", "")  # "1.000" is a thousand, not one
    try:
        return float(text.replace(",", ".")) + frac
    except ValueError:
        return None


class AmountReader:
    def __init__(self, res: Resources) -> None:
        self.res = res
        self._connect = res.connect_en | res.connect_nl
        self._vague_by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in res.vague:
            self._vague_by_first.setdefault(phrase[0], []).append(phrase)
        # Per word: its container, and whether an amount can start with it at all.
        self._containers: BoundedCache[str, str | None] = BoundedCache(MAX_KEPT_WORDS)
        self._may_open: BoundedCache[str, bool] = BoundedCache(MAX_KEPT_WORDS)
        self._numbers: BoundedCache[str, int | None] = BoundedCache(MAX_KEPT_WORDS)

    def dutch_number(self, word: str) -> int | None:
        """The value of a Dutch number word ("drieentwintig"), kept per word: the cached
        reader below is keyed by the whole table of number words as well, a tuple hashed
        again on every call."""
        try:
            return self._numbers[word]
        except KeyError:
            return self._numbers.put(word, _dutch_number(word, self.res.numbers_nl))

    def number_at(self, toks: list[Token], i: int) -> tuple[float, int, bool] | None:
        """A number starting at toks[i]: (value, next index, is_article)."""
        res = self.res
        t = toks[i]
        if t.kind == NUM:
            digits = _parse_digits(t.norm)
            if digits is None:
                return None
            j = i + 1
            # "1/2", "2 1/2"
            if j + 1 < len(toks) and toks[j].norm == "/" and toks[j + 1].kind == NUM:
                den = _parse_digits(toks[j + 1].norm)
                if den:
                    return digits / den, j + 2, False
            return digits, j, False
        if t.kind != WORD:
            return None
        w = t.norm
        nxt = toks[i + 1].norm if i + 1 < len(toks) else ""
        nxt2 = toks[i + 2].norm if i + 2 < len(toks) else ""
        if w in self.res.one_and_half:
            return 1.5, i + 1, False
        if w in self.res.half:
            if nxt and (w + nxt) in res.nl_words:
                # Speech splits compounds: "half volle melk" is "halfvolle melk".
                return None
            if nxt in ("a", "an", "een") and nxt2 in self.res.dozen:
                return 6.0, i + 3, False
            if nxt in ("a", "an", "een"):
                return 0.5, i + 2, False
            if nxt == "om":  # "half om half" is a kind of mince, not an amount
                return None
            if nxt in self.res.dozen:  # "half dozijn"
                return 6.0, i + 2, False
            return 0.5, i + 1, False
        if w.endswith(("enhalf", "enhalve")):
            whole = self.dutch_number(w.rsplit("en", 1)[0])
            if whole is not None:
                return whole + 0.5, i + 1, False
        value: float
        article = w in self.res.articles
        if w in res.numbers_en:
            value = float(res.numbers_en[w])
            j = i + 1
            # "twenty one", "twenty-one", "a hundred"
            if value >= 20 and value % 10 == 0 and value < 100 and j < len(toks):
                k = j + 1 if toks[j].norm == "-" and j + 1 < len(toks) else j
                extra = res.numbers_en.get(toks[k].norm) if k < len(toks) else None
                if extra is not None and 1 <= extra <= 9:
                    value += extra
                    j = k + 1
            if j < len(toks) and toks[j].norm in ("hundred", "thousand"):
                value *= 100 if toks[j].norm == "hundred" else 1000
                j += 1
                article = False
        else:
            n = self.dutch_number(w)
            if n is None:
                return None
            value = float(n)
            j = i + 1
            # Speech writes "tweehonderd vijftig" as "twee honderd vijftig".
            if 0 < n < 100 and j < len(toks) and toks[j].norm in ("honderd", "duizend"):
                value = float(n * (100 if toks[j].norm == "honderd" else 1000))
                article = False
                j += 1
            if value in (100.0, 1000.0) or (value >= 100 and value % 100 == 0):
                rest = self.dutch_number(toks[j].norm) if j < len(toks) else None
                if rest is not None and 0 < rest < 100 and toks[j].norm not in self.res.articles:
                    value += rest
                    j += 1
        if j < len(toks) and toks[j].norm in self.res.dozen and not self._dutch_container(toks, j):
            return value * 12, j + 1, False
        # "twee en een half", "two and a half"
        if (
            j + 2 < len(toks)
            and toks[j].norm in ("en", "and")
            and toks[j + 1].norm in self.res.articles
            and toks[j + 2].norm in self.res.half
        ):
            return value + 0.5, j + 3, False
        if j < len(toks) and toks[j].norm in self.res.half and article and value == 1:
            if j + 1 < len(toks) and toks[j + 1].norm in self.res.dozen:
                return 6.0, j + 2, False  # "een half dozijn"
            return 0.5, j + 1, False
        return value, j, article

    def _dutch_container(self, toks: list[Token], j: int) -> bool:
        """'dozen' after a number is Dutch boxes only before Dutch words ("2 dozen eieren")."""
        if toks[j].norm != "dozen":
            return False
        k = j + 1
        if k < len(toks) and toks[k].kind == WORD:
            w = toks[k].norm
            return w in self.res.nl_words or (
                self.res.is_known_nl(w) and w not in self.res.en_words
            )
        return False

    def measure_at(self, toks: list[Token], i: int) -> tuple[Measure | None, str | None, bool, int]:
        """A unit, container or piece word at toks[i]: (measure, container, pieces, next)."""
        if i >= len(toks) or toks[i].kind != WORD:
            return None, None, False, i
        w = toks[i].norm
        measure = self.res.units.get(w)
        if measure is not None:
            return measure, None, False, i + 1
        if w in self.res.piece_words:
            return None, None, True, i + 1
        container = self.container(w)
        if container is not None:
            return None, container, False, i + 1
        return None, None, False, i

    def container(self, word: str) -> str | None:
        try:
            return self._containers[word]
        except KeyError:
            pass
        found = None
        for k in (word, *sorted(word_keys(word))):
            c = self.res.container_by_key.get(k)
            if c is not None:
                found = c
                break
        return self._containers.put(word, found)

    def may_open_amount(self, word: str) -> bool:
        """Whether `read` can find an amount starting at this word: a vague amount's first
        word, a number word, or a unit or container word. Every other word gives None
        whatever follows it, so `read` need not look further."""
        hit = self._may_open.get(word)
        if hit is None:
            res = self.res
            hit = (
                word in self._vague_by_first
                or word in res.one_and_half
                or word in res.half
                or word.endswith(("enhalf", "enhalve"))
                or word in res.numbers_en
                or self.dutch_number(word) is not None
                or word in res.units
                or self.container(word) is not None
            )
            self._may_open.put(word, hit)
        return hit

    def vague_at(self, toks: list[Token], i: int) -> int | None:
        for phrase in self._vague_by_first.get(toks[i].norm, ()):
            n = len(phrase)
            if i + n <= len(toks) and all([toks[i + k].norm == phrase[k] for k in range(n)]):
                return i + n
        return None

    def read(self, toks: list[Token], i: int) -> tuple[Amount, int] | None:
        """Read an amount starting at toks[i], or None when none starts there."""
        t = toks[i]
        if t.kind == WORD and not self.may_open_amount(t.norm):
            return None
        start = t.start
        vague_end = self.vague_at(toks, i) if t.norm in self._vague_by_first else None
        if vague_end is not None:
            j = vague_end
            if j < len(toks) and toks[j].norm in self.res.connect_en:
                j += 1
            measure, container, pieces, j2 = self.measure_at(toks, j)
            if measure is not None or container is not None:
                j = j2
                if j < len(toks) and toks[j].norm in self.res.connect_en:
                    j += 1
            end = toks[j - 1].end
            return Amount(
                None,
                measure,
                container,
                pieces,
                vague=True,
                several=tuple(t.norm for t in toks[i:vague_end]) in self.res.vague_several,
                start=start,
                end=end,
                explicit_number=False,
            ), j
        num = self.number_at(toks, i)
        if num is None:
            # A bare unit or container opening an item: "kilo aardappelen", "doos eieren".
            measure, container, pieces, j = self.measure_at(toks, i)
            if (measure is None and container is None) or j >= len(toks):
                return None
            if toks[j].kind != WORD or toks[j].norm in self.res.units:
                return None
            if toks[j].norm in self._connect:
                j += 1
            if (
                j >= len(toks)
                or toks[j].kind != WORD
                or toks[j].norm in self.res.stopwords
                or toks[j].norm in self.res.amount_conjunctions
            ):
                return None  # "can I order", "net als": a common word, not a container
            return Amount(
                1.0,
                measure,
                container,
                pieces,
                start=start,
                end=toks[j - 1].end,
                explicit_number=False,
            ), j
        value, j, article = num
        approximate = False
        pack_size: float | None = None
        # Multiplier: "2x", "2 x", "3 keer".
        if j < len(toks) and toks[j].norm in self.res.multipliers:
            j += 1
        measure, container, pieces, j2 = self.measure_at(toks, j)
        if (
            measure is None
            and container is None
            and not pieces
            and article
            and (j < len(toks) and toks[j].norm in ("stuk",))
        ):
            pieces, j2 = True, j + 1
        if measure is not None or container is not None or pieces:
            j = j2
            # "een kilo of 2", "een stuk of zes": Dutch for "about 2 kilos", "about six".
            said = toks[j - 1].norm
            english = t.norm in self.res.numbers_en or (
                not self.res.is_known_nl(said)
                and any(w in self.res.en_words for w in (said, said[:-1], said[:-2]))
            )
            if (
                j + 1 < len(toks)
                and toks[j].norm == "of"
                and (
                    toks[j + 1].kind == NUM
                    or toks[j + 1].norm in self.res.numbers_nl
                    or (english and toks[j + 1].norm in self.res.numbers_en)
                )
            ):
                inner = self.number_at(toks, j + 1)
                if english:
                    # "a box of 10 eggs": what the box holds; not Dutch "een doos of 3".
                    if inner is not None and not inner[2] and container is not None:
                        pack_size, j = inner[0], inner[1]
                    else:
                        j += 1
                elif inner is not None and not inner[2]:
                    value, j = inner[0], inner[1]
                    approximate = True
            elif j < len(toks) and toks[j].norm in self._connect:
                j += 1
        elif article and value == 1:
            # An article alone is "one" only before something; "een" as a pronoun is no order.
            pass
        # Positional, in the fields' order: the most common amount, read for every number.
        return Amount(
            value,
            measure,
            container,
            pieces,
            False,
            False,
            approximate,
            start,
            toks[j - 1].end,
            not article or value != 1 or measure is not None or container is not None,
            pack_size,
        ), j
