"""SMS and WhatsApp out through Twilio's Messages API, for the outbox worker.

Twilio's answer decides retry or not: 429 and 5xx and a lost connection come back later;
an invalid or unsubscribed number, or WhatsApp refusing a free-form message, never will.

No idempotency key is sent, because the Messages API has none: `messages.create` (POST
/2010-04-01/Accounts/{sid}/Messages.json) takes no such parameter or header, while the same
generated twilio-python client does pass `idempotency_key` for the few Twilio APIs that offer
one (call payments, user-defined messages, Conversations v2, Voice v3 transcriptions).
`I-Twilio-Idempotency-Token` is a header Twilio sends on its webhooks to us, not one it reads
on our calls. So a message whose POST reached Twilio but whose answer was lost (a timeout, a
connection reset) is sent again on retry: the outbox is at least once (orders/outbox.py).
The HTTP client does not retry a POST by itself, so each outbox attempt is one request per part.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.settings import WhatsAppTemplate
from conversations.models import InboundMessage as InboundRecord
from core.database import standalone, utcnow
from core.gsm7 import split_for_sms, to_gsm7
from orders.opt_outs import is_opted_out
from orders.outbox import OutgoingMessage, PermanentSendError, Sender, TransientSendError

# Twilio error codes that will not change by trying again.
# https://www.twilio.com/docs/api/errors
PERMANENT_CODES = {
    21211: "invalid 'To' phone number",
    21214: "'To' number cannot be reached",
    21408: "sending to this region is not enabled on the Twilio account",
    21610: "the recipient unsubscribed (sent STOP)",
    21612: "this number cannot be reached from the 'From' number",
    21614: "'To' number is not a mobile number",
    63016: "outside WhatsApp's 24-hour window: only a template may be sent",
    63024: "invalid WhatsApp recipient",
}
# Twilio allows free-form WhatsApp messages for 24 hours after the resident's last one; keep a
# margin for the time a message waits in the outbox and in Twilio's queue.
WHATSAPP_WINDOW = timedelta(hours=24) - timedelta(minutes=10)
# Longest SMS we still send in one go; Twilio refuses bodies over 1600 characters.
MAX_SMS_SEGMENTS = 10


def twilio_client(
    account_sid: str, auth_token: str, *, api_base_url: str | None = None, timeout: float = 15.0
) -> Client:
    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
    if api_base_url:
        # Documented way to reach a stand-in of the API (tests, staging); no edge/region set.
        client.api.base_url = api_base_url.rstrip("/")
    return client


def plain_number(address: str) -> str:
    return address.removeprefix("whatsapp:").strip()


class _TwilioMessages:
    channel = ""

    def __init__(self, *, client: Client, from_number: str) -> None:
        self._client = client
        self._from = from_number

    def _create(self, **fields: Any) -> str:
        try:
            created = self._client.messages.create(from_=self._from, **fields)
        except TwilioRestException as error:
            raise classify_twilio_error(error) from error
        except (requests.ConnectionError, requests.Timeout) as error:
            reason = f"Twilio not reachable: {type(error).__name__}"
            raise TransientSendError(reason=reason) from error
        return str(created.sid)


def classify_twilio_error(error: TwilioRestException) -> Exception:
    status = int(error.status or 0)
    code = int(error.code) if error.code is not None else None
    described = f"Twilio {status}" + (f" error {code}" if code else "") + f": {error.msg}"
    if status == 429 or status >= 500:
        return TransientSendError(reason=described)
    if status in (401, 403) and code not in PERMANENT_CODES:
        # Wrong credentials or a suspended account: fixable, and then the message should go.
        return TransientSendError(reason=described)
    if code in PERMANENT_CODES:
        return PermanentSendError(reason=f"{PERMANENT_CODES[code]} (Twilio {code})")
    return PermanentSendError(reason=described)


class SmsSender(_TwilioMessages):
    """Plain text messages in GSM-7 where possible; nothing to numbers that sent STOP."""

    channel = "sms"

    def __init__(
        self, *, client: Client, from_number: str, sessions: sessionmaker[Session]
    ) -> None:
        super().__init__(client=client, from_number=plain_number(from_number))
        self._sessions = sessions

    def send(self, message: OutgoingMessage) -> None:
        to = plain_number(message.recipient)
        with standalone(self._sessions) as session:
            if is_opted_out(session, channel="sms", address=to):
                raise PermanentSendError(reason="the recipient unsubscribed (sent STOP)")
        # A long list (a shop's busy round) goes as numbered parts, each within Twilio's limit.
        # A retry after a failed later part sends the earlier parts again: rare, and harmless.
        for part in split_for_sms(to_gsm7(message.text), max_segments=MAX_SMS_SEGMENTS):
            self._create(to=to, body=part)


class WhatsAppSender(_TwilioMessages):
    """Free text inside 24 hours of the resident's last message; a template outside it."""

    channel = "whatsapp"

    def __init__(
        self,
        *,
        client: Client,
        from_number: str,
        sessions: sessionmaker[Session],
        templates: dict[str, WhatsAppTemplate],
        fallback: Sender | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(client=client, from_number="whatsapp:" + plain_number(from_number))
        self._sessions = sessions
        self._templates = templates
        self._fallback = fallback
        self._clock = clock

    def send(self, message: OutgoingMessage) -> None:
        number = plain_number(message.recipient)
        to = "whatsapp:" + number
        last = self.last_inbound(number)
        if last is not None and self._clock() - last < WHATSAPP_WINDOW:
            self._create(to=to, body=message.text)
            return
        template = self._templates.get(message.kind)
        if template is None and self._fallback is not None:
            # Better a text message than nothing: the same number, by SMS.
            self._fallback.send(dataclasses.replace(message, channel="sms", recipient=number))
            return
        if template is None:
            raise PermanentSendError(
                reason=f"more than 24 hours since the resident's last WhatsApp message and no "
                f"template configured for {message.kind!r} (channels.whatsapp.templates)"
            )
        variables = {
            slot: _fill(source, message) for slot, source in sorted(template.variables.items())
        }
        self._create(
            to=to,
            content_sid=template.content_sid,
            content_variables=json.dumps(variables, ensure_ascii=False),
        )

    def last_inbound(self, number: str) -> datetime | None:
        with standalone(self._sessions) as session:
            last: datetime | None = session.scalar(
                select(func.max(InboundRecord.received_at)).where(
                    InboundRecord.channel == "whatsapp",
                    InboundRecord.sender.in_(("whatsapp:" + number, number)),
                )
            )
        return last


def _fill(source: str, message: OutgoingMessage) -> str:
    if source == "text":
        return message.text
    if source == "recipient_name":
        return message.recipient_name or ""
    value = (message.payload or {}).get(source, "")
    return str(value)
