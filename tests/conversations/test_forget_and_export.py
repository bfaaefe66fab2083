"""A resident's data: exported whole, forgotten whole, her orders kept without her."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.wiring import Runtime
from conversations import privacy
from conversations.models import (
    CallState,
    Conversation,
    InboundMessage,
    RateLimited,
    RateWindow,
    Registration,
)
from conversations.privacy import (
    FORGOTTEN,
    NothingHeldError,
    OrdersUnderwayError,
    export_resident,
    forget_resident,
)
from core.database import unit_of_work
from orders.models import AddressKind, Order, OrderStatus, OutboxMessage, Resident
from orders.residents import find_resident
from tests.conversations.privacy_data import DE_VRIES, JANSEN, NEWCOMER, NOW, remember


@pytest.fixture
def remembered(village: Runtime) -> sessionmaker[Session]:
    return remember(village.sessions)


def test_export_holds_everything_about_her_and_nothing_of_others(
    remembered: sessionmaker[Session],
) -> None:
    with unit_of_work(remembered) as session:
        data = export_resident(session, phone="06 1234 0001", now=NOW)
    json.dumps(data)  # ready for the command line as it is
    assert data["phone"] == JANSEN
    assert data["resident"]["name"] == "Mevrouw A. Jansen"
    assert data["resident"]["street"] == "Julianalaan 18"
    assert data["addresses"] == [{"kind": "phone", "address": JANSEN}]
    assert data["conversation"]["state"]["basket"] == [
        {"sku": "bak-krentenbol", "quantity": 2, "usual": False}
    ]
    assert [m["text"] for m in data["messages"]] == [
        "twee krentenbollen",
        "en een ons belegen kaas",
    ]
    assert data["messages"][0]["replies"] == [
        {"text": "antwoord op twee krentenbollen", "choices": []}
    ]
    assert [c["call_sid"] for c in data["calls"]] == ["CA1"]
    assert data["calls"][0]["question"] == {"spoken": "Welk brood bedoelt u?"}
    assert [m["text"] for m in data["outbox"]] == ["Bedankt, Mevrouw A. Jansen"]
    assert len(data["orders"]) == 5
    first = data["orders"][0]
    assert first["status"] == "delivered"
    assert {part["shop"] for part in first["parts"]}
    assert all(line["name"] for part in first["parts"] for line in part["lines"])
    assert sum(p["subtotal_cents"] for p in first["parts"]) == first["total_cents"]
    assert data["registrations"] == []
    assert "de Vries" not in json.dumps(data)


def test_export_covers_telegram_and_someone_still_registering(
    remembered: sessionmaker[Session],
) -> None:
    with unit_of_work(remembered) as session:
        de_vries = export_resident(session, phone=DE_VRIES, now=NOW)
        newcomer = export_resident(session, phone=NEWCOMER, now=NOW)
    assert {m["text"] for m in de_vries["messages"]} == {"het gewone", "ja"}
    assert {a["kind"] for a in de_vries["addresses"]} == {"phone", "telegram"}
    assert newcomer["resident"] is None
    assert [m["text"] for m in newcomer["messages"]] == ["Piet Bakker"]
    assert newcomer["registrations"][0]["data"] == {"name": "Piet Bakker"}


def test_a_number_we_know_nothing_about_is_said_so(remembered: sessionmaker[Session]) -> None:
    with unit_of_work(remembered) as session, pytest.raises(NothingHeldError):
        export_resident(session, phone="+31611111111", now=NOW)
    with unit_of_work(remembered) as session, pytest.raises(NothingHeldError):
        forget_resident(session, phone="geen nummer", now=NOW)


def test_forgetting_erases_her_and_keeps_her_orders_anonymous(
    remembered: sessionmaker[Session],
) -> None:
    with unit_of_work(remembered) as session:
        jansen = find_resident(session, kind=AddressKind.PHONE, address=JANSEN)
        assert jansen is not None
        her_id = jansen.id
        order_ids = set(session.scalars(select(Order.id).where(Order.resident_id == her_id)))
        totals = session.scalar(
            select(func.sum(Order.total_cents)).where(Order.resident_id == her_id)
        )
    with unit_of_work(remembered) as session:
        report = forget_resident(session, phone=JANSEN, now=NOW)
    assert (report.orders_kept, report.messages, report.calls, report.outbox) == (5, 2, 1, 1)

    with remembered() as session:
        assert session.get(Resident, her_id) is None
        assert find_resident(session, kind=AddressKind.PHONE, address=JANSEN) is None
        assert find_resident(session, kind=AddressKind.WHATSAPP, address=JANSEN) is None
        assert not session.scalars(
            select(Conversation).where(Conversation.resident_id == her_id)
        ).all()
        senders = set(session.scalars(select(InboundMessage.sender)))
        assert senders == {DE_VRIES, "100000002", NEWCOMER}
        assert set(session.scalars(select(CallState.call_sid))) == {"CA2"}
        # Her orders: all there, same money, on one resident with no name and no address.
        orders = list(session.scalars(select(Order).where(Order.id.in_(order_ids))))
        assert len(orders) == 5
        assert sum(o.total_cents for o in orders) == totals
        owners = {o.resident for o in orders}
        assert len(owners) == 1
        (anonymous,) = owners
        assert (anonymous.name, anonymous.street, anonymous.postcode) == (FORGOTTEN, "", "")
        assert anonymous.addresses == []
        texts = [m.text for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
        assert texts[0] == ""
        assert texts[1] == "Bedankt, Meneer H. de Vries"
        assert "Jansen" not in texts[2] and "Julianalaan" not in texts[2]
        assert "Meneer H. de Vries" in texts[2]
        mine = session.scalars(select(OutboxMessage).where(OutboxMessage.id == 1)).one()
        assert (mine.recipient, mine.recipient_name, mine.payload) == (FORGOTTEN, FORGOTTEN, {})
        # Others keep everything.
        de_vries = find_resident(session, kind=AddressKind.TELEGRAM, address="100000002")
        assert de_vries is not None and de_vries.name == "Meneer H. de Vries"

    with unit_of_work(remembered) as session, pytest.raises(NothingHeldError):
        export_resident(session, phone=JANSEN, now=NOW)


def test_everyone_forgotten_shares_one_anonymous_resident(
    remembered: sessionmaker[Session],
) -> None:
    for phone in (JANSEN, DE_VRIES):
        with unit_of_work(remembered) as session:
            forget_resident(session, phone=phone, now=NOW)
    with remembered() as session:
        forgotten = session.scalars(select(Resident).where(Resident.name == FORGOTTEN)).all()
        assert len(forgotten) == 1
        # Telegram too: the chat is an unknown sender again.
        assert find_resident(session, kind=AddressKind.TELEGRAM, address="100000002") is None
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_someone_still_registering_is_forgotten_too(remembered: sessionmaker[Session]) -> None:
    with unit_of_work(remembered) as session:
        report = forget_resident(session, phone=NEWCOMER, now=NOW)
    assert (report.resident_id, report.registrations, report.messages) == (None, 1, 1)
    with remembered() as session:
        assert session.scalar(select(func.count()).select_from(Registration)) == 0


def test_a_pending_message_to_her_is_not_sent_any_more(remembered: sessionmaker[Session]) -> None:
    with unit_of_work(remembered) as session:
        session.add(
            OutboxMessage(
                kind="order_on_the_way",
                channel="sms",
                recipient=JANSEN,
                recipient_name="Mevrouw A. Jansen",
                text="De koerier is onderweg",
                payload={},
                status="pending",
                next_attempt_at=NOW,
            )
        )
    with unit_of_work(remembered) as session:
        forget_resident(session, phone=JANSEN, now=NOW)
    with remembered() as session:
        pending = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending"))
        assert pending.all() == []


def test_orders_on_their_way_keep_her_until_they_are_delivered(
    remembered: sessionmaker[Session],
) -> None:
    with unit_of_work(remembered) as session:
        jansen = find_resident(session, kind=AddressKind.PHONE, address=JANSEN)
        assert jansen is not None
        order = session.scalars(
            select(Order).where(Order.resident_id == jansen.id).order_by(Order.id.desc())
        ).first()
        assert order is not None
        order.status = OrderStatus.READY.value
        ready = order.id
    with unit_of_work(remembered) as session, pytest.raises(OrdersUnderwayError) as error:
        forget_resident(session, phone=JANSEN, now=NOW)
    assert error.value.order_ids == (ready,)
    assert str(ready) in str(error.value)
    with remembered() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 5


def test_forgetting_is_one_transaction(
    remembered: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(session: Session) -> Resident:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(privacy, "_anonymous_resident", broken)
    with pytest.raises(RuntimeError), unit_of_work(remembered) as session:
        forget_resident(session, phone=JANSEN, now=NOW)
    with remembered() as session:
        assert find_resident(session, kind=AddressKind.PHONE, address=JANSEN) is not None
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 5
        assert session.scalar(select(func.count()).select_from(CallState)) == 2
        assert session.scalar(select(OutboxMessage.text).where(OutboxMessage.id == 1))


def test_being_rate_limited_is_hers_too(remembered: sessionmaker[Session]) -> None:
    with unit_of_work(remembered) as session:
        session.add(RateLimited(channel="sms", sender=JANSEN, count=4))
        session.add(RateLimited(channel="sms", sender=DE_VRIES, count=1))
        session.add(RateWindow(key=f"whatsapp:whatsapp:{JANSEN}", window_start=NOW, count=9))
        session.add(RateWindow(key=f"sms:{DE_VRIES}", window_start=NOW, count=1))
    with unit_of_work(remembered) as session:
        exported = export_resident(session, phone=JANSEN, now=NOW)
        assert [r["count"] for r in exported["rate_limited"]] == [4]
        forget_resident(session, phone=JANSEN, now=NOW)
    with remembered() as session:
        assert set(session.scalars(select(RateLimited.sender))) == {DE_VRIES}
        assert set(session.scalars(select(RateWindow.key))) == {f"sms:{DE_VRIES}"}
