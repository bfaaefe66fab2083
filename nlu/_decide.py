"""The fourth stage: from matched spans to the interpretation. The intent (products beside
the classifier's ranking), the items with their amounts (said, usual, or asked about), the
usual or last order, and what a message names that the shop does not sell."""

from __future__ import annotations

from nlu._classifier import Ranking
from nlu._history import HistoryView
from nlu._index import CatalogIndex, Product
from nlu._morph import word_keys
from nlu._quantities import (
    counts_things,
    multipack,
    multipack_in,
    quantity,
    sold_singly,
)
from nlu._resources import NOUN, Resources
from nlu._spans import Found
from nlu._types import INTENTS, History, Interpretation, Item

NON_ORDER = frozenset({"status", "help", "show_basket", "cancel", "greet", "confirm", "deny"})
# Intents that win over product words in the same message ("wanneer komt mijn brood");
# a greeting around an order ("Goedemiddag! een hele kip graag") never does.
_OVERRIDING = NON_ORDER - {"greet"}


class Decider:
    """Built once with the parser; keeps no state between messages."""

    def __init__(self, res: Resources) -> None:
        self._res = res

    def decide(
        self,
        *,
        text: str,
        language: str,
        ranking: Ranking,
        found: list[Found],
        catalog: CatalogIndex,
        history: History,
        used_usual: bool,
        used_last: bool,
        removal_cue: bool,
        asking: bool = False,
        keep_products: bool = False,
        adding: bool = False,
    ) -> Interpretation:
        """`asking`: a price or stock question, whose products are read as an order's;
        `keep_products`: an opening answer or correction, which never hides products;
        `adding`: the message adds products ("kan er nog een brood bij mijn bestelling?"),
        which no status or cancel reading of its words hides."""
        hist = HistoryView(history)
        top, top_p = ranking[0]
        # One pass over what was found: products (said or negated), the rest, and whether
        # any item states a number.
        products: list[Found] = []
        positive: list[Found] = []
        negative: list[Found] = []
        unmatched: list[Found] = []
        explicit = False
        for f in found:
            amount = f.raw.amount
            if amount is not None and amount.explicit_number:
                explicit = True
            if f.match.status == "unknown":
                unmatched.append(f)
                continue
            products.append(f)
            (negative if f.raw.negated else positive).append(f)
        # A question about prices or stock names its products as an order would.
        order_like = top in ("order", "remove") or top_p < 0.5 or asking
        unknowns = [
            f
            for f in unmatched
            if self._unknown_ok(f, found=found, order_like=order_like)
            or (asking and self._asked_thing(f))
        ]
        if used_usual or used_last:
            intent = "order"
        elif ((negative or removal_cue) and products and not positive) or (
            removal_cue and products and not any(f.raw.amount for f in positive)
        ):
            intent = "remove"
        elif positive or unknowns:
            intent = "order"
            if asking or keep_products or adding:
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
                items.append(self._item(f, catalog=catalog, hist=hist, remove=True))
        elif intent == "order":
            if used_usual or used_last:
                base = hist.last() if used_last else hist.usual()
                no_history = not hist.orders
                restrict: set[str] | None = None
                extra: list[Found] = []
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
                    excluded.append(self._item(f, catalog=catalog, hist=hist, remove=True))
                added = [self._item(f, catalog=catalog, hist=hist) for f in extra]
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
                items.extend(self._item(f, catalog=catalog, hist=hist) for f in positive)
                excluded.extend(
                    self._item(f, catalog=catalog, hist=hist, remove=True) for f in negative
                )
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
            if len(items) > 1:
                items.sort(key=_by_position)
        confidence = 0.0
        for k, v in ranking:
            if k == intent:
                confidence = v
                break
        if intent != top or (intent in ("order", "remove") and products):
            confidence = max(confidence, 0.9 if products or used_usual or used_last else 0.6)
        rest = [(k, v) for k, v in ranking if k != intent]
        scale = (1.0 - confidence) / max(sum([v for _, v in rest]), 1e-9)
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
        self, f: Found, *, product: Product, catalog: CatalogIndex
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
        return bool(words) and self._plural(words[-1], catalog=catalog)

    def _plural(self, word: str, *, catalog: CatalogIndex, depth: int = 0) -> bool:
        """Whether a resident's word is the plural of a thing: "uien", "champignons",
        "kastanjechampignons" (by its head), "onions"; not "karnemelk" or "citroen"."""
        res = self._res
        if res.nl_word_pos.get(word) == NOUN or word in res.en_words:
            return False
        if any(k != word and res.nl_word_pos.get(k) == NOUN for k in word_keys(word)):
            return True
        if english_plural(word, res.en_words):
            return True
        if depth == 0:
            # A compound is plural when its head is: the longest head the lexicon knows.
            for cut in range(3, len(word) - 2):
                head = word[cut:]
                if res.pos(head) == NOUN:
                    return self._plural(head, catalog=catalog, depth=1)
        return False

    def _asked_thing(self, f: Found) -> bool:
        """A thing a price or stock question names, in either language ("leeks"), so the
        answer can say it is not sold."""
        return (
            not f.leftover
            and len(f.slots) <= 3
            and any(s.noun or english_word(s.norm, self._res.en_words) for s in f.slots)
        )

    def _unknown_ok(self, f: Found, *, found: list[Found], order_like: bool) -> bool:
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
        self, f: Found, *, catalog: CatalogIndex, hist: HistoryView, remove: bool = False
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
                if (
                    product is None
                    or quantity(product, amount, portions=self._res.portion_containers)[1]
                    is not None
                ):
                    return False
                if amount.pack_size is not None:
                    pack = product.pack
                    return (
                        pack is not None
                        and pack.dimension == "count"
                        and (abs(pack.amount - amount.pack_size) < 1e-6)
                    )
                return True

            in_play = tuple([fit.sku for fit in m.fits if not fit.weak]) or candidates
            if amount.container is not None:
                # "een krat bier", "a box of eggs": a container that names a pack of several
                # things chooses that pack over the single bottle or egg.
                # Only a pack the words name as well as the chosen product: "een bak
                # aardbeien" is a punnet of strawberries, not a tray of strawberry plants.
                packs = tuple(
                    c
                    for c in in_play
                    if multipack_in(catalog, c, amount.container)
                    and _head_named(f, catalog.product(c))
                )
                if packs and sku not in packs:
                    in_play = packs
                    if len(packs) == 1:
                        status, sku = "resolved", packs[0]
                    else:
                        status, sku, candidates = "ambiguous", None, packs
            if status == "ambiguous" or (sku is not None and not fits(sku)):
                fitting = tuple(c for c in in_play if fits(c))
                if len(fitting) > 1 and counts_things(amount):
                    # "12 eieren", "a dozen eggs" where eggs are sold loose and in boxes:
                    # the resident counts the eggs, and the loose ones are sold by that count.
                    loose = tuple(c for c in fitting if sold_singly(catalog, c))
                    if len(loose) == 1 and all(
                        multipack(catalog, c) for c in fitting if c not in loose
                    ):
                        fitting = loose
                if len(fitting) == 1:
                    status, sku = "resolved", fitting[0]
                elif fitting:
                    status, sku, candidates = "ambiguous", None, fitting
        if status == "ambiguous" and candidates:
            # Taking out, the past may say which one; ordering, only between products the
            # resident's words fit.
            chosen = None if f.partial and not remove else hist.settle(candidates)
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
                qty, _ = quantity(product, f.raw.amount, portions=self._res.portion_containers)
            return Item("resolved", sku, qty, (), f.text, span, from_history, note, unit)
        qty, qnote = quantity(product, f.raw.amount, portions=self._res.portion_containers)
        if qnote is None and self._counts_things_in_a_weighed_pack(
            f, product=product, catalog=catalog
        ):
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


def _by_position(item: Item) -> int:
    """Items in message order; those from her history (no span) first."""
    return item.span[0] if item.span != (0, 0) else -1


def _head_named(f: Found, product: Product | None) -> bool:
    """Whether the resident's words name what a product is, its head, and not only what it
    is made of or for: "aardbeien" names "Aardbeien (bakje)", not "Aardbeien|planten"."""
    if product is None:
        return False
    keys: set[str] = set()
    for s in f.slots:
        if not s.optional:
            for alt in s.alts:
                if alt:
                    keys |= alt[-1].keys
    for form in product.forms:
        for w in form.words:
            if w.kind not in ("content", "implied"):
                continue
            head = w.parts[-1].keys if w.parts else w.keys
            if head & keys:
                return True
    return False


def english_plural(w: str, words: set[str]) -> bool:
    return w not in words and english_word(w, words)


def english_word(w: str, words: set[str]) -> bool:
    """A word of the English lexicon, or its regular plural ("eggs", "strawberries")."""
    if w in words:
        return True
    if w.endswith("ies") and w[:-3] + "y" in words:
        return True
    if w.endswith("es") and w[:-2] in words:
        return True
    return w.endswith("s") and w[:-1] in words
