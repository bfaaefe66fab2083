"""SMS opt-outs: numbers that sent STOP; the outbox sends them nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint, bindparam, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.database import Base, UTCDateTime, utcnow


class OptOut(Base):
    __tablename__ = "opt_outs"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(120))
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def opt_out(session: Session, *, channel: str, address: str, now: datetime) -> None:
    if not is_opted_out(session, channel=channel, address=address):
        session.add(OptOut(channel=channel, address=address, opted_out_at=now))
        session.flush()


def opt_in(session: Session, *, channel: str, address: str) -> None:
    session.execute(delete(OptOut).where(OptOut.channel == channel, OptOut.address == address))


# Built once, on the table: asked for every SMS the outbox sends.
_OPT_OUTS = OptOut.table()
_OPTED_OUT = select(_OPT_OUTS.c.id).where(
    _OPT_OUTS.c.channel == bindparam("channel"), _OPT_OUTS.c.address == bindparam("address")
)


def is_opted_out(session: Session, *, channel: str, address: str) -> bool:
    found = session.execute(_OPTED_OUT, {"channel": channel, "address": address}).first()
    return found is not None
