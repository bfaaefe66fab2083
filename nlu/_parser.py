"""The parser: from a resident's message to an interpretation (intent, items, language).

The stages, each in its own module: _prefilter (what is no order: list numbers, dates,
addresses, signatures, names), _acts (answers, closing phrases, corrections, questions),
_segment (raw items), _spans (raw items matched to the catalogue), _decide (intent and
items, with _quantities and _history). This module runs them and reads a message's
language and intent ranking.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import NamedTuple

from nlu._acts import ActReader, Acts
from nlu._amounts import AmountReader
from nlu._cache import BoundedCache
from nlu._classifier import NaiveBayes, Ranking, feature_words, training_examples
from nlu._decide import Decider, english_word
from nlu._index import CatalogIndex
from nlu._matcher import Matcher
from nlu._phrases import MessageWords, PhraseSet, Span
from nlu._prefilter import Prefilter
from nlu._quantities import quantity
from nlu._resources import Resources, get_resources
from nlu._segment import Segmenter, adds_before_amount
from nlu._spans import Found, SpanMatcher
from nlu._standing import StandingAct, StandingReader
from nlu._text import NUM, WORD, Token, tokenize, within
from nlu._types import CatalogEntry, History, Interpretation

MAX_TOKENS = 400
# Messages whose reading is kept (per text and catalogue version); the oldest go together.
MAX_KEPT_ANALYSES = 4096
# Texts seen once, so that a second sighting keeps the reading.
MAX_SEEN_TEXTS = 65_536
# Intent rankings kept, per sequence of a message's words (see Parser._intents).
MAX_KEPT_RANKINGS = 16_384
# Whether a rule confirms each gated intent (see _gate): closing, price, availability, browse.
_Rules = tuple[bool, bool, bool, bool]


@dataclass(slots=True)
class _Prepared:
    """A message after the stages that take words out of it, before items are read."""

    toks: list[Token]
    words: MessageWords
    consumed: set[int]
    acts: Acts
    usual: list[Span]
    last: list[Span]
    acts_tokens: set[int]
    # A name or signature was taken out ("Henk de Wit", "met mevrouw van Dam").
    named: bool
    # The number of a placed order the message names ("annuleer bestelling 12").
    order_number: int | None
    # The message had more than MAX_TOKENS tokens; only the first ones were read.
    truncated: bool
    # What it says about a standing order ("elke donderdag ...", "overslaan").
    standing: StandingAct | None = None


class _Analysis(NamedTuple):
    """What parse reads from a message before the resident's history is used (immutable;
    a named tuple is made faster than a frozen dataclass)."""

    language: str
    ranking: Ranking
    found: list[Found]
    used_usual: bool
    used_last: bool
    removal_cue: bool
    acts: Acts
    adding: bool
    has_amount: bool
    additive: bool
    rest: bool
    shop: str | None
    category: str | None
    named: bool
    order_number: int | None
    truncated: bool
    standing: StandingAct | None


_new_analysis = tuple.__new__


def _rest(toks: list[Token], consumed: set[int], stopwords: frozenset[str]) -> bool:
    """Whether a number or a word other than a stopword is left unconsumed."""
    for i, t in enumerate(toks):
        kind = t.kind
        if (kind == NUM or (kind == WORD and t.norm not in stopwords)) and i not in consumed:
            return True
    return False


def _apply_standing(out: Interpretation, act: StandingAct) -> None:
    """A standing order's words decide what the message is about; products stay products."""
    # Products her history suggested count too: "skip the bread" names her usual bread.
    products = [i for i in out.items if i.status != "unknown"]
    kind = act.kind
    named = [i for i in products if not i.from_history]
    if kind == "show" and named:
        kind = "set_up"  # "vaste bestelling: 2 tijgerbroden"
    elif kind == "show":
        pass  # "mijn vaste bestelling": hers shown, or (without one) her usual order
    elif kind == "skip" and products:
        kind = "this_week"  # "skip the eggs": only those, only this week
        out.intent = "remove"
    elif kind in ("stop", "pause", "skip"):
        out.items = []
    out.standing = kind
    out.weekdays = act.weekdays
    out.until = act.until


