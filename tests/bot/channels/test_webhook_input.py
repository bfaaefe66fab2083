"""What a webhook request may be (issue 9): size before reading, shape before the database.

Every case here runs on SQLite and on PostgreSQL alike: a bad request is a 4xx on both, and
leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import select
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func
from sqlalchemy import select as sql_select
from starlette.types import Message

from bot.channels.webhook_input import BodyLimit
from bot.secrets import Secrets
from bot.settings import WebSettings
from bot.web import Service
from bot.wiring import Runtime, start
from conversations.models import CallState, ChannelNotice, Registration
from conversations.models import InboundMessage as InboundRecord
from nlu import Parser
from tests.bot.channels.conftest import (
    JANSEN,
    WEBHOOK_SECRET,
    Served,
    call_form,
    contact_update,
    sms_form,
    text_update,
)

MIB = 1024 * 1024


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


def stored(served: Served) -> dict[str, int]:
    with served.runtime.sessions() as session:
        return {
            model.__tablename__: session.scalar(sql_select(func.count()).select_from(model)) or 0
            for model in (InboundRecord, Registration, CallState)
        }


def raw_post(served: Served, head: str) -> socket.socket:
    parts = urlsplit(served.url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.sendall(head.encode())
    return sock


# -- size -----------------------------------------------------------------------------------


def test_a_declared_250_mib_post_is_refused_before_a_byte_is_read(served: Served) -> None:
    before = rss_kib()
    head = (
        "POST /twilio/sms HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {250 * MIB}\r\n\r\n"
    )
    with raw_post(served, head) as sock:
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")
    assert rss_kib() - before < 10 * 1024


def test_a_chunked_50_mib_post_is_cut_off_at_the_limit(served: Served) -> None:
    """No Content-Length: the bytes are counted as they stream in; memory stays flat."""
    before = rss_kib()
    chunk = b"x" * (64 * 1024)
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    head = (
        "POST /telegram/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {WEBHOOK_SECRET}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    answer, sent = b"", 0
    with raw_post(served, head) as sock:
        while sent < 50 * MIB:
            readable, _, _ = select.select([sock], [], [], 0.02)
            if readable:
                answer = sock.recv(4096)
                break
            try:
                sock.sendall(framed)
            except OSError:  # the server closed after answering: read what it said
                answer = sock.recv(4096)
                break
            sent += len(chunk)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
    assert sent < 5 * MIB
    assert rss_kib() - before < 10 * 1024


def test_the_app_reads_no_further_than_the_limit_of_a_streamed_body() -> None:
    """At the ASGI level: 50 MiB offered in 64 KiB pieces, at most the limit taken."""
    taken: list[int] = []
    piece = b"x" * (64 * 1024)
    total = 50 * MIB

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while True:  # reads everything, as a form parser would
            message = await receive()
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"read it all"})

    async def receive() -> Message:
        offered = sum(taken)
        taken.append(len(piece))
        return {"type": "http.request", "body": piece, "more_body": offered + len(piece) < total}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/twilio/sms", "headers": []}
    before = rss_kib()
    asyncio.run(BodyLimit(app, max_bytes=64 * 1024)(scope, receive, send))
    assert sent[0]["status"] == 413
    assert sum(taken) <= 2 * len(piece)
    assert rss_kib() - before < 10 * 1024


# -- shape ----------------------------------------------------------------------------------

LONG_NUMBER = "+31" + "6" * 60


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"MessageSid": "SM" + "a" * 200, "SmsSid": ""}, "MessageSid longer than the column"),
        ({"MessageSid": "SM-1; DROP", "SmsSid": ""}, "MessageSid that is no Twilio id"),
        ({"MessageSid": "", "SmsSid": ""}, "no MessageSid at all"),
        ({"From": LONG_NUMBER}, "From longer than the column"),
        ({"From": "whatsapp:" + LONG_NUMBER}, "WhatsApp From longer than the column"),
        ({"From": "Henk"}, "From that is no phone number"),
        ({"From": "+3161234"}, "From too short to be a number"),
        ({"From": ""}, "no From"),
        ({"To": LONG_NUMBER}, "To longer than the column"),
    ],
)
def test_a_malformed_message_is_a_400_and_stores_nothing(
    served: Served, change: dict[str, str], why: str
) -> None:
    form = {**sms_form(JANSEN, "hallo"), **change}
    form = {key: value for key, value in form.items() if value or key in change}
    response = served.post_twilio("/twilio/sms", form)
    assert response.status_code == 400, why
    assert stored(served) == {"inbound_messages": 0, "registrations": 0, "call_states": 0}


@pytest.mark.parametrize(
    ("path", "change", "why"),
    [
        ("/twilio/voice", {"CallSid": "CA" + "0" * 200}, "CallSid longer than the column"),
        ("/twilio/voice", {"CallSid": ""}, "no CallSid"),
        ("/twilio/voice", {"From": LONG_NUMBER}, "From longer than the column"),
        ("/twilio/voice", {"From": ""}, "no From"),
        ("/twilio/voice/gather?step=99999999999", {}, "a step no integer column holds"),
        ("/twilio/voice/gather?step=-1", {}, "a negative step"),
        ("/twilio/voice/gather?step=%C2%B2", {}, "a superscript two"),
        ("/twilio/voice/gather?step=x", {}, "no number"),
    ],
)
def test_a_malformed_call_request_is_a_400_and_stores_nothing(
    served: Served, path: str, change: dict[str, str], why: str
) -> None:
    form = {**call_form("CA" + "1" * 32, JANSEN), **change}
    response = served.post_twilio(path, form)
    assert response.status_code == 400, why
    assert stored(served)["call_states"] == 0


def test_a_withheld_number_on_the_phone_is_an_unknown_caller(served: Served) -> None:
    response = served.post_twilio("/twilio/voice", call_form("CA" + "2" * 32, "anonymous"))
    assert response.status_code == 200
    assert "Gather" in response.text


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"[1, 2, 3]", "a list"),
        (b'"update"', "a string"),
        (b"42", "a number"),
        (b"null", "null"),
        (b"{not json", "not JSON"),
        (b"\xff\xfe", "not text"),
        (b"[" * 30_000 + b"]" * 30_000, "nested 30,000 deep"),
        (b'{"update_id": 1, "x": ' + b"[" * 100 + b"]" * 100 + b"}", "nested 100 deep inside"),
        (b"{}", "no update_id"),
        (b'{"update_id": "7"}', "update_id as text"),
        (b'{"update_id": true}', "update_id as a boolean"),
        (b'{"update_id": 99999999999999999999999}', "update_id beyond Telegram's"),
        (b'{"update_id": 7, "message": 5}', "a message that is a number"),
        (b'{"update_id": 7, "message": {"text": "hallo"}}', "a message without chat or date"),
    ],
)
def test_a_telegram_body_that_is_no_update_is_a_400(served: Served, body: bytes, why: str) -> None:
    response = served.client.post(
        served.url + "/telegram/webhook",
        content=body,
        headers={
            "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400, why
    assert stored(served) == {"inbound_messages": 0, "registrations": 0, "call_states": 0}


def test_without_a_secret_a_bad_body_is_still_a_403(served: Served) -> None:
    response = served.client.post(served.url + "/telegram/webhook", content=b"[1]")
    assert response.status_code == 403


# -- Telegram: duplicates and groups ----------------------------------------------------------


def test_one_update_delivered_five_times_at_once_gets_one_reply(served: Served) -> None:
    chat = 100000077
    update = text_update(chat, "hallo")
    barrier = threading.Barrier(5)
    statuses: list[int] = []

    def deliver() -> None:
        with httpx.Client(timeout=30) as client:
            barrier.wait()
            response = client.post(
                served.url + "/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 5
    assert len(served.telegram.texts_to(chat)) == 1


def group(update: dict[str, Any], chat_type: str = "group") -> dict[str, Any]:
    message = update["message"]
    message["chat"] = {"id": message["chat"]["id"], "type": chat_type, "title": "Buren"}
    return update


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
def test_a_group_is_refused_once_and_nothing_else(served: Served, chat_type: str) -> None:
    chat, member = -100123, 100000002  # De Vries (linked on Telegram) is a member
    updates = [
        group(text_update(chat, "/start"), chat_type),
        group(contact_update(chat, "+31612340002", contact_user=chat), chat_type),
        group(text_update(chat, "het gewone"), chat_type),
        group(text_update(chat, "ja"), chat_type),
    ]
    for update in updates:
        update["message"]["from"]["id"] = member
        assert served.telegram_update(update) == 200
    texts = served.telegram.texts_to(chat)
    assert len(texts) == 1
    assert "persoonlijk gesprek" in texts[0]
    assert stored(served) == {"inbound_messages": 0, "registrations": 0, "call_states": 0}
    with served.runtime.sessions() as session:
        notices = session.scalars(sql_select(ChannelNotice)).all()
    assert [(n.channel, n.address, n.kind) for n in notices] == [
        ("telegram", str(chat), "group_refused")
    ]


# -- the API schema ---------------------------------------------------------------------------


def test_no_api_schema_or_docs_unless_switched_on(served: Served) -> None:
    assert served.client.get(served.url + "/openapi.json").status_code == 404
    assert served.client.get(served.url + "/docs").status_code == 404


def test_the_api_schema_when_switched_on(village: Runtime, parser: Parser) -> None:
    settings = village.settings.model_copy(update={"web": WebSettings(openapi=True)})
    runtime = start(settings=settings)
    try:
        app = Service(runtime, secrets=Secrets(), parser=parser).app
        paths = {getattr(route, "path", "") for route in app.routes}
        assert {"/openapi.json", "/docs"} <= paths
    finally:
        runtime.engine.dispose()
