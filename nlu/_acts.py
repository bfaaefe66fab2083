"""What a message does besides naming products: a yes or no that opens it, a closing
phrase, a correction of amounts, a question about prices, stock or what a shop sells, an
addition to an order.

Every cue found here is consumed, so that its words ("kost", "make", "klopt") are never
read as products.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal, NamedTuple

from nlu._amounts import AmountReader
from nlu._index import CatalogIndex
from nlu._morph import word_keys
from nlu._phrases import MessageWords, PhraseSet
from nlu._resources import Resources
from nlu._text import NL, NUM, SEP, WORD, Token, fold

Answer = Literal["yes", "no"]
_QUESTION_MARK = "?"


class Acts(NamedTuple):
    """Immutable; a named tuple, made for every message, is built several times faster than
    a frozen dataclass."""

    answer: Answer | None = None
    closing: bool = False
    correction_cue: bool = False
    # "niet 4 maar 6", "in plaats van 1": the message replaces an amount it names.
    replaced: bool = False
    price: bool = False
    availability: bool = False
    browse: bool = False
    # "add a loaf to my order", "kan er een brood bij mijn bestelling?": products are added.
    adding: bool = False

    @property
    def quiet(self) -> bool:
        """Nothing but (perhaps) a replaced amount: every other field at its default."""
        return (
            self.answer is None
            and not self.closing
            and not self.correction_cue
            and not self.price
            and not self.availability
            and not self.browse
            and not self.adding
        )


NO_ACTS = Acts()


class ActReader:
    """Built once with the parser; `read` keeps no state between messages."""

    def __init__(self, res: Resources, amounts: AmountReader) -> None:
        self._res = res
        self._amounts = amounts
        self._yes = PhraseSet(res.answer_yes)
        self._no = PhraseSet(res.answer_no)
        self._closing = PhraseSet(res.closing_phrases)
        self._correction = PhraseSet(res.correction_cues)
        self._price = PhraseSet(res.price_cues)
        self._availability = PhraseSet(res.availability_cues)
        self._browse = PhraseSet(res.browse_cues)
        self._adding = PhraseSet(res.adding_cues)
        self._starts = self._yes.firsts | self._no.firsts
        # Every word an act can start with: a message with none of them has no acts.
        self._cues = frozenset().union(
            self._starts,
            res.answer_letters,
            res.replaced_before,
            *(
                p.firsts
                for p in (
                    self._closing,
                    self._correction,
                    self._price,
                    self._availability,
                    self._browse,
                    self._adding,
                )
            ),
        )

    def read(self, toks: Sequence[Token], consumed: set[int], *, words: MessageWords) -> Acts:
        if self._cues.isdisjoint(words.set):
            return NO_ACTS
        # Before the answer: "nee, niets meer" closes, its "nee" is no answer.
        closing = bool(self._closing.find(words, consumed))
        answer = self._answer(toks, consumed, words=words)
        replaced = not self._res.replaced_before.isdisjoint(words.set) and self._replaced(
            toks, consumed
        )
        correction = bool(self._correction.find(words, consumed))
        price = bool(self._price.find(words, consumed))
        browse = bool(self._browse.find(words, consumed, mark=False))
        adding = bool(self._adding.find(words, consumed))
        availability_spans = self._availability.find(words, consumed)
        asked = bool(availability_spans) and (
            any(t.norm == _QUESTION_MARK for t in toks)
            or any(_opens(toks, a) for a, _ in availability_spans)
        )
        if not (closing or answer or replaced or correction or price or browse or adding or asked):
            return NO_ACTS  # most messages: only products
        return Acts(
            None if closing else answer,
            closing,
            correction,
            replaced,
            price,
            asked,
            browse,
            adding,
        )

    def _answer(
        self, toks: Sequence[Token], consumed: set[int], *, words: MessageWords
    ) -> Answer | None:
        """A run of yes (or no) words opening the message: "ja", "ja ja", "jawel hoor"."""
        letters = self._res.answer_letters
        if not letters.keys().isdisjoint(words.set):
            said = [i for i, t in enumerate(toks) if t.kind in (WORD, NUM)]
            if len(said) == 1 and toks[said[0]].norm in letters:
                consumed.add(said[0])
                return "yes" if letters[toks[said[0]].norm] == "yes" else "no"
        kinds: set[Answer] = set()
        i = _first_content(toks, 0)
        taken: list[int] = []
        starts = self._starts
        while i < len(toks) and toks[i].kind == WORD and i not in consumed:
            if toks[i].norm not in starts:
                break  # no yes or no phrase starts here
            words_on, idx = _words_from(toks, i)
            yes = self._yes.longest_at(words_on, 0)
            no = self._no.longest_at(words_on, 0)
            n = max(yes, no)
            if not n:
                break
            end = idx[n - 1] + 1
            if n == 1 and words_on[0] in self._res.answer_needs_pause and not _pause(toks, end):
                # "no onions": a negation before a product, not an answer.
                break
            kinds.add("yes" if yes >= no else "no")
            taken.extend(range(i, end))
            i = _first_content(toks, end)
        if len(kinds) != 1:
            return None
        consumed.update(taken)
        return kinds.pop()

    def _replaced(self, toks: Sequence[Token], consumed: set[int]) -> bool:
        """ "niet 4 maar 6 broodjes", "not 4 but 6 rolls": the first amount goes."""
        res = self._res
        found = False
        for i, t in enumerate(toks):
            if t.kind != WORD or t.norm not in res.replaced_before or i + 1 >= len(toks):
                continue
            read = self._amounts.read(list(toks), i + 1)
            if read is None or read[0].vague or not read[0].explicit_number:
                continue
            j = read[1]
            while j < len(toks) and toks[j].kind == SEP and toks[j].norm == ",":
                j += 1
            if j < len(toks) and toks[j].norm in res.replaced_after:
                consumed.update(range(i, j + 1))
                found = True
        return found

    def shop(
        self, toks: Sequence[Token], consumed: set[int], *, catalog: CatalogIndex
    ) -> str | None:
        """The shop a message names, by a trade word ("bakker", "the butcher") or by a word of
        its own name that is no product word ("Van Rossum")."""
        shops = catalog.shops()
        if not shops:
            return None
        for i, t in enumerate(toks):
            if t.kind != WORD or i in consumed:
                continue
            trade = self._res.trades.get(t.norm)
            if trade is not None:
                chosen = _shop_for_trade(shops, trade.names, trade.categories)
                if chosen is not None:
                    consumed.add(i)
                    return chosen
        for i, t in enumerate(toks):
            if t.kind != WORD or i in consumed or len(t.norm) < 4 or catalog.has_key(t.norm):
                continue
            if t.norm in self._res.stopwords:
                continue
            named = [s for s in shops if t.norm in _name_words(s)]
            if len(named) == 1:
                consumed.add(i)
                return named[0]
        return None

    def category(
        self, toks: Sequence[Token], consumed: set[int], *, catalog: CatalogIndex
    ) -> tuple[str, int] | None:
        """A catalogue category a word names ("kazen", "cheese", "vlees"), and its token."""
        res = self._res
        for i, t in enumerate(toks):
            if t.kind != WORD or i in consumed or t.norm in res.stopwords:
                continue
            keys = set(word_keys(t.norm))
            for k in list(keys):
                for dutch in res.en_single.get(k, ()):
                    if " " not in dutch:
                        keys |= word_keys(dutch)
            found = catalog.category_of(keys)
            if found is not None:
                return found, i
        return None


def _first_content(toks: Sequence[Token], i: int) -> int:
    while i < len(toks) and toks[i].kind not in (WORD, NUM):
        i += 1
    return i


def _words_from(toks: Sequence[Token], i: int) -> tuple[list[str], list[int]]:
    """The words from toks[i] on up to the first pause, with their token indices."""
    words: list[str] = []
    idx: list[int] = []
    for k in range(i, len(toks)):
        if toks[k].kind != WORD:
            break
        words.append(toks[k].norm)
        idx.append(k)
    return words, idx


def _pause(toks: Sequence[Token], i: int) -> bool:
    return i >= len(toks) or toks[i].kind in (SEP, NL, NUM)


def _opens(toks: Sequence[Token], a: int) -> bool:
    """Whether a cue opens the message or a sentence ("Heeft u nog brie"), as a question does."""
    k = a - 1
    while k >= 0 and toks[k].kind not in (WORD, NUM, NL) and toks[k].norm not in ".!?":
        k -= 1
    return k < 0 or toks[k].kind == NL or toks[k].norm in ".!?"


def _name_words(shop: str) -> frozenset[str]:
    return frozenset(w for w in fold(shop).replace("-", " ").split() if len(w) >= 4)


def _shop_for_trade(
    shops: dict[str, Counter[str]], names: Sequence[str], categories: Sequence[str]
) -> str | None:
    """The one shop whose name holds a trade word, else the one that sells most of the
    trade's categories; None when that does not single out one shop."""
    by_name = [s for s in shops if any(n in fold(s) for n in names)]
    if len(by_name) == 1:
        return by_name[0]
    pool = by_name or list(shops)
    scores: dict[str, int] = {}
    for s in pool:
        sold = shops[s]
        scores[s] = sum(n for cat, n in sold.items() if any(c in cat for c in categories))
    best = max(scores.values(), default=0)
    if best <= 0:
        return None
    top = [s for s, n in scores.items() if n == best]
    return top[0] if len(top) == 1 else None
