"""The third stage: raw items matched against the catalogue. Each raw item's words become
slots; a whole span may name one product, one product across its names, several products
without separators ("brood kaas melk"), a category, or nothing the shop sells."""

from __future__ import annotations

from dataclasses import dataclass

from nlu._index import CatalogIndex
from nlu._matcher import Fit, Match, Matcher, Slot
from nlu._resources import ADJECTIVE, NOUN, Resources
from nlu._segment import Raw
from nlu._text import WORD, Token


@dataclass(slots=True)
class Found:
    raw: Raw
    match: Match
    slots: list[Slot]
    start: int
    end: int
    text: str
    leftover: bool = False
    partial: bool = False


class SpanMatcher:
    """Built once with the parser; keeps no state between messages."""

    def __init__(self, res: Resources, matcher: Matcher) -> None:
        self._res = res
        self._matcher = matcher

    def slots(self, content: list[Token], catalog: CatalogIndex) -> list[Slot]:
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

    def match_all(self, raws: list[Raw], catalog: CatalogIndex) -> list[Found]:
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
                probe = self._matcher.match(self.slots(r.content, catalog), None, catalog)
                if probe.status != "resolved":
                    r.content = [*r.content, nxt.content[-1]]
        found: list[Found] = []
        for r in raws:
            if not r.content and r.amount is not None and r.amount.container is not None:
                noun = r.amount.container
                if res.pos(noun) == NOUN:
                    # "two loaves": the container is the thing itself (a loaf of bread).
                    r.content = [Token(WORD, noun, noun, r.amount.start, r.amount.end)]
            if not r.content:
                continue
            slots = self.slots(r.content, catalog)
            if not slots or (
                any(s.slip for s in slots) and all(s.slip or s.optional for s in slots)
            ):
                # A slip of a describing word alone ("gebeld" is no "gepeld"): nothing named.
                continue
            container = r.amount.container if r.amount else None
            found.extend(self.match_slots(r, slots, container=container, catalog=catalog))
        return found

    def match_slots(
        self, r: Raw, slots: list[Slot], *, container: str | None, catalog: CatalogIndex
    ) -> list[Found]:
        m = self._matcher.match(slots, container, catalog)
        required = [s for s in slots if not s.optional]
        if m.status == "resolved":
            m = self._category_word(m, required, catalog)
        if m.status != "unknown":
            return [self.found(r, m, slots=slots)]
        if not required:
            return []
        both = self.across_forms(required, container=container, catalog=catalog)
        if both is not None:
            return [self.found(r, both, slots=slots)]
        if len(required) > 1:
            parts = self.split_span(r, required, container=container, catalog=catalog)
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
                return [self.found(r, m2, slots=slots)]
        cat = self.category(required, catalog)
        if cat is not None:
            return [self.found(r, cat, slots=slots)]
        return [self.found(r, Match(), slots=slots)]

    def _category_word(self, m: Match, required: list[Slot], catalog: CatalogIndex) -> Match:
        """A single word that is a category of the catalogue ("koffie") and settles on one
        product it names only in part ("Gemalen koffie filter") asks among the category:
        coffee beans are coffee too, though their name says "bonen". Where the word already
        leaves a choice ("brood"), the choice stays among what it names."""
        if len(required) != 1 or any(f.exact for f in m.fits):
            return m
        cat = self.category(required, catalog)
        if cat is None or len(cat.fits) < 2:
            return m
        in_category = {f.sku for f in cat.fits}
        if not {f.sku for f in m.fits} <= in_category:
            return m
        found = {f.sku for f in m.fits}
        rest = [Fit(f.sku, 0.0, False, False, False) for f in cat.fits if f.sku not in found]
        return Match([*m.fits, *rest], "ambiguous")

    def across_forms(
        self, slots: list[Slot], *, container: str | None, catalog: CatalogIndex
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

    def category(self, slots: list[Slot], catalog: CatalogIndex) -> Match | None:
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

    def split_span(
        self, r: Raw, slots: list[Slot], *, container: str | None, catalog: CatalogIndex
    ) -> list[Found] | None:
        """Several products without separators ("brood kaas melk"), or words around one."""
        out: list[Found] = []
        i = 0
        matched_any = False
        leftovers: list[Slot] = []
        # The item's amount goes to its first product, past words that name nothing ("2
        # gekke croissants"), but not past a food word the shop lacks: that was its amount.
        amount = r.amount
        while i < len(slots):
            hit: tuple[int, Match] | None = None
            for j in range(min(len(slots), i + 4), i, -1):
                if j < len(slots) and all(s.adjective for s in slots[i:j]):
                    # "rode" before "kool": the adjective belongs to the next noun, it does
                    # not name a product of its own ("Rode bieten").
                    continue
                if all(s.slip for s in slots[i:j]):
                    continue
                m = self._matcher.match(slots[i:j], container, catalog)
                if m.status != "unknown":
                    hit = (j, m)
                    break
            if hit is None:
                if slots[i].adjective and (not slots[i].slip or i + 1 < len(slots)):
                    # "witte wijn" where only red wine is sold: the kind is not for sale. A
                    # slip describes only a word after it ("collega gebeld" is no "gepeld").
                    return None
                leftovers.append(slots[i])
                i += 1
                continue
            if leftovers:
                out.append(self.leftover(r, leftovers))
                if not out[-1].leftover:
                    amount = None
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
                out[-1] = self.found(prev.raw, m, slots=[*prev.slots, *slots[i:j]])
                i = j
                continue
            matched_any = True
            part = Raw(amount, [], r.negated, sep_before=r.sep_before)
            amount = None
            part.after_usual = r.after_usual
            out.append(self.found(part, m, slots=slots[i:j]))
            i = j
        if leftovers:
            out.append(self.leftover(r, leftovers))
        if not matched_any:
            return None
        if any(f.leftover or f.match.status == "unknown" for f in out):
            # Words beside the product that it does not have ("een xyzzy melk"): what the
            # resident named is only partly this product, so the past may not choose for her.
            for f in out:
                f.partial = f.match.status != "unknown"
        return out

    def leftover(self, r: Raw, slots: list[Slot]) -> Found:
        raw = Raw(None, [], r.negated, sep_before="none")
        f = self.found(raw, Match(), slots=slots)
        # Only a real food or shop word the catalogue lacks becomes an "unknown" item.
        f.leftover = not any(s.noun for s in slots)
        return f

    def found(self, r: Raw, m: Match, *, slots: list[Slot]) -> Found:
        start = min([s.start for s in slots])
        end = max([s.end for s in slots])
        text = " ".join([s.text for s in slots])
        if r.amount is not None and r.amount.start < start:
            start = r.amount.start
        return Found(r, m, slots, start, end, text)

    # -- deciding -------------------------------------------------------------------------


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
                if catalog.has_word_key(joined):
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
