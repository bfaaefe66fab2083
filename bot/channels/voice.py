"""Phone calls through Twilio Voice: speech and keypad in, the same Dialogue, speech out.

Every answer of a call is a request of its own. The step number travels in the Gather's
action URL, so a retried request (same CallSid and step) is recognised: it gets the answer it
got before, and the Dialogue sees the same message id (CallSid-step) and does nothing twice.
The keypad always works: 1 yes, 2 no, numbers for numbered choices, 9 repeat, 0 a person.
A caller with a standing order also hears 3 for it in the first menu; when it has been read
out, 1 skips its next delivery and 2 keeps it (only that key, or her saying "overslaan", skips).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from twilio.twiml.voice_response import Gather, VoiceResponse

from bot.channels.call_question import CallRequest, Question
from bot.dialogue import Dialogue
from bot.messages import InboundMessage, Reply
from bot.settings import Settings
from bot.words import Words
from catalog.models import Product
from conversations.calls import find_call, text_after_call
from conversations.models import CallState, Conversation
from core.database import unit_of_work, utcnow
from orders.models import AddressKind
from orders.residents import find_resident
from orders.standing.service import standing_orders_of

# Voice and recognition per resident language; Polly voices sound natural and slow down well.
VOICES = {"nl": ("Polly.Lotte", "nl-NL"), "en": ("Polly.Amy", "en-GB")}
# Twilio accepts up to 500 hints of at most 100 characters each.
MAX_HINTS = 500
HINT_WORDS = {
    "nl": [
        "ja", "nee", "het gewone", "mandje", "annuleren", "klopt", "een ons", "een pond",
        "vaste bestelling", "overslaan", "houden",
    ],
    "en": [
        "yes", "no", "the usual", "basket", "cancel", "that's right",
        "standing order", "skip", "keep it",
    ],
}  # fmt: skip
USUAL = {"nl": "het gewone", "en": "the usual"}
BASKET = {"nl": "mandje", "en": "basket"}
# What the standing-order keys tell the Dialogue, as a message would say it.
STANDING = {"nl": "mijn vaste bestelling", "en": "my standing order"}
SKIP = {"nl": "overslaan", "en": "skip"}
STANDING_KEY = "3"  # free in the first menu: 1 yes, 2 no, 9 repeat, 0 a person
SKIP_KEY, KEEP_KEY = "1", "2"
KEEP = {"nl": "houden", "en": "keep it"}
# Said to "1 to skip, 2 to keep": keeping it (a spoken no keeps it too).
KEEP_WORDS = {"houden", "behouden", "hem houden", "die houden", "laten staan", "keep", "keep it"}
SKIP_WORDS = {"overslaan", "overgeslagen", "skip", "skipped", "skippen"}
_NOT_SKIP = re.compile(r"\b(niet|not|don t|dont|do not|never|nooit|geen)( \w+)? (overslaan|skip)")
_MAX_SILENCES = 2  # asked again this many times, then goodbye


@dataclass
class _Caller:
    resident_id: int | None
    name: str
    language: str
    basket: bool
    # Paused by the coordinator: told so, and put through to her with 0; nothing is ordered.
    active: bool = True
    # She has an active standing order: the first menu offers it.
    standing: bool = False


class VoiceCalls:
    def __init__(
        self,
        *,
        dialogue: Dialogue,
        sessions: sessionmaker[Session],
        settings: Settings,
        words: Words,
        action_url: Callable[[int], str],
    ) -> None:
        self._dialogue = dialogue
        self._sessions = sessions
        self._settings = settings
        self._words = words
        self._action_url = action_url

    # -- entry point ---------------------------------------------------------------------

    def answer(self, request: CallRequest, *, now: datetime | None = None) -> str:
        """The TwiML for one request of a call."""
        now = now or utcnow()
        with self._sessions() as session:
            state = find_call(session, request.call_sid)
            if state is not None and request.step <= state.step and state.answer:
                return state.answer  # a retry: the same answer, nothing done again
            question = Question.from_dict(state.question) if state is not None else None
            silences = state.silences if state is not None else 0
            caller = self._caller(session, request.caller)
        if question is None:
            twiml, question = self._welcome(request, caller, now)
        else:
            twiml, question, silences = self._turn(request, caller, question, silences, now)
        self._save(request, caller, twiml, question, silences)
        return twiml

    # -- the call ------------------------------------------------------------------------

    def _welcome(
        self, request: CallRequest, caller: _Caller, now: datetime
    ) -> tuple[str, Question]:
        lang = caller.language
        if caller.resident_id is None:
            question = Question(
                "unknown",
                [
                    (
                        self._w(
                            "unknown_caller",
                            lang,
                            village=self._settings.village,
                            coordinator=self._settings.coordinator.name,
                        ),
                        False,
                    )
                ],
            )
            return self._ask(question, lang, request.step, keypad_only=True), question
        if not caller.active:
            paused = self._w(
                "call_paused",
                lang,
                village=self._settings.village,
                name=caller.name,
                coordinator=self._settings.coordinator.name,
            )
            question = Question("unknown", [(paused, False)])
            return self._ask(question, lang, request.step, keypad_only=True), question
        greeting = self._greeting(lang, now)
        if caller.basket:
            replies = self._handle(request, BASKET[lang], None, now)
            intro = self._w("call_greet_basket", lang, greeting=greeting, name=caller.name)
            question = self._from_replies(replies, lang)
            question.say.insert(0, (intro, False))
            return self._ask(question, lang, request.step), question
        usual = self._usual(caller)
        if usual:
            text = self._w(
                "call_greet_usual", lang, greeting=greeting, name=caller.name, usual=usual
            )
            question = Question(
                "usual",
                [(text, False), (self._w("yes_no_keys", lang), False)],
                yes=USUAL[lang],
            )
        else:
            question = Question(
                "open", [(self._w("call_greet", lang, greeting=greeting, name=caller.name), False)]
            )
        if caller.standing:
            question.say.append((self._w("call_standing_key", lang, digit=STANDING_KEY), False))
            question.menu = {STANDING_KEY: STANDING[lang]}
        question.say.append((self._w("repeat_keys", lang), False))
        return self._ask(question, lang, request.step), question

    def _turn(
        self,
        request: CallRequest,
        caller: _Caller,
        question: Question,
        silences: int,
        now: datetime,
    ) -> tuple[str, Question, int]:
        lang = caller.language
        digits = request.digits.strip()
        speech = " ".join(request.speech.split())
        if digits.startswith("0"):
            return self._transfer(lang), question, 0
        if digits == "9":
            return self._ask(question, lang, request.step), question, silences
        if not digits and not speech:
            silences += 1
            if silences > _MAX_SILENCES:
                return self._goodbye_silent(request, caller, question, now), question, silences
            again = Question(**{**question.__dict__, "say": list(question.say)})
            again.say.insert(0, (self._w("silence", lang), False))
            return self._ask(again, lang, request.step), question, silences
        if question.kind == "unknown":
            return self._ask(question, lang, request.step, keypad_only=True), question, 0
        text, version = self._meaning(question, digits, speech)
        if text is None:
            again = Question(**{**question.__dict__, "say": list(question.say)})
            again.say.insert(0, (self._w("unknown_key", lang), False))
            return self._ask(again, lang, request.step), question, 0
        if question.kind == "usual" and text == question.no:
            asked = Question("open", [(self._w("what_then", lang), False)])
            return self._ask(asked, lang, request.step), asked, 0
        if question.kind == "standing" and text == question.no:
            kept = self._w("call_standing_kept", lang)
            asked = Question("open", [(kept, False), (self._w("anything_else", lang), False)])
            return self._ask(asked, lang, request.step), asked, 0
        if question.kind == "standing" and text == "":
            # A bare "ja" to "1 to skip, 2 to keep": which one? Asked again, nothing skipped.
            again = Question(**{**question.__dict__, "say": list(question.say)})
            again.say.insert(0, (self._w("call_standing_which", lang), False))
            return self._ask(again, lang, request.step), question, 0
        replies = self._handle(request, text, version, now)
        asked = self._from_replies(replies, lang)
        return self._ask(asked, lang, request.step), asked, 0

    def _meaning(
        self, question: Question, digits: str, speech: str
    ) -> tuple[str | None, int | None]:
        """What to tell the Dialogue for a key press or a spoken answer."""
        yes_no = question.kind in ("usual", "confirm", "yes_no")
        version = question.version if question.kind == "confirm" else None
        if digits:
            if digits in question.menu:
                return question.menu[digits], None
            if digits in question.keys:
                return digits, None
            if yes_no and digits == "1":
                return question.yes, version
            if yes_no and digits == "2":
                return question.no, version
            return None, None
        if question.kind == "standing":
            return self._standing_meaning(question, speech), None
        # A spoken yes or no is read the way every channel reads it (nlu); a yes with more
        # words ("ja, en ook een brood") goes on as it was said.
        answer = self._dialogue.answer_of(speech) if yes_no else None
        if answer is not None and len(re.findall(r"\w+", speech)) <= 3:
            return (question.yes if answer == "yes" else question.no), version
        return speech, None

    def _standing_meaning(self, question: Question, speech: str) -> str:
        """A spoken answer to "1 to skip, 2 to keep": `question.no` keeps it, "" asks again.

        Only words the dialogue reads as a skip ("overslaan", "deze week niet") skip it, and
        those go to it as they were said, like anything else ("deze week geen eieren"). A bare
        yes names neither key, and a skip with a no or a not ("niet overslaan") is no clear
        skip: both are asked again. A no, or "houden", keeps it."""
        words = re.findall(r"\w+", speech.lower())
        bare = " ".join(words)
        if bare in KEEP_WORDS:
            return question.no
        skip = any(word in SKIP_WORDS for word in words)
        if skip and _NOT_SKIP.search(bare):
            return ""
        answer = self._dialogue.answer_of(speech) if len(words) <= 3 else None
        if answer == "no":
            return "" if skip else question.no
        if answer == "yes" and not skip:
            return ""
        return speech

    def _from_replies(self, replies: Sequence[Reply], lang: str) -> Question:
        say: list[tuple[str, bool]] = []
        for reply in replies:
            text = self._speakable(reply, lang)
            if text:
                say.append((text, reply.confirms_version is not None))
        written = "\n".join(r.text for r in replies)
        last = replies[-1] if replies else Reply("")
        if self._shows_standing(last) and len(say) > 1:
            # Her standing order was read out: its "what you can say" becomes two keys.
            say[-1] = (self._w("call_standing_keys", lang, skip=SKIP_KEY, keep=KEEP_KEY), False)
            menu = {SKIP_KEY: SKIP[lang], KEEP_KEY: KEEP[lang]}
            return Question("standing", say, written, yes=SKIP[lang], no=KEEP[lang], menu=menu)
        keys = tuple(c.key for c in last.choices)
        if keys and all(k.isdigit() for k in keys):
            say.append((self._w("choose_keys", lang), False))
            return Question("choose", say, written, keys=keys)
        if len(keys) == 2:
            say.append((self._w("yes_no_keys", lang), False))
            kind = "confirm" if last.confirms_version is not None else "yes_no"
            return Question(
                kind, say, written, version=last.confirms_version, yes=keys[0], no=keys[1]
            )
        say.append((self._w("anything_else", lang), False))
        return Question("open", say, written)

    def _shows_standing(self, reply: Reply) -> bool:
        """The dialogue's reply after showing her standing order ("standing_how")."""
        return reply.spoken is not None and reply.spoken.strip() in {
            self._w("standing_how", lang) for lang in VOICES
        }

    @staticmethod
    def _speakable(reply: Reply, lang: str) -> str:
        """The dialogue's spoken wording, its lines made into sentences for the voice."""
        lines = [line.strip(" -") for line in (reply.spoken or reply.text).splitlines()]
        text = " ".join(
            line if line.endswith((".", "?", "!", ":")) else line + "." for line in lines if line
        )
        return _spoken_amounts(text, lang)

    def _goodbye_silent(
        self, request: CallRequest, caller: _Caller, question: Question, now: datetime
    ) -> str:
        lang = caller.language
        response = VoiceResponse()
        texted = False
        if caller.resident_id is not None and question.written:
            with unit_of_work(self._sessions) as session:
                state = session.scalar(
                    select(Conversation.state).where(Conversation.resident_id == caller.resident_id)
                )
                if state is not None and state.basket:
                    intro = self._w("sms_after_call", lang)
                    text_after_call(
                        session,
                        to=request.caller,
                        name=caller.name,
                        text=f"{intro}\n{question.written}",
                        now=now,
                    )
                    texted = True
        key = "goodbye_silence_sms" if texted else "goodbye_silence"
        self._say(response, [(self._w(key, lang), False)], lang)
        response.hangup()
        return str(response)

    def _transfer(self, lang: str) -> str:
        coordinator = self._settings.coordinator
        response = VoiceResponse()
        transfer = self._w("transfer", lang, coordinator=coordinator.name)
        self._say(response, [(transfer, False)], lang)
        response.dial(coordinator.phone, timeout=30)
        # Reached only when nobody answers: say where to call, then end politely.
        values = {"coordinator": coordinator.name, "phone": _spell_phone(coordinator.phone)}
        self._say(response, [(self._w("no_transfer", lang, **values), False)], lang)
        response.hangup()
        return str(response)

    # -- TwiML -----------------------------------------------------------------------------

    def _ask(self, question: Question, lang: str, step: int, *, keypad_only: bool = False) -> str:
        response = VoiceResponse()
        gather: Gather = response.gather(
            input="dtmf" if keypad_only else "dtmf speech",
            language=VOICES.get(lang, VOICES["nl"])[1],
            hints=None if keypad_only else self._hints(lang),
            speech_timeout=None if keypad_only else "auto",
            timeout=8,
            num_digits=1,
            action_on_empty_result=True,
            action=self._action_url(step + 1),
            method="POST",
        )
        self._say(gather, question.say, lang)
        return str(response)

    @staticmethod
    def _say(parent: VoiceResponse | Gather, parts: Sequence[tuple[str, bool]], lang: str) -> None:
        voice, language = VOICES.get(lang, VOICES["nl"])
        for text, slowly in parts:
            if slowly:
                parent.say(voice=voice, language=language).prosody(text, rate="slow")
            else:
                parent.say(text, voice=voice, language=language)

    def _hints(self, lang: str) -> str:
        hints: dict[str, None] = dict.fromkeys(HINT_WORDS.get(lang, HINT_WORDS["nl"]))
        with self._sessions() as session:
            for name, aliases in session.execute(
                select(Product.name, Product.aliases).where(Product.available.is_(True))
            ):
                for phrase in [name, *aliases.split(";")]:
                    # "Witte bolletjes (zak van 6)" is asked for as "witte bolletjes".
                    bare = re.sub(r"\(.*?\)", " ", phrase.lower())
                    words = " ".join(re.findall(r"[^\W\d_]+", bare))
                    if words and len(words) <= 100:
                        hints[words] = None
        return ",".join(list(hints)[:MAX_HINTS])

    # -- helpers -------------------------------------------------------------------------

    def _handle(
        self, request: CallRequest, text: str, version: int | None, now: datetime
    ) -> list[Reply]:
        message = InboundMessage(
            channel="voice",
            sender=request.caller,
            text=text,
            message_id=f"{request.call_sid}-{request.step}",
            answers_version=version,
        )
        return self._dialogue.handle(message, now=now)

    def _caller(self, session: Session, number: str) -> _Caller:
        resident = find_resident(session, kind=AddressKind.PHONE, address=number)
        if resident is None:
            return _Caller(None, "", self._settings.language, False)
        state = session.scalar(
            select(Conversation.state).where(Conversation.resident_id == resident.id)
        )
        has_basket = state is not None and bool(state.basket)
        standing = resident.active and bool(standing_orders_of(session, resident_id=resident.id))
        return _Caller(
            resident.id, resident.name, resident.language, has_basket, resident.active, standing
        )

    def _usual(self, caller: _Caller) -> str:
        assert caller.resident_id is not None
        with self._sessions() as session:
            names = self._dialogue.usual_names(session, resident_id=caller.resident_id)
        return ", ".join(names)

    def _greeting(self, lang: str, now: datetime) -> str:
        return self._dialogue.greeting(language=lang, now=now)

    def _w(self, key: str, lang: str, **values: Any) -> str:
        return self._words(key, lang, medium="voice", **values)

    def _save(
        self,
        request: CallRequest,
        caller: _Caller,
        twiml: str,
        question: Question,
        silences: int,
    ) -> None:
        try:
            with unit_of_work(self._sessions) as session:
                state = find_call(session, request.call_sid, lock=True)
                if state is None:
                    state = CallState(call_sid=request.call_sid, caller=request.caller[:40])
                    session.add(state)
                elif request.step < state.step:
                    return  # a late retry finished after a newer step: keep the newer one
                state.step = request.step
                state.answer = twiml
                state.question = question.to_dict()
                state.silences = silences
                state.language = caller.language
        except IntegrityError:
            # The same first request handled twice at once: the other one stored the call.
            return


def _spoken_amounts(text: str, lang: str) -> str:
    """Written amounts that reach a spoken text ("2x", "200 g", "1,5 kg") as they are said."""
    text = re.sub(r"\b(\d+)x(?=\s)", r"\1", text)
    grams = "gram" if lang == "nl" else "grams"
    text = re.sub(r"\b(\d+) g\b", rf"\1 {grams}", text)
    return re.sub(r"\b(\d+(?:[.,]\d+)?) kg\b", r"\1 kilo", text)


def _spell_phone(phone: str) -> str:
    """+31306560000 read out as a Dutch caller dials it: 0 3 0, 6 5 6, 0 0 0 0."""
    digits = "0" + phone[3:] if phone.startswith("+31") else phone.lstrip("+")
    return " ".join(digits)
