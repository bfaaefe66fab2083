"""A replayed message id is answered again only to the sender who sent it (issue 9, item 7)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.dialogue import Dialogue
from bot.messages import InboundMessage
from bot.wiring import Runtime
from conversations.models import InboundMessage as InboundRecord
from tests.bot.conftest import MONDAY_MORNING

JANSEN = "+31612340001"
DE_VRIES = "+31612340002"


def test_the_same_message_id_from_two_senders_is_two_messages(
    village: Runtime, dialogue: Dialogue
) -> None:
    first = InboundMessage(channel="sms", sender=JANSEN, text="het gewone", message_id="SM1")
    jansen = dialogue.handle(first, now=MONDAY_MORNING)
    other = InboundMessage(channel="sms", sender=DE_VRIES, text="hallo", message_id="SM1")
    de_vries = dialogue.handle(other, now=MONDAY_MORNING)
    assert [r.text for r in de_vries] != [r.text for r in jansen]
    assert all("Jansen" not in r.text for r in de_vries)
    # Her own replay still gets her own answer, and nothing is stored twice.
    assert dialogue.handle(first, now=MONDAY_MORNING) == jansen
    with village.sessions() as session:
        assert session.scalar(select(func.count()).select_from(InboundRecord)) == 2
