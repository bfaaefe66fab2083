"""Engine, sessions and the declarative base: the single place persistence is set up."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DateTime,
    Dialect,
    Engine,
    MetaData,
    Table,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    @classmethod
    def table(cls) -> Table:
        """The mapped table, for Core statements on hot paths: executed without the ORM's
        layers (no entities, no autoflush) they cost about half."""
        return cls.metadata.tables[cls.__tablename__]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (no zones) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalise_url(url: str) -> str:
    """Let people write the URL they know; psycopg 3 is the driver we ship."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, ping_after: float = 10.0, **kwargs: Any) -> Engine:
    """An engine for this URL; on a server, a connection that rested `ping_after` seconds is
    tried before it is handed out (see _alive_after_rest)."""
    # Statement parameters hold residents' numbers and messages: never in an error's text.
    kwargs.setdefault("hide_parameters", True)
    url = normalise_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        connect_args: dict[str, Any] = {"timeout": 30, **kwargs.pop("connect_args", {})}
        if database and database != ":memory:":
            connect_args["factory"] = _gated_connection(_gate_for(Path(database)))
        if database and database != ":memory:":
            kwargs.setdefault("pool_size", 16)
            kwargs.setdefault("max_overflow", 8)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # Enough kept open for the web threads and the worker at once (bot.web.THREADS_SERVER):
    # the default 5 would close and reopen a connection for most requests under load.
    kwargs.setdefault("pool_size", 16)
    kwargs.setdefault("max_overflow", 8)
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkin", _rested_since)
    ping = partial(_alive_after_rest, ping=engine.dialect.do_ping, ping_after=ping_after)
    event.listen(engine, "checkout", ping)
    return engine


def _rested_since(_dbapi_connection: Any, record: Any) -> None:
    record.info["rested_since"] = time.monotonic()


def _alive_after_rest(
    dbapi_connection: Any,
    record: Any,
    _proxy: Any,
    *,
    ping: Callable[[Any], bool],
    ping_after: float,
) -> None:
    # A connection that rested is tried first (the dialect's own ping, as pool_pre_ping uses):
    # the server may have restarted or a firewall dropped it meanwhile. One in steady use is
    # not (pool_pre_ping tries every checkout: a round trip more for each of the several
    # transactions of a request under load).
    rested = record.info.get("rested_since")
    if rested is None or time.monotonic() - rested < ping_after:
        return
    try:
        ping(dbapi_connection)
    except Exception as error:
        # The pool throws this connection away and hands out another (SQLAlchemy's own recipe
        # for pessimistic disconnect handling).
        raise DisconnectionError(str(error)) from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Take transaction control away from the driver so "begin" below decides how to start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the web app read while the worker writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: still never corrupt, and
    # a commit costs no fsync (a power cut may lose the last moments; a crash of us loses none).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # A transaction that reads and then writes would fail with "database is locked" when
    # another writer got in between; taking the write lock at the start serialises them,
    # which is what one resident's concurrent messages need (PostgreSQL uses row locks).
    dbapi_connection = connection.connection.dbapi_connection
    if isinstance(dbapi_connection, _GatedConnection):
        dbapi_connection.enter_gate()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        if isinstance(dbapi_connection, _GatedConnection):
            dbapi_connection.leave_gate()
        raise


class _Gate:
    """This process's turn at a SQLite file's write lock, handed over in order of asking.

    SQLite lets a transaction that finds the lock taken sleep and try again, sleeping longer
    each time (up to 100 ms at a go): under twenty threads at once, an unlucky one keeps
    losing to newcomers for seconds. Threads of one process wait here instead and are woken
    the moment the one before them commits; only other processes still meet SQLite's wait.
    A thread that holds the gate already (a second connection of its own) is let through
    to SQLite, as before.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holder: int | None = None


_GATES: dict[str, _Gate] = {}
_GATES_LOCK = threading.Lock()
# As long as SQLite's own wait (busy_timeout) before "database is locked".
_GATE_TIMEOUT = 30.0


def _gate_for(database: Path) -> _Gate:
    key = str(database.resolve())
    with _GATES_LOCK:
        return _GATES.setdefault(key, _Gate())


def _gated_connection(gate: _Gate) -> type[sqlite3.Connection]:
    return type("GatedConnection", (_GatedConnection,), {"gate": gate})


class _GatedConnection(sqlite3.Connection):
    """A SQLite connection that takes its process's gate for a transaction (see _Gate)."""

    gate: _Gate
    _holds = False

    def enter_gate(self) -> None:
        gate = self.gate
        if self._holds or gate.holder == threading.get_ident():
            return
        if not gate.lock.acquire(timeout=_GATE_TIMEOUT):
            raise sqlite3.OperationalError("database is locked")
        gate.holder = threading.get_ident()
        self._holds = True

    def leave_gate(self) -> None:
        if self._holds:
            self._holds = False
            self.gate.holder = None
            self.gate.lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self.leave_gate()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            if not self.in_transaction:
                self.leave_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_gate()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: everything commits together or nothing does."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def standalone(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for statements that each stand alone (a count, a claim, a look-up).

    On a server database each commits by itself (autocommit): no BEGIN and COMMIT around it,
    two round trips fewer, which counts for the few statements every request makes this way.
    On SQLite it is a unit of work as any other (its transactions are how writers take turns).
    """
    with unit_of_work(factory) as session:
        if session.get_bind().dialect.name != "sqlite":
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session
