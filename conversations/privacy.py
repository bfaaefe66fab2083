"""A resident's personal data (AVG/GDPR): everything we hold, exported, or forgotten.

A person is found by a phone number. What we hold about her is spread over both packages: the
resident and her channel addresses, her conversation, the messages and calls that came from
her numbers, a registration in progress, her orders and the outbox messages written to her.
A registration that never finished is covered too: its sender is not a resident yet.

Forgetting keeps her orders for the shops' books but cuts them loose from her: they are moved
to one shared anonymous resident, so that what remains cannot even be linked into one person's
history (one row kept per forgotten person, with a placeholder name, would still be that).
Her SMS opt-out is kept: it is what Twilio itself holds for the number, and it is the record
that we must not write to it (a "do not contact" list is what the law allows to keep).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.orm import Session, selectinload

from conversations.models import (
    CallState,
    ChannelNotice,
    Conversation,
    InboundMessage,
    RateLimited,
    RateWindow,
    Registration,
)
from core.errors import DorpspleinError
from orders.errors import InvalidPhoneError
from orders.models import (
    AddressKind,
    Order,
    OrderPart,
    OrderStatus,
    OutboxMessage,
    OutboxStatus,
    Resident,
    ResidentAddress,
)
from orders.opt_outs import OptOut
from orders.residents import find_resident, normalise_phone
from orders.standing.models import StandingOrder, StandingWeek

# The one resident every forgotten person's orders belong to; it has no addresses.
FORGOTTEN = "(vergeten)"
_UNDERWAY = (
    OrderStatus.PLACED.value,
    OrderStatus.NOTIFIED.value,
    OrderStatus.READY.value,
    OrderStatus.OUT_FOR_DELIVERY.value,
)
# Shorter names or streets are too likely to occur inside other words to be replaced in texts.
_SHORTEST_SCRUBBED = 4


class NothingHeldError(DorpspleinError):
    def __init__(self, *, phone: str) -> None:
        super().__init__(f"nothing is held about {phone}")
        self.phone = phone


class OrdersUnderwayError(DorpspleinError):
    """Her address is still needed to deliver; forgetting waits until these are done."""

    def __init__(self, *, order_ids: tuple[int, ...]) -> None:
        listed = ", ".join(str(i) for i in order_ids)
        super().__init__(
            f"orders {listed} are still on their way: forget after they are delivered or "
            "cancelled (`dorpsplein orders status ORDER delivered`)"
        )
        self.order_ids = order_ids


@dataclass(frozen=True)
class Subject:
    """Whom a request is about: a phone number, the resident behind it if any, her addresses."""

    phone: str
    resident: Resident | None
    # Every form a sender or recipient of hers takes in our tables.
    senders: frozenset[str]
    registrations: tuple[Registration, ...]


@dataclass(frozen=True)
class ForgetReport:
    resident_id: int | None
    orders_kept: int
    messages: int
    calls: int
    registrations: int
    outbox: int


def find_subject(session: Session, *, phone: str, lock: bool = False) -> Subject:
    """Everything a phone number leads to; NothingHeldError when it leads nowhere."""
    try:
        number = normalise_phone(phone)
    except InvalidPhoneError:
        raise NothingHeldError(phone=phone) from None
    # A WhatsApp-only resident is found as well: WHATSAPP falls back to PHONE, not the reverse.
    resident = find_resident(session, kind=AddressKind.WHATSAPP, address=number)
    if resident is not None and lock:
        # A message being answered for her right now finishes first, or waits for us.
        session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())
    phones = {number}
    telegram: set[str] = set()
    if resident is not None:
        for address in resident.addresses:
            if address.kind == AddressKind.TELEGRAM.value:
                telegram.add(address.address)
            else:
                phones.add(address.address)
    senders = {form for p in phones for form in (p, f"whatsapp:{p}")} | telegram
    registrations = _registrations(session, senders=senders, phones=phones)
    senders |= {r.address for r in registrations}
    subject = Subject(number, resident, frozenset(senders), tuple(registrations))
    if resident is None and not registrations and not _holds_anything(session, subject):
        raise NothingHeldError(phone=number)
    return subject


def export_resident(session: Session, *, phone: str, now: datetime) -> dict[str, Any]:
    """Everything we hold about the person behind a phone number, ready for json.dumps."""
    subject = find_subject(session, phone=phone)
    resident = subject.resident
    data: dict[str, Any] = {
        "phone": subject.phone,
        "exported_at": _when(now),
        "resident": None,
        "addresses": [],
        "conversation": None,
        "orders": [],
    }
    if resident is not None:
        data["resident"] = {
            "id": resident.id,
            "name": resident.name,
            "street": resident.street,
            "postcode": resident.postcode,
            "language": resident.language,
            "created_at": _when(resident.created_at),
        }
        data["addresses"] = [{"kind": a.kind, "address": a.address} for a in resident.addresses]
        conversation = session.scalar(
            select(Conversation).where(Conversation.resident_id == resident.id)
        )
        if conversation is not None:
            data["conversation"] = {
                "state": conversation.state.model_dump(mode="json"),
                "version": conversation.version,
                "misunderstandings": conversation.misunderstandings,
                "updated_at": _when(conversation.updated_at),
            }
        data["orders"] = [_order(o) for o in _orders(session, resident_id=resident.id)]
        data["standing_orders"] = [
            {
                "weekday": s.weekday,
                "lines": [{"sku": line["sku"], "quantity": line["quantity"]} for line in s.lines],
                "active": s.active,
                "paused_until": s.paused_until.isoformat() if s.paused_until else None,
                "created_at": _when(s.created_at),
            }
            for s in session.scalars(
                select(StandingOrder).where(StandingOrder.resident_id == resident.id)
            )
        ]
    data["messages"] = [
        {
            "channel": m.channel,
            "message_id": m.message_id,
            "sender": m.sender,
            "text": m.text,
            "replies": m.replies,
            "received_at": _when(m.received_at),
        }
        for m in session.scalars(
            select(InboundMessage)
            .where(InboundMessage.sender.in_(subject.senders))
            .order_by(InboundMessage.received_at, InboundMessage.id)
        )
    ]
    data["calls"] = [
        {
            "call_sid": c.call_sid,
            "caller": c.caller,
            "step": c.step,
            "answer": c.answer,
            "question": c.question,
            "language": c.language,
            "created_at": _when(c.created_at),
            "updated_at": _when(c.updated_at),
        }
        for c in session.scalars(
            select(CallState).where(CallState.caller.in_(subject.senders)).order_by(CallState.id)
        )
    ]
    data["registrations"] = [
        {
            "kind": r.kind,
            "address": r.address,
            "step": r.step,
            "data": r.data,
            "language": r.language,
            "updated_at": _when(r.updated_at),
        }
        for r in subject.registrations
    ]
    data["outbox"] = [
        {
            "id": m.id,
            "kind": m.kind,
            "channel": m.channel,
            "recipient": m.recipient,
            "recipient_name": m.recipient_name,
            "text": m.text,
            "status": m.status,
            "created_at": _when(m.created_at),
            "sent_at": _when(m.sent_at),
        }
        for m in session.scalars(
            select(OutboxMessage)
            .where(_addressed_to(subject))
            .order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
    ]
    data["opt_outs"] = [
        {"channel": o.channel, "address": o.address, "opted_out_at": _when(o.opted_out_at)}
        for o in session.scalars(
            select(OptOut).where(OptOut.address.in_(subject.senders)).order_by(OptOut.id)
        )
    ]
    data["rate_limited"] = [
        {
            "channel": r.channel,
            "sender": r.sender,
            "count": r.count,
            "first_limited_at": _when(r.first_limited_at),
            "last_limited_at": _when(r.last_limited_at),
        }
        for r in session.scalars(
            select(RateLimited)
            .where(RateLimited.sender.in_(subject.senders))
            .order_by(RateLimited.id)
        )
    ]
    data["notices"] = [
        {"channel": n.channel, "address": n.address, "kind": n.kind, "sent_at": _when(n.sent_at)}
        for n in session.scalars(
            select(ChannelNotice)
            .where(ChannelNotice.address.in_(subject.senders))
            .order_by(ChannelNotice.id)
        )
    ]
    return data


def forget_resident(session: Session, *, phone: str, now: datetime) -> ForgetReport:
    """Erase the person behind a phone number; her orders stay, anonymous. One transaction:
    run it inside the caller's unit of work."""
    subject = find_subject(session, phone=phone, lock=True)
    resident = subject.resident
    orders_kept = 0
    if resident is not None:
        underway = tuple(
            session.scalars(
                select(Order.id)
                .where(Order.resident_id == resident.id, Order.status.in_(_UNDERWAY))
                .order_by(Order.id)
            )
        )
        if underway:
            raise OrdersUnderwayError(order_ids=underway)
    outbox = _forget_outbox(session, subject, now=now)
    messages = _count_deleted(
        session, delete(InboundMessage).where(InboundMessage.sender.in_(subject.senders))
    )
    calls = _count_deleted(session, delete(CallState).where(CallState.caller.in_(subject.senders)))
    session.execute(delete(RateLimited).where(RateLimited.sender.in_(subject.senders)))
    session.execute(delete(ChannelNotice).where(ChannelNotice.address.in_(subject.senders)))
    # Rate windows are keyed "channel:sender" and gone within minutes anyway.
    session.execute(
        delete(RateWindow)
        .where(or_(*(RateWindow.key.endswith(f":{s}", autoescape=True) for s in subject.senders)))
        .execution_options(synchronize_session=False)
    )
    for registration in subject.registrations:
        session.delete(registration)
    if resident is not None:
        anonymous = _anonymous_resident(session)
        orders = list(session.scalars(select(Order).where(Order.resident_id == resident.id)))
        for order in orders:
            order.resident = anonymous
        orders_kept = len(orders)
        session.execute(delete(Conversation).where(Conversation.resident_id == resident.id))
        standing = select(StandingOrder.id).where(StandingOrder.resident_id == resident.id)
        session.execute(
            delete(StandingWeek).where(
                StandingWeek.standing_order_id.in_(standing.scalar_subquery())
            )
        )
        session.execute(delete(StandingOrder).where(StandingOrder.resident_id == resident.id))
        # The addresses go with her (delete-orphan), so her numbers are unknown senders again.
        session.delete(resident)
    session.flush()
    return ForgetReport(
        resident_id=None if resident is None else resident.id,
        orders_kept=orders_kept,
        messages=messages,
        calls=calls,
        registrations=len(subject.registrations),
        outbox=outbox,
    )


