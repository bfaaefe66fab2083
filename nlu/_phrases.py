"""Fixed word sequences found in a tokenised message (usual order, cues, closing phrases)."""

from __future__ import annotations

from collections.abc import Sequence

from nlu._text import NL, NUM, WORD, Token

Span = tuple[int, int]


class PhraseSet:
    """Phrases of folded words, indexed by their first word once, when the parser is built."""

    def __init__(self, phrases: Sequence[tuple[str, ...]]) -> None:
        self.phrases = tuple(phrases)
        # As lists, to compare with a slice of the message's words at once.
        self._by_first: dict[str, list[list[str]]] = {}
        for p in self.phrases:
            self._by_first.setdefault(p[0], []).append(list(p))
        # The words a phrase of the set starts with.
        self.firsts = frozenset(self._by_first)

    def longest_at(self, words: list[str], k: int) -> int:
        """The length of the longest phrase starting at words[k] (0 when none does)."""
        hit = 0
        for p in self._by_first.get(words[k], ()):
            n = len(p)
            if n > hit and words[k : k + n] == p:
                hit = n
        return hit

    def find(self, words: MessageWords, consumed: set[int], *, mark: bool = True) -> list[Span]:
        """Token spans of the phrases in the message, left to right, longest first; a span
        touching a consumed token is skipped. With `mark`, the spans found are consumed."""
        idx, norms = words.idx, words.norms
        spans: list[Span] = []
        firsts = self.firsts
        if firsts.isdisjoint(words.set):
            return spans  # most messages hold none of a set's first words
        k = 0
        n = len(norms)
        while k < n:
            if norms[k] not in firsts:
                k += 1
                continue
            hit = self.longest_at(norms, k)
            if hit:
                a, b = idx[k], idx[k + hit - 1] + 1
                if not any(i in consumed for i in range(a, b)):
                    spans.append((a, b))
                    if mark:
                        consumed.update(range(a, b))
                k += hit
            else:
                k += 1
        return spans


class MessageWords:
    """A message's words and their token indices, worked out once for every phrase set;
    the set of its words, for the stages that only act on certain words to see at once
    that a message has none of them (most messages); and where its numbers are, for the
    stages that only act around numbers."""

    __slots__ = ("idx", "lines", "norms", "nums", "set")

    def __init__(self, toks: Sequence[Token]) -> None:
        idx: list[int] = []
        norms: list[str] = []
        nums: list[int] = []
        lines = False
        for i, t in enumerate(toks):
            kind = t.kind
            if kind == WORD:
                idx.append(i)
                norms.append(t.norm)
            elif kind == NUM:
                nums.append(i)
            elif kind == NL:
                lines = True
        self.idx = idx
        self.norms = norms
        self.set = frozenset(norms)
        # The indices of the number tokens, in order.
        self.nums = nums
        # Whether the message has more than one line.
        self.lines = lines
