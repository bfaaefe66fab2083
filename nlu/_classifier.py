"""Intent classifier: multinomial naive Bayes over words, word pairs and character n-grams,
trained from the Rasa-format training data in nlu/data/nlu.yml when a parser is built."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from itertools import pairwise, repeat
from operator import itemgetter, sub, truediv
from typing import Any

import yaml

from nlu._cache import BoundedCache
from nlu._text import NUM, OTHER, WORD, Token, tokenize, within

_ENTITY_RE = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
PRODUCT = "<product>"
NUMBER = "<num>"
# Words whose terms are kept (see NaiveBayes.rank_and_count); all go when it is full.
MAX_KEPT_WORDS = 65_536
# Intents with their probabilities, the most likely first.
Ranking = tuple[tuple[str, float], ...]


def strip_entities(example: str) -> tuple[str, list[tuple[int, int]]]:
    """Rasa entity markup removed; the spans of the marked product words."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    length = 0
    for m in _ENTITY_RE.finditer(example):
        before = example[pos : m.start()]
        out.append(before)
        length += len(before)
        out.append(m.group(1))
        spans.append((length, length + len(m.group(1))))
        length += len(m.group(1))
        pos = m.end()
    out.append(example[pos:])
    return "".join(out), spans


def features(tokens: Sequence[Token], masked: Iterable[tuple[int, int]] = ()) -> list[str]:
    """Words (products and numbers masked), word pairs and character trigrams."""
    return features_of_words(feature_words(tokens, masked))


def feature_words(tokens: Sequence[Token], masked: Iterable[tuple[int, int]] = ()) -> list[str]:
    """The words the features are made of: numbers as NUMBER, a run of masked (product)
    tokens as one PRODUCT, separators left out."""
    spans = list(masked)
    words: list[str] = []
    for t in tokens:
        kind = t.kind
        if kind == NUM:
            w = NUMBER
        elif kind in (WORD, OTHER):
            w = t.norm
            if spans and within(t, spans):
                if words and words[-1] == PRODUCT:
                    continue
                w = PRODUCT
        else:
            continue
        words.append(w)
    return words


def features_of_words(words: Sequence[str]) -> list[str]:
    feats = [f"w:{w}" for w in words]
    feats += [f"b:{a}|{b}" for a, b in pairwise(words)]
    if words:
        feats.append(f"first:{words[0]}")
        feats.append(f"last:{words[-1]}")
    if len(words) <= 2:
        feats.append(f"short:{len(words)}")
    for w in words:
        if len(w) >= 4 and w != PRODUCT and w != NUMBER:
            feats += _char_grams(w)
    return feats


@lru_cache(maxsize=65536)
def _char_grams(w: str) -> tuple[str, ...]:
    """A word's character 4-grams, with "<" and ">" marking its ends."""
    padded = f"<{w}>"
    return tuple(f"c:{padded[i : i + 4]}" for i in range(len(padded) - 3))


