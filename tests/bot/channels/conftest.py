"""Builders for the channel tests: fake Twilio and Telegram APIs, signed webhooks, a live server.

The fakes are small HTTP servers on 127.0.0.1 speaking the documented wire formats; the real
twilio and python-telegram-bot libraries talk to them. The app runs under uvicorn in a thread,
built exactly as `dorpsplein serve` builds it.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bot.secrets import Secrets, load_secrets
from bot.settings import Channel, Channels, EmailChannel, Settings, TwilioChannel, WhatsAppChannel
from bot.web import Service, bound_socket, build_server
from bot.wiring import Runtime, start
from nlu import Parser

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
BOT_TOKEN = "123456:TEST-token"
WEBHOOK_SECRET = "s3cret-Token_for-tests"
SMS_NUMBER = "+3197010000000"
WHATSAPP_NUMBER = "whatsapp:+3197010000001"
JANSEN = "+31612340001"
DE_VRIES = "+31612340002"
DE_VRIES_TELEGRAM = 100000002


# -- fake servers ----------------------------------------------------------------------------


class FakeServer:
    """A threaded HTTP server on a random loopback port; `handle` decides each answer."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                kind = self.headers.get("Content-Type", "")
                if "json" in kind:
                    fields: dict[str, Any] = json.loads(raw or "{}")
                else:
                    fields = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
                with fake.lock:
                    fake.requests.append((self.path, fields))
                status, body = fake.handle(self.path, fields)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def handle(self, path: str, fields: dict[str, Any]) -> tuple[int, Any]:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
        """Wait until the app has made the expected call (the worker runs on its own)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"expected call never came; got {self.requests}")
            time.sleep(0.05)


class FakeTwilio(FakeServer):
    """`POST /2010-04-01/Accounts/{sid}/Messages.json` as Twilio answers it."""

    def __init__(self) -> None:
        # recipient -> (HTTP status, Twilio error code) to answer instead of success
        self.failures: dict[str, tuple[int, int | None]] = {}
        self._sids = itertools.count(1)
        super().__init__()

    def handle(self, path: str, fields: dict[str, Any]) -> tuple[int, Any]:
        if path != f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
            return 404, {"code": 20404, "message": "not found", "status": 404}
        failure = self.failures.get(fields.get("To", ""))
        if failure is not None:
            status, code = failure
            return status, {
                "code": code,
                "message": f"fake failure {code}",
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            }
        sid = f"SM{next(self._sids):032d}"
        return 201, {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": fields.get("To"),
            "from": fields.get("From"),
            "body": fields.get("Body", ""),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
        }

    def messages(self, to: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            sent = [fields for path, fields in self.requests if path.endswith("/Messages.json")]
        return [m for m in sent if to is None or m.get("To") == to]


class FakeTelegram(FakeServer):
    """The Bot API: `{base}{token}/{method}` answering `{"ok": true, "result": ...}`."""

    def __init__(self) -> None:
        # chat id -> (error code, description) to answer sendMessage with
        self.failures: dict[str, tuple[int, str]] = {}
        self._message_ids = itertools.count(1)
        super().__init__()

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    def handle(self, path: str, fields: dict[str, Any]) -> tuple[int, Any]:
        prefix = f"/bot{BOT_TOKEN}/"
        if not path.startswith(prefix):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method = path.removeprefix(prefix)
        if method == "getMe":
            return 200, {"ok": True, "result": BOT_USER}
        if method == "sendMessage":
            chat = str(fields.get("chat_id"))
            if chat in self.failures:
                code, description = self.failures[chat]
                return code, {"ok": False, "error_code": code, "description": description}
            return 200, {
                "ok": True,
                "result": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": int(chat), "type": "private"},
                    "from": BOT_USER,
                    "text": fields.get("text", ""),
                },
            }
        if method in ("setWebhook", "deleteWebhook", "answerCallbackQuery"):
            return 200, {"ok": True, "result": True}
        if method == "getUpdates":
            return 200, {"ok": True, "result": []}
        return 400, {"ok": False, "error_code": 400, "description": f"fake: {method}"}

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self.lock:
            return [f for p, f in self.requests if p.endswith("/" + method)]

    def texts_to(self, chat: int | str) -> list[str]:
        return [str(f["text"]) for f in self.sent() if str(f.get("chat_id")) == str(chat)]


BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Dorpsplein", "username": "dorpsplein_bot"}


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio()
    yield server
    server.close()


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegram()
    yield server
    server.close()


# -- webhook builders ------------------------------------------------------------------------


def sign(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, params))


_sids = itertools.count(1)


def message_sid() -> str:
    return f"SM{next(_sids):032x}"


def sms_form(sender: str, body: str, *, sid: str | None = None, **extra: str) -> dict[str, str]:
    whatsapp = sender.startswith("whatsapp:")
    form = {
        "MessageSid": sid or message_sid(),
        "SmsSid": sid or "",
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": WHATSAPP_NUMBER if whatsapp else SMS_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }
    form["SmsSid"] = form["MessageSid"]
    if whatsapp:
        form.update(ProfileName="A. Jansen", WaId=sender.removeprefix("whatsapp:+"))
    form.update(extra)
    return form


def call_form(call_sid: str, caller: str, **extra: str) -> dict[str, str]:
    form = {
        "CallSid": call_sid,
        "AccountSid": ACCOUNT_SID,
        "From": caller,
        "To": SMS_NUMBER,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    form.update(extra)
    return form


_update_ids = itertools.count(5000)


def telegram_user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Henk", "language_code": "nl"}


def text_update(chat: int, text: str, *, update_id: int | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": int(time.time()),
        "chat": {"id": chat, "type": "private", "first_name": "Henk"},
        "from": telegram_user(chat),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"update_id": update_id or next(_update_ids), "message": message}


def contact_update(chat: int, phone: str, *, contact_user: int | None) -> dict[str, Any]:
    contact: dict[str, Any] = {"phone_number": phone, "first_name": "Henk"}
    if contact_user is not None:
        contact["user_id"] = contact_user
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private", "first_name": "Henk"},
            "from": telegram_user(chat),
            "contact": contact,
        },
    }


def button_update(chat: int, data: str) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": telegram_user(chat),
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "from": BOT_USER,
                "text": "Klopt dit?",
            },
        },
    }


# -- the app, served -------------------------------------------------------------------------


def channel_settings(settings: Settings, *, public_url: str) -> Settings:
    channels = Channels(
        sms=TwilioChannel(enabled=True, from_number=SMS_NUMBER),
        whatsapp=WhatsAppChannel(enabled=True, from_number=WHATSAPP_NUMBER),
        voice=Channel(enabled=True),
        telegram=Channel(enabled=True),
        email=EmailChannel(enabled=False),
    )
    return settings.model_copy(update={"channels": channels, "public_url": public_url})


def channel_secrets(settings: Settings, twilio: FakeTwilio, telegram: FakeTelegram) -> Secrets:
    return load_secrets(
        settings,
        environ={
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "TWILIO_API_BASE_URL": twilio.url,
            "TELEGRAM_API_BASE_URL": telegram.base_url,
        },
    )


@dataclass
class Served:
    url: str
    runtime: Runtime
    service: Service
    twilio: FakeTwilio
    telegram: FakeTelegram
    client: httpx.Client
    steps: dict[str, int] = field(default_factory=dict)

    def post_twilio(
        self, path: str, form: dict[str, str], *, signature: str | None = None
    ) -> httpx.Response:
        url = self.url + path
        return self.client.post(
            url,
            data=form,
            headers={"X-Twilio-Signature": signature if signature is not None else sign(url, form)},
        )

    def sms(self, sender: str, body: str, **extra: str) -> httpx.Response:
        return self.post_twilio("/twilio/sms", sms_form(sender, body, **extra))

    def telegram_update(self, update: dict[str, Any], *, secret: str = WEBHOOK_SECRET) -> int:
        response = self.client.post(
            self.url + "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        )
        return response.status_code


@pytest.fixture
def served_settings() -> dict[str, Any]:
    """Settings the served app gets on top of the channels (a test module may override this)."""
    return {}


@pytest.fixture
def served(
    village: Runtime,
    parser: Parser,
    fake_twilio: FakeTwilio,
    fake_telegram: FakeTelegram,
    served_settings: dict[str, Any],
) -> Iterator[Served]:
    sock = bound_socket("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = channel_settings(village.settings, public_url=url).model_copy(update=served_settings)
    runtime = start(settings=settings)
    secrets = channel_secrets(settings, fake_twilio, fake_telegram)
    # The worker's scheduled pass is far off: what a message puts in the outbox goes out
    # because the message woke the worker.
    service = Service(runtime, secrets=secrets, parser=parser, worker_interval=60)
    server = build_server(service.app, host="127.0.0.1", port=0, log_level="warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    client = httpx.Client(timeout=30)
    deadline = time.monotonic() + 30
    while True:
        try:
            if client.get(url + "/health").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    yield Served(url, runtime, service, fake_twilio, fake_telegram, client)
    client.close()
    server.should_exit = True
    thread.join(timeout=10)
    service.close()
    sock.close()
    runtime.engine.dispose()
