"""Inbound SMS and WhatsApp from Twilio: one form post in, one TwiML reply out.

SMS opt-out keywords: Twilio itself acts on STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
REVOKE and OPTOUT sent as the whole message (any case) on SMS: from then on it refuses to
deliver anything from our number to that phone (error 21610) until START, UNSTOP or YES. We
mirror that in our own table, so the outbox stops trying instead of collecting failures, and
we answer nothing (Twilio sends its own confirmation). That includes English "cancel" alone: on
SMS Twilio has already unsubscribed the resident, whatever we would like it to mean. Dutch
"annuleren", and "cancel" inside a longer message, go to the dialogue as usual. WhatsApp has no
such keywords: there "stop" and "cancel" are ordinary words.

Opt-out words are honoured before the rate limit: a flooded phone must still be able to stop.
Beyond the limit Twilio gets an empty TwiML reply (a 200: an error would make it retry).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from twilio.twiml.messaging_response import MessagingResponse

from bot.dialogue import Dialogue
from bot.messages import InboundMessage, Reply
from bot.words import Words
from conversations.rate_limits import RateLimiter
from core.database import unit_of_work, utcnow
from core.gsm7 import count_segments, to_gsm7
from orders.models import AddressKind
from orders.opt_outs import is_opted_out, opt_in, opt_out
from orders.residents import find_resident

OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})
# A WhatsApp quick-reply button of ours carries "ja:<version>" or "nee:<version>".
_BUTTON = re.compile(r"^(?P<key>[^:]+):(?P<version>[0-9]{1,9})$")


def channel_of(sender: str) -> str:
    return "whatsapp" if sender.startswith("whatsapp:") else "sms"


def keyword_of(body: str) -> str:
    return " ".join(body.split()).upper().replace(" ", "")


class Messaging:
    def __init__(
        self,
        *,
        dialogue: Dialogue,
        sessions: sessionmaker[Session],
        limiter: RateLimiter | None = None,
        words: Words | None = None,
        language: str = "nl",
    ) -> None:
        self._dialogue = dialogue
        self._sessions = sessions
        self._limiter = limiter
        self._words = words or Words()
        self._language = language

    def answer(self, form: Mapping[str, str], *, now: datetime | None = None) -> str:
        """The TwiML reply for one inbound message (already checked to come from Twilio)."""
        now = now or utcnow()
        sender = form.get("From", "").strip()
        body = form.get("Body", "")
        channel = channel_of(sender)
        if channel == "sms" and self._opt_keyword(sender, body, now):
            return str(MessagingResponse())
        if self._limiter is not None:
            verdict = self._limiter.check(channel=channel, sender=sender, now=now)
            if not verdict.allowed:
                notice = [Reply(self._notice(channel, sender))] if verdict.notice else []
                return render_twiml(notice, channel=channel)
        text, version = body, None
        button = _BUTTON.match(form.get("ButtonPayload", ""))
        if channel == "whatsapp" and button is not None:
            text, version = button["key"], int(button["version"])
        message = InboundMessage(
            channel=channel,
            sender=sender,
            text=text,
            message_id=form.get("MessageSid") or form.get("SmsSid", ""),
            answers_version=version,
        )
        replies = self._dialogue.handle(message, now=now)
        return render_twiml(replies, channel=channel)

    def _notice(self, channel: str, sender: str) -> str:
        kind = AddressKind.WHATSAPP if channel == "whatsapp" else AddressKind.PHONE
        with self._sessions() as session:
            resident = find_resident(session, kind=kind, address=sender)
        language = resident.language if resident is not None else self._language
        return self._words("rate_limited", language)

    def _opt_keyword(self, sender: str, body: str, now: datetime) -> bool:
        word = keyword_of(body)
        if word not in OPT_OUT_KEYWORDS and word not in OPT_IN_KEYWORDS:
            return False
        with unit_of_work(self._sessions) as session:
            if word in OPT_OUT_KEYWORDS:
                opt_out(session, channel="sms", address=sender, now=now)
                return True
            if not is_opted_out(session, channel="sms", address=sender):
                return False  # "yes" from someone who never sent STOP is just a yes
            opt_in(session, channel="sms", address=sender)
            return True


def render_twiml(replies: list[Reply], *, channel: str) -> str:
    response = MessagingResponse()
    text = "\n\n".join(reply.text for reply in replies if reply.text)
    if channel == "sms":
        text = to_gsm7(text)
    if text:
        response.message(text)
    return str(response)


def sms_cost(replies: list[Reply]) -> int:
    """Segments the SMS answer to these replies takes (for logs and tests)."""
    return count_segments(to_gsm7("\n\n".join(r.text for r in replies))).count
