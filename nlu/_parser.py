"""The parser: from a resident's message to an interpretation (intent, items, language)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

import yaml

from nlu._acts import ActReader, Acts
from nlu._amounts import Amount, AmountReader
from nlu._classifier import NaiveBayes, features
from nlu._index import CatalogIndex, Product
from nlu._matcher import Fit, Match, Matcher, Slot
from nlu._morph import word_keys
from nlu._resources import ADJECTIVE, NOUN, Resources, get_resources
from nlu._text import NL, NUM, OTHER, SEP, WORD, Token, tokenize
from nlu._types import INTENTS, CatalogEntry, History, HistoryLine, Interpretation, Item

MAX_TOKENS = 400
_CONJUNCTIONS = frozenset({"en", "and", "plus", "&", "+", "ook", "also", "daarnaast", "verder"})
_IGNORED_SEPS = frozenset({":", "(", ")", "[", "]", "*", '"', "“", "”"})
_SENTENCE_SEPS = frozenset({".", "!", "?"})
_FORGET = frozenset({"vergeet", "vergeten", "forget"})
# Surname particles ("de Boer", "van der Berg") and address words before a house number.
_NAME_PARTICLES = frozenset({"de", "van", "der", "den", "ter", "ten", "te", "t", "het", "la", "le"})
_ADDRESS_WORDS = frozenset({"nummer", "nr", "huisnummer", "number", "postcode", "postbus"})
_STREET_ENDS = (
    "straat",
    "laan",
    "weg",
    "plein",
    "dijk",
    "steeg",
    "gracht",
    "kade",
    "singel",
    "dreef",
)
_NON_ORDER = frozenset({"status", "help", "show_basket", "cancel", "greet", "confirm", "deny"})
# Intents that win over product words in the same message ("wanneer komt mijn brood");
# a greeting around an order ("Goedemiddag! een hele kip graag") never does.
_OVERRIDING = _NON_ORDER - {"greet"}


def load_training_data() -> dict[str, Any]:
    """The parsed nlu/data/nlu.yml (Rasa 3.x training-data format)."""
    text = (resources.files("nlu") / "data" / "nlu.yml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
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


@dataclass
class _Raw:
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


@dataclass
class _Found:
    raw: _Raw
    match: Match
    slots: list[Slot]
    start: int
    end: int
    text: str
    leftover: bool = False


class Parser:
    """Built once (reads the packaged data and trains the intent classifier), then shared.

    `parse` keeps no state between calls and may be called from several threads.
    """

    def __init__(self) -> None:
        self._res: Resources = get_resources()
        self._examples = training_examples()
        self._classifier = NaiveBayes(self._examples)
        self._amounts = AmountReader(self._res)
        self._matcher = Matcher(self._res)
        self._phrase_cache: dict[int, dict[str, list[tuple[str, ...]]]] = {}
        self._acts = ActReader(self._res, self._amounts)
        # One-product views for read_amount, by entry (an edited entry is a new key).
        self._single: dict[CatalogEntry, CatalogIndex] = {}

    # -- public ---------------------------------------------------------------------------

    def parse(self, text: str, *, catalog: CatalogIndex, history: History = ()) -> Interpretation:
        toks = tokenize(text)
        if len(toks) > MAX_TOKENS:
            toks = toks[:MAX_TOKENS]
        res = self._res
        consumed: set[int] = set()
        _drop_list_numbers(toks, consumed)
        _drop_addresses(toks, consumed, catalog)
        _drop_dates_and_times(toks, consumed)
        self._drop_signature(toks, consumed)
        usual_spans = self._find_phrases(toks, res.usual_phrases, consumed)
        last_spans = self._find_phrases(toks, res.last_phrases, consumed)
        replaced = False
        for _, b in self._find_phrases(toks, res.instead_phrases, consumed):
            read = self._amounts.read(toks, b) if b < len(toks) else None
            if read is not None and not read[0].vague:
                consumed.update(range(b, read[1]))
                replaced = True
        before_acts = set(consumed)
        acts = self._acts.read(toks, consumed)
        shop = self._acts.shop(toks, consumed, catalog) if acts.browse else None
        category = None
        if acts.browse:
            named = self._acts.category(toks, consumed, catalog)
            if named is not None:
                category = named[0]
                consumed.add(named[1])
        act_tokens = consumed - before_acts
        cue_spans = self._find_phrases(toks, res.removal_cues, set(), mark=False)
        cue_spans = [(a, b) for a, b in cue_spans if not act_tokens & set(range(a, b))]
        if cue_spans:
            blocked = {
                i
                for a, b in self._find_phrases(toks, res.removal_blockers, set(), mark=False)
                for i in range(a, b)
            }
            cue_spans = [(a, b) for a, b in cue_spans if not blocked & set(range(a, b))]
        cue_tokens = {i for a, b in cue_spans for i in range(a, b)}
        usual_ends = {b for _, b in usual_spans + last_spans}
        raws = self._scan(toks, consumed, usual_ends, cue_tokens, catalog)
        found = self._match_all(raws, catalog)
        language = self._language(toks, found)
        # A product found only by correcting a word the intent examples know is no product:
        # "kunt u mij helpen" asks for help, it does not order a "hele kip".
        masked = [
            (f.start, f.end)
            for f in found
            if f.match.status != "unknown" and not self._intent_word(f)
        ]
        ranking = self._unsure(self._classifier.rank(features(toks, masked)), toks, masked)
        ranking = _gate(ranking, acts, browsing=shop is not None or category is not None)
        out = self._decide(
            text,
            toks,
            language,
            ranking,
            found,
            catalog,
            history,
            bool(usual_spans),
            bool(last_spans),
            bool(cue_spans),
            asking=acts.price or acts.availability,
            # "ja, en een brood", "doe maar een kersenvlaai": the opening words answer or
            # correct; the products after them are still ordered.
            keep_products=acts.answer is not None or acts.correction_cue,
        )
        amounts = [r.amount for r in raws if r.amount is not None and not r.amount.vague]
        rest = any(i not in consumed and t.kind in (WORD, NUM) for i, t in enumerate(toks))
        return self._apply_acts(
            out,
            acts=replace(acts, replaced=acts.replaced or replaced),
            has_amount=bool(amounts),
            additive=any(t.norm in res.additive for t in toks if t.kind == WORD),
            rest=rest,
            shop=shop,
            category=category,
        )

    def _apply_acts(
        self,
        out: Interpretation,
        *,
        acts: Acts,
        has_amount: bool,
        additive: bool,
        rest: bool,
        shop: str | None,
        category: str | None,
    ) -> Interpretation:
        """What the message does beside naming products decides its intent over the
        classifier: a closing phrase, a question about prices, stock or a shop's goods, a
        correction of amounts; and a bare yes or no is a confirmation or a denial."""
        out.has_amount = has_amount
        products = [i for i in out.items if i.status != "unknown" and not i.from_history]
        asked = [i for i in out.items if not i.from_history]
        intent = out.intent
        if acts.closing and not products and not out.used_usual and not out.used_last:
            intent = "close"
            out.items = []
        elif acts.price and (asked or out.intent != "show_basket"):
            # "wat kost het bij elkaar" asks for the basket's total, not a product's price.
            intent = "price_question"
        elif acts.browse and (shop is not None or category is not None) and not has_amount:
            intent = "browse"
            out.shop, out.category = shop, category
        elif acts.availability and asked and not has_amount:
            intent = "availability_question"
        elif has_amount and not additive:
            corrects = acts.correction_cue or acts.replaced or acts.answer == "no"
            if corrects and not (intent == "remove" and products):
                out.correction = True
                intent = "order"
        if intent == "browse" or (
            intent in ("price_question", "availability_question")
            and out.intent not in ("order", "remove")
        ):
            out.items = []
        answer = acts.answer
        if answer is not None and not rest and not out.items:
            intent = "confirm" if answer == "yes" else "deny"
        if (answer == "yes" and intent in ("deny", "cancel")) or (
            answer == "no" and intent == "confirm"
        ):
            answer = None
        out.answer = answer
        if intent != out.intent:
            out.intent = intent
            others = [(k, v) for k, v in out.intent_ranking if k != intent]
            out.confidence = max(out.confidence, 0.9)
            scale = (1.0 - out.confidence) / max(sum(v for _, v in others), 1e-9)
            out.intent_ranking = [(intent, out.confidence)] + [(k, v * scale) for k, v in others]
        return out

    def read_amount(self, text: str, *, entry: CatalogEntry) -> int | None:
        """The amount a message gives for this one product: pieces (packs), or grams for a
        product sold by weight; None when it gives none, or none that fits the product.

        For answers to "how many / how much X?": "2", "twee", "een pond", "anderhalve kilo",
        "doe maar 2", "maak er 3 van", the product's own words with an amount ("elstar,
        anderhalve kilo"), a measure of a packed product ("2 liter" of "Volle melk 1 liter"),
        a pack by its size ("een doos van 10"). Amounts said for another product, or that
        disagree ("2 of 3"), give None.
        """
        index = self._single.get(entry)
        if index is None:
            if len(self._single) > 256:
                self._single.clear()
            index = self._single[entry] = CatalogIndex([entry])
        product = index.product(entry.sku)
        if product is None:
            return None
        toks = tokenize(text)[:MAX_TOKENS]
        consumed: set[int] = set()
        _drop_list_numbers(toks, consumed)
        _drop_addresses(toks, consumed, index)
        _drop_dates_and_times(toks, consumed)
        self._drop_signature(toks, consumed)
        for _, b in self._find_phrases(toks, self._res.instead_phrases, consumed):
            read = self._amounts.read(toks, b) if b < len(toks) else None
            if read is not None and not read[0].vague:
                consumed.update(range(b, read[1]))
        self._acts.read(toks, consumed)
        found: set[int | None] = set()
        for raw in self._scan(toks, consumed, set(), set(), index):
            amount = raw.amount
            if amount is None or amount.vague:
                continue
            if raw.content and not self._names_only(raw.content, index):
                # An amount for something else ("2 broden" when asked about cheese).
                found.add(None)
                continue
            if not raw.content and amount.measure is None and amount.container is None:
                # A bare number answers "how many?" in the product's own packs: "twee" of a
                # box of 10 eggs is two boxes, not two eggs.
                amount = replace(amount, pieces=True)
            qty, note = _quantity(product, amount)
            pack = product.pack
            if amount.pack_size is not None and (
                pack is None
                or pack.dimension != "count"
                or abs(pack.amount - amount.pack_size) > 1e-6
            ):
                qty = None
            found.add(qty if note is None else None)
        return found.pop() if len(found) == 1 else None

    def _names_only(self, content: list[Token], index: CatalogIndex) -> bool:
        """Whether words beside an amount name the one product in `index` ("elstar"), or are
        only words like "verse" that name nothing; any other word may be another product
        ("jonagold" when asked about Elstar), so the amount is not taken for this one."""
        slots = self._slots(content, index)
        if not slots or self._matcher.match(slots, None, index).status != "unknown":
            return True
        return all(s.norm in self._res.soft for s in slots)

    # -- reading the message --------------------------------------------------------------

    def _language(self, toks: list[Token], found: list[_Found]) -> str:
        """ "nl" or "en" from the words: signal words of either language, the bilingual
        lexicon, and the product words (a catalogue name is Dutch unless it is English)."""
        res = self._res
        spans = [(f.start, f.end) for f in found if f.match.status != "unknown"]
        nl = en = 0.0
        for t in toks:
            if t.kind != WORD:
                continue
            w = t.norm
            if w in res.lang_nl:
                nl += 1
            if w in res.lang_en:
                en += 1
            english = _english_word(w, res.en_words)
            dutch = w in res.nl_words or res.is_known_nl(w)
            if any(a <= t.start and t.end <= b for a, b in spans):
                if english and not dutch:
                    en += 1
                elif not english:
                    nl += 1
            elif english and not dutch:
                en += 0.5
            elif dutch and not english:
                nl += 0.5
        return "en" if en > nl else "nl"

    def _unsure(
        self, ranking: list[tuple[str, float]], toks: list[Token], masked: list[tuple[int, int]]
    ) -> list[tuple[str, float]]:
        """Less confidence for words the intent examples never used: "blablabla", "asdf"
        are no confirmation. Blends towards uniform by the share of unseen words."""
        vocab = self._classifier.vocab
        seen = total = 0
        for t in toks:
            if t.kind not in (WORD, OTHER) or any(a <= t.start and t.end <= b for a, b in masked):
                continue
            total += 1
            seen += f"w:{t.norm}" in vocab
        if not total or seen == total:
            return ranking
        share = seen / total
        flat = (1.0 - share) / len(ranking)
        return [(k, share * p + flat) for k, p in ranking]

    def _intent_word(self, f: _Found) -> bool:
        required = [s for s in f.slots if not s.optional]
        return bool(required) and all(
            s.fuzzy and f"w:{s.norm}" in self._classifier.vocab for s in required
        )

    def _drop_signature(self, toks: list[Token], consumed: set[int]) -> None:
        res = self._res
        words = [i for i, t in enumerate(toks) if t.kind == WORD]
        for n, i in enumerate(words):
            w = toks[i].norm
            if w in res.closers and n >= 2 and not (i > 0 and toks[i - 1].kind == NUM):
                # A closing formula: what follows is a signature, not an order.
                consumed.update(range(i, len(toks)))
                return
            if w in res.titles and not toks[i].capitalised:
                # A name with a surname particle after a title, as speech writes it in lower
                # case: "met mevrouw de boer", "meneer van der berg".
                k = i + 1
                while k < len(toks) and toks[k].norm in _NAME_PARTICLES:
                    k += 1
                if k > i + 1 and k < len(toks) and toks[k].kind == WORD:
                    consumed.update(range(i, k + 1))
                    continue
            if (w in res.titles and toks[i].capitalised) or (
                w in res.titles and (i + 1 < len(toks) and toks[i + 1].norm == ".")
            ):
                consumed.add(i)
                k = i + 1
                taken = 0
                while k < len(toks) and taken < 3:
                    if toks[k].kind == WORD and toks[k].capitalised:
                        consumed.add(k)
                        taken += 1
                    elif toks[k].kind != SEP:
                        break
                    k += 1

    def _find_phrases(
        self,
        toks: list[Token],
        phrases: Sequence[tuple[str, ...]],
        consumed: set[int],
        *,
        mark: bool = True,
    ) -> list[tuple[int, int]]:
        words = [(i, t.norm) for i, t in enumerate(toks) if t.kind == WORD]
        by_first = self._phrase_index(phrases)
        spans: list[tuple[int, int]] = []
        k = 0
        while k < len(words):
            hit = 0
            for p in by_first.get(words[k][1], ()):
                n = len(p)
                if k + n <= len(words) and all(words[k + m][1] == p[m] for m in range(n)):
                    hit = max(hit, n)
            if hit:
                a, b = words[k][0], words[k + hit - 1][0] + 1
                if not any(i in consumed for i in range(a, b)):
                    spans.append((a, b))
                    if mark:
                        consumed.update(range(a, b))
                k += hit
            else:
                k += 1
        return spans

    def _phrase_index(self, phrases: Sequence[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
        key = id(phrases)
        cached = self._phrase_cache.get(key)
        if cached is None:
            cached = {}
            for p in phrases:
                cached.setdefault(p[0], []).append(p)
            self._phrase_cache[key] = cached
        return cached

    def _scan(
        self,
        toks: list[Token],
        consumed: set[int],
        usual_ends: set[int],
        cue_tokens: set[int],
        catalog: CatalogIndex,
    ) -> list[_Raw]:
        res = self._res
        raws: list[_Raw] = []
        cur = _Raw()
        pending_sep = "start"

        def close(sep: str) -> None:
            nonlocal cur, pending_sep
            if cur.content or cur.amount is not None:
                raws.append(cur)
            cur = _Raw(sep_before=sep)
            pending_sep = sep

        i = 0
        n = len(toks)
        forget_at = -1
        while i < n:
            t = toks[i]
            if i in usual_ends and i not in consumed:
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
            if t.kind == WORD and t.norm in _CONJUNCTIONS:
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
            if t.kind in (NUM, WORD):
                read = self._amounts.read(toks, i)
                if read is not None:
                    amount, j = read
                    if (
                        not cur.content
                        and cur.amount is not None
                        and _pack_size_after(cur.amount, amount)
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
                if w in _FORGET:
                    # "vergeet de kaas niet": an order, the "niet" belongs to "vergeet".
                    forget_at = len(raws)
                    i += 1
                    continue
                if w in res.negations:
                    nxt = toks[i + 1].norm if i + 1 < n else ""
                    if not (w == "niet" and forget_at == len(raws)) and nxt not in _FORGET:
                        cur.negated = True
                    i += 1
                    continue
                if w in res.stopwords and not catalog.has_key(w):
                    i += 1
                    continue
                cur.content.append(t)
                cur.touch(t)
            i += 1
        close("end")
        # An amount after its product: "krentenbollen 4", "kaas: 2 ons".
        merged: list[_Raw] = []
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
                and _pack_size_after(prev, r.amount)
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

    # -- products -------------------------------------------------------------------------

    def _slots(self, content: list[Token], catalog: CatalogIndex) -> list[Slot]:
        if len(content) > 1:
            content = _join_split_compounds(content, catalog)
        words = [t.norm for t in content]
        multi = self._matcher.merge_multiword(words)
        slots: list[Slot] = []
        k = 0
        for a, b, phrases in [*multi, (len(words), len(words), [])]:
            while k < a:
                t = content[k]
                slots.append(self._matcher.slot(t.norm, t.start, t.end, t.text, catalog))
                k += 1
            if a < b:
                text = " ".join(t.text for t in content[a:b])
                slot = self._matcher.phrase_slot(
                    phrases, text, content[a].start, content[b - 1].end, catalog
                )
                slots.append(slot)
                k = b
        return slots

    def _match_all(self, raws: list[_Raw], catalog: CatalogIndex) -> list[_Found]:
        res = self._res
        # Ellipsis: "een rode en een gele paprika" -> "rode paprika", "gele paprika".
        for k in range(len(raws) - 1):
            r, nxt = raws[k], raws[k + 1]
            if (
                r.content
                and nxt.content
                and nxt.sep_before in ("conj", "list")
                and all(res.pos(t.norm) == ADJECTIVE for t in r.content)
                and res.pos(nxt.content[-1].norm) != ADJECTIVE
            ):
                probe = self._matcher.match(self._slots(r.content, catalog), None, catalog)
                if probe.status != "resolved":
                    r.content = [*r.content, nxt.content[-1]]
        found: list[_Found] = []
        for r in raws:
            if not r.content and r.amount is not None and r.amount.container is not None:
                noun = r.amount.container
                if res.pos(noun) == NOUN:
                    # "two loaves": the container is the thing itself (a loaf of bread).
                    r.content = [Token(WORD, noun, noun, r.amount.start, r.amount.end)]
            if not r.content:
                continue
            slots = self._slots(r.content, catalog)
            if not slots:
                continue
            container = r.amount.container if r.amount else None
            found.extend(self._match_slots(r, slots, container, catalog))
        return found

    def _match_slots(
        self, r: _Raw, slots: list[Slot], container: str | None, catalog: CatalogIndex
    ) -> list[_Found]:
        m = self._matcher.match(slots, container, catalog)
        if m.status != "unknown":
            return [self._found(r, m, slots)]
        required = [s for s in slots if not s.optional]
        if not required:
            return []
        both = self._across_forms(required, container, catalog)
        if both is not None:
            return [self._found(r, both, slots)]
        if len(required) > 1:
            parts = self._split_span(r, required, container, catalog)
            if parts is not None:
                return parts
        # Words the catalogue does not know beside a known kind: ask, do not drop them.
        nouns = [s for s in required if not s.adjective]
        if nouns and len(nouns) < len(required):
            m2 = self._matcher.match(nouns, container, catalog)
            if m2.status != "unknown":
                # Not sold in that kind ("witte wijn" where only red is sold): unknown, with
                # the nearest products as suggestions.
                m2.status, m2.sku, m2.note = "unknown", None, "modifier_unmatched"
                return [self._found(r, m2, slots)]
        cat = self._category(required, catalog)
        if cat is not None:
            return [self._found(r, cat, slots)]
        return [self._found(r, Match(), slots)]

    def _across_forms(
        self, slots: list[Slot], container: str | None, catalog: CatalogIndex
    ) -> Match | None:
        """Adjectives and a noun that one product has in different names: "witte broodjes"
        for "Witte bolletjes", also known as "broodjes"."""
        if len(slots) < 2 or not all(s.adjective for s in slots[:-1]) or slots[-1].adjective:
            return None
        noun = self._matcher.match(slots[-1:], container, catalog)
        if noun.status == "unknown":
            return None
        adj = self._matcher.match(slots[:-1], container, catalog)
        strong = {f.sku for f in noun.fits if not f.weak}
        both = strong & {f.sku for f in adj.fits if not f.weak}
        if len(both) != 1:
            return None
        fits = [f for f in noun.fits if f.sku in both]
        return Match(fits, "resolved", fits[0].sku)

    def _category(self, slots: list[Slot], catalog: CatalogIndex) -> Match | None:
        if len(slots) != 1:
            return None
        keys: set[str] = set()
        for alt in slots[0].alts:
            if len(alt) == 1:
                keys |= alt[0].keys
        skus = catalog.skus_for_category(keys)
        if not skus:
            return None
        fits = [Fit(s, 0.0, True, False, False) for s in sorted(skus)]
        return Match(fits, "ambiguous", note="category")

    def _split_span(
        self, r: _Raw, slots: list[Slot], container: str | None, catalog: CatalogIndex
    ) -> list[_Found] | None:
        """Several products without separators ("brood kaas melk"), or words around one."""
        out: list[_Found] = []
        i = 0
        matched_any = False
        leftovers: list[Slot] = []
        while i < len(slots):
            hit: tuple[int, Match] | None = None
            for j in range(min(len(slots), i + 4), i, -1):
                if j < len(slots) and all(s.adjective for s in slots[i:j]):
                    # "rode" before "kool": the adjective belongs to the next noun, it does
                    # not name a product of its own ("Rode bieten").
                    continue
                m = self._matcher.match(slots[i:j], container, catalog)
                if m.status != "unknown":
                    hit = (j, m)
                    break
            if hit is None:
                if slots[i].adjective:
                    # "witte wijn" where only red wine is sold: the kind is not for sale.
                    return None
                leftovers.append(slots[i])
                i += 1
                continue
            if leftovers:
                out.append(self._leftover(r, leftovers))
                leftovers = []
            j, m = hit
            prev = out[-1] if out and not out[-1].leftover else None
            if (
                prev is not None
                and prev.end <= slots[i].start
                and m.status == "resolved"
                and m.sku is not None
                and _modifier_of(catalog, prev.match, m.sku)
            ):
                # "cream cake": the first product names what the second is made with
                # ("Slag|room|taart"), not a product of its own.
                out[-1] = self._found(prev.raw, m, [*prev.slots, *slots[i:j]])
                i = j
                continue
            matched_any = True
            part = _Raw(r.amount if not out else None, [], r.negated, sep_before=r.sep_before)
            part.after_usual = r.after_usual
            out.append(self._found(part, m, slots[i:j]))
            i = j
        if leftovers:
            out.append(self._leftover(r, leftovers))
        if not matched_any:
            return None
        return out

    def _leftover(self, r: _Raw, slots: list[Slot]) -> _Found:
        raw = _Raw(None, [], r.negated, sep_before="none")
        f = self._found(raw, Match(), slots)
        # Only a real food or shop word the catalogue lacks becomes an "unknown" item.
        f.leftover = not any(s.noun for s in slots)
        return f

    def _found(self, r: _Raw, m: Match, slots: list[Slot]) -> _Found:
        start = min(s.start for s in slots)
        end = max(s.end for s in slots)
        text = " ".join(s.text for s in slots)
        if r.amount is not None and r.amount.start < start:
            start = r.amount.start
        return _Found(r, m, slots, start, end, text)

    # -- deciding -------------------------------------------------------------------------

    def _decide(
        self,
        text: str,
        toks: list[Token],
        language: str,
        ranking: list[tuple[str, float]],
        found: list[_Found],
        catalog: CatalogIndex,
        history: History,
        used_usual: bool,
        used_last: bool,
        removal_cue: bool,
        *,
        asking: bool = False,
        keep_products: bool = False,
    ) -> Interpretation:
        hist = _HistoryView(history)
        top, top_p = ranking[0]
        products = [f for f in found if f.match.status != "unknown"]
        # A question about prices or stock names its products as an order would.
        order_like = top in ("order", "remove") or top_p < 0.5 or asking
        unknowns = [
            f
            for f in found
            if f.match.status == "unknown"
            and (self._unknown_ok(f, found, order_like) or (asking and self._asked_thing(f)))
        ]
        positive = [f for f in products if not f.raw.negated]
        negative = [f for f in products if f.raw.negated]
        explicit = any(f.raw.amount is not None and f.raw.amount.explicit_number for f in found)
        if used_usual or used_last:
            intent = "order"
        elif ((negative or removal_cue) and products and not positive) or (
            removal_cue and products and not any(f.raw.amount for f in positive)
        ):
            intent = "remove"
        elif positive or unknowns:
            intent = "order"
            if asking or keep_products:
                pass
            elif top in _OVERRIDING and top_p >= 0.8 and not explicit and not unknowns:
                intent = top
        else:
            intent = top
        items: list[Item] = []
        excluded: list[Item] = []
        no_history = False
        if intent == "remove":
            for f in products:
                items.append(self._item(f, catalog, hist, remove=True))
        elif intent == "order":
            if used_usual or used_last:
                base = hist.last() if used_last else hist.usual()
                no_history = not hist.orders
                restrict: set[str] | None = None
                extra: list[_Found] = []
                for f in positive:
                    cands = {f.match.sku} if f.match.sku else set(f.match.candidates)
                    if f.raw.after_usual and (f.raw.amount is None) and cands & set(base):
                        restrict = (restrict or set()) | (cands & set(base))
                    else:
                        extra.append(f)
                for f in negative:
                    cands = {f.match.sku} if f.match.sku else set(f.match.candidates)
                    for s in cands:
                        base.pop(s, None)
                    excluded.append(self._item(f, catalog, hist, remove=True))
                added = [self._item(f, catalog, hist) for f in extra]
                for f, it in zip(extra, added, strict=True):
                    amount = f.raw.amount
                    if (
                        it.status == "resolved"
                        and it.sku in base
                        and amount is not None
                        and (amount.explicit_number or amount.measure is not None)
                    ):
                        # "het gewone maar dan twee broden": an amount said for a product of
                        # the usual order is how much of it, not that much more.
                        base.pop(it.sku)
                for sku, qty in base.items():
                    if restrict is not None and sku not in restrict:
                        continue
                    entry = catalog.get(sku)
                    if entry is None:
                        continue
                    items.append(
                        Item(
                            "resolved",
                            sku,
                            qty,
                            text=entry.name,
                            from_history=True,
                            unit="g" if entry.unit == "kg" else "piece",
                        )
                    )
                items.extend(added)
            else:
                items.extend(self._item(f, catalog, hist) for f in positive)
                excluded.extend(self._item(f, catalog, hist, remove=True) for f in negative)
            items.extend(
                Item(
                    "unknown",
                    text=f.text,
                    span=(f.start, f.end),
                    quantity=None,
                    candidates=f.match.candidates,
                    note=f.match.note,
                )
                for f in unknowns
            )
            items.sort(key=lambda it: it.span[0] if it.span != (0, 0) else -1)
        confidence = dict(ranking).get(intent, 0.0)
        if intent != top or (intent in ("order", "remove") and products):
            confidence = max(confidence, 0.9 if products or used_usual or used_last else 0.6)
        rest = [(k, v) for k, v in ranking if k != intent]
        scale = (1.0 - confidence) / max(sum(v for _, v in rest), 1e-9)
        final_ranking = [(intent, confidence)] + [(k, v * scale) for k, v in rest]
        assert intent in INTENTS
        return Interpretation(
            text=text,
            intent=intent,
            confidence=confidence,
            intent_ranking=final_ranking,
            language=language,
            items=items,
            excluded=excluded,
            used_usual=used_usual,
            used_last=used_last,
            no_history=no_history and (used_usual or used_last),
        )

    def _counts_things_in_a_weighed_pack(
        self, f: _Found, product: Product, catalog: CatalogIndex
    ) -> bool:
        """A count of several things ("10 aardappelen", "4 champignons") for a product
        sold in packs by weight ("zak 2 kg", "250 gram"): the resident counts the things,
        not the packs. Uncountable words ("2 karnemelk", "3 kwark") count packs, and so does
        a count of a drink ("6 biertjes", "2 cola's"): a drink is counted by its bottles."""
        amount = f.raw.amount
        pack = product.pack
        if (
            amount is None
            or pack is None
            or pack.dimension != "mass"
            or not amount.explicit_number
            or amount.measure is not None
            or amount.container is not None
            or amount.pieces
            or amount.count <= 1
        ):
            return False
        words = [s.norm for s in f.slots if not s.optional]
        return bool(words) and self._plural(words[-1], catalog)

    def _plural(self, word: str, catalog: CatalogIndex, depth: int = 0) -> bool:
        """Whether a resident's word is the plural of a thing: "uien", "champignons",
        "kastanjechampignons" (by its head), "onions"; not "karnemelk" or "citroen"."""
        res = self._res
        if res.nl_word_pos.get(word) == NOUN or word in res.en_words:
            return False
        if any(k != word and res.nl_word_pos.get(k) == NOUN for k in word_keys(word)):
            return True
        if _english_plural(word, res.en_words):
            return True
        if depth == 0:
            # A compound is plural when its head is: the longest head the lexicon knows.
            for cut in range(3, len(word) - 2):
                head = word[cut:]
                if res.pos(head) == NOUN:
                    return self._plural(head, catalog, 1)
        return False

    def _asked_thing(self, f: _Found) -> bool:
        """A thing a price or stock question names, in either language ("leeks"), so the
        answer can say it is not sold."""
        return (
            not f.leftover
            and len(f.slots) <= 3
            and any(s.noun or _english_word(s.norm, self._res.en_words) for s in f.slots)
        )

    def _unknown_ok(self, f: _Found, found: list[_Found], order_like: bool) -> bool:
        """Whether words nothing matched are an item the shop does not sell (or noise)."""
        if f.leftover:
            return False
        amount = f.raw.amount
        if amount is not None and (amount.explicit_number or amount.container or amount.measure):
            return True
        if amount is not None and len(f.slots) <= 3:
            # "een krant": an article before a thing is an order when nothing says otherwise.
            return all(s.noun for s in f.slots) or order_like
        if len(found) == 1 and len(f.slots) <= 3 and order_like and any(s.noun for s in f.slots):
            # A message that is just a food word the shop lacks ("kaasstengels").
            return True
        in_list = f.raw.sep_before in ("list", "conj") or any(
            g is not f and g.raw.sep_before in ("list", "conj") for g in found
        )
        # In a list beside real products, a listed food word is an item.
        return (
            in_list
            and any(g.match.status != "unknown" for g in found)
            and len(f.slots) <= 3
            and all(s.noun for s in f.slots)
        )

    def _item(
        self, f: _Found, catalog: CatalogIndex, hist: _HistoryView, *, remove: bool = False
    ) -> Item:
        m = f.match
        status = m.status
        sku = m.sku
        candidates = m.candidates
        from_history = False
        note = m.note
        amount = f.raw.amount
        if amount is not None and not amount.vague and status in ("ambiguous", "resolved"):
            # An amount can settle what a word leaves open: "4 eieren" are loose eggs when
            # the boxes hold 6. Only products the amount fits stay in play, before history.
            def fits(c: str) -> bool:
                product = catalog.product(c)
                if product is None or _quantity(product, amount)[1] is not None:
                    return False
                if amount.pack_size is not None:
                    pack = product.pack
                    return (
                        pack is not None
                        and pack.dimension == "count"
                        and (abs(pack.amount - amount.pack_size) < 1e-6)
                    )
                return True

            in_play = tuple(fit.sku for fit in m.fits if not fit.weak) or candidates
            if amount.container is not None:
                # "een krat bier", "a box of eggs": a container that names a pack of several
                # things chooses that pack over the single bottle or egg.
                packs = tuple(c for c in in_play if _multipack_in(catalog, c, amount.container))
                if packs and sku not in packs:
                    in_play = packs
                    if len(packs) == 1:
                        status, sku = "resolved", packs[0]
                    else:
                        status, sku, candidates = "ambiguous", None, packs
            if status == "ambiguous" or (sku is not None and not fits(sku)):
                fitting = tuple(c for c in in_play if fits(c))
                if len(fitting) > 1 and _counts_things(amount):
                    # "12 eieren", "a dozen eggs" where eggs are sold loose and in boxes:
                    # the resident counts the eggs, and the loose ones are sold by that count.
                    loose = tuple(c for c in fitting if _sold_singly(catalog, c))
                    if len(loose) == 1 and all(
                        _multipack(catalog, c) for c in fitting if c not in loose
                    ):
                        fitting = loose
                if len(fitting) == 1:
                    status, sku = "resolved", fitting[0]
                elif fitting:
                    status, sku, candidates = "ambiguous", None, fitting
        if status == "ambiguous" and candidates:
            chosen = hist.settle(candidates)
            if chosen is not None:
                status, sku, from_history = "resolved", chosen, True
            else:
                candidates = hist.order_by_use(candidates)
        span = (f.start, f.end)
        if status != "resolved" or sku is None:
            return Item("ambiguous", None, None, candidates, f.text, span, False, note)
        product = catalog.product(sku)
        if product is None:
            return Item("unknown", text=f.text, span=span)
        unit = "g" if product.entry.unit == "kg" else "piece"
        if remove:
            qty = None
            if f.raw.amount is not None and f.raw.amount.explicit_number:
                qty, _ = _quantity(product, f.raw.amount)
            return Item("resolved", sku, qty, (), f.text, span, from_history, note, unit)
        qty, qnote = _quantity(product, f.raw.amount)
        if qnote is None and self._counts_things_in_a_weighed_pack(f, product, catalog):
            # "3 uien" against "Uien (net 1 kg)": three onions, not three nets.
            qnote = "not_divisible"
        if qnote == "no_amount" or (
            f.raw.amount is not None and f.raw.amount.vague and qty is None
        ):
            usual = hist.amount(sku)
            if usual is not None:
                qty, qnote = usual, None
                from_history = True
            elif product.entry.unit == "kg":
                qty, qnote = None, "amount_missing"
            elif f.raw.amount is not None and f.raw.amount.several:
                # "een paar appelflappen": more than one, but how many is for the resident.
                qty, qnote = None, "vague_amount"
            else:
                qty, qnote = 1, ("vague_amount" if f.raw.amount is not None else None)
        if not product.entry.available:
            qnote = qnote or "unavailable"
        if qty is None or qnote in (
            "not_divisible",
            "unit_mismatch",
            "count_for_weighed",
            "container_for_weighed",
            "amount_missing",
        ):
            return Item(
                "ambiguous", None, qty, (sku,), f.text, span, from_history, qnote or note, unit
            )
        return Item("resolved", sku, qty, (), f.text, span, from_history, qnote or note, unit)


def _gate(
    ranking: list[tuple[str, float]], acts: Acts, *, browsing: bool
) -> list[tuple[str, float]]:
    """The intents a rule confirms: the classifier alone does not close an order or turn
    a message into a question ("cheers" is a thank-you, "what have I got so far" asks for
    the basket). Their share goes to the other intents."""
    supported = {
        "close": acts.closing,
        "price_question": acts.price,
        "availability_question": acts.availability,
        "browse": acts.browse and browsing,
    }
    kept = [(k, v) for k, v in ranking if supported.get(k, True)]
    total = sum(v for _, v in kept)
    if len(kept) == len(ranking) or total <= 0:
        return ranking
    return [(k, v / total) for k, v in kept]


def _join_split_compounds(content: list[Token], catalog: CatalogIndex) -> list[Token]:
    """Speech writes compounds apart: "krenten bollen", "hut spot mix", "kalkoen filet".
    Neighbouring words whose joined form is a word of the catalogue are one word."""
    out: list[Token] = []
    k = 0
    n = len(content)
    while k < n:
        t = content[k]
        best = 0
        if t.kind == WORD:
            joined = t.norm
            for m in range(k + 1, min(n, k + 3)):
                nxt = content[m]
                if nxt.kind != WORD or nxt.start - content[m - 1].end > 1:
                    break
                joined += nxt.norm
                if any(catalog.has_key(key) for key in word_keys(joined)):
                    best = m
        if best:
            last = content[best]
            norm = "".join(x.norm for x in content[k : best + 1])
            text = " ".join(x.text for x in content[k : best + 1])
            out.append(Token(WORD, text, norm, t.start, last.end, t.capitalised))
            k = best + 1
        else:
            out.append(t)
            k += 1
    return out


def _modifier_of(catalog: CatalogIndex, first: Match, sku: str) -> bool:
    """Whether a product the first words found is the modifier of the second product's
    compound name: "Slagroom" in "Slagroom|taart"."""
    product = catalog.product(sku)
    if product is None or first.status == "unknown":
        return False
    names: set[str] = set()
    for c in first.candidates:
        other = catalog.product(c)
        if other is not None and other is not product:
            names |= {w.text for w in other.forms[0].words if w.kind == "content"}
    return any(
        p.text in names
        for f in product.forms
        for w in f.words
        if w.kind == "content"
        for p in w.parts[:-1]
    )


def _pack_size_after(container: Amount, number: Amount) -> bool:
    """A bare number right after a container amount tells what one pack holds."""
    return (
        container.container is not None
        and container.pack_size is None
        and container.measure is None
        and number.value is not None
        and number.value > 1
        and number.measure is None
        and number.container is None
        and not number.pieces
        and not number.vague
        and number.value == int(number.value)
    )


def _counts_things(amount: Amount) -> bool:
    return (
        amount.explicit_number
        and amount.measure is None
        and amount.container is None
        and amount.pack_size is None
        and not amount.vague
    )


def _sold_singly(catalog: CatalogIndex, sku: str) -> bool:
    product = catalog.product(sku)
    return product is not None and product.entry.unit == "piece" and product.pack is None


def _multipack(catalog: CatalogIndex, sku: str) -> bool:
    product = catalog.product(sku)
    return (
        product is not None
        and product.pack is not None
        and product.pack.dimension == "count"
        and product.pack.amount > 1
    )


def _multipack_in(catalog: CatalogIndex, sku: str, container: str) -> bool:
    """Whether a product is a pack of several things named by this container word."""
    product = catalog.product(sku)
    if product is None or product.pack is None or product.pack.dimension != "count":
        return False
    return any(w.container == container and not w.inner for f in product.forms for w in f.words)


def _english_plural(w: str, words: set[str]) -> bool:
    return w not in words and _english_word(w, words)


def _english_word(w: str, words: set[str]) -> bool:
    """A word of the English lexicon, or its regular plural ("eggs", "strawberries")."""
    if w in words:
        return True
    if w.endswith("ies") and w[:-3] + "y" in words:
        return True
    if w.endswith("es") and w[:-2] in words:
        return True
    return w.endswith("s") and w[:-1] in words


def _drop_list_numbers(toks: list[Token], consumed: set[int]) -> None:
    """Numbered lines ("1. Maisbrood\n2. Appelflap") count lines, not products: markers
    1, 2, 3... at the start of successive lines, each followed by "." or ")"."""
    markers: list[int] = []
    for i in range(len(toks) - 2):
        t = toks[i]
        if (
            t.kind == NUM
            and (i == 0 or toks[i - 1].kind == NL)
            and toks[i + 1].norm in (".", ")")
            and toks[i + 2].kind in (WORD, NUM)
            and t.norm.isdigit()
        ):
            markers.append(i)
    if len(markers) < 2:
        return
    if [int(toks[i].norm) for i in markers] != list(range(1, len(markers) + 1)):
        return
    for i in markers:
        consumed.update((i, i + 1))


_MONTHS = frozenset(
    [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
        "jan",
        "feb",
        "mrt",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "okt",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "may",
        "june",
        "july",
        "august",
        "october",
    ]
)
_CLOCK_WORDS = frozenset({"uur", "u", "uurtje", "oclock", "am", "pm", "h"})
_ORDINAL_ENDS = frozenset({"e", "de", "ste", "st", "nd", "rd", "th"})


def _drop_dates_and_times(toks: list[Token], consumed: set[int]) -> None:
    """A date or a time is no amount: "op 14 december", "om 10 uur", "at 10:30"."""
    n = len(toks)
    for i, t in enumerate(toks):
        if t.kind != NUM:
            continue
        k = i + 1
        if (
            k < n
            and toks[k].kind == WORD
            and toks[k].start == t.end
            and toks[k].norm in _ORDINAL_ENDS  # "de 14e", "the 3rd"
        ):
            k += 1
        nxt = toks[k].norm if k < n else ""
        if i in consumed:
            continue
        if nxt in _MONTHS or nxt in _CLOCK_WORDS:
            consumed.update(range(i, k + 1))
        elif (
            nxt == ":"
            and k + 1 < n
            and toks[k + 1].kind == NUM
            and len(toks[k + 1].norm) == 2
            and toks[k].start == t.end
        ):
            consumed.update(range(i, k + 2))
        elif k > i + 1:
            consumed.update(range(i, k))


def _drop_addresses(toks: list[Token], consumed: set[int], catalog: CatalogIndex) -> None:
    """A house number is no amount: "ik woon op nummer 12", "Kerkstraat 5a"."""
    for i in range(len(toks) - 1):
        t = toks[i]
        if t.kind != WORD or toks[i + 1].kind != NUM:
            continue
        w = t.norm
        if w in _ADDRESS_WORDS or (
            len(w) > 6 and w.endswith(_STREET_ENDS) and not catalog.has_key(w)
        ):
            consumed.update((i, i + 1))
            nxt = toks[i + 2] if i + 2 < len(toks) else None
            # A letter stuck to the number: "12a".
            if (
                nxt is not None
                and nxt.kind == WORD
                and len(nxt.text) == 1
                and (nxt.start == toks[i + 1].end)
            ):
                consumed.add(i + 2)


def _quantity(product: Product, amount: Amount | None) -> tuple[int | None, str | None]:
    """The amount in the product's own terms: grams, or whole pieces/packs."""
    if amount is None or (amount.vague and amount.measure is None):
        return None, "no_amount"
    weighed = product.entry.unit == "kg"
    pack = product.pack
    value = amount.count
    if amount.measure is not None:
        size = value * amount.measure.factor
        if weighed:
            if amount.measure.dimension == "mass":
                return round(size), None
            return None, "unit_mismatch"
        if pack is not None and pack.dimension == amount.measure.dimension:
            return _packs(size / pack.amount)
        return None, "unit_mismatch"
    if weighed:
        if amount.container is not None:
            return None, "container_for_weighed"
        return round(value) if value == int(value) else None, "count_for_weighed"
    if (
        pack is not None
        and pack.dimension == "count"
        and amount.container is None
        and not amount.pieces
        and amount.explicit_number
    ):
        # "12 eieren" against a box of 6: the resident counts eggs, the shop sells boxes.
        return _packs(value / pack.amount)
    return _packs(value)


