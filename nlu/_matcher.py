"""Matching the resident's words for one item against the catalogue.

A resident's word becomes a slot with alternative readings (the Dutch word, its compound
parts, its English translations, a typo correction). A product fits when every required
slot matches one of its words or compound parts; how much of the product's name is covered
decides between products. A noun that only meets a product's compound modifier ("appels"
in "appeltaart") is a weak match and never resolves on its own.

Longer than 400 lines on purpose: a slot's readings, how a reading fits a product's words,
and how fits are ranked are one scoring scheme; split apart, a change to one weight would
silently unbalance the others.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from nlu._cache import BoundedCache
from nlu._index import FUNCTION_WEIGHT, SOFT_WEIGHT, CatalogIndex, Form, Product
from nlu._morph import word_keys
from nlu._resources import ADJECTIVE, NOUN, Resources
from nlu._slips import DescribingSlips

EXACT = 0.999
CLEAR_MARGIN = 0.3
MAX_CANDIDATES = 12
SCORE_LIMIT = 48
_FILTER_BELOW = 64  # candidate sets this small are filtered product by product
# Slot readings whose products are kept per catalogue version; all go when it is full.
MAX_KEPT_SKU_SETS = 2048


@dataclass(frozen=True, slots=True)
class UMorph:
    text: str
    keys: frozenset[str]
    head: bool
    noun: bool
    part: bool = False  # a part of the resident's compound word ("kippen|soep")


# A word's slot fields in Slot's order: its readings, whether it is optional (a soft word),
# an adjective (or corrected to a describing word), a known word, a food or shop thing,
# typo-corrected, and only a slip of a describing word the language knows (the catalogue's
# words had none near).
_Analysis = tuple[list[tuple[UMorph, ...]], bool, bool, bool, bool, bool, bool]
# The lexicon's multi-word English phrases under one key: (keys of each word, Dutch phrases).
_MultiEntries = list[tuple[tuple[frozenset[str], ...], list[str]]]


@dataclass(slots=True)
class Slot:
    text: str
    norm: str
    start: int
    end: int
    alts: list[tuple[UMorph, ...]]
    optional: bool = False
    adjective: bool = False
    known: bool = True
    noun: bool = False
    fuzzy: bool = False
    # Read as a slip of a describing word of the language ("halvolle"), not of this
    # catalogue: it tells the kind of a thing named beside it, never a product alone.
    slip: bool = False
    # What the slot's norm, optional, adjective and alts follow from, for one catalogue
    # version: the word (a str), or the lexicon's phrases (a tuple). A key for matches that
    # is cheap to hash, where the readings themselves are dataclasses hashed field by field.
    reading: str | tuple[str, ...] | None = None


@dataclass(slots=True)
class Fit:
    sku: str
    score: float
    weak: bool
    exact: bool
    surface: bool
    covered_optional: int = 0
    # The resident's noun reaches the product's own name only as a compound's modifier:
    # "zalm" in "Zalm|filet" (even when "zalm" is an alias), not as in "Gerookte zalm".
    modifier_only: bool = False


@dataclass(slots=True)
class Match:
    fits: list[Fit] = field(default_factory=list)
    status: str = "unknown"  # resolved / ambiguous / unknown
    sku: str | None = None
    note: str | None = None

    @property
    def candidates(self) -> tuple[str, ...]:
        return tuple([f.sku for f in self.fits[:MAX_CANDIDATES]])


class Matcher:
    def __init__(self, res: Resources) -> None:
        self.res = res
        self._nl_by_letter: dict[str, list[str]] = {}
        for w in sorted(res.nl_words):
            if len(w) >= 3:
                self._nl_by_letter.setdefault(w[0], []).append(w)
        self._slips = DescribingSlips(res)
        self._cache: BoundedCache[tuple[tuple[int, int], str], _Analysis] = BoundedCache(50_000)
        # Matches by index stamp, container and the slots' readings: a product named again
        # in a later message is not scored against the catalogue again.
        self._matches: BoundedCache[tuple[object, ...], Match] = BoundedCache(20_000)
        # A lexicon phrase's readings, by index stamp and phrases (see phrase_slot).
        self._phrase_cache: BoundedCache[tuple[object, ...], list[tuple[UMorph, ...]]] = (
            BoundedCache(10_000)
        )
        self._multi_by_word: BoundedCache[str, tuple[_MultiEntries, ...]] = BoundedCache(100_000)
        # The products a slot's readings land in, by index stamp and reading (_slot_skus).
        self._skus_by_reading: BoundedCache[tuple[object, ...], Set[str]] = BoundedCache(
            MAX_KEPT_SKU_SETS
        )

    # -- reading the resident's words ---------------------------------------------------

    def _morphs_of_dutch(
        self, word: str, index: CatalogIndex, *, whole_head: bool = True
    ) -> list[tuple[UMorph, ...]]:
        res = self.res
        pos = res.pos(word)
        out: list[tuple[UMorph, ...]] = [(UMorph(word, word_keys(word), whole_head, pos == NOUN),)]
        parts = index.split(word)
        if parts is not None:
            morphs = []
            for j, p in enumerate(parts):
                head = j == len(parts) - 1
                morphs.append(UMorph(p, word_keys(p), head, head and res.pos(p) == NOUN, True))
            out.append(tuple(morphs))
        return out

    def _phrase_alts(self, phrase: str, index: CatalogIndex) -> list[tuple[UMorph, ...]]:
        """Readings of a Dutch phrase from the lexicon ("bruin brood", "rundergehakt")."""
        words = phrase.replace("-", " ").split()
        if len(words) == 1:
            return self._morphs_of_dutch(words[0], index)
        whole: list[UMorph] = []
        for j, w in enumerate(words):
            last = j == len(words) - 1
            whole.append(UMorph(w, word_keys(w), last, last and self.res.pos(w) == NOUN))
        return [tuple(whole)]

    def _analyse(
        self, word: str, index: CatalogIndex
    ) -> tuple[list[tuple[UMorph, ...]], bool, bool, bool, bool]:
        res = self.res
        alts = self._morphs_of_dutch(word, index)
        keys = word_keys(word)
        english = False
        seen: set[str] = set()
        for k in sorted(keys):
            for phrase in res.en_single.get(k, ()):
                if phrase not in seen:
                    seen.add(phrase)
                    english = True
                    alts.extend(self._phrase_alts(phrase, index))
        # A compound of known words is a real word: "aardbeienjam" is no typo of "aardbeien".
        known = index.is_known(word) or english or word in res.en_words or index.is_compound(word)
        fuzzy = describing = slip = False
        if not known and len(word) >= 4:
            corrected = self.correct(word, index)
            if corrected is not None and corrected != word:
                fuzzy = True
                alts.extend(self._morphs_of_dutch(corrected, index))
                known = True
                describing = self.res.pos(corrected) == ADJECTIVE
            else:
                # A slip of a describing word the language knows, sold here or not
                # ("halvolle" where only Volle melk is sold): it still tells what kind the
                # resident wants, so it is no noise to drop.
                for target in self._slips.targets(word):
                    fuzzy = known = describing = slip = True
                    alts.extend(self._morphs_of_dutch(target, index))
        return alts, known, fuzzy, describing, slip

    def correct(self, word: str, index: CatalogIndex) -> str | None:
        """The nearest catalogue or lexicon word for a typo or speech slip, if close enough."""
        cutoff = 88.0 if len(word) <= 5 else 85.0
        best: tuple[str, float] | None = None
        # The word and its plural/diminutive-stripped stems: "braatworsten" -> "braatworst".
        queries = {word} | {k for k in word_keys(word) if len(k) >= 4 and word.startswith(k[:3])}
        catalogue = index.fuzzy_choices(word[0])
        for pool in (catalogue, self._nl_by_letter.get(word[0], [])):
            if not pool:
                continue
            # A long slip of a describing word that tells products apart ("halvolle" for
            # "Halfvolle melk") is corrected to it, or the plainer product would be taken.
            describing = pool is catalogue and len(word) >= 6
            for q in sorted(queries):
                for hit in process.extract(
                    q, pool, scorer=fuzz.ratio, score_cutoff=cutoff, limit=3
                ):
                    if not self._correctable_to(hit[0], describing=describing):
                        continue
                    if best is None or hit[1] > best[1]:
                        best = (hit[0], hit[1])
                    break
        return best[0] if best else None

    def _correctable_to(self, target: str, *, describing: bool = False) -> bool:
        """A typo is corrected to a thing, never to a function word, and to a describing
        word only when `describing` allows it: "helpen" is no slip of "hele" (as in "Hele
        kip")."""
        res = self.res
        return (
            target not in res.soft
            and target not in res.stopwords
            and target not in res.negations
            and (describing or res.pos(target) != ADJECTIVE)
        )

    def slot(self, word: str, start: int, end: int, raw: str, index: CatalogIndex) -> Slot:
        key = (index.stamp, word)
        hit = self._cache.get(key) or self._cache.put(key, self._slot_fields(word, index))
        # Positional, in the fields' order (text, norm, start, end, then the word's own).
        return Slot(raw, word, start, end, *hit, word)

    def _slot_fields(self, word: str, index: CatalogIndex) -> _Analysis:
        """A slot's fields from alts to slip, which follow from the word alone."""
        res = self.res
        alts, known, fuzzy, describing, slip = self._analyse(word, index)
        noun = self._food_word(word, index)
        pos = res.pos(word)
        return (
            alts,
            word in res.soft,
            pos == ADJECTIVE or (pos is None and describing),
            known,
            noun,
            fuzzy,
            slip and pos is None,
        )

    def _food_word(self, word: str, index: CatalogIndex) -> bool:
        """Whether the word names a food or shop thing, sold here or not."""
        pos = self.res.pos(word)
        if pos is not None:
            return pos == NOUN
        # An unlisted compound of a food noun is a food word too ("melkchocolade",
        # "kaasplankje"), so the shop can say it does not sell it.
        parts = index.split(word)
        if parts is not None and self.res.pos(parts[-1]) == NOUN:
            return True
        return index.is_food_compound(word)

    def merge_multiword(self, words: list[str]) -> list[tuple[int, int, list[str]]]:
        """Multi-word English phrases from the lexicon: (first, last+1, Dutch phrases)."""
        out: list[tuple[int, int, list[str]]] = []
        kept = self._multi_by_word.get
        i = 0
        while i < len(words):
            hit: tuple[int, list[str]] | None = None
            starting = kept(words[i])
            if starting is None:
                starting = self._multi_entries(words[i])
            for entries in starting:
                for pattern, translations in entries:
                    n = len(pattern)
                    if i + n <= len(words) and all(
                        word_keys(words[i + m]) & pattern[m] for m in range(1, n)
                    ):
                        if hit is None or n > hit[0]:
                            hit = (n, translations)
                        break
            if hit is not None:
                out.append((i, i + hit[0], hit[1]))
                i += hit[0]
            else:
                i += 1
        return out

    def _multi_entries(self, word: str) -> tuple[_MultiEntries, ...]:
        """The lexicon's multi-word phrases that may start with this word, per key of it in
        sorted order (most words start none: looked up once per word, not per message)."""
        hit = self._multi_by_word.get(word)
        if hit is None:
            en_multi = self.res.en_multi
            hit = tuple(en_multi[k] for k in sorted(word_keys(word)) if k in en_multi)
            self._multi_by_word.put(word, hit)
        return hit

    def phrase_slot(
        self, phrases: list[str], text: str, start: int, end: int, index: CatalogIndex
    ) -> Slot:
        reading = tuple(phrases)
        key = (index.stamp, reading)
        alts = self._phrase_cache.get(key)
        if alts is None:
            alts = self._phrase_cache.put(key, self._phrase_slot_alts(phrases, index))
        return Slot(text, " ".join(phrases), start, end, alts, noun=True, reading=reading)

    def _phrase_slot_alts(
        self, phrases: list[str], index: CatalogIndex
    ) -> list[tuple[UMorph, ...]]:
        alts: list[tuple[UMorph, ...]] = []
        for p in phrases:
            alts.extend(self._phrase_alts(p, index))
            words = p.replace("-", " ").split()
            if len(words) == 1:
                continue
            # "bruin brood" may also be written as one word in the catalogue.
            alts.extend(self._morphs_of_dutch("".join(words), index))
        return alts

    # -- matching -------------------------------------------------------------------------

    def candidates(self, slots: list[Slot], index: CatalogIndex) -> Set[str]:
        """Products that every required slot can land in (read-only: may be an index set).

        The slot with the fewest postings is looked up; the others only filter its
        products, so a generic word ("kaas") beside a rare one costs little."""
        required = [s for s in slots if not s.optional]
        if not required:
            return set()
        if len(required) > 1:
            required.sort(key=lambda s: _postings_size(s, index))
        out = self._slot_skus(required[0], index)
        for s in required[1:]:
            if not out:
                return set()
            if len(out) <= _FILTER_BELOW:
                out = {sku for sku in out if _slot_lands(s, index, sku)}
            else:
                out = out & self._slot_skus(s, index)
        return out

    def _slot_skus(self, slot: Slot, index: CatalogIndex) -> Set[str]:
        """_slot_skus, kept per slot reading for this catalogue version: a common word
        ("rode", "kaas") names thousands of products in a large catalogue, and the union
        and intersection of its readings' postings are not made again for every message."""
        if slot.reading is None:
            return _slot_skus(slot, index)
        key = (index.stamp, slot.reading)
        hit = self._skus_by_reading.get(key)
        if hit is None:
            hit = self._skus_by_reading.put(key, _slot_skus(slot, index))
        return hit

    def fit(
        self,
        product: Product,
        slots: list[Slot],
        container: str | None,
        index: CatalogIndex,
        surface: str,
    ) -> Fit | None:
        best: Fit | None = None
        modifier_only = False
        for i, form in enumerate(product.forms):
            f = self._fit_form(product, form, slots, container, index, surface)
            if f is not None and i == 0:
                modifier_only = f.modifier_only
            if f is not None and (best is None or _rank(f) > _rank(best)):
                best = f
        if best is not None:
            best.modifier_only = modifier_only
        has_container = container is not None and any(
            (w.container == container and not w.inner)
            or (len(w.parts) > 1 and self._container_of(w.parts[0].text) == container)
            for form in product.forms
            for w in form.words
        )
        if best is not None and has_container:
            # The resident's "doos"/"bos" is in one of the product's names.
            best.covered_optional = max(best.covered_optional, 1)
        return best

    def _container_of(self, word: str) -> str | None:
        for k in (word, *sorted(word_keys(word))):
            c = self.res.container_by_key.get(k)
            if c is not None:
                return c
        return None

    def _fit_form(
        self,
        product: Product,
        form: Form,
        slots: list[Slot],
        container: str | None,
        index: CatalogIndex,
        surface: str,
    ) -> Fit | None:
        covered: set[tuple[int, int]] = set()
        weak_words: set[int] = set()
        modifier_only = False
        for s in slots:
            result = _match_slot(s, form, covered)
            if result is None:
                if s.optional:
                    continue
                return None
            cells, weak_in = result
            covered |= cells
            weak_words |= weak_in
            if not s.adjective and not s.optional and cells:
                modifier_only = modifier_only or all(
                    pi < len(form.words[wi].parts) - 1 for wi, pi in cells
                )
        # A modifier-only match is weak unless the resident also named the compound's head
        # ("coffee beans" covers both parts of "koffiebonen").
        weak = any((wi, len(form.words[wi].parts) - 1) not in covered for wi in weak_words)
        covered_optional = 0
        if container is not None:
            for wi, w in enumerate(form.words):
                if w.container == container and not w.inner and (wi, 0) not in covered:
                    covered |= {(wi, pi) for pi in range(len(w.parts))}
                    covered_optional += 1
                    break
        total = 0.0
        got = 0.0
        content_missed = False
        known = index.weights().get
        for wi, w in enumerate(form.words):
            kind = w.kind
            for pi, p in enumerate(w.parts):
                cell = (wi, pi)
                hit = cell in covered
                if kind == "content":
                    wt = known(p.canon) or index.weight(p.canon)
                    if not hit:
                        content_missed = True
                elif kind == "implied":
                    # A trait the name implies counts when the resident said it ("witte
                    # wijn" of a Chardonnay); an implied kind or an unsaid trait never does.
                    if not w.trait or not hit:
                        continue
                    wt = known(p.canon) or index.weight(p.canon)
                elif kind == "soft":
                    wt = SOFT_WEIGHT
                    if not w.pack and not hit:
                        content_missed = True
                else:
                    wt = FUNCTION_WEIGHT
                total += wt
                if hit:
                    got += wt
        score = got / total if total else 0.0
        # Exact: every word of the name is covered, but a pack description in the name
        # ("fles 0,75 l", "(bos van 10)", "literpak") the resident left out still counts.
        exact = (score >= EXACT or (got > 0 and not content_missed)) and not weak
        return Fit(
            product.entry.sku,
            score,
            weak,
            exact,
            form.text == surface,
            covered_optional,
            modifier_only,
        )

    def match(self, slots: list[Slot], container: str | None, index: CatalogIndex) -> Match:
        """The products these slots name. Worked out once per index version and readings
        (a slot's text and place in the message play no part); callers may change the
        Match they get, so each gets its own copy (the Fits in it are not changed)."""
        # A slot's reading stands for its norm, optional, adjective and alts (see Slot).
        key = (
            index.stamp,
            container,
            *[
                s.reading if s.reading is not None else (s.norm, s.optional, s.adjective, *s.alts)
                for s in slots
            ],
        )
        hit = self._matches.get(key)
        if hit is None:
            hit = self._matches.put(key, self._match(slots, container, index))
        return Match(list(hit.fits), hit.status, hit.sku, hit.note)

    def _match(self, slots: list[Slot], container: str | None, index: CatalogIndex) -> Match:
        surface = " ".join(s.norm for s in slots if not s.optional)
        skus = self.candidates(slots, index)
        if len(skus) > SCORE_LIMIT:
            # A generic word fitting thousands of products: an exact name is among the
            # shortest names, and the rest only feed the list of candidates to ask about.
            skus = set(index.shortest(skus, SCORE_LIMIT))
        fits: list[Fit] = []
        for sku in skus:
            product = index.product(sku)
            if product is None:
                continue
            f = self.fit(product, slots, container, index, surface)
            if f is not None:
                fits.append(f)
        return decide(fits)


def _postings_size(slot: Slot, index: CatalogIndex) -> int:
    total = 0
    for alt in slot.alts:
        for k in alt[0].keys:
            skus = index.skus_for_key(k)
            if skus:
                total += len(skus)
    return total


def _morph_skus(m: UMorph, index: CatalogIndex) -> Set[str]:
    # The index's own sets, not copied: callers only read them.
    return index.skus_for_keys(m.keys)


def _slot_skus(slot: Slot, index: CatalogIndex) -> Set[str]:
    found: Set[str] = frozenset()
    for alt in slot.alts:
        inner: Set[str] | None = None
        for m in alt:
            hit = _morph_skus(m, index)
            inner = hit if inner is None else inner & hit
            if not inner:
                break
        if inner:
            found = inner if not found else found | inner
    return found


def _slot_lands(slot: Slot, index: CatalogIndex, sku: str) -> bool:
    product = index.product(sku)
    if product is None:
        return False
    keys = product.keys
    # Loops, not any(all(...)): two generators per product of a large candidate set.
    for alt in slot.alts:
        for m in alt:
            if m.keys.isdisjoint(keys):
                break
        else:
            return True
    return False


def _rank(f: Fit) -> tuple[bool, float, int, bool]:
    return (not f.weak, round(f.score, 6), f.covered_optional, f.surface)


def decide(fits: list[Fit]) -> Match:
    if not fits:
        return Match()
    fits.sort(key=lambda f: (_rank(f), f.sku), reverse=True)
    strong = [f for f in fits if not f.weak]
    if not strong:
        return Match(fits, "ambiguous", note="partial_match")
    if len(strong) == 1:
        return Match(strong, "resolved", strong[0].sku)
    exact = [f for f in strong if f.exact]
    if len(exact) == 1:
        only = exact[0]
        if only.modifier_only:
            # "zalm": an alias of "Zalmfilet", but the very head of "Gerookte zalm". The
            # alias shortens a name; it does not choose between two kinds of salmon.
            heads = [f for f in strong if f is not only and not f.modifier_only]
            if heads:
                # By identity: one fit per product, so an equal fit is the same fit (and
                # comparing dataclasses field by field costs a call each).
                taken = {id(f) for f in heads}
                rest = [f for f in strong if f is not only and id(f) not in taken]
                return Match([only, *heads, *rest], "ambiguous")
        return Match(strong, "resolved", only.sku)
    if len(exact) > 1:
        # A container the resident named ("een doos eieren") outranks a bare name.
        if any(f.covered_optional for f in exact):
            exact = [f for f in exact if f.covered_optional]
            if len(exact) == 1:
                return Match(strong, "resolved", exact[0].sku)
        surface = [f for f in exact if f.surface]
        if len(surface) == 1:
            return Match(strong, "resolved", surface[0].sku)
        chosen = {id(f) for f in exact}
        return Match(exact + [f for f in strong if id(f) not in chosen], "ambiguous")
    if strong[0].score - strong[1].score >= CLEAR_MARGIN:
        return Match(strong, "resolved", strong[0].sku)
    return Match(strong, "ambiguous")


def _match_slot(
    slot: Slot, form: Form, covered: set[tuple[int, int]]
) -> tuple[set[tuple[int, int]], set[int]] | None:
    best: tuple[set[tuple[int, int]], set[int]] | None = None
    best_rank = (-1, -1)
    for alt in slot.alts:
        cells: set[tuple[int, int]] = set()
        weak: set[int] = set()
        ok = True
        for m in alt:
            target = _target(m, form, covered | cells)
            if target is None:
                ok = False
                break
            new, weak_word = target
            if weak_word is not None and m.part:
                # The head of the resident's compound is only a modifier in the product
                # name: "kippen|soep" is soup, "Soep|kip" is a chicken. Not this product.
                ok = False
                break
            cells |= new
            if weak_word is not None:
                weak.add(weak_word)
        if not ok:
            continue
        rank = (0 if weak else 1, len(cells))
        if rank > best_rank:
            best, best_rank = (cells, weak), rank
    return best


def _target(
    m: UMorph, form: Form, taken: set[tuple[int, int]]
) -> tuple[set[tuple[int, int]], int | None] | None:
    """Where a resident's morpheme lands in a product name: cells, and the word index when
    it only reached that word's modifier (a weak match)."""
    fallback: tuple[set[tuple[int, int]], int | None] | None = None
    best_part: tuple[set[tuple[int, int]], int | None] | None = None
    keys = m.keys  # overlap tested with isdisjoint: no intersection set is built
    for wi, w in enumerate(form.words):
        if w.kind == "function":
            if not keys.isdisjoint(w.keys):
                return {(wi, 0)}, None
            continue
        if not keys.isdisjoint(w.keys):
            n_parts = len(w.parts)
            # Most words are one part: no comprehension for them.
            cells = {(wi, 0)} if n_parts == 1 else {(wi, pi) for pi in range(n_parts)}
            if cells.isdisjoint(taken):
                return cells, None
            fallback = fallback or (cells, None)
            continue
        if len(w.parts) > 1:
            for pi, p in enumerate(w.parts):
                if not keys.isdisjoint(p.keys):
                    weak = (m.noun or m.part) and m.head and not p.head and not w.cut_head
                    cand = ({(wi, pi)}, wi if weak else None)
                    if (wi, pi) in taken:
                        fallback = fallback or cand
                    elif best_part is None or (best_part[1] is not None and not weak):
                        best_part = cand
    return best_part or fallback