class NaiveBayes:
    def __init__(self, examples: Mapping[str, Sequence[str]], alpha: float = 0.3) -> None:
        self.labels = sorted(examples)
        self.alpha = alpha
        self.counts: dict[str, Counter[str]] = {}
        self.totals: dict[str, int] = {}
        vocab: set[str] = set()
        n_docs = sum(len(v) for v in examples.values())
        self.prior: dict[str, float] = {}
        for label in self.labels:
            c: Counter[str] = Counter()
            for ex in examples[label]:
                text, spans = strip_entities(ex)
                c.update(features(tokenize(text), spans))
            self.counts[label] = c
            self.totals[label] = sum(c.values())
            vocab |= set(c)
            # A flattened prior: intents are not as unequal in use as in the examples.
            self.prior[label] = math.log((len(examples[label]) + n_docs) / (2 * n_docs))
        self.vocab = frozenset(vocab)
        v = len(self.vocab)
        self._denoms = [math.log(self.totals[label] + alpha * v) for label in self.labels]
        self._terms: dict[str, tuple[float, ...]] = {}
        self._priors = tuple(self.prior[label] for label in self.labels)
        # Per word: whether the examples have it, and its whole term (see rank_and_count).
        self._by_word: BoundedCache[str, tuple[bool, tuple[float, ...] | None]] = BoundedCache(
            MAX_KEPT_WORDS
        )
        # Every feature's terms up front (a few thousand), so ranking only looks them up.
        for f in sorted(self.vocab):
            self._term(f)
        # The terms of word pairs (first word -> second word -> term), and of a first and
        # a last word: looked up by the words, without making the feature strings. No
        # feature word holds "|" (a separator, never a word).
        self._pairs: dict[str, dict[str, tuple[float, ...]]] = {}
        self._firsts: dict[str, tuple[float, ...]] = {}
        self._lasts: dict[str, tuple[float, ...]] = {}
        for f, term in self._terms.items():
            kind, _, rest = f.partition(":")
            if kind == "b":
                a, _, b = rest.partition("|")
                self._pairs.setdefault(a, {})[b] = term
            elif kind == "first":
                self._firsts[rest] = term
            elif kind == "last":
                self._lasts[rest] = term

    def _term(self, f: str) -> tuple[float, ...]:
        """A feature's log-likelihood per label, worked out on first use and kept: the
        same sums as computing it for every message, without the logarithms."""
        term = self._terms.get(f)
        if term is None:
            term = tuple(
                math.log(self.counts[label].get(f, 0) + self.alpha) - self._denoms[i]
                for i, label in enumerate(self.labels)
            )
            self._terms[f] = term
        return term

    def rank(self, feats: Sequence[str]) -> Ranking:
        """The labels by probability for these features (the definition rank_and_count
        follows)."""
        # The features the examples have (all of them in _terms), in message order.
        return self._ranking(list(filter(None, map(self._terms.get, feats))))

    def rank_and_count(self, words: Sequence[str]) -> tuple[Ranking, int, int]:
        """rank(features_of_words(words)) without making the feature strings, and how many
        of the words but products and numbers there are and how many of those the examples
        have, from the same look-ups.

        A word's own term and its character grams' terms are summed once per word and kept
        (the words of messages repeat; the messages do not): a message adds one term per
        word, not one per gram. The sums are the same up to the order of float additions."""
        terms: list[tuple[float, ...]] = []
        kept = self._by_word.get
        seen = total = 0
        for w in words:
            known, whole = kept(w) or self._word_terms(w)
            if whole is not None:
                terms.append(whole)
            if w != PRODUCT and w != NUMBER:
                total += 1
                seen += known
        pairs = self._pairs.get
        for a, b in pairwise(words):
            after = pairs(a)
            if after is not None and (term := after.get(b)) is not None:
                terms.append(term)
        if words:
            if (term := self._firsts.get(words[0])) is not None:
                terms.append(term)
            if (term := self._lasts.get(words[-1])) is not None:
                terms.append(term)
        if len(words) <= 2 and (term := self._terms.get(f"short:{len(words)}")) is not None:
            terms.append(term)
        return self._ranking(terms), seen, total

    def _word_terms(self, w: str) -> tuple[bool, tuple[float, ...] | None]:
        """Whether the examples have the word itself (as the feature "w:word"), and its
        whole term: its own term and its character grams' terms summed per label (None when
        the examples have none of them)."""
        hit = self._by_word.get(w)
        if hit is None:
            get = self._terms.get
            own = get(f"w:{w}")
            parts = [own] if own is not None else []
            if len(w) >= 4 and w != PRODUCT and w != NUMBER:
                parts += filter(None, map(get, _char_grams(w)))
            whole = tuple(map(sum, zip(*parts, strict=True))) if parts else None
            hit = (own is not None, whole)
            self._by_word.put(w, hit)
        return hit

    def _ranking(self, terms: list[tuple[float, ...]]) -> Ranking:
        """The labels by probability from the terms' sums."""
        if terms:
            scores = list(map(sum, zip(*terms, strict=True), self._priors))
        else:
            scores = list(self._priors)
        top = max(scores)
        exps = list(map(math.exp, map(sub, scores, repeat(top))))
        z = sum(exps)
        # Highest first; a tie keeps the labels' order (a stable sort). A tuple of tuples
        # of strings and floats: kept, the garbage collector soon stops looking at it.
        return tuple(
            sorted(
                zip(self.labels, map(truediv, exps, repeat(z)), strict=True),
                key=itemgetter(1),
                reverse=True,
            )
        )


def load_training_data() -> dict[str, Any]:
    """The parsed nlu/data/nlu.yml (Rasa 3.x training-data format)."""
    text = (resources.files("nlu") / "data" / "nlu.yml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


def training_examples() -> dict[str, list[str]]:
    """Intent -> examples (with Rasa entity markup), for `rasa export` and the classifier."""
    out: dict[str, list[str]] = {}
    for block in load_training_data().get("nlu", []):
        intent = block.get("intent")
        if not intent:
            continue
        lines = [
            line.strip()[2:].strip()
            for line in str(block.get("examples", "")).splitlines()
            if line.strip().startswith("- ")
        ]
        out.setdefault(str(intent), []).extend(lines)
    return out
