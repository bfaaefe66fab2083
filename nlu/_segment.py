"""The second stage: the message cut into raw items, each an amount and the words after it,
by separators, conjunctions and amounts; negations and removal cues mark an item negated.
Then an amount said after its product is joined to it ("krentenbollen 4")."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from nlu._amounts import Amount, AmountReader
from nlu._cache import BoundedCache
from nlu._index import CatalogIndex
from nlu._quantities import pack_size_after
from nlu._resources import Resources
from nlu._text import NL, NUM, SEP, WORD, Token

# Punctuation, not vocabulary: how the tokenizer's separators divide a message.
_IGNORED_SEPS = frozenset({":", "(", ")", "[", "]", "*", '"', "“", "”"})
_SENTENCE_SEPS = frozenset({".", "!", "?"})
# What a word does in an item, whatever the message (see Segmenter._role).
_FORGET, _NEGATION, _STOPWORD, _CONTENT = range(4)
# Words whose role is kept; all go when it is full.
MAX_KEPT_ROLES = 100_000


@dataclass(slots=True)
class Raw:
    amount: Amount | None = None
    content: list[Token] = field(default_factory=list)
    negated: bool = False
    start: int = -1
    end: int = -1
    sep_before: str = "start"  # "start", "list", "conj", "sentence", "usual", "none"
    after_usual: bool = False

    def touch(self, t: Token) -> None:
        if self.start < 0:
            self.start = t.start
        self.end = t.end


class Segmenter:
    """Built once with the parser; keeps no state between messages."""

    def __init__(self, res: Resources, amounts: AmountReader) -> None:
        self._res = res
        self._amounts = amounts
        self._roles: BoundedCache[str, tuple[bool, bool, int]] = BoundedCache(MAX_KEPT_ROLES)

    def scan(
        self,
        toks: list[Token],
        *,
        consumed: set[int],
        usual_ends: set[int],
        cue_tokens: set[int],
        catalog: CatalogIndex,
    ) -> list[Raw]:
        """Raw items in message order. `usual_ends`: where a "the usual" phrase ends (what
        follows may restrict it); `cue_tokens`: removal cues, which negate their item."""
        res = self._res
        raws: list[Raw] = []
        cur = Raw()
        role_of = self._roles.get

        def close(sep: str) -> None:
            nonlocal cur
            if cur.content or cur.amount is not None:
                raws.append(cur)
            cur = Raw(None, [], False, -1, -1, sep)

        i = 0
        n = len(toks)
        forget_at = -1
        while i < n:
            t = toks[i]
            if usual_ends and i in usual_ends and i not in consumed:
                close("usual")
                cur.after_usual = True
            if i in consumed:
                if cur.content or cur.amount is not None:
                    close("sentence")
                i += 1
                continue
            if t.kind == NL:
                close("list")
                i += 1
                continue
            if t.kind == SEP:
                if t.norm in _IGNORED_SEPS:
                    i += 1
                    continue
                close("sentence" if t.norm in _SENTENCE_SEPS else "list")
                i += 1
                continue
            if t.kind == WORD:
                conjunction, opens, role = role_of(t.norm) or self._role(t.norm)
            else:
                conjunction, opens, role = False, t.kind == NUM, _CONTENT
            if conjunction:
                after = cur.after_usual and not cur.content and cur.amount is None
                close("conj")
                cur.after_usual = after or (
                    bool(raws) and raws[-1].after_usual and raws[-1].amount is None and not after
                )
                i += 1
                continue
            if i in cue_tokens:
                cur.negated = True
                i += 1
                continue
            if opens:
                read = self._amounts.read(toks, i)
                if read is not None:
                    amount, j = read
                    if (
                        not cur.content
                        and cur.amount is not None
                        and pack_size_after(cur.amount, amount)
                    ):
                        # "een doosje van 6 eieren", "a box of six eggs".
                        cur.amount = replace(cur.amount, pack_size=amount.value)
                        cur.end = toks[j - 1].end
                        i = j
                        continue
                    if cur.content or cur.amount is not None:
                        after = cur.after_usual and False
                        close("none")
                        cur.after_usual = after
                    cur.amount = amount
                    cur.touch(t)
                    cur.end = toks[j - 1].end
                    i = j
                    continue
            if t.kind == WORD:
                w = t.norm
                if role == _FORGET:
                    # "vergeet de kaas niet": an order, the "niet" belongs to "vergeet".
                    forget_at = len(raws)
                    i += 1
                    continue
                if role == _NEGATION:
                    nxt = toks[i + 1].norm if i + 1 < n else ""
                    if not (w == "niet" and forget_at == len(raws)) and nxt not in res.forget_words:
                        cur.negated = True
                    i += 1
                    continue
                # A common word is a product word only as a name's own word ("lever"), not as
                # the stem of one ("ben" of "Beenham", "wij" of "wijn").
                if role == _STOPWORD and not (catalog.has_key(w) and catalog.has_word(w)):
                    i += 1
                    continue
                cur.content.append(t)
                # Raw.touch, inline: this runs for every product word of every message.
                if cur.start < 0:
                    cur.start = t.start
                cur.end = t.end
            i += 1
        close("end")
        # An amount after its product: "krentenbollen 4", "kaas: 2 ons".
        merged: list[Raw] = []
        for r in raws:
            if (
                not r.content
                and r.amount is not None
                and r.sep_before in ("none", "list")
                and merged
                and merged[-1].content
                and merged[-1].amount is None
            ):
                merged[-1].amount = r.amount
                merged[-1].end = r.end
                continue
            prev = merged[-1].amount if merged and merged[-1].content else None
            if (
                not r.content
                and r.amount is not None
                and r.sep_before == "none"
                and prev is not None
                and pack_size_after(prev, r.amount)
            ):
                # "een doosje eieren van zes", "2 dozen eieren van 10".
                merged[-1].amount = replace(prev, pack_size=r.amount.value)
                merged[-1].end = r.end
                continue
            if (
                not r.content
                and r.amount is not None
                and r.amount.measure is not None
                and not r.amount.vague
                and r.sep_before == "none"
                and prev is not None
                and prev.measure is None
                and prev.container is None
                and not prev.vague
            ):
                # The size after a counted product: "een rollade van een kilo", "2 pakken
                # melk van een liter" are a kilo of rollade and 2 litres of milk.
                merged[-1].amount = replace(
                    r.amount,
                    value=prev.count * r.amount.count,
                    start=prev.start,
                    explicit_number=True,
                )
                merged[-1].end = r.end
                continue
            merged.append(r)
        return merged

    def _role(self, w: str) -> tuple[bool, bool, int]:
        """A word's part in cutting a message into items, looked up once per word: whether
        it is a conjunction, whether an amount may start with it, and whether it is a
        forget word, a negation, a stopword or may be a product's word."""
        hit = self._roles.get(w)
        if hit is None:
            res = self._res
            if w in res.forget_words:
                role = _FORGET
            elif w in res.negations:
                role = _NEGATION
            elif w in res.stopwords:
                role = _STOPWORD
            else:
                role = _CONTENT
            hit = (w in res.conjunctions, self._amounts.may_open_amount(w), role)
            self._roles.put(w, hit)
        return hit


def adds_before_amount(toks: list[Token], raws: list[Raw], *, words: frozenset[str]) -> bool:
    """Whether one of `words` ("nog", "ook") stands right before an item's amount: "kan er
    nog een brood bij", "doe er ook 2 croissants bij" add products to an order."""
    starts = {r.amount.start for r in raws if r.amount is not None}
    if not starts:
        return False
    return any(
        i + 1 < len(toks) and t.kind == WORD and t.norm in words and toks[i + 1].start in starts
        for i, t in enumerate(toks)
    )
