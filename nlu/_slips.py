"""Slips of describing words. A word the catalogue and the lexicon do not know, one typing
slip away from a describing word of the language ("halvolle" for "halfvolle", "magre" for
"magere"), still tells what kind of thing the resident wants, also where the shop sells no
such kind: it is read as that word, not dropped as noise."""

from __future__ import annotations

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from nlu._morph import word_keys
from nlu._resources import NOUN, Resources

# Words this long, one edit away (a letter left out, added, changed or two swapped), or,
# for long words, as close as the catalogue's own typo correction ("biologiese").
MIN_LENGTH = 5
LONG = 8
LONG_RATIO = 85.0


class DescribingSlips:
    """Built once with the parser from the packaged language data."""

    def __init__(self, res: Resources) -> None:
        self._forms = _describing_forms(res)
        # Words of the message's own grammar are no slips ("groet" is no "groen").
        self._ordinary: frozenset[str] = frozenset().union(
            res.stopwords,
            res.closers,
            res.closer_fillers,
            res.greetings,
            res.thanks_words,
            res.thanks_fillers,
            res.titles,
            res.function_words,
            res.conjunctions,
            res.forget_words,
            res.months,
            res.clock_words,
            res.address_words,
            res.order_words,
            res.lang_nl,
            res.lang_en,
            res.numbers_nl,
            res.numbers_en,
        )

    def targets(self, word: str) -> list[str]:
        """The describing words ("halfvolle", "magere", "gerookte") that an unknown word is
        a slip of: the nearest, several only when equally near."""
        if len(word) < MIN_LENGTH or word in self._ordinary:
            return []
        best: list[str] = []
        best_rank: tuple[int, float] | None = None
        for form in self._forms.get(word[0], ()):
            if abs(len(form) - len(word)) > 2:
                continue
            dist = OSA.distance(word, form)
            ratio = fuzz.ratio(word, form)
            if dist > 1 and (len(word) < LONG or ratio < LONG_RATIO):
                continue
            rank = (-dist, ratio)
            if best_rank is None or rank > best_rank:
                best, best_rank = [form], rank
            elif rank == best_rank:
                best.append(form)
        return best


def _describing_forms(res: Resources) -> dict[str, list[str]]:
    """The lexicon's describing words and their inflected forms ("mager", "magere"), by
    first letter. Not the words that are also a food's name ("krenten", "aardbeien"), nor
    words that stand beside any product ("vers", "groot")."""
    out: dict[str, set[str]] = {}
    for word in res.nl_adjectives:
        if not word.isalpha() or any(res.nl_pos.get(k) == NOUN for k in word_keys(word)):
            continue
        for form in {word, inflected(word)}:
            if (
                len(form) >= MIN_LENGTH
                and form not in res.soft
                and form not in res.stopwords
                and form not in res.function_words
                and form not in res.negations
            ):
                out.setdefault(form[0], set()).add(form)
    return {k: sorted(v) for k, v in out.items()}


def inflected(word: str) -> str:
    """The attributive form of a Dutch adjective: "mager" -> "magere", "vol" -> "volle",
    "rood" -> "rode", "half" -> "halve", "biologisch" -> "biologische"; a form ending in
    -e, or in -en after a consonant ("belegen"), stays."""
    vowels = "aeiou"
    if len(word) < 3 or word[-1] in vowels or (word.endswith("en") and word[-3] not in vowels):
        return word
    last, vowel, before = word[-1], word[-2], word[-3]
    if vowel in vowels and before == vowel and (len(word) < 4 or word[-4] not in vowels):
        # A long vowel written double in a closed syllable: "rood" -> "rode".
        return word[:-2] + {"f": "v", "s": "z"}.get(last, last) + "e"
    if vowel in "aiou" and before not in vowels and last not in "wjh" and word[-2:] != "ig":
        # A short stressed vowel keeps its closed syllable: "vol" -> "volle".
        return word + last + "e"
    if last == "f":
        return word[:-1] + "ve"
    return word + "e"
