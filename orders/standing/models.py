"""A standing order per resident and round day, and what happens to it each week."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.database import Base, UTCDateTime, utcnow
from orders.models import DeliveryRound, Order, Resident


class StandingOrder(Base):
    """What a resident wants every week on one round day (one per resident per day)."""

    __tablename__ = "standing_orders"
    __table_args__ = (UniqueConstraint("resident_id", "weekday"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    # The round's weekday: mon..sun, one of the village's round days.
    weekday: Mapped[str] = mapped_column(String(3))
    # [{"sku": ..., "quantity": ..., "unit_price_cents": price she agreed to}]
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # No orders for rounds on or before this local date (holiday, hospital).
    paused_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident: Mapped[Resident] = relationship()


class StandingWeek(Base):
    """One standing order in one round: reminded once, changed or skipped, placed once.

    The unique pair is what makes two workers remind once and place once: each claims the
    row's step with a conditional update that only one of them can win.
    """

    __tablename__ = "standing_weeks"
    __table_args__ = (UniqueConstraint("standing_order_id", "round_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    standing_order_id: Mapped[int] = mapped_column(
        ForeignKey("standing_orders.id", ondelete="CASCADE"), index=True
    )
    round_id: Mapped[int] = mapped_column(ForeignKey("delivery_rounds.id"), index=True)
    # This week only: sku -> quantity (0: not this week), on top of the standing lines.
    changes: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    # Skus left out this week (off sale, or dearer than allowed), as told in the reminder.
    left_out: Mapped[list[str]] = mapped_column(JSON, default=list)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the week was dealt with at the cut-off: placed (order_id) or not (outcome).
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    # placed | skipped | paused | empty | failed
    outcome: Mapped[str | None] = mapped_column(String(20))

    standing_order: Mapped[StandingOrder] = relationship()
    delivery_round: Mapped[DeliveryRound] = relationship()
    order: Mapped[Order | None] = relationship()
