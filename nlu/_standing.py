"""Standing orders in a message: setting one up, showing, stopping, skipping, pausing, and
changing only this week.

    "elke donderdag 2 tijgerbroden en 6 eieren"    set_up, thu (the products are read as usual)
    "vaste bestelling: elke week het gewone"        set_up (the round day is the dialogue's)
    "every Tuesday a loaf of spelt bread"           set_up, tue
    "mijn vaste bestelling" / "my standing order"   show
    "stop mijn vaste bestelling"                    stop
    "OVERSLAAN", "volgende week niet", "skip"        skip (the coming delivery only)
    "op vakantie tot 12 januari"                    pause, until (12, 1)
    "deze week ook een appeltaart", "deze week geen eieren"   this_week

The words read here are consumed, so "donderdag", "12 januari" or "niet" are never read as a
product, an amount or a no.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from nlu._phrases import MessageWords, PhraseSet
from nlu._text import NUM, WORD, Token

StandingKind = Literal["set_up", "show", "stop", "skip", "pause", "this_week"]

WEEKDAYS: dict[str, str] = {
    **dict.fromkeys(("maandag", "maandags", "monday", "mondays"), "mon"),
    **dict.fromkeys(("dinsdag", "dinsdags", "tuesday", "tuesdays"), "tue"),
    **dict.fromkeys(("woensdag", "woensdags", "wednesday", "wednesdays"), "wed"),
    **dict.fromkeys(("donderdag", "donderdags", "thursday", "thursdays"), "thu"),
    **dict.fromkeys(("vrijdag", "vrijdags", "friday", "fridays"), "fri"),
    **dict.fromkeys(("zaterdag", "zaterdags", "saturday", "saturdays"), "sat"),
    **dict.fromkeys(("zondag", "zondags", "sunday", "sundays"), "sun"),
}
# "dinsdags", "on tuesdays": every week on that day, without "elke".
_HABITUAL = {w for w in WEEKDAYS if w.endswith("s") and not w.endswith("ays")} | {
    w for w in WEEKDAYS if w.endswith("days")
}
MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        [
            ("januari", "january", "jan"),
            ("februari", "february", "feb"),
            ("maart", "march", "mrt", "mar"),
            ("april", "apr"),
            ("mei", "may"),
            ("juni", "june", "jun"),
            ("juli", "july", "jul"),
            ("augustus", "august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_EVERY = {"elke", "iedere", "every", "each"}
_WEEK = {"week", "weken"}


def _phrases(*texts: str) -> PhraseSet:
    return PhraseSet([tuple(text.split()) for text in texts])


_STOP = _phrases(
    "stop mijn vaste bestelling", "stop met mijn vaste bestelling", "stop de vaste bestelling",
    "stop vaste bestelling", "vaste bestelling stoppen", "vaste bestelling opzeggen",
    "zeg mijn vaste bestelling op", "geen vaste bestelling meer", "mijn vaste bestelling stoppen",
    "mijn vaste bestelling opzeggen", "vaste bestelling stopzetten",
    "stop my standing order", "cancel my standing order", "end my standing order",
    "stop the standing order", "cancel the standing order", "no more standing order",
)  # fmt: skip
_SKIP = _phrases(
    "overslaan", "sla deze week over", "sla volgende week over", "deze week niet",
    "deze week niets", "deze week geen bestelling", "volgende week niet", "volgende week niets",
    "volgende keer niet", "deze keer niet", "deze keer overslaan",
    "skip", "skip this week", "skip next week", "not this week", "not next week",
    "nothing this week", "nothing next week",
)  # fmt: skip
_PAUSE = _phrases(
    "op vakantie tot", "op vakantie tot en met", "weg tot", "weg tot en met", "niet thuis tot",
    "pauzeer tot", "pauze tot", "stil tot", "geen bestelling tot", "niets tot",
    "on holiday until", "on vacation until", "away until", "pause until", "pause it until",
    "nothing until",
)  # fmt: skip
_SHOW = _phrases(
    "mijn vaste bestelling", "de vaste bestelling", "vaste bestelling", "my standing order",
    "standing order", "my regular order",
)  # fmt: skip
_SET_UP = _phrases(
    "elke week", "iedere week", "wekelijks", "every week", "each week", "weekly",
)  # fmt: skip
_THIS_WEEK = _phrases("deze week", "alleen deze week", "this week", "only this week")
_UNTIL = {"tot", "until", "till", "t/m"}


@dataclass(frozen=True)
class StandingAct:
    kind: StandingKind
    weekdays: tuple[str, ...] = ()
    # (day, month) of "tot 12 januari": the last day without.
    until: tuple[int, int] | None = None


class StandingReader:
    def read(
        self, toks: Sequence[Token], consumed: set[int], *, words: MessageWords
    ) -> StandingAct | None:
        if _CUES.isdisjoint(words.set):
            return None  # most messages say nothing about a standing order
        found: set[int] = set()
        if _STOP.find(words, found):
            consumed |= found
            return StandingAct("stop", self._weekdays(toks, consumed))
        pause = _PAUSE.find(words, found)
        if pause:
            until = self._date(toks, pause[-1][1], consumed)
            if until is not None:
                consumed |= found
                return StandingAct("pause", self._weekdays(toks, consumed), until=until)
            found.clear()
        skips = _SKIP.find(words, found)
        if skips and not _negated(toks, skips[0][0]):
            consumed |= found
            return StandingAct("skip", self._weekdays(toks, consumed))
        if skips:
            return None  # "niet overslaan", "don't skip": nothing to act on
        found.clear()
        every = self._every(toks, found) | bool(_SET_UP.find(words, found))
        show = bool(_SHOW.find(words, found))
        if every:
            consumed |= found
            return StandingAct("set_up", self._weekdays(toks, consumed))
        if _THIS_WEEK.find(words, found):
            consumed |= found
            return StandingAct("this_week")
        if show:
            # Not consumed: "mijn vaste bestelling" is also her usual order (nlu.yml's usual
            # phrases), which is what she means when she has no standing order; and
            # "vaste bestelling: 2 tijgerbroden" sets one up. The dialogue decides.
            return StandingAct("show", self._weekdays(toks, consumed))
        return None

    @staticmethod
    def _every(toks: Sequence[Token], found: set[int]) -> bool:
        """ "elke donderdag", "every Tuesday and Saturday", "dinsdags": weekdays it is for."""
        hit = False
        for i, tok in enumerate(toks):
            if tok.kind != WORD:
                continue
            if tok.norm in _HABITUAL:
                found.add(i)
                hit = True
            elif tok.norm in _EVERY:
                j = _next_word(toks, i)
                if j is not None and (toks[j].norm in WEEKDAYS or toks[j].norm in _WEEK):
                    found.update((i, j))
                    hit = True
        return hit

    @staticmethod
    def _weekdays(toks: Sequence[Token], consumed: set[int]) -> tuple[str, ...]:
        days: list[str] = []
        for i, tok in enumerate(toks):
            if tok.kind == WORD and tok.norm in WEEKDAYS:
                consumed.add(i)
                if WEEKDAYS[tok.norm] not in days:
                    days.append(WEEKDAYS[tok.norm])
        return tuple(days)

    @staticmethod
    def _date(toks: Sequence[Token], start: int, consumed: set[int]) -> tuple[int, int] | None:
        """ "12 januari", "january 12", "12-1", "12/1" right after `start`."""
        ahead = [i for i in range(start, min(len(toks), start + 6)) if toks[i].kind != "sep"]
        ahead = [i for i in ahead if toks[i].norm not in ("en", "met", "de", "the")]
        if len(ahead) >= 2:
            a, b = toks[ahead[0]], toks[ahead[1]]
            if a.kind == NUM and b.kind == WORD and b.norm in MONTHS and a.norm.isdigit():
                day, month = int(a.norm), MONTHS[b.norm]
            elif a.kind == WORD and a.norm in MONTHS and b.kind == NUM and b.norm.isdigit():
                day, month = int(b.norm), MONTHS[a.norm]
            else:
                return None
            if 1 <= day <= 31:
                consumed.update(range(start, ahead[1] + 1))
                return day, month
        return None


_NEGATIONS = {"niet", "not", "dont", "geen", "never", "nooit"}


def _negated(toks: Sequence[Token], start: int) -> bool:
    """ "niet overslaan", "please don't skip": the word before the phrase says no to it."""
    before = [t for t in toks[max(0, start - 2) : start] if t.kind == WORD]
    return any(t.norm in _NEGATIONS for t in before)


def _next_word(toks: Sequence[Token], i: int) -> int | None:
    for j in range(i + 1, len(toks)):
        if toks[j].kind == WORD:
            return j
    return None


_CUES = (
    set(WEEKDAYS)
    | _EVERY
    | _UNTIL
    | {"vaste", "standing", "regular", "wekelijks", "weekly", "overslaan", "skip", "week"}
    | {"vakantie", "holiday", "vacation", "keer"}
)