# -- helpers ---------------------------------------------------------------------------------


def _registrations(
    session: Session, *, senders: Iterable[str], phones: set[str]
) -> list[Registration]:
    by_address = list(
        session.scalars(select(Registration).where(Registration.address.in_(senders)))
    )
    # A Telegram registration is keyed by the chat; the number Telegram vouched for sits in data.
    by_phone = [
        r
        for r in session.scalars(
            select(Registration).where(Registration.kind == AddressKind.TELEGRAM.value)
        )
        if (r.data or {}).get("phone") in phones
    ]
    seen: dict[int, Registration] = {r.id: r for r in by_address + by_phone}
    return sorted(seen.values(), key=lambda r: r.id)


def _holds_anything(session: Session, subject: Subject) -> bool:
    checks = (
        select(InboundMessage.id).where(InboundMessage.sender.in_(subject.senders)),
        select(CallState.id).where(CallState.caller.in_(subject.senders)),
        select(OutboxMessage.id).where(_addressed_to(subject)),
        select(OptOut.id).where(OptOut.address.in_(subject.senders)),
        select(RateLimited.id).where(RateLimited.sender.in_(subject.senders)),
    )
    return any(session.scalar(check.limit(1)) is not None for check in checks)


def _addressed_to(subject: Subject) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = OutboxMessage.recipient.in_(subject.senders)
    if subject.resident is not None:
        # Without any address a message to her is kept for the coordinator under her name.
        condition = or_(
            condition,
            (OutboxMessage.channel == "log") & (OutboxMessage.recipient == subject.resident.name),
        )
    return condition


