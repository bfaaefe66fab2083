"""`dorpsplein standing list|pause|resume`: the coordinator sees standing orders and pauses one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.round_plan import round_plan
from bot.wiring import Runtime
from catalog.service import product_by_sku
from core.database import unit_of_work, utcnow
from orders.models import AddressKind
from orders.residents import find_resident
from orders.standing.models import StandingOrder
from orders.standing.service import StandingLine, set_up
from tests.bot.conftest import JANSEN

runner = CliRunner()


def invoke(config_file: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(config_file)])
    return result.exit_code, result.output


def test_list_pause_and_resume(village: Runtime, config_file: Path) -> None:
    with unit_of_work(village.sessions) as session:
        resident = find_resident(session, kind=AddressKind.PHONE, address=JANSEN)
        assert resident is not None
        for day in ("tue", "thu"):
            set_up(
                session,
                resident=resident,
                weekday=day,
                lines=[StandingLine(product_by_sku(session, sku="bak-volkoren"), 2)],
                plan=round_plan(village.settings),
                now=utcnow(),
            )
    code, output = invoke(config_file, "standing", "list")
    assert code == 0, output
    assert "Mevrouw A. Jansen  every tue: 2 x bak-volkoren" in output
    assert "2 standing orders." in output

    code, output = invoke(config_file, "standing", "pause", "06 12340001", "--until", "2027-01-12")
    assert code == 2
    assert "tue, thu" in output  # two days: which one?
    code, output = invoke(
        config_file, "standing", "pause", "06 12340001", "--until", "2027-01-12", "--day", "thu"
    )
    assert code == 0, output
    assert "until 2027-01-12" in output
    with village.sessions() as session:
        paused = {s.weekday: s.paused_until for s in session.query(StandingOrder)}
    assert paused == {"tue": None, "thu": date(2027, 1, 12)}

    code, output = invoke(config_file, "standing", "resume", JANSEN, "--day", "thu")
    assert code == 0, output
    with village.sessions() as session:
        assert all(s.paused_until is None for s in session.query(StandingOrder))


def test_a_resident_without_one_is_told_so(village: Runtime, config_file: Path) -> None:
    code, output = invoke(config_file, "standing", "pause", JANSEN, "--until", "2027-01-12")
    assert code == 1
    assert "standing order" in output and "not found" in output
    code, output = invoke(config_file, "standing", "pause", JANSEN, "--until", "morgen")
    assert code == 2
