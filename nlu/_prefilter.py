"""The first stage: what in a message is no order before any product is looked for. A placed
order's number ("annuleer bestelling 12"), list numbers, dates and times, house numbers and
addresses, sign-offs, signatures and names are marked consumed, so that no later stage reads
them as amounts or products."""

from __future__ import annotations

from nlu._index import CatalogIndex
from nlu._phrases import MessageWords, PhraseSet
from nlu._resources import Resources
from nlu._text import NL, NUM, OTHER, SEP, WORD, Token


class Prefilter:
    """Built once with the parser; keeps no state between messages."""

    def __init__(self, res: Resources) -> None:
        self._res = res
        self._intro = PhraseSet(res.introductions)
        self._intro_start = PhraseSet(res.introductions_at_start)
        # Words that may come before a closing formula ("bedankt, groetjes"), and the
        # formula's own words.
        self._lead = res.closer_fillers | res.thanks_words | res.thanks_fillers
        self._closing = res.closers | res.closer_fillers

    def run(self, toks: list[Token], *, words: MessageWords, catalog: CatalogIndex) -> set[int]:
        """The indices of the tokens that are no part of an order, but for names: those go
        by drop_signature and drop_names, after the usual order's phrases are found."""
        consumed: set[int] = set()
        if not words.nums:
            return consumed  # list numbers, house numbers, dates and times are all numbers
        if words.lines:
            drop_list_numbers(toks, consumed, nums=words.nums)
        self.drop_addresses(toks, consumed, nums=words.nums, catalog=catalog)
        self.drop_dates_and_times(toks, consumed, nums=words.nums)
        return consumed

    def drop_order_reference(
        self, toks: list[Token], consumed: set[int], *, words: MessageWords
    ) -> int | None:
        """The number of a placed order the message names, its words consumed: "annuleer
        bestelling 12", "bestelling 12 annuleren", "cancel my order number 7", "order #12",
        "ordernummer 44". A number after a bare order word is an amount when a word other
        than a cue follows ("order 12 croissants", "bij mijn bestelling 2 krentenbollen"),
        and "order" after "to", "I", "can"... is the verb ("I'd like to order 2")."""
        res = self._res
        if res.order_words.isdisjoint(words.set):
            return None
        n = len(toks)
        for i, t in enumerate(toks):
            if t.kind != WORD or t.norm not in res.order_words or i in consumed:
                continue
            marked = t.norm in res.order_number_words
            k = i + 1
            while k < n and (toks[k].norm in res.order_number_marks or toks[k].norm in (".", ":")):
                marked = marked or toks[k].norm in res.order_number_marks
                k += 1
            if k >= n or toks[k].kind != NUM or not toks[k].norm.isdigit():
                continue
            if not marked:
                b = i - 1
                while b >= 0 and toks[b].kind == OTHER:
                    b -= 1
                if b >= 0 and toks[b].kind == WORD and toks[b].norm in res.order_verb_before:
                    continue  # "to order 2": the verb
                after = toks[k + 1] if k + 1 < n else None
                if not (
                    after is None
                    or after.kind in (SEP, NL, OTHER)
                    or (after.kind == WORD and after.norm in res.order_number_after)
                ):
                    continue  # "order 12 croissants": an amount
            consumed.update(range(i, k + 1))
            return int(toks[k].norm)
        return None

    def drop_signature(
        self, toks: list[Token], consumed: set[int], *, words: MessageWords, catalog: CatalogIndex
    ) -> None:
        """A signature after a closing formula ("2 broden graag. Groetjes, Ans"), a message
        that is only a sign-off and a name ("hartelijke groet, Kees Visser", "kind regards,
        Peter Brown", "groetjes"), and names after a title ("met mevrouw de boer")."""
        res = self._res
        if res.closers.isdisjoint(words.set) and res.titles.isdisjoint(words.set):
            return  # no closing formula, no title: nothing here to take out
        if self._sign_off_alone(toks, consumed, catalog=catalog):
            return
        for n, i in enumerate(words.idx):
            w = toks[i].norm
            if w in res.closers and n >= 2 and not (i > 0 and toks[i - 1].kind == NUM):
                # A closing formula: what follows is a signature, not an order.
                consumed.update(range(i, len(toks)))
                return
            if w in res.titles and not toks[i].capitalised:
                # A name with a surname particle after a title, as speech writes it in lower
                # case: "met mevrouw de boer", "meneer van der berg".
                k = i + 1
                while k < len(toks) and toks[k].norm in res.name_particles:
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

    def _sign_off_alone(
        self, toks: list[Token], consumed: set[int], *, catalog: CatalogIndex
    ) -> bool:
        """A message that is a closing formula ("groetjes", "met vriendelijke groet", "kind
        regards") and then only a name ("Kees Visser", "J. de Boer") is taken out whole."""
        res = self._res
        n = len(toks)
        i = 0
        closer = ""
        # Thanks may come first: "bedankt, groetjes", "dank je wel, groetjes Ans".
        lead = self._lead
        while i < n and (toks[i].kind in (SEP, NL) or toks[i].norm in lead):
            i += 1
        while i < n and toks[i].kind == WORD and toks[i].norm in self._closing:
            if toks[i].norm in res.closers:
                closer = closer or toks[i].norm
            i += 1
        if not closer:
            return False
        names = 0
        while i < n:
            t = toks[i]
            w = t.norm
            if t.kind in (SEP, NL):
                i += 1
                continue
            if t.kind != WORD or names >= 4:
                return False
            initial = len(w) == 1 and i + 1 < n and toks[i + 1].norm == "."
            if w in res.name_particles or w in res.titles:
                pass
            elif t.capitalised or initial:
                names += 1
            elif (
                w in res.stopwords
                or w in res.numbers_nl
                or w in res.numbers_en
                or w in res.units
                or catalog.has_word(w)
            ):
                return False
            else:
                names += 1  # a name as speech writes it: "groetjes ans"
            i += 1
        if not names and closer in res.closers_need_name:
            return False
        consumed.update(range(n))
        return True

    def drop_dates_and_times(
        self, toks: list[Token], consumed: set[int], *, nums: list[int]
    ) -> None:
        """A date or a time is no amount: "op 14 december", "om 10 uur", "at 10:30".
        `nums`: the indices of the number tokens."""
        res = self._res
        n = len(toks)
        for i in nums:
            t = toks[i]
            k = i + 1
            if (
                k < n
                and toks[k].kind == WORD
                and toks[k].start == t.end
                and toks[k].norm in res.ordinal_ends  # "de 14e", "the 3rd"
            ):
                k += 1
            nxt = toks[k].norm if k < n else ""
            if i in consumed:
                continue
            if nxt in res.months or nxt in res.clock_words:
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

    def drop_addresses(
        self, toks: list[Token], consumed: set[int], *, nums: list[int], catalog: CatalogIndex
    ) -> None:
        """A house number is no amount: "ik woon op nummer 12", "Kerkstraat 5a". `nums`: the
        indices of the number tokens."""
        res = self._res
        for j in nums:
            i = j - 1
            if i < 0:
                continue
            t = toks[i]
            if t.kind != WORD:
                continue
            w = t.norm
            if w in res.address_words or (
                len(w) > 6 and w.endswith(res.street_ends) and not catalog.has_key(w)
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

    def drop_names(
        self, toks: list[Token], consumed: set[int], *, words: MessageWords, catalog: CatalogIndex
    ) -> None:
        """Names are never products, whatever food they sound like ("de Vries", "Bakker",
        "Boterman"): after an introduction ("u spreekt met", "ik ben", "this is"), after "met"
        opening a message (as on the phone), and after thanks at the end (a signature)."""
        res = self._res
        for a, b in self._intro.find(words, consumed, mark=False):
            phrase = tuple(t.norm for t in toks[a:b] if t.kind == WORD)
            lower = phrase not in res.introductions_weak
            self._take_name(toks, consumed, intro=(a, b), lower=lower, catalog=catalog)
        k = 0
        while k < len(toks) and (toks[k].kind != WORD or toks[k].norm in res.greetings):
            if toks[k].kind == NUM:
                break
            k += 1
        if k < len(toks) and toks[k].kind == WORD and toks[k].norm in self._intro_start.firsts:
            # An introduction opening the message (after greetings): "met Henk de Wit".
            p = words.idx.index(k)
            hit = self._intro_start.longest_at(words.norms, p)
            if hit:
                end = words.idx[p + hit - 1] + 1
                self._take_name(toks, consumed, intro=(k, end), lower=False, catalog=catalog)
        if not res.thanks_words.isdisjoint(words.set):
            self._drop_thanks_signature(toks, consumed)
        if not res.name_particles.isdisjoint(words.set):
            # "Henk de Wit": a name has a particle between its capitalised words.
            self._drop_particle_names(toks, consumed, catalog=catalog)

    def _take_name(
        self,
        toks: list[Token],
        consumed: set[int],
        *,
        intro: tuple[int, int],
        lower: bool,
        catalog: CatalogIndex,
    ) -> None:
        """Up to three name words after an introduction, with titles and surname particles;
        the introduction goes with them. A lower-case word is a name when `lower` allows it
        or a title or particle came first, and never when a product has that very word."""
        res = self._res
        n = len(toks)
        j = intro[1]
        led = False  # a title or particle came first: what follows is a surname
        while j < n and toks[j].kind == WORD and toks[j].norm in res.titles:
            led = True
            j += 1
            if j < n and toks[j].norm == ".":
                j += 1
        names = 0
        end = j
        while j < n and names < 3 and j not in consumed and toks[j].kind == WORD:
            t = toks[j]
            w = t.norm
            if w in res.name_particles:
                led = True
                j += 1
                continue
            if (
                w in res.stopwords
                or w in res.numbers_nl
                or w in res.numbers_en
                or w in res.units
                or w in res.piece_words
            ):
                break
            if not t.capitalised and (not (lower or led) or catalog.has_word(w)):
                break
            j += 1
            names += 1
            end = j
        if names:
            consumed.update(range(intro[0], end))

    def _drop_particle_names(
        self, toks: list[Token], consumed: set[int], *, catalog: CatalogIndex
    ) -> None:
        """A capitalised first name, surname particles and a capitalised surname are a name
        wherever they stand: "Henk de Wit", "Ans van der Ham" (no white bread, no ham)."""
        res = self._res
        n = len(toks)
        for i in range(n - 2):
            t = toks[i]
            if (
                i in consumed
                or t.kind != WORD
                or not t.capitalised
                or t.norm in res.stopwords
                or t.norm in res.greetings
                or t.norm in res.titles
                or catalog.has_word(t.norm)
            ):
                continue
            k = i + 1
            while k < n and toks[k].kind == WORD and not toks[k].capitalised:
                if toks[k].norm not in res.name_particles:
                    break
                k += 1
            if k > i + 1 and k < n and toks[k].kind == WORD and toks[k].capitalised:
                consumed.update(range(i, k + 1))

    def _drop_thanks_signature(self, toks: list[Token], consumed: set[int]) -> None:
        """ "Dank u wel, Ans Boterman", "Thanks! Kees": capitalised words that end the message
        after thanks are a signature."""
        res = self._res
        n = len(toks)
        last = n
        while last > 0 and toks[last - 1].kind in (SEP, NL):
            last -= 1
        k = last
        names = 0
        while k > 0 and names < 3 and toks[k - 1].kind == WORD:
            t = toks[k - 1]
            if t.capitalised:
                names += 1
            elif t.norm not in res.name_particles or not names:
                break
            k -= 1
        while k < last and not toks[k].capitalised:
            k += 1  # a particle before the first name belongs to what precedes
        if k == last:
            return
        j = k - 1
        while j >= 0 and (
            toks[j].kind in (SEP, NL)
            or (toks[j].kind == WORD and toks[j].norm in res.thanks_fillers)
        ):
            j -= 1
        if j >= 0 and toks[j].kind == WORD and toks[j].norm in res.thanks_words:
            consumed.update(range(k, last))


def drop_list_numbers(toks: list[Token], consumed: set[int], *, nums: list[int]) -> None:
    """Numbered lines ("1. Maisbrood\n2. Appelflap") count lines, not products: markers
    1, 2, 3... at the start of successive lines, each followed by "." or ")". `nums`: the
    indices of the number tokens."""
    markers: list[int] = []
    last = len(toks) - 2
    for i in nums:
        if i >= last:
            break
        t = toks[i]
        if (
            (i == 0 or toks[i - 1].kind == NL)
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
