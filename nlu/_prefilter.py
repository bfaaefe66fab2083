"""The first stage: what in a message is no order before any product is looked for. List
numbers, dates and times, house numbers and addresses, signatures and names are marked
consumed, so that no later stage reads them as amounts or products."""

from __future__ import annotations

from nlu._index import CatalogIndex
from nlu._resources import Resources
from nlu._text import NL, NUM, SEP, WORD, Token


class Prefilter:
    """Built once with the parser; keeps no state between messages."""

    def __init__(self, res: Resources) -> None:
        self._res = res

    def run(self, toks: list[Token], *, catalog: CatalogIndex) -> set[int]:
        """The indices of the tokens that are no part of an order."""
        consumed: set[int] = set()
        drop_list_numbers(toks, consumed)
        self.drop_addresses(toks, consumed, catalog=catalog)
        self.drop_dates_and_times(toks, consumed)
        self.drop_signature(toks, consumed)
        return consumed

    def drop_signature(self, toks: list[Token], consumed: set[int]) -> None:
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

    def drop_dates_and_times(self, toks: list[Token], consumed: set[int]) -> None:
        """A date or a time is no amount: "op 14 december", "om 10 uur", "at 10:30"."""
        res = self._res
        n = len(toks)
        for i, t in enumerate(toks):
            if t.kind != NUM:
                continue
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
        self, toks: list[Token], consumed: set[int], *, catalog: CatalogIndex
    ) -> None:
        """A house number is no amount: "ik woon op nummer 12", "Kerkstraat 5a"."""
        res = self._res
        for i in range(len(toks) - 1):
            t = toks[i]
            if t.kind != WORD or toks[i + 1].kind != NUM:
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


def drop_list_numbers(toks: list[Token], consumed: set[int]) -> None:
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
