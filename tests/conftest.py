"""Database fixtures: SQLite by default, PostgreSQL when DORPSPLEIN_TEST_DATABASE_URL says so.

On PostgreSQL the run gets a database of its own, migrated once; each test starts from empty
tables. A PostgreSQL that cannot be reached fails the run: it is never silently skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import accounts.models  # noqa: F401  (their tables are emptied between tests too)
import orders.standing.models  # noqa: F401
from bot.settings import Settings, load_settings
from bot.wiring import Runtime, start
from core.database import Base, make_engine, make_session_factory, normalise_url
from core.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TEST_CONFIG = Path(__file__).resolve().parent / "data" / "config.yml"


def _server_url() -> str | None:
    url = os.environ.get("DORPSPLEIN_TEST_DATABASE_URL", "").strip()
    return normalise_url(url) if url else None


@pytest.fixture(scope="session")
def _database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = _server_url()
    if server is None:
        template = tmp_path_factory.mktemp("db") / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        yield str(template)
        return
    name = f"dorpsplein_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        pytest.exit(f"PostgreSQL at {server} cannot be used for the tests: {error}", returncode=3)
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(_database_template: str, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database for one test."""
    if _server_url() is None:
        copy = tmp_path / "test.db"
        shutil.copyfile(_database_template, copy)
        yield f"sqlite:///{copy}"
        return
    engine = make_engine(_database_template)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # The row migration 0008 seeds, as a freshly migrated database has it.
        connection.execute(text("INSERT INTO catalogue_version (id, version) VALUES (1, 0)"))
    engine.dispose()
    yield _database_template


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return load_settings(TEST_CONFIG).model_copy(update={"database_url": database_url})


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    runtime = start(settings=settings)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> Path:
    """A config.yml for command-line tests, pointing at this test's database."""
    text_ = TEST_CONFIG.read_text(encoding="utf-8").replace(
        "database_url: sqlite:///unused.db", f"database_url: {database_url}"
    )
    path = tmp_path / "config.yml"
    path.write_text(text_, encoding="utf-8")
    return path


@pytest.fixture
def dev_catalog() -> Path:
    path = SHARED / "nlu-eval" / "dev" / "catalog.csv"
    if not path.is_file():
        # A clone without ../shared beside it still runs everything else.
        pytest.skip(f"the shared dev catalogue is not present at {path}")
    return path