class Parser:
    """Built once (reads the packaged data and trains the intent classifier), then shared.

    `parse` keeps no state between calls and may be called from several threads.
    """

    def __init__(self) -> None:
        self._res: Resources = get_resources()
        res = self._res
        self._examples = training_examples()
        self._classifier = NaiveBayes(self._examples)
        self._amounts = AmountReader(res)
        self._matcher = Matcher(res)
        self._prefilter = Prefilter(res)
        self._acts = ActReader(res, self._amounts)
        self._segmenter = Segmenter(res, self._amounts)
        self._spans = SpanMatcher(res, self._matcher)
        self._decider = Decider(res)
        self._usual = PhraseSet(res.usual_phrases)
        self._last = PhraseSet(res.last_phrases)
        self._instead = PhraseSet(res.instead_phrases)
        self._removal_cues = PhraseSet(res.removal_cues)
        self._removal_blockers = PhraseSet(res.removal_blockers)
        self._standing = StandingReader()
        # One-product views for read_amount, by entry (an edited entry is a new key).
        self._single: BoundedCache[CatalogEntry, CatalogIndex] = BoundedCache(256)
        self._word_lang: BoundedCache[str, tuple[int, int, bool, bool]] = BoundedCache(100_000)
        self._analyses: BoundedCache[tuple[str, tuple[int, int]], _Analysis] = BoundedCache(
            MAX_KEPT_ANALYSES
        )
        self._seen: set[str] = set()
        self._rankings: BoundedCache[tuple[tuple[str, ...], _Rules], Ranking] = BoundedCache(
            MAX_KEPT_RANKINGS
        )

    # -- public ---------------------------------------------------------------------------

    def parse(self, text: str, *, catalog: CatalogIndex, history: History = ()) -> Interpretation:
        a = self._analyse(text, catalog)
        out = self._decider.decide(
            text=text,
            language=a.language,
            ranking=a.ranking,
            found=a.found,
            catalog=catalog,
            history=history,
            used_usual=a.used_usual,
            used_last=a.used_last,
            removal_cue=a.removal_cue,
            asking=a.acts.price or a.acts.availability,
            # "ja, en een brood", "doe maar een kersenvlaai": the opening words answer or
            # correct; the products after them are still ordered.
            keep_products=a.acts.answer is not None or a.acts.correction_cue,
            adding=a.adding,
        )
        out = self._apply_acts(
            out,
            acts=a.acts,
            has_amount=a.has_amount,
            additive=a.additive,
            rest=a.rest,
            shop=a.shop,
            category=a.category,
            named=a.named,
            order_number=a.order_number,
        )
        out.truncated = a.truncated
        if a.standing is not None:
            _apply_standing(out, a.standing)
        return out

    def _analyse(self, text: str, catalog: CatalogIndex) -> _Analysis:
        """Everything about a message that does not depend on the resident's history, kept
        per text and catalogue version: a message that comes again and again ("ja", "het
        gewone graag", "wanneer komt mijn bestelling?") is not read again until the
        catalogue changes. What is kept is only read afterwards, never changed.

        Only a text seen before is kept: a reading is many small objects, and keeping one
        for every new message would leave the garbage collector ever more to walk through;
        a text alone is a string, which it never looks at."""
        key = (text, catalog.stamp)
        hit = self._analyses.get(key)
        if hit is None:
            hit = self._read(text, catalog)
            if text in self._seen:
                self._analyses.put(key, hit)
            else:
                if len(self._seen) >= MAX_SEEN_TEXTS:
                    self._seen.clear()
                self._seen.add(text)
        return hit

    def _read(self, text: str, catalog: CatalogIndex) -> _Analysis:
        res = self._res
        prep = self._prepare(text, catalog=catalog)
        toks, consumed, acts = prep.toks, prep.consumed, prep.acts
        shop = category = None
        act_tokens = prep.acts_tokens
        if acts.browse:
            before_acts = set(consumed)
            shop = self._acts.shop(toks, consumed, catalog=catalog)
            kind = self._acts.category(toks, consumed, catalog=catalog)
            if kind is not None:
                category = kind[0]
                consumed.add(kind[1])
            act_tokens = (consumed - before_acts) | act_tokens
        cue_spans = self._removal_cues.find(prep.words, set(), mark=False)
        if cue_spans:
            cue_spans = [(a, b) for a, b in cue_spans if act_tokens.isdisjoint(range(a, b))]
        if cue_spans:
            blocked = {
                i
                for a, b in self._removal_blockers.find(prep.words, set(), mark=False)
                for i in range(a, b)
            }
            cue_spans = [(a, b) for a, b in cue_spans if blocked.isdisjoint(range(a, b))]
        cue_tokens = {i for a, b in cue_spans for i in range(a, b)} if cue_spans else set()
        usual_ends = {b for _, b in prep.usual + prep.last} if prep.usual or prep.last else set()
        raws = self._segmenter.scan(
            toks, consumed=consumed, usual_ends=usual_ends, cue_tokens=cue_tokens, catalog=catalog
        )
        found = self._spans.match_all(raws, catalog)
        language = self._language(toks, prep.words, found)
        # A product found only by correcting a word the intent examples know is no product:
        # "kunt u mij helpen" asks for help, it does not order a "hele kip".
        masked = [
            (f.start, f.end)
            for f in found
            if f.match.status != "unknown" and not self._intent_word(f)
        ]
        words = feature_words(toks, masked)
        ranking = self._intents(
            words,
            rules=(
                acts.closing,
                acts.price,
                acts.availability,
                acts.browse and (shop is not None or category is not None),
            ),
        )
        has_amount = False
        for r in raws:
            if r.amount is not None and not r.amount.vague:
                has_amount = True
                break
        # Whether anything but thanks and fillers is left beside an answer ("prima, dank je
        # wel" is a bare yes; "ja maar wacht even" is not).
        rest = _rest(toks, consumed, res.stopwords)
        # Positional, in the fields' order: a named tuple's keywords cost a Python call.
        return _new_analysis(
            _Analysis,
            (
                language,
                ranking,
                found,
                bool(prep.usual),
                bool(prep.last),
                bool(cue_spans),
                acts,
                acts.adding
                or (
                    not res.adding_before_amount.isdisjoint(prep.words.set)
                    and adds_before_amount(toks, raws, words=res.adding_before_amount)
                ),
                has_amount,
                not res.additive.isdisjoint(prep.words.set),
                rest,
                shop,
                category,
                prep.named,
                prep.order_number,
                prep.truncated,
                prep.standing,
            ),
        )

    def _prepare(self, text: str, *, catalog: CatalogIndex) -> _Prepared:
        """Tokens, and those that are no product: the prefilter's, the usual or last order's,
        an amount being replaced ("in plaats van 1"), and the message's acts."""
        toks = tokenize(text)
        truncated = len(toks) > MAX_TOKENS
        if truncated:
            toks = toks[:MAX_TOKENS]
        words = MessageWords(toks)
        consumed: set[int] = set()
        # Before addresses: "order number 7" is no house number.
        order_number = self._prefilter.drop_order_reference(toks, consumed, words=words)
        consumed |= self._prefilter.run(toks, words=words, catalog=catalog)
        before = set(consumed)
        self._prefilter.drop_signature(toks, consumed, words=words, catalog=catalog)
        names = consumed - before
        # Before names and acts: "donderdag" is no name, "volgende week niet" no answer.
        standing = self._standing.read(toks, consumed, words=words)
        usual = self._usual.find(words, consumed)
        last = self._last.find(words, consumed)
        # After the usual order's phrases: "met de vries het gewone" keeps "het gewone".
        before = set(consumed)
        self._prefilter.drop_names(toks, consumed, words=words, catalog=catalog)
        names |= consumed - before
        named = bool(names) and any(toks[i].kind == WORD for i in names)
        replaced = False
        for _, b in self._instead.find(words, consumed):
            read = self._amounts.read(toks, b) if b < len(toks) else None
            if read is not None and not read[0].vague:
                consumed.update(range(b, read[1]))
                replaced = True
        before = set(consumed)
        acts = self._acts.read(toks, consumed, words=words)
        if replaced and not acts.replaced:
            acts = acts._replace(replaced=True)
        return _Prepared(
            toks,
            words,
            consumed,
            acts,
            usual,
            last,
            consumed - before,
            named,
            order_number,
            truncated,
            standing,
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
        named: bool,
        order_number: int | None = None,
    ) -> Interpretation:
        """What the message does beside naming products decides its intent over the
        classifier: a closing phrase, a question about prices, stock or a shop's goods, a
        correction of amounts; and a bare yes or no is a confirmation or a denial."""
        out.has_amount = has_amount
        out.adding = has_amount and (additive or acts.adding)
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
        quiet = acts.quiet  # the message does nothing else
        if named and quiet and not rest and not out.items and not (out.used_usual or out.used_last):
            # Only a name ("Henk de Wit", "met mevrouw van Dam"): an introduction, no order.
            intent = "greet"
        out.order_number = order_number
        if order_number is not None and not products and not out.correction:
            # "annuleer bestelling 12", "waar blijft bestelling 31?", "order #12": about that
            # placed order, naming no product. An amount added or set for the product talked
            # about ("doe er nog 2 bij in bestelling 12", "maak er 6 van") stays an order.
            if has_amount and additive:
                intent = "order"
            elif not (out.used_usual or out.used_last):
                out.items = []
                if intent not in ("cancel", "status"):
                    ranked = dict(out.intent_ranking)
                    intent = (
                        "cancel" if ranked.get("cancel", 0) > ranked.get("status", 0) else "status"
                    )
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
            index = self._single.put(entry, CatalogIndex([entry]))
        product = index.product(entry.sku)
        if product is None:
            return None
        prep = self._prepare(text, catalog=index)
        found: set[int | None] = set()
        raws = self._segmenter.scan(
            prep.toks, consumed=prep.consumed, usual_ends=set(), cue_tokens=set(), catalog=index
        )
        for raw in raws:
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
            qty, note = quantity(product, amount, portions=self._res.portion_containers)
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
        slots = self._spans.slots(content, index)
        if not slots or self._matcher.match(slots, None, index).status != "unknown":
            return True
        return all(s.norm in self._res.soft for s in slots)

    # -- reading the message --------------------------------------------------------------

    def _language(self, toks: list[Token], words: MessageWords, found: list[Found]) -> str:
        """ "nl" or "en" from the words: signal words of either language, the bilingual
        lexicon, and the product words (a catalogue name is Dutch unless it is English)."""
        spans = [(f.start, f.end) for f in found if f.match.status != "unknown"]
        nl = en = 0.0
        known = self._word_lang.get
        for i in words.idx:
            t = toks[i]
            signal_nl, signal_en, english, dutch = known(t.norm) or self._word_language(t.norm)
            nl += signal_nl
            en += signal_en
            if spans and within(t, spans):
                if english and not dutch:
                    en += 1
                elif not english:
                    nl += 1
            elif english and not dutch:
                en += 0.5
            elif dutch and not english:
                nl += 0.5
        return "en" if en > nl else "nl"

    def _word_language(self, w: str) -> tuple[int, int, bool, bool]:
        """What a word says of the language whatever the message: whether it is a signal
        word of Dutch, of English, and whether the lexicons know it as English, as Dutch."""
        hit = self._word_lang.get(w)
        if hit is None:
            res = self._res
            hit = (
                int(w in res.lang_nl),
                int(w in res.lang_en),
                english_word(w, res.en_words),
                w in res.nl_words or res.is_known_nl(w),
            )
            self._word_lang.put(w, hit)
        return hit

    def _intents(self, words: list[str], *, rules: _Rules) -> Ranking:
        """The intents by probability for the message's words (products and numbers masked
        in them), as the rules allow (see _gate). Kept per sequence of words: "2 witte broden"
        and "3 volkoren broden" are one, and new messages repeat them. What is kept is only
        read, never changed."""
        key = (tuple(words), rules)
        hit = self._rankings.get(key)
        if hit is None:
            ranking = _unsure(*self._classifier.rank_and_count(words))
            hit = self._rankings.put(key, _gate(ranking, rules))
        return hit

    def _intent_word(self, f: Found) -> bool:
        required = [s for s in f.slots if not s.optional]
        return bool(required) and all(
            s.fuzzy and f"w:{s.norm}" in self._classifier.vocab for s in required
        )


