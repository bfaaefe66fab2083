"""Dutch and English word forms reduced to comparison keys, and compound splitting.

Instead of one lemma per word (which Dutch diminutives make ambiguous: "potje" is pot+je,
"eitje" is ei+tje), a word yields a small set of candidate stems; two words are the same
word when their key sets intersect. The fold step makes open and closed syllables agree
("broden"/"brood", "dozen"/"doos", "druiven"/"druif").
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

_VOWELS = frozenset("aeiou")

# Irregular plural and diminutive forms that suffix stripping cannot reach, plus common
# spelling slips of the same words.
IRREGULAR: dict[str, str] = {
    "eieren": "ei",
    "eiren": "ei",
    "eyeren": "ei",
    "eijeren": "ei",
    "eitje": "ei",
    "eitjes": "ei",
    "eggs": "egg",
    "kinderen": "kind",
    "runderen": "rund",
    "kalveren": "kalf",
    "lammeren": "lam",
    "hoenderen": "hoen",
    "bladeren": "blad",
    "loaves": "loaf",
    "halves": "half",
    "leaves": "leaf",
    "knives": "knife",
    "potatoes": "potato",
    "tomatoes": "tomato",
    "geese": "goose",
    "mice": "mouse",
    "teeth": "tooth",
    "feet": "foot",
    "children": "child",
}

# Diminutives that name a different thing than their base: a "broodje" is a roll, not a
# loaf; a "koekje" is a biscuit, not a cake. Only the bare words (compounds such as
# "stokbroodje" still reach their base).
LEXICAL_DIMINUTIVES = frozenset({"broodje", "broodjes", "koekje", "koekjes", "puntje", "puntjes"})

# Suffix, replacement. Order does not matter: every applicable rule adds a key.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("s", ""),
    ("en", ""),
    ("n", ""),
    ("e", ""),
    ("je", ""),
    ("jes", ""),
    ("tje", ""),
    ("tjes", ""),
    ("pje", ""),
    ("pjes", ""),
    ("kje", ""),
    ("kjes", ""),
    ("etje", ""),
    ("etjes", ""),
    ("ies", "y"),
    ("es", ""),
    ("ves", "f"),
    ("ve", "f"),
    ("ze", "s"),
)


def _fold_stem(stem: str) -> str:
    """Make open/closed syllable spellings and final devoicing agree."""
    if len(stem) >= 3 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS:
        stem = stem[:-1]
    if stem.endswith("z"):
        stem = stem[:-1] + "s"
    elif stem.endswith("v"):
        stem = stem[:-1] + "f"
    # A doubled vowel before a final consonant: "brood" -> "brod", "peer" -> "per".
    if (
        len(stem) >= 4
        and stem[-1] not in _VOWELS
        and stem[-2] == stem[-3]
        and stem[-2] in "aeou"
        and stem[-4] not in _VOWELS
    ):
        stem = stem[:-2] + stem[-1]
    elif len(stem) == 3 and stem[-1] not in _VOWELS and stem[-2] == stem[-3] and stem[-2] in "aeou":
        stem = stem[1:]
    return stem


@lru_cache(maxsize=200_000)
def word_keys(word: str) -> frozenset[str]:
    """All comparison keys of a folded word (lower case, no diacritics)."""
    if not word:
        return frozenset()
    out = {_fold_stem(word), word}
    irregular = IRREGULAR.get(word)
    if irregular is not None:
        out.add(irregular)
        out.add(_fold_stem(irregular))
    if word in LEXICAL_DIMINUTIVES:
        stem = word.removesuffix("s")
        return frozenset({word, stem})
    if len(word) >= 4:
        for suffix, repl in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                stem = word[: len(word) - len(suffix)] + repl
                out.add(_fold_stem(stem))
    return frozenset(k for k in out if len(k) >= 2)


@lru_cache(maxsize=200_000)
def canon(word: str) -> str:
    """One representative key, used for document frequencies and display."""
    irregular = IRREGULAR.get(word)
    if irregular is not None:
        return _fold_stem(irregular)
    for suffix in ("etjes", "etje", "tjes", "jes", "en", "s", "je", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return _fold_stem(word[: len(word) - len(suffix)])
    return _fold_stem(word)


# Linking elements between compound parts: "kippen|dijen", "komijne|kaas", "varkens|haas".
_LINKS = ("", "s", "en", "e", "n", "er")
LINKS = _LINKS
_SHORT_PARTS = frozenset({"ei", "ui"})


def split_compound(
    word: str, known: Callable[[str], bool], *, max_parts: int = 3
) -> tuple[str, ...] | None:
    """Split a compound into known parts (modifiers first, head last), or None.

    Prefers the longest head, the Dutch compound's meaning-bearing last part.
    """
    return _split(word, known, max_parts)


def _known_part(part: str, known: Callable[[str], bool]) -> bool:
    if len(part) < 3 and part not in _SHORT_PARTS:
        return False
    return known(part)


def _split(word: str, known: Callable[[str], bool], max_parts: int) -> tuple[str, ...] | None:
    n = len(word)
    for cut in range(2, n - 1):
        head = word[cut:]
        if not _known_part(head, known):
            continue
        left = word[:cut]
        for link in _LINKS:
            if link and not left.endswith(link):
                continue
            base = left[: len(left) - len(link)] if link else left
            if _known_part(base, known):
                return (left, head)
            if max_parts > 2 and len(base) >= 6:
                inner = _split(base, known, max_parts - 1)
                if inner is not None:
                    return (*inner[:-1], inner[-1] + link, head)
    return None
