"""Per-sender and global rate limits that every server process shares.

Beyond a limit a sender gets one kind notice, then nothing (no answer, no paid SMS) until the
window has passed; the coordinator sees who was held back (`dorpsplein limits list`).

Where the counts live: in our own database (tables rate_windows and rate_limited), not Redis.
- Several `dorpsplein serve` processes only share what they share already, and that is the
  database; PostgreSQL does the counting with one atomic upsert of the sender's and everyone's
  rows (INSERT ... ON CONFLICT DO UPDATE ... RETURNING), which SQLite (3.35+) does the same way, so
  the embedded SQLite default keeps working with no server at all.
- Redis would be one more service to install, secure, monitor and back up in every village,
  for a load of at most a few messages a second: the database handles that without notice.
- The counts are then in the coordinator's backups and reports like everything else.
If a village ever outgrows this, the counting is this one module.

Fixed windows of a minute: simple and exact across processes. A sender can get up to twice
the limit through around a window's edge, which is fine for its purpose (keeping one
runaway phone from costing money and slowing everyone else down).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, bindparam, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from conversations.models import RateLimited, RateWindow
from core.database import UTCDateTime, standalone, unit_of_work, utcnow

WINDOW = timedelta(minutes=1)
EVERYONE = "*"
# Windows this old are of no use any more; the process that opens a new window clears them.
_KEEP = timedelta(minutes=10)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    # Held back, and this is the message that gets the one notice of the window.
    notice: bool = False


class RateLimiter:
    def __init__(self, sessions: sessionmaker[Session], *, per_sender: int, overall: int) -> None:
        self._sessions = sessions
        self._per_sender = per_sender
        self._overall = overall

    def check(self, *, channel: str, sender: str, now: datetime | None = None) -> Verdict:
        """Count one inbound message; whether to answer it, or to give the notice instead."""
        now = now or utcnow()
        start = window_start(now)
        own = f"{channel}:{sender}"
        # Counted at once, apart from the turn: the global row is every sender's, and holding
        # its lock through a whole dialogue turn would queue everyone behind it.
        with standalone(self._sessions) as session:
            counts = _count(session, own, start)
            if counts[own] <= self._per_sender:
                if counts[EVERYONE] == 1:
                    session.execute(delete(RateWindow).where(RateWindow.window_start < now - _KEEP))
                if counts[EVERYONE] <= self._overall:
                    return Verdict(allowed=True)
        with unit_of_work(self._sessions) as session:
            if counts[own] > self._per_sender:
                # A sender already held back does not use up everyone else's allowance.
                _uncount(session, EVERYONE, start)
            noticed = session.execute(
                update(RateWindow)
                .where(
                    RateWindow.key == own,
                    RateWindow.window_start == start,
                    RateWindow.noticed.is_(False),
                )
                .values(noticed=True)
            )
            _remember(session, channel=channel, sender=sender, now=now)
            return Verdict(allowed=False, notice=noticed.rowcount == 1)  # type: ignore[attr-defined]


def window_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(second=0, microsecond=0)


def _insert(session: Session):  # type: ignore[no-untyped-def]
    dialect = session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


# The sender's row and everyone's, counted in one statement. Written out because SQLAlchemy
# compiles an INSERT of several literal rows anew every time (it cannot cache one); this text
# is compiled once. PostgreSQL and SQLite (3.35+) read it the same way.
_COUNT_BOTH = text(
    "INSERT INTO rate_windows (key, window_start, count, noticed)"
    " VALUES (:own, :start, 1, false), (:everyone, :start, 1, false)"
    " ON CONFLICT (key, window_start) DO UPDATE SET count = rate_windows.count + 1"
    " RETURNING key, count"
).bindparams(
    bindparam("own", type_=String()),
    bindparam("everyone", type_=String()),
    bindparam("start", type_=UTCDateTime()),
)


def _count(session: Session, own: str, start: datetime) -> dict[str, int]:
    """One more message in the sender's window and in everyone's; both counts now.

    The rows are locked in this order (the sender's own before everyone's) in every
    transaction, so two counts never wait on each other in a circle.
    """
    rows = session.execute(_COUNT_BOTH, {"own": own, "everyone": EVERYONE, "start": start})
    return {key: count for key, count in rows}


def _uncount(session: Session, key: str, start: datetime) -> None:
    session.execute(
        update(RateWindow)
        .where(RateWindow.key == key, RateWindow.window_start == start)
        .values(count=RateWindow.count - 1)
    )


def _remember(session: Session, *, channel: str, sender: str, now: datetime) -> None:
    table = RateLimited.__table__
    statement = (
        _insert(session)(table)
        .values(channel=channel, sender=sender, count=1, first_limited_at=now, last_limited_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.channel, table.c.sender],
            set_={"count": table.c.count + 1, "last_limited_at": now},
        )
    )
    session.execute(statement)


def limited_senders(session: Session) -> Sequence[RateLimited]:
    """Who was held back, the most recent first."""
    query = select(RateLimited).order_by(RateLimited.last_limited_at.desc(), RateLimited.id)
    return session.scalars(query).all()
