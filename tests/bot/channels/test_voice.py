"""Phone calls end to end: Twilio Voice webhooks to the served app, TwiML parsed as XML."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from sqlalchemy import func, select

from orders.models import Order, OutboxMessage
from tests.bot.channels.conftest import JANSEN, Served, call_form

_calls = itertools.count(1)


@dataclass
class Call:
    served: Served
    caller: str = JANSEN

    def __post_init__(self) -> None:
        self.sid = f"CA{next(_calls):032x}"
        self.action = ""

    def ring(self) -> ET.Element:
        return self._post("/twilio/voice", {})

    def say(self, speech: str) -> ET.Element:
        return self._post(self.action, {"SpeechResult": speech, "Confidence": "0.91"})

    def press(self, digits: str) -> ET.Element:
        return self._post(self.action, {"Digits": digits})

    def silence(self) -> ET.Element:
        return self._post(self.action, {})

    def raw(self, path: str, extra: dict[str, str]) -> str:
        response = self.served.post_twilio(path, call_form(self.sid, self.caller, **extra))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        return response.text

    def _post(self, url: str, extra: dict[str, str]) -> ET.Element:
        path = url.removeprefix(self.served.url)
        root = ET.fromstring(self.raw(path, extra))
        gather = root.find("Gather")
        if gather is not None:
            self.action = gather.attrib["action"]
        return root


def spoken(root: ET.Element) -> str:
    return " ".join(" ".join(say.itertext()) for say in root.iter("Say"))


def check_gather(root: ET.Element, *, speech: bool = True) -> ET.Element:
    gather = root.find("Gather")
    assert gather is not None
    assert gather.attrib["language"] == "nl-NL"
    assert gather.attrib["actionOnEmptyResult"] == "true"
    assert gather.attrib["method"] == "POST"
    assert "/twilio/voice/gather?step=" in gather.attrib["action"]
    if speech:
        assert gather.attrib["input"] == "dtmf speech"
        assert gather.attrib["speechTimeout"] == "auto"
        hints = gather.attrib["hints"].split(",")
        assert "ja" in hints and "krentenbol" in hints and "volkorenbrood" in hints
        assert len(hints) <= 500 and all(len(h) <= 100 for h in hints)
    else:
        assert gather.attrib["input"] == "dtmf"
    for say in gather.iter("Say"):
        assert say.attrib == {"voice": "Polly.Lotte", "language": "nl-NL"}
    return gather


def order_count(served: Served) -> int:
    with served.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Order)) or 0)


def test_a_call_with_speech_and_keypad_ends_in_an_order(served: Served) -> None:
    before = order_count(served)
    call = Call(served)
    greeting = call.ring()
    check_gather(greeting)
    assert "Jansen" in spoken(greeting)
    assert "gewone bestelling" in spoken(greeting) and "Volkorenbrood" in spoken(greeting)
    assert "druk op 1" in spoken(greeting)

    asked = call.press("2")  # not the usual
    check_gather(asked)
    assert "Wat wilt u bestellen?" in spoken(asked)

    readback = call.say("2 krentenbollen en een ons belegen kaas")
    gather = check_gather(readback)
    slow = [p for p in gather.iter("prosody") if p.attrib.get("rate") == "slow"]
    assert slow and "Krentenbol" in "".join(slow[0].itertext())
    text = spoken(readback)
    assert "2 Krentenbol" in text and "100 gram Goudse kaas belegen" in text
    assert "euro" in text and "€" not in text and "Stuur" not in text
    assert "Zeg ja, of druk op 1" in text

    again = call.press("9")
    assert spoken(again) == text

    nothing = call.silence()
    assert spoken(nothing).startswith("Ik hoorde niets.")
    assert "Krentenbol" in spoken(nothing)

    placed = call.press("1")
    assert "Bestelnummer" in spoken(placed)
    assert order_count(served) == before + 1

    # Twilio retries the same step: the same TwiML, and no second order.
    step = call.action.rsplit("=", 1)[1]
    retried = call.raw(f"/twilio/voice/gather?step={int(step) - 1}", {"Digits": "1"})
    assert ET.fromstring(retried).find("Gather") is not None
    assert "Bestelnummer" in spoken(ET.fromstring(retried))
    assert order_count(served) == before + 1


def test_yes_to_the_usual_by_speech_then_a_numbered_choice_by_keypad(served: Served) -> None:
    call = Call(served)
    call.ring()
    readback = call.say("ja graag")
    assert "Volkorenbrood" in spoken(readback) and "Zeg ja, of druk op 1" in spoken(readback)
    choice = call.say("ook 2 kilo aardappelen")
    assert "druk op het nummer" in spoken(choice)
    chosen = call.press("2")
    assert "Zeg ja, of druk op 1" in spoken(chosen)
    assert "Bestelnummer" in spoken(call.say("ja"))


def test_silence_three_times_ends_the_call_with_a_text_message(served: Served) -> None:
    call = Call(served)
    call.ring()
    call.say("een krentenbol")
    assert spoken(call.silence()).startswith("Ik hoorde niets.")
    assert spoken(call.silence()).startswith("Ik hoorde niets.")
    last = call.silence()
    assert last.find("Gather") is None and last.find("Hangup") is not None
    assert "sms" in spoken(last)
    with served.runtime.sessions() as session:
        texts = list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "call_summary"))
        )
    assert len(texts) == 1
    assert texts[0].channel == "sms" and texts[0].recipient == JANSEN
    assert "Krentenbol" in texts[0].text


def test_zero_puts_the_caller_through_to_the_coordinator(served: Served) -> None:
    call = Call(served)
    call.ring()
    root = call.press("0")
    dial = root.find("Dial")
    assert dial is not None and (dial.text or "").strip() == "+31306560000"


def test_an_unknown_caller_is_offered_the_coordinator(served: Served) -> None:
    call = Call(served, caller="+31687654321")
    root = call.ring()
    check_gather(root, speech=False)
    assert "nog niet bij ons bekend" in spoken(root)
    assert call.press("0").find("Dial") is not None
