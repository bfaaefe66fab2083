"""The terminal as a channel: talk to the bot as a resident."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from bot.messages import InboundMessage

if TYPE_CHECKING:
    from bot.dialogue import Dialogue


def chat(
    dialogue: Dialogue,
    *,
    sender: str,
    stdin: TextIO = sys.stdin,
    stdout: TextIO = sys.stdout,
    interactive: bool | None = None,
) -> None:
    """Interactive with a prompt on a terminal; otherwise one message a line, for scripts."""
    if interactive is None:
        interactive = stdin.isatty()
    write: Callable[[str], object] = stdout.write
    if interactive:
        write("Dorpsplein. Typ uw bericht; een lege regel of Ctrl-D stopt.\n")
    while True:
        if interactive:
            write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line or (interactive and not line.strip()):
            break
        text = line.rstrip("\n")
        if not text.strip():
            continue
        message = InboundMessage(
            channel="terminal", sender=sender, text=text, message_id=uuid.uuid4().hex
        )
        for reply in dialogue.handle(message):
            write(reply.text + "\n")
        if not interactive:
            write("\n")
        stdout.flush()