def _forget_outbox(session: Session, subject: Subject, *, now: datetime) -> int:
    mine = list(session.scalars(select(OutboxMessage).where(_addressed_to(subject))))
    for message in mine:
        if message.status == OutboxStatus.PENDING.value:
            # Nobody is left to send it to.
            message.status = OutboxStatus.FAILED.value
            message.last_error = "recipient forgotten (AVG)"
            message.next_attempt_at = now
        message.recipient = FORGOTTEN
        message.recipient_name = FORGOTTEN
        message.text = ""
        message.payload = {}
    resident = subject.resident
    if resident is not None:
        # Shop and courier lists name her and her street beside other residents: only her
        # words go, the lists stay for the shops.
        words = [w for w in (resident.name, resident.street) if len(w) >= _SHORTEST_SCRUBBED]
        for word in words:
            for message in session.scalars(
                select(OutboxMessage).where(OutboxMessage.text.contains(word, autoescape=True))
            ):
                message.text = message.text.replace(word, FORGOTTEN)
    return len(mine)


def _anonymous_resident(session: Session) -> Resident:
    found = session.scalar(
        select(Resident)
        .outerjoin(ResidentAddress)
        .where(Resident.name == FORGOTTEN, ResidentAddress.id.is_(None))
        .order_by(Resident.id)
        .limit(1)
    )
    if found is None:
        found = Resident(name=FORGOTTEN, street="", postcode="")
        session.add(found)
        session.flush()
    return found


def _count_deleted(session: Session, statement: Any) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def _orders(session: Session, *, resident_id: int) -> list[Order]:
    query = (
        select(Order)
        .where(Order.resident_id == resident_id)
        .options(
            selectinload(Order.delivery_round),
            selectinload(Order.parts).selectinload(OrderPart.shop),
            selectinload(Order.parts).selectinload(OrderPart.delivery_round),
            selectinload(Order.parts).selectinload(OrderPart.lines),
        )
        .order_by(Order.id)
    )
    return list(session.scalars(query))


def _order(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "status": order.status,
        "total_cents": order.total_cents,
        "created_at": _when(order.created_at),
        "cancelled_at": _when(order.cancelled_at),
        "delivery": _when(order.delivery_round.starts_at) if order.delivery_round else None,
        "parts": [
            {
                "shop": part.shop.name,
                "subtotal_cents": part.subtotal_cents,
                "delivery": _when(part.delivery_round.starts_at) if part.delivery_round else None,
                "lines": [line.as_record() for line in part.lines],
            }
            for part in order.parts
        ],
    }


def _when(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
