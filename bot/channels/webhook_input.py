"""What a webhook request may be, checked before it is read whole or reaches the database.

Size first: `BodyLimit` refuses a large request with 413 before its body is read (by its
Content-Length, or by counting a chunked body as it streams in), so an unsigned stranger
cannot make the server hold megabytes before the signature check says 403.

Then shape: lengths, numbers and kinds of every value we store, so a bad request is a 400
on PostgreSQL and SQLite alike (SQLite does not enforce column lengths; PostgreSQL fails with
a 500), and nothing half-checked is written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orders.errors import InvalidPhoneError
from orders.residents import normalise_phone

# Twilio's ids are two letters and 32 hex digits (34 characters); leave room, stay in columns.
_SID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The longest address we keep (call_states.caller); "whatsapp:+" and 15 digits fit.
MAX_ADDRESS = 40
# A call has a handful of steps; a million is already absurd, and fits every integer column.
MAX_STEP = 1_000_000
# A Telegram update is a few levels deep; deeper is a probe, and deep enough breaks json.
MAX_JSON_DEPTH = 32
# Telegram's ids are below 2**52 (they document it for chat ids); more is not Telegram.
MAX_TELEGRAM_ID = 2**53


class _TooLarge(Exception):
    """Raised inside the app when the streamed body passes the limit."""


class BodyLimit:
    """ASGI middleware: 413 for a request body over `max_bytes`, before it is read."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, uploads: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Path prefixes that take a file (the coordinator's catalogue CSV), with their limit.
        self.uploads = uploads or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = next(
            (size for prefix, size in self.uploads.items() if path.startswith(prefix)),
            self.max_bytes,
        )
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await _refuse(send, 400, b"bad Content-Length")
                return
            if int(declared) > limit:
                await _refuse(send, 413, b"request too large")
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if not started:
                await _refuse(send, 413, b"request too large")


async def _refuse(send: Send, status: int, text: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain"),
                (b"content-length", str(len(text)).encode()),
                # The rest of the body is not read, so the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": text})


def bad_request(detail: str) -> HTTPException:
    return HTTPException(status_code=400, detail=detail)


def twilio_sid(form: Mapping[str, str], *names: str) -> str:
    """The first of these id parameters that is present; 400 when none is, or it is no id."""
    for name in names:
        value = form.get(name, "")
        if value:
            if not _SID.fullmatch(value):
                raise bad_request(f"{name} is not a Twilio id")
            return value
    raise bad_request(f"{names[0]} missing")


def address(form: Mapping[str, str], name: str, *, phone: bool) -> str:
    """A From or To: present, short enough to keep, and (with `phone`) a real phone number."""
    value = form.get(name, "").strip()
    if not value:
        raise bad_request(f"{name} missing")
    if len(value) > MAX_ADDRESS:
        raise bad_request(f"{name} is too long")
    if phone:
        try:
            normalise_phone(value.removeprefix("whatsapp:"))
        except InvalidPhoneError:
            raise bad_request(f"{name} is not a phone number") from None
    return value


def call_step(raw: str | None) -> int:
    """The step of a call from the Gather's action URL (1 when absent, as before)."""
    if raw is None or raw == "":
        return 1
    if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_STEP:
        raise bad_request("step is not a step of a call")
    return max(int(raw), 1)


def telegram_update(body: bytes) -> dict[str, Any]:
    """The update as a JSON object, or 400 (not JSON, not an object, too deep, no update id)."""
    if _depth(body) > MAX_JSON_DEPTH:
        raise bad_request("JSON nested too deeply")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise bad_request("not JSON") from None
    if not isinstance(data, dict):
        raise bad_request("not a Telegram update")
    update_id = data.get("update_id")
    if type(update_id) is not int or not 0 <= update_id < MAX_TELEGRAM_ID:
        raise bad_request("not a Telegram update")
    return data


def _depth(body: bytes) -> int:
    """How deep brackets nest, outside strings: cheap, and before json builds anything."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest
