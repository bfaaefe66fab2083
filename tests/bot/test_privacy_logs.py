"""Logs carry neither a resident's phone number nor what she wrote (AVG/GDPR)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from twilio.request_validator import RequestValidator

from bot.log_safety import PrivacyFilter, install_log_privacy, mask_phone, mask_phones
from bot.secrets import load_secrets
from bot.settings import Channels, TwilioChannel
from bot.web import Service, bound_socket, build_server
from bot.wiring import Runtime, start
from nlu import Parser

PHONE = "+31612340001"  # Mevrouw Jansen, a resident of the demo village
TEXT = "twee krentenbollen en een appeltaart voor zaterdag"
TOKEN = "t" * 32


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    made = logging.LogRecord("test", logging.ERROR, __file__, 1, message, args, exc_info)
    PrivacyFilter().filter(made)
    return made


def formatted(made: logging.LogRecord) -> str:
    return logging.Formatter("%(message)s").format(made)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+31612345678", "+316*****678"),
        ("whatsapp:+31612345678", "whatsapp:+316*****678"),
        ("06 12 34 56 78", "061****678"),
        ("0031612345678", "003*******678"),
        ("100000002", "100***002"),
    ],
)
def test_numbers_are_masked_to_their_ends(number: str, masked: str) -> None:
    assert mask_phones(f"from {number}.") == f"from {masked}."


def test_what_is_no_phone_number_is_left_alone() -> None:
    line = 'order 12 at 2026-12-07 09:00:00, 127.0.0.1:8000 "POST /twilio/sms HTTP/1.1" 200'
    assert mask_phones(line) == line
    assert mask_phone("+31612345678") == "+316*****678"


def test_arguments_keep_their_places_for_formatters_that_read_them() -> None:
    access = record('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST", "/twilio/sms", "1.1", 200)
    assert access.args == ("127.0.0.1:5000", "POST", "/twilio/sms", "1.1", 200)
    ours = record("outbox message %s failed: %s", 7, f"Twilio: 'To' {PHONE} is not valid")
    assert formatted(ours) == "outbox message 7 failed: Twilio: 'To' +316*****001 is not valid"


def test_a_traceback_loses_numbers_parameters_and_quoted_texts() -> None:
    try:
        raise ValueError(
            f"cannot read {TEXT!r} from {PHONE}\n"
            "[SQL: INSERT INTO inbound_messages (sender, text) VALUES (?, ?)]\n"
            f"[parameters: ('{PHONE}', '{TEXT}')]\n"
            f"DETAIL:  Failing row contains (1, sms, {TEXT})."
        )
    except ValueError as error:
        made = record("Exception in ASGI application", exc=error)
    output = formatted(made)
    assert made.exc_info is None
    assert "ValueError: cannot read '<text>' from +316*****001" in output
    assert "[parameters: hidden]" in output and "DETAIL: (hidden)" in output
    assert "[SQL: INSERT INTO inbound_messages" in output
    assert PHONE not in output and "krentenbollen" not in output
    assert "test_privacy_logs.py" in output  # where it happened still shows


def test_pydantic_input_and_telegram_tokens_are_hidden() -> None:
    url = "https://api.telegram.org/bot123456:" + "A" * 35 + "/sendMessage"
    try:
        raise ValueError(f"1 validation error for Form\n  input_value='{TEXT}', input_type=str")
    except ValueError as error:
        made = record('HTTP Request: POST %s "%s"', url, "HTTP/1.1 400 Bad Request", exc=error)
    output = formatted(made)
    assert "bot<token>/sendMessage" in output and "AAAA" not in output
    assert "input_value=<hidden>" in output and "krentenbollen" not in output


# -- the web app, served, failing on a resident's message --------------------------------------


@pytest.fixture
def served(village: Runtime, parser: Parser) -> Iterator[tuple[str, httpx.Client]]:
    sock = bound_socket("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    channels = Channels(sms=TwilioChannel(enabled=True, from_number="+3197010000000"))
    settings = village.settings.model_copy(update={"channels": channels, "public_url": url})
    runtime = start(settings=settings)
    secrets = load_secrets(
        settings,
        environ={
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
        },
    )
    service = Service(runtime, secrets=secrets, parser=parser, worker_interval=60)
    server = build_server(service.app, host="127.0.0.1", port=0, log_level="info")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    client = httpx.Client(timeout=30)
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield url, client
    client.close()
    server.should_exit = True
    thread.join(timeout=10)
    service.close()
    sock.close()
    runtime.engine.dispose()


def test_a_failing_message_is_logged_without_her_number_or_text(
    served: tuple[str, httpx.Client], village: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """A real fault: the table her message is written to is gone, so the insert that carries
    her number and text fails inside the served app."""
    url, client = served
    with village.engine.begin() as connection:
        connection.execute(text("ALTER TABLE inbound_messages RENAME TO inbound_messages_away"))
    # uvicorn's loggers do not reach the root logger, where caplog listens.
    uvicorn_log = logging.getLogger("uvicorn")
    uvicorn_log.addHandler(caplog.handler)
    try:
        form = {"From": PHONE, "To": "+3197010000000", "Body": TEXT, "MessageSid": "SM" + "1" * 32}
        signature = RequestValidator(TOKEN).compute_signature(url + "/twilio/sms", form)
        response = client.post(
            url + "/twilio/sms", data=form, headers={"X-Twilio-Signature": signature}
        )
        assert response.status_code == 500
        deadline = time.monotonic() + 10
        while "Exception in ASGI application" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        uvicorn_log.removeHandler(caplog.handler)
        with village.engine.begin() as connection:
            connection.execute(text("ALTER TABLE inbound_messages_away RENAME TO inbound_messages"))
    logged = caplog.text
    assert "Exception in ASGI application" in logged
    assert "Traceback" in logged and "inbound_messages" in logged
    assert PHONE not in logged and PHONE[1:] not in logged
    assert TEXT not in logged and "krentenbollen" not in logged


def test_installing_twice_filters_once() -> None:
    install_log_privacy()
    install_log_privacy()
    made = logging.getLogRecordFactory()("x", logging.INFO, __file__, 1, "to %s", (PHONE,), None)
    assert made.getMessage() == "to +316*****001"
