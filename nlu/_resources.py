"""The packaged language data (word lists, bilingual lexicon), read once on first use."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from nlu._cache import BoundedCache
from nlu._morph import word_keys
from nlu._text import fold

NOUN = "n"
ADJECTIVE = "a"
CONTAINER = "c"
_POS_ORDER = (NOUN, CONTAINER, ADJECTIVE)
_MISSING = object()


@dataclass(frozen=True)
class Measure:
    dimension: str  # "mass" (grams) or "volume" (millilitres)
    factor: float


@dataclass(frozen=True)
class Trade:
    """A kind of shop as residents name it ("bakker"): words its shop's name holds, and
    the categories it sells, to find it in whatever catalogue."""

    names: tuple[str, ...]
    categories: tuple[str, ...]


@dataclass
class Resources:
    numbers_nl: dict[str, int]
    numbers_en: dict[str, int]
    units: dict[str, Measure]
    piece_words: frozenset[str]
    container_by_key: dict[str, str]
    stopwords: frozenset[str]
    stop_nl: frozenset[str]
    stop_en: frozenset[str]
    soft: frozenset[str]
    titles: frozenset[str]
    closers: frozenset[str]
    vague: tuple[tuple[str, ...], ...]
    vague_several: frozenset[tuple[str, ...]]
    negations: frozenset[str]
    removal_cues: tuple[tuple[str, ...], ...]
    usual_phrases: tuple[tuple[str, ...], ...]
    last_phrases: tuple[tuple[str, ...], ...]
    instead_phrases: tuple[tuple[str, ...], ...]
    removal_blockers: tuple[tuple[str, ...], ...]
    opaque_keys: frozenset[str]
    lang_nl: frozenset[str]
    lang_en: frozenset[str]
    kinds: dict[str, str]
    cut_head_keys: frozenset[str]
    answer_yes: tuple[tuple[str, ...], ...] = ()
    answer_no: tuple[tuple[str, ...], ...] = ()
    answer_needs_pause: frozenset[str] = frozenset()
    answer_letters: dict[str, str] = field(default_factory=dict)
    closing_phrases: tuple[tuple[str, ...], ...] = ()
    correction_cues: tuple[tuple[str, ...], ...] = ()
    replaced_before: frozenset[str] = frozenset()
    additive: frozenset[str] = frozenset()
    replaced_after: frozenset[str] = frozenset()
    price_cues: tuple[tuple[str, ...], ...] = ()
    availability_cues: tuple[tuple[str, ...], ...] = ()
    browse_cues: tuple[tuple[str, ...], ...] = ()
    trades: dict[str, Trade] = field(default_factory=dict)
    name_particles: frozenset[str] = frozenset()
    address_words: frozenset[str] = frozenset()
    street_ends: tuple[str, ...] = ()
    months: frozenset[str] = frozenset()
    clock_words: frozenset[str] = frozenset()
    ordinal_ends: frozenset[str] = frozenset()
    conjunctions: frozenset[str] = frozenset()
    forget_words: frozenset[str] = frozenset()
    half: frozenset[str] = frozenset()
    one_and_half: frozenset[str] = frozenset()
    multipliers: frozenset[str] = frozenset()
    articles: frozenset[str] = frozenset()
    dozen: frozenset[str] = frozenset()
    connect_en: frozenset[str] = frozenset()
    connect_nl: frozenset[str] = frozenset()
    amount_conjunctions: frozenset[str] = frozenset()
    function_words: frozenset[str] = frozenset()
    introductions: tuple[tuple[str, ...], ...] = ()
    introductions_at_start: tuple[tuple[str, ...], ...] = ()
    introductions_weak: frozenset[tuple[str, ...]] = frozenset()
    greetings: frozenset[str] = frozenset()
    thanks_words: frozenset[str] = frozenset()
    thanks_fillers: frozenset[str] = frozenset()
    portion_containers: frozenset[str] = frozenset()
    traits: dict[str, tuple[str, ...]] = field(default_factory=dict)
    closer_fillers: frozenset[str] = frozenset()
    closers_need_name: frozenset[str] = frozenset()
    order_words: frozenset[str] = frozenset()
    order_number_words: frozenset[str] = frozenset()
    order_number_marks: frozenset[str] = frozenset()
    order_verb_before: frozenset[str] = frozenset()
    order_number_after: frozenset[str] = frozenset()
    adding_cues: tuple[tuple[str, ...], ...] = ()
    adding_before_amount: frozenset[str] = frozenset()
    # English key -> Dutch phrases; multi-word English phrases by their tuple of keys.
    en_single: dict[str, list[str]] = field(default_factory=dict)
    # First word's key -> (keys of every word, Dutch phrases), longest phrases first.
    en_multi: dict[str, list[tuple[tuple[frozenset[str], ...], list[str]]]] = field(
        default_factory=dict
    )
    en_keys: set[str] = field(default_factory=set)
    # Dutch word key -> part of speech; every key of a Dutch word known to the lexicon.
    nl_pos: dict[str, str] = field(default_factory=dict)
    nl_words: set[str] = field(default_factory=set)
    # A Dutch word as the lexicon writes it -> part of speech (a noun entry wins).
    nl_word_pos: dict[str, str] = field(default_factory=dict)
    # Dutch words the lexicon has as describing words of their own ("mager", "gerookt").
    nl_adjectives: set[str] = field(default_factory=set)
    en_words: set[str] = field(default_factory=set)
    _pos_cache: BoundedCache[str, str | None] = field(
        default_factory=lambda: BoundedCache(100_000), repr=False
    )
    _known_nl_cache: BoundedCache[str, bool] = field(
        default_factory=lambda: BoundedCache(100_000), repr=False
    )

    def is_known_nl(self, word: str) -> bool:
        """Whether a key of the word is a Dutch word the lexicon knows (kept per word)."""
        hit = self._known_nl_cache.get(word)
        if hit is None:
            nl_pos = self.nl_pos
            hit = self._known_nl_cache.put(word, any(k in nl_pos for k in word_keys(word)))
        return hit

    def pos(self, word: str) -> str | None:
        """The word's part of speech: its own lexicon entry, else the most telling one of
        its stems (noun, then container, then adjective). The same answer on every run:
        the stems of one word may carry different parts of speech ("aardbeien" is the
        plural of a noun and, as "strawberry flavoured", an adjective)."""
        cached = self._pos_cache.get(word, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        out = self.nl_word_pos.get(word)
        if out is None:
            found = {p for k in word_keys(word) if (p := self.nl_pos.get(k)) is not None}
            out = next((p for p in _POS_ORDER if p in found), min(found) if found else None)
        return self._pos_cache.put(word, out)


def _words(seq: Any) -> list[str]:
    return [fold(str(w)) for w in seq]


def _phrases(seq: Any) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(_words(p)) for p in seq)


def _load() -> Resources:
    base = resources.files("nlu") / "data"
    # Every scalar a string: YAML 1.1 would read "yes", "no" and "on" as booleans.
    # libyaml's loader when installed: the same reading, ten times faster at start-up.
    loader = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
    raw = yaml.load((base / "words.yml").read_text(encoding="utf-8"), Loader=loader)
    numbers = raw["number_words"]
    units = {fold(k): Measure(str(v[0]), float(v[1])) for k, v in raw["units"].items()}
    container_by_key: dict[str, str] = {}
    for word, canonical in raw["containers"].items():
        for k in word_keys(fold(word)):
            container_by_key.setdefault(k, fold(str(canonical)))
    stop_nl = frozenset(_words(raw["stopwords"]["nl"]))
    stop_en = frozenset(_words(raw["stopwords"]["en"]))
    res = Resources(
        numbers_nl={fold(k): int(v) for k, v in numbers["nl"].items()},
        numbers_en={fold(k): int(v) for k, v in numbers["en"].items()},
        units=units,
        piece_words=frozenset(_words(raw["piece_words"])),
        container_by_key=container_by_key,
        stopwords=stop_nl | stop_en,
        stop_nl=stop_nl,
        stop_en=stop_en,
        soft=frozenset(_words(raw["soft_modifiers"])),
        titles=frozenset(_words(raw["titles"])),
        closers=frozenset(_words(raw["closers"])),
        vague=tuple(tuple(_words(p)) for p in raw["vague_amounts"]),
        vague_several=frozenset(tuple(_words(p)) for p in raw["vague_several"]),
        negations=frozenset(_words(raw["negations"]["nl"]) + _words(raw["negations"]["en"])),
        removal_cues=tuple(tuple(_words(p)) for p in raw["removal_cues"]),
        usual_phrases=tuple(tuple(_words(p)) for p in raw["usual_phrases"]),
        last_phrases=tuple(tuple(_words(p)) for p in raw["last_phrases"]),
        instead_phrases=tuple(tuple(_words(p)) for p in raw["instead_phrases"]),
        removal_blockers=tuple(tuple(_words(p)) for p in raw["removal_blockers"]),
        opaque_keys=frozenset(k for w in _words(raw["opaque"]) for k in word_keys(w)),
        lang_nl=frozenset(_words(raw["language_words"]["nl"])),
        lang_en=frozenset(_words(raw["language_words"]["en"])),
        kinds={k: fold(str(v)) for w, v in raw["kinds"].items() for k in word_keys(fold(w))},
        cut_head_keys=frozenset(k for w in _words(raw["cut_heads"]) for k in word_keys(w)),
        answer_yes=_phrases(raw["answer_yes"]),
        answer_no=_phrases(raw["answer_no"]),
        answer_needs_pause=frozenset(_words(raw["answer_needs_pause"])),
        answer_letters={fold(k): str(v) for k, v in raw["answer_letters"].items()},
        closing_phrases=_phrases(raw["closing_phrases"]),
        correction_cues=_phrases(raw["correction_cues"]),
        replaced_before=frozenset(_words(raw["replaced_before"])),
        additive=frozenset(_words(raw["additive_words"])),
        replaced_after=frozenset(_words(raw["replaced_after"])),
        price_cues=_phrases(raw["price_cues"]),
        availability_cues=_phrases(raw["availability_cues"]),
        browse_cues=_phrases(raw["browse_cues"]),
        trades={
            fold(word): Trade(tuple(_words(t["names"])), tuple(_words(t["categories"])))
            for word, t in raw["trades"].items()
        },
        name_particles=frozenset(_words(raw["name_particles"])),
        address_words=frozenset(_words(raw["address_words"])),
        street_ends=tuple(_words(raw["street_ends"])),
        months=frozenset(_words(raw["months"])),
        clock_words=frozenset(_words(raw["clock_words"])),
        ordinal_ends=frozenset(_words(raw["ordinal_ends"])),
        conjunctions=frozenset(_words(raw["conjunctions"])),
        forget_words=frozenset(_words(raw["forget_words"])),
        half=frozenset(_words(raw["amount_words"]["half"])),
        one_and_half=frozenset(_words(raw["amount_words"]["one_and_half"])),
        multipliers=frozenset(_words(raw["amount_words"]["multipliers"])),
        articles=frozenset(_words(raw["amount_words"]["articles"])),
        dozen=frozenset(_words(raw["amount_words"]["dozen"])),
        connect_en=frozenset(_words(raw["amount_words"]["connect_en"])),
        connect_nl=frozenset(_words(raw["amount_words"]["connect_nl"])),
        amount_conjunctions=frozenset(_words(raw["amount_words"]["conjunctions"])),
        function_words=frozenset(_words(raw["function_words"])),
        introductions=_phrases(raw["introductions"]),
        introductions_at_start=_phrases(raw["introductions_at_start"]),
        introductions_weak=frozenset(_phrases(raw["introductions_weak"])),
        greetings=frozenset(_words(raw["greetings"])),
        thanks_words=frozenset(_words(raw["thanks_words"])),
        thanks_fillers=frozenset(_words(raw["thanks_fillers"])),
        portion_containers=frozenset(_words(raw["portion_containers"])),
        traits={k: tuple(_words(v)) for w, v in raw["traits"].items() for k in word_keys(fold(w))},
        closer_fillers=frozenset(_words(raw["closer_fillers"])),
        closers_need_name=frozenset(_words(raw["closers_need_name"])),
        order_words=frozenset(_words(raw["order_words"])),
        order_number_words=frozenset(_words(raw["order_number_words"])),
        order_number_marks=frozenset(_words(raw["order_number_marks"])),
        order_verb_before=frozenset(_words(raw["order_verb_before"])),
        order_number_after=frozenset(_words(raw["order_number_after"])),
        adding_cues=_phrases(raw["adding_cues"]),
        adding_before_amount=frozenset(_words(raw["adding_before_amount"])),
    )
    _load_lexicon(res, (base / "lexicon.tsv").read_text(encoding="utf-8"))
    return res


def _load_lexicon(res: Resources, text: str) -> None:
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 3:
            continue
        english, dutch, pos = cols
        translations = [fold(d.strip()) for d in dutch.split(";") if d.strip()]
        for phrase in translations:
            words = phrase.replace("-", " ").split()
            if pos == ADJECTIVE and len(words) == 1:
                res.nl_adjectives.add(words[0])
            for i, w in enumerate(words):
                # In a multi-word Dutch entry only the last word is the noun ("rode ui").
                p = pos if i == len(words) - 1 else ADJECTIVE
                res.nl_words.add(w)
                if res.nl_word_pos.get(w) != NOUN:
                    res.nl_word_pos[w] = p
                for k in word_keys(w):
                    if res.nl_pos.get(k) != NOUN:
                        res.nl_pos[k] = p
        for syn in english.split(","):
            words = fold(syn.strip()).replace("-", " ").split()
            if not words:
                continue
            res.en_words.update(words)
            for w in words:
                res.en_keys.update(word_keys(w))
            if len(words) == 1:
                for k in word_keys(words[0]):
                    res.en_single.setdefault(k, [])
                    for t in translations:
                        if t not in res.en_single[k]:
                            res.en_single[k].append(t)
            else:
                pattern = tuple(word_keys(w) or frozenset({w}) for w in words)
                for k in pattern[0]:
                    res.en_multi.setdefault(k, []).append((pattern, translations))
    for entries in res.en_multi.values():
        entries.sort(key=lambda e: -len(e[0]))


_lock = threading.Lock()
_cached: Resources | None = None


def get_resources() -> Resources:
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = _load()
    return _cached
