"""SMS and WhatsApp end to end: signed Twilio form posts to the served app, TwiML back."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from sqlalchemy import func, select

from conversations.models import InboundMessage as InboundRecord
from core.database import unit_of_work
from core.gsm7 import count_segments, is_gsm7
from orders.models import Order, OrderPart, OutboxMessage
from orders.opt_outs import is_opted_out
from tests.bot.channels.conftest import JANSEN, Served, sign, sms_form


def message_text(twiml: str) -> str:
    root = ET.fromstring(twiml)
    assert root.tag == "Response"
    return "\n".join(m.text or "" for m in root.iter("Message"))


def orders_of_jansen(served: Served) -> list[Order]:
    with served.runtime.sessions() as session:
        return list(session.scalars(select(Order).where(Order.resident_id == 1)))


def test_sms_order_across_two_shops(served: Served) -> None:
    before = len(orders_of_jansen(served))
    first = served.sms(JANSEN, "2 krentenbollen en een ons belegen kaas")
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("application/xml")
    readback = message_text(first.text)
    assert "Krentenbol" in readback and "Klopt dit?" in readback
    assert "EUR" in readback and "€" not in readback
    assert is_gsm7(readback)
    assert count_segments(readback).count <= 3

    placed = message_text(served.sms(JANSEN, "JA").text)
    assert "Bestelnummer" in placed
    orders = orders_of_jansen(served)
    assert len(orders) == before + 1
    with served.runtime.sessions() as session:
        parts = session.scalar(
            select(func.count()).select_from(OrderPart).where(OrderPart.order_id == orders[-1].id)
        )
    assert parts == 2

    # The worker sends the confirmation through Twilio's REST API, as SMS in GSM-7.
    served.twilio.wait_for(lambda: bool(served.twilio.messages(to=JANSEN)))
    sent = served.twilio.messages(to=JANSEN)[0]
    assert sent["From"] == "+3197010000000"
    assert is_gsm7(sent["Body"])


def test_replayed_message_sid_gets_the_same_answer_and_no_second_order(served: Served) -> None:
    served.sms(JANSEN, "een krentenbol")
    form = sms_form(JANSEN, "ja")
    first = served.post_twilio("/twilio/sms", form)
    count = len(orders_of_jansen(served))
    again = served.post_twilio("/twilio/sms", form)
    assert again.status_code == 200
    assert again.text == first.text
    assert len(orders_of_jansen(served)) == count


def test_bad_or_missing_signature_is_refused_and_changes_nothing(served: Served) -> None:
    form = sms_form(JANSEN, "een krentenbol")
    url = served.url + "/twilio/sms"
    wrong = sign(url, form, token="not-the-token")
    assert served.post_twilio("/twilio/sms", form, signature=wrong).status_code == 403
    assert served.post_twilio("/twilio/sms", form, signature="").status_code == 403
    # Signed over other parameters than were sent: also refused.
    tampered = dict(form, Body="100 krentenbollen")
    assert served.post_twilio("/twilio/sms", tampered, signature=sign(url, form)).status_code == 403
    with served.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert session.scalar(select(func.count()).select_from(InboundRecord)) == 0


def test_whatsapp_order(served: Served) -> None:
    sender = "whatsapp:" + JANSEN
    readback = message_text(served.sms(sender, "een appeltaart en 2 krentenbollen").text)
    assert "€" in readback  # WhatsApp is UTF-8: no need to spell out EUR
    assert "Klopt dit?" in readback
    placed = message_text(served.sms(sender, "ja").text)
    assert "Bestelnummer" in placed
    # Inside the 24-hour window: the confirmation goes as free text to the WhatsApp address.
    served.twilio.wait_for(lambda: bool(served.twilio.messages(to=sender)))
    sent = served.twilio.messages(to=sender)[0]
    assert sent["From"] == "whatsapp:+3197010000001"
    assert "Body" in sent and "ContentSid" not in sent


def test_whatsapp_button_payload_answers_its_own_readback(served: Served) -> None:
    sender = "whatsapp:" + JANSEN
    served.sms(sender, "een krentenbol")
    served.sms(sender, "nog een appeltaart")  # the basket changed: version moved on
    stale = message_text(served.sms(sender, "Ja", ButtonText="Ja", ButtonPayload="ja:1").text)
    assert "Bestelnummer" not in stale


def test_stop_opts_out_and_start_opts_back_in(served: Served) -> None:
    answer = served.sms(JANSEN, "STOP")
    assert message_text(answer.text) == ""  # Twilio itself confirms the opt-out
    with unit_of_work(served.runtime.sessions) as session:
        assert is_opted_out(session, channel="sms", address=JANSEN)
    served.sms(JANSEN, "start")
    with unit_of_work(served.runtime.sessions) as session:
        assert not is_opted_out(session, channel="sms", address=JANSEN)


def test_cancel_alone_on_sms_is_twilios_opt_out_but_annuleren_is_ours(served: Served) -> None:
    served.sms(JANSEN, "een krentenbol")
    assert "mandje" in message_text(served.sms(JANSEN, "annuleren").text)
    served.sms(JANSEN, "Cancel")
    with unit_of_work(served.runtime.sessions) as session:
        assert is_opted_out(session, channel="sms", address=JANSEN)
