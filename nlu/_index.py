"""The catalogue as the parser sees it: products analysed into words and compound parts,
with an inverted index from word keys to products, kept up to date one product at a time.

Longer than 400 lines on purpose: the analysis of a product's names and the postings it
feeds must change together (an upsert undoes exactly what the analysis added), so they stay
in one class rather than being split where a change could miss its counterpart.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from nlu._cache import BoundedCache
from nlu._morph import LINKS, canon, split_compound, word_keys
from nlu._resources import ADJECTIVE, NOUN, Resources, get_resources
from nlu._text import fold
from nlu._types import CatalogEntry

SOFT_WEIGHT = 0.3
# Joined words whose answer (has_word_key) is kept per version; all go when it is full.
MAX_KEPT_JOINED = 65_536
_VOWELS = frozenset("aeiouy")
FUNCTION_WEIGHT = 0.05
_WORD_RE = re.compile(r"[a-z]+|\d+(?:[.,]\d+)?")
# A number of its own for every index ever built: caches keyed by it never mistake a new
# index for an old one that happened to live at the same address.
_INDEX_IDS = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    keys: frozenset[str]
    canon: str
    head: bool


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    keys: frozenset[str]
    parts: tuple[Part, ...]
    kind: str  # "content", "soft" (container), "function", "implied" (a variety's kind)
    container: str | None
    cut_head: bool = False
    pack: bool = False  # a container word that describes the pack ("fles 0,75 l")
    # A container counted inside the pack ("krat 24 flesjes"): what the pack holds, not
    # what it is; a resident's "flesjes" names the single bottle, not the crate.
    inner: bool = False
    # An implied word from the variety's traits ("wit" of a Chardonnay), not its kind.
    trait: bool = False


@dataclass(frozen=True, slots=True)
class Form:
    text: str
    words: tuple[Word, ...]
    alias: bool


@dataclass(frozen=True, slots=True)
class Pack:
    """What one piece of a product holds, read from its name ("doos van 10", "1 liter")."""

    dimension: str  # "count", "mass" (g), "volume" (ml)
    amount: float


@dataclass(frozen=True, slots=True)
class Product:
    entry: CatalogEntry
    forms: tuple[Form, ...]
    pack: Pack | None
    category_keys: frozenset[str]
    keys: frozenset[str]


_PACK_COUNT = (
    re.compile(r"(\d+)\s*(?:stuks?|st|stk|pcs|pieces?)\b"),
    re.compile(
        r"\b(?:doos|doosje|pak|pakje|zak|zakje|tray|net|netje|bos|bosje|bak|bakje|krat|set"
        r"|verpakking|pack|box|bag|schaal|schaaltje|rol)\s+(?:van|a|met|of)?\s*(\d+)\b"
        r"(?!\s*(?:g|gr|gram|kg|kilo|ml|cl|l|liter|litre|cm|mm)\b)"
    ),
    re.compile(r"(\d+)\s*-?\s*(?:pack|pak)\b"),
    re.compile(r"\b(\d+)\s*x\b"),
    # "Pistolets (per 4)", "per 6": a price per pack of that many.
    re.compile(r"\bper\s+(\d+)\b(?!\s*(?:g|gr|gram|kg|kilo|ml|cl|l|liter|litre|cm|mm)\b)"),
)
_PACK_MEASURE = re.compile(r"(\d+(?:[.,]\d+)?)\s*(g|gr|gram|kg|kilo|ml|cl|dl|l|ltr|liter|litre)\b")
_MEASURE_UNITS = {
    "g": ("mass", 1.0),
    "gr": ("mass", 1.0),
    "gram": ("mass", 1.0),
    "kg": ("mass", 1000.0),
    "kilo": ("mass", 1000.0),
    "ml": ("volume", 1.0),
    "cl": ("volume", 10.0),
    "dl": ("volume", 100.0),
    "l": ("volume", 1000.0),
    "ltr": ("volume", 1000.0),
    "liter": ("volume", 1000.0),
    "litre": ("volume", 1000.0),
}


# A measure named without digits: "literpak", "halve liter", "kilozak", "pondje".
_PACK_WORD = re.compile(
    r"(?<!per )\b(halve\s+|anderhalve\s+)?(liter|litre|kilo|pond)(?:pak|fles|zak|doos|emmer|je)?\b"
)
_PACK_FOLLOWS = re.compile(r"\s*(?:van\s+|a\s+|met\s+|of\s+)?\d")
_AFTER_COUNT = re.compile(r"\d\s*(?:x\s*)?$")
_MEASURED_CONTAINER = re.compile(r"(?:liter|litre|kilo|pond)(pak|fles|zak|doos|emmer)")
_PACK_WORD_SIZE = {
    **{word: _MEASURE_UNITS[word] for word in ("liter", "litre", "kilo")},
    "pond": ("mass", 500.0),
}


# A weight given as "ca. 350 gr" or "per stuk": what one piece weighs, not a pack to fill.
_APPROXIMATE = re.compile(
    r"(?:\b(?:ca|circa|ongeveer|approx|approximately|about|around|plm)\b\.?|[±~])\s*$"
)
_PER_PIECE = re.compile(r"\bper\s+(?:stuk|stuks|piece|st)\b")


def parse_pack(name: str) -> Pack | None:
    text = fold(name)
    for pattern in _PACK_COUNT:
        m = pattern.search(text)
        if m and int(m.group(1)) > 1:
            return Pack("count", float(m.group(1)))
    m = _PACK_MEASURE.search(text)
    if m and (_APPROXIMATE.search(text, 0, m.start()) or _PER_PIECE.search(text)):
        # "Eendenborst (per stuk ca. 350 gr)", "Hele kip (ca. 1,4 kg)": one thing of about
        # that weight; a count of them is a count of pieces.
        return None
    if m:
        dimension, factor = _MEASURE_UNITS[m.group(2)]
        return Pack(dimension, float(m.group(1).replace(",", ".")) * factor)
    w = _PACK_WORD.search(text)
    if w:
        dimension, size = _PACK_WORD_SIZE[w.group(2)]
        scale = {"halve": 0.5, "anderhalve": 1.5}.get((w.group(1) or "").strip(), 1.0)
        return Pack(dimension, size * scale)
    return None


class CatalogIndex:
    """Read-only catalogue view for the parser, with incremental add, rename and remove.

    Lookups go through an inverted index (word key -> products) so a parse touches only
    the products that share a word with the message, whatever the catalogue's size.
    """

    def __init__(self, entries: Iterable[CatalogEntry] = ()) -> None:
        self._res: Resources = get_resources()
        self._products: dict[str, Product] = {}
        self._postings: dict[str, set[str]] = defaultdict(set)
        self._category: dict[str, set[str]] = defaultdict(set)
        # Shop -> category -> products: what a shop sells, for "wat heeft de bakker?".
        self._shops: dict[str, Counter[str]] = defaultdict(Counter)
        self._df: Counter[str] = Counter()
        self._vocab_keys: Counter[str] = Counter()
        self._fuzzy_words: dict[str, Counter[str]] = defaultdict(Counter)
        self._fuzzy_lists: dict[str, list[str]] = {}
        # Content words in a product's shortest name: small names first when a generic word
        # ("melk") fits thousands of products.
        self._size: dict[str, int] = {}
        self._weights: dict[str, float] = {}
        self._weights_version = -1
        # has_word_key's answers, for this version only.
        self._joined: BoundedCache[str, bool] = BoundedCache(MAX_KEPT_JOINED)
        self._joined_version = -1
        # Products under any of several keys (a word's stems), for this version only.
        self._unions: BoundedCache[frozenset[str], AbstractSet[str]] = BoundedCache(4096)
        self._unions_version = -1
        self.version = 0
        self.uid = next(_INDEX_IDS)
        # This index at this version: a key for anything worked out from its contents
        # (every upsert or remove makes a new stamp, so nothing cached under an old one is
        # used again). An attribute, not a property: it is read several times a parse.
        self.stamp: tuple[int, int] = (self.uid, self.version)
        batch = list(entries)
        # Seed the compound vocabulary with every name first, so that splitting a name
        # does not depend on the order of the rows.
        for entry in batch:
            for text in (entry.name, *entry.aliases):
                for w in _WORD_RE.findall(fold(text)):
                    for k in word_keys(w):
                        self._vocab_keys[k] += 1
        for entry in batch:
            self.upsert(entry)
        for entry in batch:
            for text in (entry.name, *entry.aliases):
                for w in _WORD_RE.findall(fold(text)):
                    for k in word_keys(w):
                        self._vocab_keys[k] -= 1
        self._vocab_keys += Counter()

    # -- public API ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._products)

    def __contains__(self, sku: object) -> bool:
        return sku in self._products

    def __iter__(self) -> Iterator[CatalogEntry]:
        return (p.entry for p in self._products.values())

    def get(self, sku: str) -> CatalogEntry | None:
        product = self._products.get(sku)
        return product.entry if product is not None else None

    def upsert(self, entry: CatalogEntry) -> None:
        """Add a product, or replace the one with the same SKU (a rename, new aliases)."""
        if entry.sku in self._products:
            self.remove(entry.sku)
        product = self._analyse(entry)
        self._products[entry.sku] = product
        self._size[entry.sku] = min(
            (sum(1 for w in f.words if w.kind == "content") for f in product.forms), default=0
        )
        for k in product.keys:
            self._postings[k].add(entry.sku)
        for k in product.category_keys:
            self._category[k].add(entry.sku)
        self._shops[entry.shop][fold(entry.category or "")] += 1
        for c in self._canons(product):
            self._df[c] += 1
        for w in self._vocab_words(product):
            self._fuzzy_words[w[0]][w] += 1
            self._fuzzy_lists.pop(w[0], None)
            for k in word_keys(w):
                self._vocab_keys[k] += 1
        self._changed()

    def remove(self, sku: str) -> None:
        product = self._products.pop(sku, None)
        if product is None:
            return
        self._size.pop(sku, None)
        for k in product.keys:
            skus = self._postings.get(k)
            if skus is not None:
                skus.discard(sku)
                if not skus:
                    del self._postings[k]
        for k in product.category_keys:
            skus = self._category.get(k)
            if skus is not None:
                skus.discard(sku)
                if not skus:
                    del self._category[k]
        sold = self._shops.get(product.entry.shop)
        if sold is not None:
            sold[fold(product.entry.category or "")] -= 1
            if sold[fold(product.entry.category or "")] <= 0:
                del sold[fold(product.entry.category or "")]
            if not sold:
                del self._shops[product.entry.shop]
        for c in self._canons(product):
            self._df[c] -= 1
            if self._df[c] <= 0:
                del self._df[c]
        for w in self._vocab_words(product):
            bucket = self._fuzzy_words[w[0]]
            bucket[w] -= 1
            if bucket[w] <= 0:
                del bucket[w]
            self._fuzzy_lists.pop(w[0], None)
            for k in word_keys(w):
                self._vocab_keys[k] -= 1
                if self._vocab_keys[k] <= 0:
                    del self._vocab_keys[k]
        self._changed()

    def _changed(self) -> None:
        self.version += 1
        self.stamp = (self.uid, self.version)

    # -- used by the matcher ------------------------------------------------------------

    def product(self, sku: str) -> Product | None:
        return self._products.get(sku)

    def skus_for_key(self, key: str) -> set[str] | None:
        return self._postings.get(key)

    def skus_for_keys(self, keys: frozenset[str]) -> AbstractSet[str]:
        """The products under any of these keys. Read-only: it may be the index's own set,
        or a union kept until the catalogue next changes (a generic word's stems can name
        thousands of products, so their union is not built again for every message)."""
        sets = [p for k in keys if (p := self._postings.get(k))]
        if not sets:
            return frozenset()
        if len(sets) == 1:
            return sets[0]
        if self._unions_version != self.version:
            self._unions = BoundedCache(4096)
            self._unions_version = self.version
        hit = self._unions.get(keys)
        if hit is None:
            hit = self._unions.put(keys, set().union(*sets))
        return hit

    def skus_for_category(self, keys: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for k in keys:
            out |= self._category.get(k, set())
        return out

    def shops(self) -> dict[str, Counter[str]]:
        """Shop name -> how many products it sells per (folded) category; "" for none."""
        return self._shops

    def category_of(self, keys: Iterable[str]) -> str | None:
        """The category value (as the catalogue writes it) that these word keys name, the
        one with the most products when several do."""
        skus = self.skus_for_category(keys)
        if not skus:
            return None
        counts = Counter(e.category for s in skus if (e := self.get(s)) is not None and e.category)
        return counts.most_common(1)[0][0] if counts else None

    def has_word(self, word: str) -> bool:
        """Whether a product name or alias has this very word (not only a word it stems to)."""
        bucket = self._fuzzy_words.get(word[:1])
        return bucket is not None and bucket[word] > 0

    def has_word_key(self, word: str) -> bool:
        """Whether any comparison key of the word is a product's key (kept per version: a
        message's neighbouring words are tried joined, "krenten bollen")."""
        if self._joined_version != self.version:
            self._joined = BoundedCache(MAX_KEPT_JOINED)
            self._joined_version = self.version
        hit = self._joined.get(word)
        if hit is None:
            postings = self._postings
            hit = self._joined.put(word, any(k in postings for k in word_keys(word)))
        return hit

    def has_key(self, key: str) -> bool:
        return key in self._postings

    def weights(self) -> dict[str, float]:
        """The weights worked out so far for this version (read-only; `weight` adds one),
        so that a loop over a name's parts looks most of them up without a call."""
        if self._weights_version != self.version:
            self._weights = {}
            self._weights_version = self.version
        return self._weights

    def weight(self, part_canon: str) -> float:
        if self._weights_version != self.version:
            self._weights = {}
            self._weights_version = self.version
        w = self._weights.get(part_canon)
        if w is None:
            df = self._df.get(part_canon, 0)
            w = math.log(1.0 + (len(self._products) + 1) / (df + 1)) + 0.5
            self._weights[part_canon] = w
        return w

    def shortest(self, skus: AbstractSet[str], limit: int) -> list[str]:
        """The `limit` products with the fewest content words in a name."""
        return heapq.nsmallest(limit, skus, key=self._size.__getitem__)

    def is_known(self, word: str) -> bool:
        return any(k in self._vocab_keys or k in self._res.nl_pos for k in word_keys(word))

    def fuzzy_choices(self, first: str) -> list[str]:
        lst = self._fuzzy_lists.get(first)
        if lst is None:
            lst = sorted(self._fuzzy_words.get(first, {}))
            self._fuzzy_lists[first] = lst
        return lst

    # -- analysis -------------------------------------------------------------------------

    def _known_part(self, part: str) -> bool:
        # Short parts must be real words, not stems of longer ones ("pen" is no "peen").
        if len(part) <= 3:
            bucket = self._fuzzy_words.get(part[0])
            return part in self._res.nl_words or (bucket is not None and bucket[part] > 0)
        return any(k in self._vocab_keys or k in self._res.nl_pos for k in word_keys(part))

    def split(self, word: str) -> tuple[str, ...] | None:
        if word_keys(word) & self._res.opaque_keys:
            return None
        parts = split_compound(word, self._known_part)
        if parts is None:
            parts = self._split_unknown_modifier(word)
        return parts

    def is_compound(self, word: str) -> bool:
        """A compound of known words whose head is a real word ("aardbeien|jam",
        "kippen|soep"): never a typo of a product that its modifier names. A head that is
        only a stem ("rook|wors") leaves the word open to typo correction ("rookworst")."""
        if word_keys(word) & self._res.opaque_keys:
            return False
        parts = split_compound(word, self._known_part)
        return parts is not None and self._real_word(parts[-1])

    def is_food_compound(self, word: str) -> bool:
        """A word for a food or shop thing the lexicon may lack: a listed compound that is
        no kind of its last part ("appelmoes"), or a food noun followed by a word-like head
        ("kaas|plankje", "aardbeien|siroop"). The head must not be a describing or function
        word ("broodnodig")."""
        res = self._res
        if word_keys(word) & res.opaque_keys:
            return True
        if len(word) < 7:
            return False
        for cut in range(3, len(word) - 3):
            head = word[cut:]
            if (
                head in res.stopwords
                or res.nl_word_pos.get(head) == ADJECTIVE
                or not any(c in _VOWELS for c in head)
            ):
                continue
            left = word[:cut]
            for link in LINKS:
                if link and not left.endswith(link):
                    continue
                base = left[: len(left) - len(link)]
                if (
                    len(base) >= 3
                    and base not in res.stopwords
                    and self._real_word(base)
                    and res.pos(base) in (NOUN, None)
                ):
                    return True
        return False

    def _real_word(self, word: str) -> bool:
        """A word of the lexicon or the catalogue, or a plural or diminutive of one; not a
        mere stem of a longer word ("wors" of "worstje")."""
        nl_words = self._res.nl_words
        if word in nl_words:
            return True
        bucket = self._fuzzy_words.get(word[0])
        if bucket is not None and bucket[word] > 0:
            return True
        return len(word) >= 4 and any(
            k in nl_words or (bucket is not None and bucket[k] > 0)
            for k in word_keys(word)
            if len(k) >= 3 and word.startswith(k[:-1])
        )

    def _split_unknown_modifier(self, word: str) -> tuple[str, ...] | None:
        """A compound of a modifier nobody listed and a known food noun: "maatjes|haring",
        "rogge|brood". The longest such head wins; the modifier must look like a word."""
        res = self._res
        for cut in range(4, len(word) - 3):
            head = word[cut:]
            if head not in res.nl_words or res.pos(head) != NOUN:
                continue
            left = word[:cut]
            if not any(c in _VOWELS for c in left) or len(word_keys(left) & res.opaque_keys):
                continue
            return (left, head)
        return None

    def _analyse(self, entry: CatalogEntry) -> Product:
        res = self._res
        forms: list[Form] = []
        for i, text in enumerate((entry.name, *entry.aliases)):
            words: list[Word] = []
            folded = fold(text)
            for wm in _WORD_RE.finditer(folded):
                raw = wm.group(0)
                if raw[0].isdigit() or raw in res.units or raw in res.piece_words:
                    continue
                # A pack description ("(bos van 10)", "fles 0,75 l", "literpak") tells how
                # the product comes, not what it is: leaving it out still names it exactly.
                pack_word = folded.count("(", 0, wm.start()) > folded.count(
                    ")", 0, wm.start()
                ) or bool(_PACK_FOLLOWS.match(folded, wm.end()))
                keys = word_keys(raw)
                container = next(
                    (
                        res.container_by_key[k]
                        for k in (raw, *sorted(keys))
                        if k in res.container_by_key
                    ),
                    None,
                )
                inner = container is not None and bool(_AFTER_COUNT.search(folded, 0, wm.start()))
                pack_word = pack_word or inner
                measured = _MEASURED_CONTAINER.fullmatch(raw)
                if measured is not None and container is None:
                    # "literpak", "kilozak": the pack, not part of what the product is.
                    raw = measured.group(1)
                    keys = word_keys(raw)
                    container = res.container_by_key.get(raw)
                    pack_word = True
                if raw in self._res.function_words:
                    kind = "function"
                elif container is not None and len(words) + 1 < 99:
                    kind = "soft"
                else:
                    kind = "content"
                pieces = self.split(raw) if kind == "content" else None
                parts: tuple[Part, ...]
                if pieces is None:
                    parts = (Part(raw, keys, canon(raw), True),)
                else:
                    parts = tuple(
                        Part(p, word_keys(p), canon(p), j == len(pieces) - 1)
                        for j, p in enumerate(pieces)
                    )
                cut = bool(parts[-1].keys & res.cut_head_keys) and len(parts) > 1
                words.append(
                    Word(
                        raw,
                        keys,
                        parts,
                        kind,
                        container,
                        cut,
                        kind == "soft" and pack_word,
                        kind == "soft" and inner,
                    )
                )
            for w in list(words):
                kind_of = next((res.kinds[k] for k in sorted(w.keys) if k in res.kinds), None)
                if kind_of is None and w.kind == "content":
                    kind_of = next(
                        (res.kinds[k] for k in sorted(w.parts[-1].keys) if k in res.kinds), None
                    )
                if w.kind != "content":
                    continue
                implied = [(kind_of, False)] if kind_of is not None else []
                traits = next((res.traits[k] for k in sorted(w.keys) if k in res.traits), ())
                implied += [(t, True) for t in traits]
                for word, trait in implied:
                    kk = word_keys(word)
                    part = Part(word, kk, canon(word), True)
                    words.append(Word(word, kk, (part,), "implied", None, trait=trait))
            if words:
                # The name as a resident would say it: no pack words, no implied kinds.
                said = " ".join(w.text for w in words if w.kind in ("content", "function"))
                forms.append(Form(said, tuple(words), i > 0))
        # A name made only of a container word ("Bos") still has to be findable.
        all_keys: set[str] = set()
        for f in forms:
            for w in f.words:
                if w.kind == "function":
                    continue
                all_keys |= w.keys
                for p in w.parts:
                    all_keys |= p.keys
        category_keys: frozenset[str] = frozenset()
        if entry.category:
            category_keys = frozenset(
                k for w in _WORD_RE.findall(fold(entry.category)) for k in word_keys(w)
            )
        return Product(
            entry, tuple(forms), parse_pack(entry.name), category_keys, frozenset(all_keys)
        )

    @staticmethod
    def _canons(product: Product) -> set[str]:
        return {
            p.canon for f in product.forms for w in f.words if w.kind != "implied" for p in w.parts
        }

    @staticmethod
    def _vocab_words(product: Product) -> set[str]:
        out: set[str] = set()
        for f in product.forms:
            for w in f.words:
                if w.kind == "implied":
                    continue
                if w.kind != "function" and len(w.text) >= 3:
                    out.add(w.text)
                for p in w.parts:
                    if len(p.text) >= 3:
                        out.add(p.text)
        return out
