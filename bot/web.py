"""The web app: Twilio and Telegram webhooks, the operators' pages, a health check, and the
outbox worker.

`create_app` builds everything when called (nothing happens at import). The Dialogue is
synchronous and does its own unit of work, so routes hand it to the thread pool.

A request passes, in this order: the size limit (413, body unread), the platform's signature
or secret (403), the shape of what we keep (400, see bot.channels.webhook_input), the rate
limit (answered, but quietly), and only then the dialogue.
"""

from __future__ import annotations

import hmac
import logging
import os
import socket
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from anyio import to_thread
from fastapi import FastAPI, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from telegram import Update
from twilio.request_validator import RequestValidator

import accounts.models  # noqa: F401  (its tables must be known wherever the app starts)
import conversations.models  # noqa: F401
import orders.opt_outs  # noqa: F401
from bot.channels.call_question import CallRequest
from bot.channels.messaging import Messaging
from bot.channels.telegram_bot import TelegramApp, TelegramBot
from bot.channels.voice import VoiceCalls
from bot.channels.webhook_input import (
    BodyLimit,
    address,
    bad_request,
    call_step,
    telegram_update,
    twilio_sid,
)
from bot.dialogue import Dialogue
from bot.pages import mount_pages
from bot.pages.context import Pages
from bot.secrets import Secrets, twilio_in_use
from bot.wiring import Runtime
from bot.words import Words
from bot.worker import BackgroundWorker
from conversations.rate_limits import RateLimiter
from core.database import is_sqlite
from nlu import Parser

log = logging.getLogger(__name__)

TWIML = "application/xml"
TELEGRAM_UPDATES = ["message", "callback_query"]


class _RecentIds:
    """Update ids handled lately: Telegram re-sends an update it thinks we did not get."""

    def __init__(self, size: int = 2048) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict()
        self._size = size

    def __contains__(self, update_id: int) -> bool:
        return update_id in self._ids

    def add(self, update_id: int) -> None:
        self._ids[update_id] = None
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def discard(self, update_id: int) -> None:
        self._ids.pop(update_id, None)


