"""`dorpsplein residents export` and `forget`, after a real conversation with the bot."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import app
from bot.wiring import Runtime
from conversations.models import InboundMessage as InboundRecord
from conversations.models import Registration
from orders.models import AddressKind, Order, Resident
from orders.residents import find_resident
from tests.bot.conftest import JANSEN, Talk

runner = CliRunner()


def invoke(config_file: Path, *args: str, given: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(config_file)], input=given)
    return result.exit_code, result.output


def test_export_shows_what_she_said_and_what_we_hold(
    village: Runtime, talk: Talk, config_file: Path
) -> None:
    talk.send("twee krentenbollen graag")
    code, output = invoke(config_file, "residents", "export", "06 12340001")
    assert code == 0, output
    data = json.loads(output)
    assert data["resident"]["name"] == "Mevrouw A. Jansen"
    assert [m["text"] for m in data["messages"]] == ["twee krentenbollen graag"]
    assert data["messages"][0]["replies"]
    assert data["conversation"]["state"]["basket"][0]["sku"] == "bak-krentenbol"
    assert len(data["orders"]) == 5


def test_export_of_an_unknown_number_is_an_error(village: Runtime, config_file: Path) -> None:
    code, output = invoke(config_file, "residents", "export", "+31611111111")
    assert code == 1
    assert "nothing is held about +31611111111" in output


def test_forget_asks_first_and_then_she_is_a_stranger(
    village: Runtime, talk: Talk, config_file: Path
) -> None:
    talk.send("twee krentenbollen graag")
    code, output = invoke(config_file, "residents", "forget", JANSEN, given="n\n")
    assert code == 1
    assert "Forget Mevrouw A. Jansen (+31612340001)" in output
    with village.sessions() as session:
        assert find_resident(session, kind=AddressKind.PHONE, address=JANSEN) is not None

    code, output = invoke(config_file, "residents", "forget", JANSEN, given="y\n")
    assert code == 0, output
    assert "Forgotten: 1 message," in output
    assert "5 orders kept without name or address" in output
    with village.sessions() as session:
        assert find_resident(session, kind=AddressKind.PHONE, address=JANSEN) is None
        assert session.scalar(select(func.count()).select_from(InboundRecord)) == 0
        names = set(
            session.scalars(select(Resident.name).join(Order, Order.resident_id == Resident.id))
        )
        assert "Mevrouw A. Jansen" not in names and "(vergeten)" in names

    # Her number writes again: an unknown sender, welcomed into registration.
    answer = talk.send("hallo")
    assert "nog niet bij ons bekend" in answer
    assert "Jansen" not in answer
    with village.sessions() as session:
        assert session.scalar(select(Registration.address)) == JANSEN


def test_forget_waits_for_an_order_on_its_way(
    village: Runtime, talk: Talk, config_file: Path
) -> None:
    talk.send("het gewone")
    talk.send("ja")
    with village.sessions() as session:
        placed = session.scalar(select(func.max(Order.id)))
    code, output = invoke(config_file, "residents", "forget", JANSEN, "--yes")
    assert code == 1
    assert f"orders {placed} are still on their way" in output
    with village.sessions() as session:
        assert find_resident(session, kind=AddressKind.PHONE, address=JANSEN) is not None
