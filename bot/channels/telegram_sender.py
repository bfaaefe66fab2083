"""Telegram messages out for the outbox worker, within Telegram's rate limits.

The outbox calls senders synchronously from a worker thread; python-telegram-bot is asyncio,
so the sender keeps one event loop of its own in a thread and hands it each message.

No idempotency key is sent, because the Bot API has none: sendMessage takes no key or request
id (MTProto's random_id is deliberately not exposed to bots, tdlib/telegram-bot-api#482), and
Telegram does not deduplicate repeated method calls (tdlib/telegram-bot-api#126). A send that
timed out after Telegram took it is sent again on retry: the outbox is at least once
(orders/outbox.py), and a resident may then see a confirmation twice, never none.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from orders.outbox import OutgoingMessage, PermanentSendError, TransientSendError

T = TypeVar("T")
DEFAULT_API = "https://api.telegram.org/bot"


class RateLimiter:
    """At most `per_second` messages a second overall, one every `per_chat` seconds per chat.

    Telegram answers 429 beyond about 30 messages a second, or more than one a second to the
    same chat for long; waiting a little here is cheaper than a retry with back-off.
    """

    def __init__(
        self,
        *,
        per_second: float = 30.0,
        per_chat: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._gap = 1.0 / per_second
        self._per_chat = per_chat
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_any = 0.0
        self._next_chat: dict[str, float] = {}

    def reserve(self, chat: str) -> float:
        """Book the next slot for `chat`; returns how long to wait for it."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next_any, self._next_chat.get(chat, 0.0))
            self._next_any = start + self._gap
            self._next_chat[chat] = start + self._per_chat
            if len(self._next_chat) > 10_000:
                self._next_chat = {k: v for k, v in self._next_chat.items() if v > now}
            return start - now

    def wait(self, chat: str) -> None:
        delay = self.reserve(chat)
        if delay > 0:
            self._sleep(delay)


class TelegramSender:
    channel = "telegram"

    def __init__(
        self,
        *,
        token: str,
        base_url: str | None = None,
        limiter: RateLimiter | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._bot = Bot(token, base_url=base_url or DEFAULT_API)
        self._limiter = limiter or RateLimiter()
        self._timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="telegram-sender", daemon=True
        )
        self._thread.start()
        self._started = False

    def send(self, message: OutgoingMessage) -> None:
        chat = message.recipient.strip()
        self._limiter.wait(chat)
        try:
            self._run(self._send(chat, message.text))
        except TelegramError as error:
            raise classify_telegram_error(error) from error
        except (FutureTimeout, TimeoutError) as error:
            raise TransientSendError(reason="Telegram did not answer in time") from error

    async def _send(self, chat: str, text: str) -> None:
        if not self._started:
            await self._bot.initialize()
            self._started = True
        await self._bot.send_message(chat_id=chat, text=text)

    def close(self) -> None:
        if self._started:
            self._run(self._bot.shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(self._timeout)


def classify_telegram_error(error: TelegramError) -> Exception:
    if isinstance(error, RetryAfter):
        return TransientSendError(reason=f"Telegram flood control: retry in {error.retry_after}")
    if isinstance(error, Forbidden):
        # 403: the resident blocked the bot, or the bot was removed from the chat.
        return PermanentSendError(reason=f"Telegram refused: {error.message}")
    if isinstance(error, BadRequest):
        # 400: chat not found, message empty or too long: the same request fails again.
        return PermanentSendError(reason=f"Telegram bad request: {error.message}")
    if isinstance(error, ChatMigrated):
        return PermanentSendError(reason=f"Telegram chat moved to {error.new_chat_id}")
    if isinstance(error, InvalidToken):
        # A configuration mistake; once the token is fixed the message should still go.
        return TransientSendError(reason="Telegram rejected the bot token")
    if isinstance(error, TimedOut | NetworkError):
        return TransientSendError(reason=f"Telegram not reachable: {error.message}")
    return TransientSendError(reason=f"Telegram error: {error.message}")
