"""Residents, delivery rounds and orders split into one part per shop."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Shop
from core.database import Base, UTCDateTime, utcnow


class AddressKind(StrEnum):
    PHONE = "phone"  # SMS and voice calls; WhatsApp falls back to it
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"


class OrderStatus(StrEnum):
    PLACED = "placed"
    NOTIFIED = "notified"
    READY = "ready"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(String(160))
    postcode: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # A deactivated resident (moved away, or asked to stop) is not served until reactivated;
    # her orders and history stay for the shops' books.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    addresses: Mapped[list[ResidentAddress]] = relationship(
        back_populates="resident", cascade="all, delete-orphan"
    )

    def address(self, kind: AddressKind) -> str | None:
        return next((a.address for a in self.addresses if a.kind == kind), None)


class ResidentAddress(Base):
    """One way to reach a resident; every address leads to the same account."""

    __tablename__ = "resident_addresses"
    __table_args__ = (UniqueConstraint("kind", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(120))

    resident: Mapped[Resident] = relationship(back_populates="addresses")


class DeliveryRound(Base):
    __tablename__ = "delivery_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, unique=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # open: taking orders; closed: shops and courier notified.
    status: Mapped[str] = mapped_column(String(20), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_rounds.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PLACED.value)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The courier rang and nobody opened: the coordinator is alerted and arranges it.
    not_home_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident: Mapped[Resident] = relationship()
    delivery_round: Mapped[DeliveryRound | None] = relationship()
    parts: Mapped[list[OrderPart]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderPart.id"
    )


class OrderPart(Base):
    """What one shop prepares for one order.

    A part normally rides on its order's round; a shop that does not supply that weekday
    sends its part with its own next round, so a part carries a round of its own.
    """

    __tablename__ = "order_parts"
    __table_args__ = (UniqueConstraint("order_id", "shop_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_rounds.id"), index=True)
    subtotal_cents: Mapped[int] = mapped_column(Integer, default=0)
    # The shop has packed this bag ("klaar" on the shop's page).
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="parts")
    shop: Mapped[Shop] = relationship()
    delivery_round: Mapped[DeliveryRound | None] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="part", cascade="all, delete-orphan", order_by="OrderLine.id"
    )


class OrderLine(Base):
    """A product as it was when ordered: name and price are snapshots."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("order_parts.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(10))
    # Pieces, or grams for weighed products.
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    line_total_cents: Mapped[int] = mapped_column(Integer)

    part: Mapped[OrderPart] = relationship(back_populates="lines")

    def as_record(self) -> dict[str, Any]:
        """The line as the operator's and the resident's exports show it."""
        return {
            "sku": self.sku,
            "name": self.name,
            "unit": self.unit,
            "quantity": self.quantity,
            "unit_price_cents": self.unit_price_cents,
            "line_total_cents": self.line_total_cents,
        }


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    # Only written to var/outbox.log because its channel is off: it reached nobody.
    LOGGED = "logged"
    FAILED = "failed"  # permanently: kept with its reason for the coordinator


class OutboxMessage(Base):
    """A message that must go out, written in the same transaction as what caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # order_confirmation, order_cancelled, shop_round, courier_round, ...
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(200))
    # Who it is for, in words, for the coordinator's overview.
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
