"""What a phone call carries between Twilio's requests: the request, and the question asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CallRequest:
    call_sid: str
    caller: str
    step: int  # 0: the call comes in; then one more for every answer
    digits: str = ""
    speech: str = ""


@dataclass
class Question:
    """What the caller hears now and what an answer to it means."""

    kind: str  # unknown | usual | open | confirm | yes_no | choose | standing
    say: list[tuple[str, bool]]  # (text, slowly)
    written: str = ""  # the same as a text message, for the SMS after a silent end
    version: int | None = None
    keys: tuple[str, ...] = ()  # numbered choices the keypad can pick
    yes: str = "ja"
    no: str = "nee"
    # Menu keys that stand for words said to the Dialogue: {"3": "mijn vaste bestelling"}.
    menu: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "say": [[text, slow] for text, slow in self.say],
            "written": self.written,
            "version": self.version,
            "keys": list(self.keys),
            "yes": self.yes,
            "no": self.no,
            "menu": dict(self.menu),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        return cls(
            kind=data.get("kind", "open"),
            say=[(text, bool(slow)) for text, slow in data.get("say", [])],
            written=data.get("written", ""),
            version=data.get("version"),
            keys=tuple(data.get("keys", ())),
            yes=data.get("yes", "ja"),
            no=data.get("no", "nee"),
            menu=dict(data.get("menu", {})),
        )
