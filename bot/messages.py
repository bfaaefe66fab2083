"""The channel-neutral shapes every adapter speaks: one inbound message, replies out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # terminal | sms | whatsapp | voice | telegram
    sender: str  # phone number (E.164 or whatsapp:+...), or Telegram chat id
    text: str
    message_id: str
    # A button or keypad answer may say which read-back it answers (see Dialogue).
    answers_version: int | None = None


@dataclass(frozen=True)
class Choice:
    key: str  # what the resident may send back: "1", "ja"
    label: str


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    # The same message worded to be heard, for phone calls (None on written channels).
    spoken: str | None = None
    # A yes/no question carries the basket version it reads back, for buttons to echo.
    confirms_version: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "choices": [[c.key, c.label] for c in self.choices],
            "confirms_version": self.confirms_version,
            "spoken": self.spoken,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reply:
        return cls(
            text=data["text"],
            choices=tuple(Choice(key, label) for key, label in data.get("choices", [])),
            confirms_version=data.get("confirms_version"),
            spoken=data.get("spoken"),
        )
