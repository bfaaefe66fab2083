"""The one place where configuration, database and services are put together at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.log_safety import install_log_privacy
from bot.settings import Settings, load_settings
from catalog.models import Shop
from core.database import is_sqlite, make_engine, make_session_factory, unit_of_work
from core.errors import ConfigError
from core.migrate import current_revision, head_revision, upgrade

if TYPE_CHECKING:
    from bot.dialogue import Dialogue
    from nlu import Parser

DEMO_DATABASE = "var/demo.db"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]


def start(
    *, config: Path | None = None, demo: bool = False, settings: Settings | None = None
) -> Runtime:
    """Load settings, open the database and bring its schema up to date where that is safe."""
    # Before anything can log: no resident's number or message text reaches a log.
    install_log_privacy()
    settings = settings or load_settings(config)
    if demo:
        base = (config or Path("config.yml")).resolve().parent
        url = f"sqlite:///{base / DEMO_DATABASE}"
        settings = settings.model_copy(update={"database_url": url})
    engine = make_engine(settings.database_url)
    runtime = Runtime(settings=settings, engine=engine, sessions=make_session_factory(engine))
    ensure_schema(runtime)
    if demo:
        load_demo_once(runtime)
    return runtime


def ensure_schema(runtime: Runtime) -> None:
    """SQLite upgrades itself; a server database is upgraded on purpose (`db upgrade`)."""
    if is_sqlite(runtime.settings.database_url):
        upgrade(runtime.engine)
        return
    if current_revision(runtime.engine) != head_revision():
        raise ConfigError(
            key="database_url",
            reason="the database schema is not up to date: run `dorpsplein db upgrade`",
        )


def load_demo_once(runtime: Runtime) -> None:
    from bot.demo_village import load_demo

    with unit_of_work(runtime.sessions) as session:
        if session.scalar(select(func.count()).select_from(Shop)):
            return
        load_demo(session, settings=runtime.settings)


def build_dialogue(runtime: Runtime, *, parser: Parser | None = None) -> Dialogue:
    """The conversation service with everything it needs; the parser is trained here, once."""
    from bot.dialogue import Dialogue, Services, Understanding
    from bot.live_catalog import LiveCatalog
    from bot.rasa_engine import RasaIntentParser
    from bot.round_plan import order_limits, round_plan
    from bot.words import Words
    from nlu import Parser

    ours = parser or Parser()
    understanding: Understanding = ours
    nlu = runtime.settings.nlu
    if nlu.engine == "rasa":
        if not nlu.rasa_url:
            raise ConfigError(key="nlu.rasa_url", reason="required when nlu.engine is rasa")
        understanding = RasaIntentParser(parser=ours, url=nlu.rasa_url)
    services = Services(
        settings=runtime.settings,
        parser=understanding,
        catalog=LiveCatalog(),
        words=Words(),
        plan=round_plan(runtime.settings),
        limits=order_limits(runtime.settings),
    )
    return Dialogue(sessions=runtime.sessions, services=services)