def _packs(value: float) -> tuple[int | None, str | None]:
    whole = round(value)
    if abs(value - whole) < 1e-6 and whole >= 1:
        return int(whole), None
    return max(1, int(-(-value // 1))), "not_divisible"


class _HistoryView:
    def __init__(self, history: History) -> None:
        self.orders: list[dict[str, int]] = []
        for order in history:
            agg: dict[str, int] = {}
            for line in order:
                sku, qty = _line(line)
                agg[sku] = agg.get(sku, 0) + qty
            if agg:
                self.orders.append(agg)
        self.count: Counter[str] = Counter(s for o in self.orders for s in o)

    def amount(self, sku: str) -> int | None:
        """The amount this resident most often takes of a product (latest wins a tie)."""
        amounts = [o[sku] for o in self.orders if sku in o]
        if not amounts:
            return None
        freq = Counter(amounts)
        best = max(freq.values())
        for a in reversed(amounts):
            if freq[a] == best:
                return a
        return None

    def usual(self) -> dict[str, int]:
        n = len(self.orders)
        out: dict[str, int] = {}
        for sku, c in self.count.items():
            if 2 * c >= n:
                amount = self.amount(sku)
                if amount is not None:
                    out[sku] = amount
        return out

    def last(self) -> dict[str, int]:
        return dict(self.orders[-1]) if self.orders else {}

    def settle(self, candidates: Sequence[str]) -> str | None:
        used = [c for c in candidates if self.count.get(c)]
        if len(used) == 1:
            return used[0]
        if len(used) > 1:
            usual = self.usual()
            regular = [c for c in used if c in usual]
            if len(regular) == 1:
                return regular[0]
        return None

    def order_by_use(self, candidates: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(candidates, key=lambda c: -self.count.get(c, 0)))


def _line(line: HistoryLine | Any) -> tuple[str, int]:
    if isinstance(line, HistoryLine):
        return line.sku, line.quantity
    if isinstance(line, dict):
        return str(line["sku"]), int(line["quantity"])
    sku, qty = line
    return str(sku), int(qty)
