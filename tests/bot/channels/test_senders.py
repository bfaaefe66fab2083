"""Outbound senders against local fakes of Twilio, the Telegram Bot API and an SMTP server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession

from bot.channels.email_sender import EmailSender
from bot.channels.telegram_sender import RateLimiter, TelegramSender
from bot.channels.twilio_sender import SmsSender, WhatsAppSender, twilio_client
from bot.senders import default_senders
from bot.settings import WhatsAppTemplate
from bot.wiring import Runtime
from conversations.models import InboundMessage as InboundRecord
from core.database import unit_of_work, utcnow
from orders.opt_outs import opt_out
from orders.outbox import OutgoingMessage, PermanentSendError, SendResult, TransientSendError
from tests.bot.channels.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BOT_TOKEN,
    JANSEN,
    SMS_NUMBER,
    WHATSAPP_NUMBER,
    FakeTelegram,
    FakeTwilio,
)


def outgoing(
    recipient: str, text: str = "Uw bestelling 12: € 3,45", **extra: Any
) -> OutgoingMessage:
    values: dict[str, Any] = {
        "id": 1,
        "kind": "order_confirmation",
        "channel": "sms",
        "recipient": recipient,
        "recipient_name": "Mevrouw A. Jansen",
        "text": text,
        "payload": {"order": 12},
        "attempt": 1,
    }
    values.update(extra)
    return OutgoingMessage(**values)


def sms_sender(runtime: Runtime, twilio: FakeTwilio) -> SmsSender:
    client = twilio_client(ACCOUNT_SID, AUTH_TOKEN, api_base_url=twilio.url)
    return SmsSender(client=client, from_number=SMS_NUMBER, sessions=runtime.sessions)


def test_sms_goes_out_in_gsm7(runtime: Runtime, fake_twilio: FakeTwilio) -> None:
    sms_sender(runtime, fake_twilio).send(outgoing(JANSEN, "Tweeëntwintig: € 3,45"))
    [sent] = fake_twilio.messages()
    assert sent == {"To": JANSEN, "From": SMS_NUMBER, "Body": "Tweeentwintig: EUR 3,45"}


@pytest.mark.parametrize(
    ("status", "code", "error", "reason"),
    [
        (400, 21211, PermanentSendError, "invalid 'To' phone number"),
        (400, 21610, PermanentSendError, "unsubscribed"),
        (429, 20429, TransientSendError, "Twilio 429"),
        (500, None, TransientSendError, "Twilio 500"),
        (503, 20503, TransientSendError, "Twilio 503"),
    ],
)
def test_twilio_errors_are_sorted_into_retry_or_not(
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    status: int,
    code: int | None,
    error: type[Exception],
    reason: str,
) -> None:
    fake_twilio.failures[JANSEN] = (status, code)
    with pytest.raises(error) as raised:
        sms_sender(runtime, fake_twilio).send(outgoing(JANSEN))
    assert reason in str(raised.value)


def test_twilio_unreachable_is_transient(runtime: Runtime) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    client = twilio_client(ACCOUNT_SID, AUTH_TOKEN, api_base_url=closed)
    sender = SmsSender(client=client, from_number=SMS_NUMBER, sessions=runtime.sessions)
    with pytest.raises(TransientSendError):
        sender.send(outgoing(JANSEN))


def test_an_opted_out_number_gets_nothing(runtime: Runtime, fake_twilio: FakeTwilio) -> None:
    with unit_of_work(runtime.sessions) as session:
        opt_out(session, channel="sms", address=JANSEN, now=utcnow())
    with pytest.raises(PermanentSendError, match="STOP"):
        sms_sender(runtime, fake_twilio).send(outgoing(JANSEN))
    assert fake_twilio.messages() == []


def whatsapp_sender(
    runtime: Runtime, twilio: FakeTwilio, *, fallback: SmsSender | None = None
) -> WhatsAppSender:
    client = twilio_client(ACCOUNT_SID, AUTH_TOKEN, api_base_url=twilio.url)
    template = WhatsAppTemplate(
        content_sid="HX" + "1" * 32, variables={"1": "recipient_name", "2": "order"}
    )
    return WhatsAppSender(
        client=client,
        from_number=WHATSAPP_NUMBER,
        sessions=runtime.sessions,
        templates={"order_confirmation": template},
        fallback=fallback,
    )


def heard_from(runtime: Runtime, *, hours_ago: float) -> None:
    with unit_of_work(runtime.sessions) as session:
        session.add(
            InboundRecord(
                channel="whatsapp",
                message_id=f"SM-{hours_ago}",
                sender="whatsapp:" + JANSEN,
                text="hallo",
                replies=[],
                received_at=utcnow() - timedelta(hours=hours_ago),
            )
        )


def test_whatsapp_inside_24_hours_is_free_text(runtime: Runtime, fake_twilio: FakeTwilio) -> None:
    heard_from(runtime, hours_ago=2)
    whatsapp_sender(runtime, fake_twilio).send(outgoing("whatsapp:" + JANSEN, kind="x"))
    [sent] = fake_twilio.messages()
    assert sent["To"] == "whatsapp:" + JANSEN and sent["From"] == WHATSAPP_NUMBER
    assert sent["Body"] == "Uw bestelling 12: € 3,45"


def test_whatsapp_outside_24_hours_uses_the_template(
    runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    heard_from(runtime, hours_ago=30)
    whatsapp_sender(runtime, fake_twilio).send(outgoing("whatsapp:" + JANSEN))
    [sent] = fake_twilio.messages()
    assert sent["ContentSid"] == "HX" + "1" * 32 and "Body" not in sent
    assert sent["ContentVariables"] == '{"1": "Mevrouw A. Jansen", "2": "12"}'


def test_whatsapp_outside_24_hours_without_template_is_not_sent(
    runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    with pytest.raises(PermanentSendError, match="template"):
        whatsapp_sender(runtime, fake_twilio).send(outgoing(JANSEN, kind="call_summary"))
    assert fake_twilio.messages() == []


def test_whatsapp_outside_24_hours_without_template_falls_back_to_sms(
    runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    heard_from(runtime, hours_ago=30)
    sms = sms_sender(runtime, fake_twilio)
    sender = whatsapp_sender(runtime, fake_twilio, fallback=sms)
    sender.send(outgoing("whatsapp:" + JANSEN, "De koerier is onderweg.", kind="order_on_the_way"))
    [sent] = fake_twilio.messages()
    assert sent == {"To": JANSEN, "From": SMS_NUMBER, "Body": "De koerier is onderweg."}


def test_a_long_list_goes_by_sms_in_numbered_parts(
    runtime: Runtime, fake_twilio: FakeTwilio
) -> None:
    bags = "\n".join(f"Tas {n} - Mevrouw Jansen, Kerkdijk {n}: 2x Volkorenbrood" for n in range(60))
    sms_sender(runtime, fake_twilio).send(outgoing(JANSEN, bags))
    sent = [m["Body"] for m in fake_twilio.messages()]
    assert len(sent) >= 2
    assert all(len(body) <= 1600 for body in sent)
    assert [body.split(" ", 1)[0] for body in sent] == [f"({n}/{len(sent)})" for n in
                                                         range(1, len(sent) + 1)]  # fmt: skip
    # Nothing lost or cut mid-line: the parts put together are the list again.
    assert "\n".join(body.split(" ", 1)[1] for body in sent) == bags


# -- Telegram --------------------------------------------------------------------------------


@pytest.fixture
def telegram_sender(fake_telegram: FakeTelegram) -> Iterator[TelegramSender]:
    sender = TelegramSender(
        token=BOT_TOKEN, base_url=fake_telegram.base_url, limiter=RateLimiter(sleep=lambda _: None)
    )
    yield sender
    sender.close()


def test_telegram_message(fake_telegram: FakeTelegram, telegram_sender: TelegramSender) -> None:
    telegram_sender.send(outgoing("100000002", "Uw bestelling: € 3,45"))
    assert fake_telegram.texts_to(100000002) == ["Uw bestelling: € 3,45"]


@pytest.mark.parametrize(
    ("code", "description", "error"),
    [
        (403, "Forbidden: bot was blocked by the user", PermanentSendError),
        (400, "Bad Request: chat not found", PermanentSendError),
        (500, "Internal Server Error", TransientSendError),
    ],
)
def test_telegram_errors(
    fake_telegram: FakeTelegram,
    telegram_sender: TelegramSender,
    code: int,
    description: str,
    error: type[Exception],
) -> None:
    fake_telegram.failures["55"] = (code, description)
    with pytest.raises(error):
        telegram_sender.send(outgoing("55"))


def test_rate_limits_overall_and_per_chat() -> None:
    now = [100.0]
    limiter = RateLimiter(per_second=30, per_chat=1.0, clock=lambda: now[0])
    assert limiter.reserve("a") == 0
    assert limiter.reserve("b") == pytest.approx(1 / 30)
    assert limiter.reserve("a") == pytest.approx(1.0)  # the same chat waits a second
    now[0] += 5
    assert limiter.reserve("a") == 0


# -- e-mail ----------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Envelope] = []

    async def handle_RCPT(
        self,
        server: SMTP,
        session: SmtpSession,
        envelope: Envelope,
        address: str,
        options: list[str],
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        self.mails.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_email_to_a_shop(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    sender = EmailSender(host="127.0.0.1", port=port, sender="dorpsplein@bunnik.test")
    sender.send(
        outgoing(
            "bakker@bunnik.test", "Bakkerij Van Rossum: dinsdag\n2 x Krentenbol", kind="shop_round"
        )
    )
    [mail] = inbox.mails
    assert mail.rcpt_tos == ["bakker@bunnik.test"]
    content = mail.content.decode() if isinstance(mail.content, bytes) else str(mail.content)
    assert "Subject: Bakkerij Van Rossum: dinsdag" in content


def test_email_refused_recipient_is_permanent(smtp: tuple[Inbox, int]) -> None:
    _, port = smtp
    sender = EmailSender(host="127.0.0.1", port=port, sender="dorpsplein@bunnik.test")
    with pytest.raises(PermanentSendError, match="550"):
        sender.send(outgoing("nobody@bunnik.test"))


def test_email_server_down_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientSendError):
        EmailSender(host="127.0.0.1", port=port, sender="x@y.test", timeout=5).send(
            outgoing("a@b.test")
        )


def test_a_channel_that_is_off_is_only_logged_and_says_so(tmp_path: Path) -> None:
    log_file = tmp_path / "var" / "outbox.log"
    printed: list[str] = []
    senders = default_senders(log_file=log_file, echo=printed.append)
    for channel in ("sms", "whatsapp", "telegram", "email", "log"):
        assert senders[channel].send(outgoing(JANSEN)) is SendResult.LOGGED, channel
    assert log_file.read_text(encoding="utf-8").count("Uw bestelling 12") == 5
    # The terminal is where `dorpsplein chat` talks: what it prints has reached its reader.
    assert senders["terminal"].send(outgoing(JANSEN)) in (None, SendResult.SENT)
    assert len(printed) == 1