def _unsure(ranking: Ranking, seen: int, total: int) -> Ranking:
    """Less confidence for words the intent examples never used: "blablabla", "asdf" are
    no confirmation. Blends towards uniform by the share of unseen words.

    `total`: the classifier's words but products and numbers (masked there); `seen`: how
    many of them the examples have."""
    if not total or seen == total:
        return ranking
    share = seen / total
    flat = (1.0 - share) / len(ranking)
    return tuple([(k, share * p + flat) for k, p in ranking])


_GATED = ("close", "price_question", "availability_question", "browse")
# The gated intents no rule confirms, by whether each rule does (in _GATED's order).
_UNSUPPORTED: dict[tuple[bool, ...], frozenset[str]] = {
    flags: frozenset(k for k, ok in zip(_GATED, flags, strict=True) if not ok)
    for flags in itertools.product((False, True), repeat=len(_GATED))
}


def _gate(ranking: Ranking, rules: _Rules) -> Ranking:
    """The intents a rule confirms: the classifier alone does not close an order or turn
    a message into a question ("cheers" is a thank-you, "what have I got so far" asks for
    the basket). Their share goes to the other intents. `rules`: whether a rule confirms
    each of _GATED (browsing: the message names a shop or a kind of product)."""
    unsupported = _UNSUPPORTED[rules]
    if not unsupported:
        return ranking
    kept = [(k, v) for k, v in ranking if k not in unsupported]
    total = sum(map(itemgetter(1), kept))
    if len(kept) == len(ranking) or total <= 0:
        return ranking
    return tuple([(k, v / total) for k, v in kept])
