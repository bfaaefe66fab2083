"""Senders the worker uses until the channel adapters bring real ones.

The terminal sender prints (for `dorpsplein chat`); every other channel is written to
var/outbox.log next to the configuration, each line saying that it was logged, not sent; the
log sender tells the outbox so (SendResult.LOGGED), and the message's status is `logged`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from core.database import utcnow
from orders.outbox import OutgoingMessage, Sender, SendResult

# Channels whose real senders come with the channels issue.
NOT_YET_SENT = ("sms", "whatsapp", "telegram", "email")


class TerminalSender:
    def __init__(self, *, echo: Callable[[str], None]) -> None:
        self._echo = echo

    def send(self, message: OutgoingMessage) -> None:
        who = message.recipient_name or message.recipient
        self._echo(f"--- {message.kind} to {who} ({message.recipient}) ---\n{message.text}")


class LogSender:
    """Appends each message to a log file; `note` says why it landed there."""

    _lock = threading.Lock()

    def __init__(
        self,
        *,
        path: Path,
        note: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._path = path
        self._note = note
        self._clock = clock

    def send(self, message: OutgoingMessage) -> SendResult:
        who = message.recipient_name or message.recipient
        note = f" [{self._note}]" if self._note else ""
        head = (
            f"{self._clock().isoformat(timespec='seconds')} #{message.id} {message.kind} "
            f"{message.channel} to {message.recipient} ({who}){note}"
        )
        body = "\n".join(f"    {line}" for line in message.text.splitlines())
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self._path.open("a", encoding="utf-8") as log:
            log.write(f"{head}\n{body}\n")
        return SendResult.LOGGED


def outbox_log_path(config_file: Path) -> Path:
    return config_file.resolve().parent / "var" / "outbox.log"


def default_senders(*, log_file: Path, echo: Callable[[str], None]) -> dict[str, Sender]:
    senders: dict[str, Sender] = {
        "terminal": TerminalSender(echo=echo),
        "log": LogSender(path=log_file),
    }
    for channel in NOT_YET_SENT:
        senders[channel] = LogSender(
            path=log_file, note=f"no {channel} sender configured yet: logged, not sent"
        )
    return senders