def create_app(
    runtime: Runtime,
    dialogue: Dialogue,
    *,
    secrets: Secrets,
    worker: BackgroundWorker | None = None,
    pages: Pages | None = None,
) -> FastAPI:
    settings = runtime.settings
    channels = settings.channels
    words = Words()
    public_url = (settings.public_url or "").rstrip("/")
    limiter = rate_limiter(runtime)

    telegram: TelegramApp | None = None
    if channels.telegram.enabled:
        assert secrets.telegram_bot_token and secrets.telegram_webhook_secret
        telegram = TelegramBot(
            dialogue=dialogue,
            sessions=runtime.sessions,
            settings=settings,
            words=words,
            limiter=limiter,
        ).build(token=secrets.telegram_bot_token, base_url=secrets.telegram_api_base_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if telegram is not None:
            await telegram.initialize()
            await telegram.start()
            if public_url:
                await telegram.bot.set_webhook(
                    url=f"{public_url}/telegram/webhook",
                    secret_token=secrets.telegram_webhook_secret,
                    allowed_updates=TELEGRAM_UPDATES,
                )
        if worker is not None:
            worker.start()
        # Threads for the synchronous routes (the dialogue, the pages): few, see THREADS.
        limiter_tokens = threads_for(settings.database_url)
        to_thread.current_default_thread_limiter().total_tokens = limiter_tokens
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            if worker is not None:
                worker.stop()
            if telegram is not None:
                await telegram.stop()
                await telegram.shutdown()

    schema = settings.web.openapi
    app = FastAPI(
        title="Dorpsplein",
        lifespan=lifespan,
        openapi_url="/openapi.json" if schema else None,
        docs_url="/docs" if schema else None,
        redoc_url=None,
    )
    app.state.ready = False
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.web.max_request_kib * 1024,
        uploads={"/admin/catalog": settings.web.max_upload_kib * 1024},
    )

    @app.get("/health")
    def health() -> Response:
        if not app.state.ready:
            starting = '{"status": "starting"}'
            return Response(starting, status_code=503, media_type="application/json")
        return Response('{"status": "ok"}', media_type="application/json")

    if twilio_in_use(settings):
        assert secrets.twilio_auth_token
        validator = RequestValidator(secrets.twilio_auth_token)

        async def twilio_form(request: Request) -> dict[str, str]:
            """The form Twilio posted, or 403 when its signature does not hold."""
            form = await request.form()
            url = str(request.url)
            if public_url:
                # Behind a proxy the URL Twilio signed is the public one, not ours.
                url = public_url + request.url.path
                if request.url.query:
                    url += "?" + request.url.query
            signature = request.headers.get("X-Twilio-Signature", "")
            if not signature or not validator.validate(url, _StrForm(form), signature):
                raise HTTPException(status_code=403, detail="invalid Twilio signature")
            return {key: value for key, value in form.items() if isinstance(value, str)}

        if channels.sms.enabled or channels.whatsapp.enabled:
            messaging = Messaging(
                dialogue=dialogue,
                sessions=runtime.sessions,
                limiter=limiter,
                words=words,
                language=settings.language,
            )

            @app.post("/twilio/sms")
            async def twilio_sms(request: Request) -> Response:
                form = await twilio_form(request)
                # A reply stored under no id, or under another sender's, went to the wrong
                # resident once: the id and a real number are required.
                form["MessageSid"] = twilio_sid(form, "MessageSid", "SmsSid")
                address(form, "From", phone=True)
                address(form, "To", phone=True)
                twiml = await run_in_threadpool(messaging.answer, form)
                if worker is not None:
                    worker.wake()
                return Response(twiml, media_type=TWIML)

        if channels.voice.enabled:
            voice = VoiceCalls(
                dialogue=dialogue,
                sessions=runtime.sessions,
                settings=settings,
                words=words,
                action_url=lambda step: f"{public_url}/twilio/voice/gather?step={step}",
            )

            async def call(request: Request, step: int | None) -> Response:
                form = await twilio_form(request)
                call_request = CallRequest(
                    call_sid=twilio_sid(form, "CallSid"),
                    # A withheld number ("anonymous") is an unknown caller, not an error.
                    caller=address(form, "From", phone=False),
                    step=call_step(request.query_params.get("step")) if step is None else step,
                    digits=form.get("Digits", "")[:20],
                    speech=form.get("SpeechResult", ""),
                )
                twiml = await run_in_threadpool(voice.answer, call_request)
                if worker is not None:
                    worker.wake()
                return Response(twiml, media_type=TWIML)

            @app.post("/twilio/voice")
            async def twilio_voice(request: Request) -> Response:
                return await call(request, 0)

            @app.post("/twilio/voice/gather")
            async def twilio_voice_gather(request: Request) -> Response:
                # The step is read after the signature check, and only as a small number.
                return await call(request, None)

    if telegram is not None:
        secret = (secrets.telegram_webhook_secret or "").encode()
        recent = _RecentIds()
        bot_app = telegram

        @app.post("/telegram/webhook")
        async def telegram_webhook(request: Request) -> Response:
            given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode()
            if not hmac.compare_digest(given, secret):
                raise HTTPException(status_code=403, detail="invalid secret token")
            data = telegram_update(await request.body())
            try:
                update = Update.de_json(data, bot_app.bot)
            except (ValueError, TypeError, KeyError, AttributeError):
                raise bad_request("not a Telegram update") from None
            if update is None or update.update_id in recent:
                return Response(status_code=200)
            # Claimed before the first await: the same update arriving again while this one
            # is being handled is answered 200 and nothing more (one reply, not five).
            recent.add(update.update_id)
            try:
                await bot_app.process_update(update)
            except BaseException:
                recent.discard(update.update_id)  # Telegram will retry; then it is handled
                raise
            if worker is not None:
                worker.wake()
            return Response(status_code=200)

    # After the webhooks: a request is matched against the routes in order, and the pages
    # are many while nearly every request is a resident's message.
    mount_pages(app, pages or Pages(runtime))
    return app


# A turn holds the GIL for most of its few milliseconds, so one process runs about one at a
# time whatever the number of threads; more threads only make each turn wait for the GIL
# between its statements while holding its database lock (SQLite's write lock, a resident's
# row), which stretches everyone's wait. anyio's default is 40; 4 served the most requests
# with the shortest tails under 20 at once (benchmarks/webhook_load.py), on both databases.
# (DORPSPLEIN_THREADS_SQLITE / DORPSPLEIN_THREADS_SERVER override it, for measuring.)
THREADS_SQLITE = int(os.environ.get("DORPSPLEIN_THREADS_SQLITE", "4"))
THREADS_SERVER = int(os.environ.get("DORPSPLEIN_THREADS_SERVER", "4"))


def threads_for(database_url: str) -> int:
    return THREADS_SQLITE if is_sqlite(database_url) else THREADS_SERVER


def rate_limiter(runtime: Runtime) -> RateLimiter:
    limits = runtime.settings.rate_limits
    return RateLimiter(
        runtime.sessions,
        per_sender=limits.per_sender_per_minute,
        overall=limits.global_per_minute,
    )


class _StrForm:
    """The posted form for RequestValidator: every value of every parameter, as text."""

    def __init__(self, form: FormData) -> None:
        self._form = form

    def __iter__(self) -> Any:
        return iter(self._form.keys())

    def getlist(self, key: str) -> list[str]:
        return [value for value in self._form.getlist(key) if isinstance(value, str)]


def build_server(app: FastAPI, *, host: str, port: int, log_level: str = "info") -> uvicorn.Server:
    config = uvicorn.Config(
        app, host=host, port=port, log_level=log_level, lifespan="on", proxy_headers=True
    )
    return uvicorn.Server(config)


def bound_socket(host: str, port: int) -> socket.socket:
    """A listening socket, bound before the server starts (port 0: any free port)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


SERVE_DEMO = "DORPSPLEIN_SERVE_DEMO"


def app_from_env() -> FastAPI:
    """The app of one process of `dorpsplein serve --workers N` (uvicorn calls this in each).

    Every process runs the webhooks, the pages and an outbox worker: messages are claimed one
    at a time under a lease and rounds are closed under a row lock, so N workers send each
    message once and close each round once (see orders.outbox and orders.closing).
    """
    import os

    from bot.secrets import load_secrets
    from bot.senders import outbox_log_path
    from bot.settings import config_path
    from bot.wiring import start

    demo = bool(os.environ.get(SERVE_DEMO))
    runtime = start(config=config_path(), demo=demo)
    service = Service(
        runtime, secrets=load_secrets(runtime.settings), log_file=outbox_log_path(config_path())
    )
    return service.app


class Service:
    """The web app with its worker and senders, as `dorpsplein serve` runs it."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        secrets: Secrets,
        parser: Parser | None = None,
        worker_interval: float = 5.0,
        log_file: Path | None = None,
        pages: Pages | None = None,
    ) -> None:
        from bot.channels.senders import ChannelSenders
        from bot.senders import default_senders
        from bot.wiring import build_dialogue
        from bot.worker import logged_pass, logged_sending

        self.parser = parser or Parser()
        self.dialogue = build_dialogue(runtime, parser=self.parser)
        # Channels that are off (and the "log" channel) go to the outbox log, as with
        # `dorpsplein worker`; the enabled ones replace them with real senders.
        others = default_senders(log_file=log_file, echo=log.info) if log_file else None
        self.senders = ChannelSenders(runtime, secrets, others=others)
        self.worker = BackgroundWorker(
            logged_pass(runtime, self.senders.senders),
            send=logged_sending(runtime, self.senders.senders),
            interval=worker_interval,
        )
        self.app = create_app(
            runtime, self.dialogue, secrets=secrets, worker=self.worker, pages=pages
        )

    def close(self) -> None:
        self.senders.close()
