"""SQLite as the app opens it: WAL, no fsync per commit, and writers of one process in turn."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from core.database import make_engine, make_session_factory, unit_of_work


@pytest.fixture
def sqlite(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    return engine


def test_pragmas(sqlite: Engine) -> None:
    with sqlite.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_many_threads_read_then_write_without_locked_errors_or_lost_updates(
    sqlite: Engine,
) -> None:
    sessions = make_session_factory(sqlite)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                with unit_of_work(sessions) as session:
                    n = session.execute(text("SELECT n FROM counter")).scalar_one()
                    session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sqlite.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar() == 12 * 20


def test_a_rolled_back_transaction_lets_the_next_writer_in(sqlite: Engine) -> None:
    sessions = make_session_factory(sqlite)
    with pytest.raises(RuntimeError), unit_of_work(sessions) as session:
        session.execute(text("UPDATE counter SET n = 5"))
        raise RuntimeError
    done = threading.Event()

    def write() -> None:
        with unit_of_work(sessions) as session:
            session.execute(text("UPDATE counter SET n = 7"))
        done.set()

    threading.Thread(target=write).start()
    assert done.wait(timeout=5)
    with sqlite.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar() == 7


def test_a_second_connection_of_the_same_thread_is_not_held_at_the_gate(sqlite: Engine) -> None:
    # It meets SQLite's own lock (as it always did), rather than waiting on itself forever.
    first = sqlite.connect()
    first.begin()
    first.execute(text("UPDATE counter SET n = 1"))
    other = make_engine(str(sqlite.url), connect_args={"timeout": 0.1})
    with pytest.raises(Exception, match="locked"), other.begin() as connection:
        connection.execute(text("SELECT 1"))
    first.rollback()
    first.close()
    other.dispose()


def test_a_connection_the_server_dropped_while_it_rested_is_replaced(database_url: str) -> None:
    # A server restart (or a firewall) ends a pooled connection while nobody uses it; the next
    # request must still get a working one instead of an error.
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    engine = make_engine(database_url, ping_after=0.0)
    with engine.connect() as connection:
        backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    with make_engine(database_url).connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    with engine.connect() as connection:
        assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != backend
    engine.dispose()
