"""The operator's commands: orders, rounds, outbox and the worker, as an operator sees them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from bot.cli import app
from bot.demo_village import load_demo
from bot.round_plan import round_plan
from bot.settings import Settings
from catalog.service import product_by_sku
from core.database import unit_of_work, utcnow
from orders.models import Resident
from orders.placing import place_order
from orders.split import WantedLine

runner = CliRunner()


def run(config_file: Path, *args: str) -> str:
    result = runner.invoke(app, [*args, "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    return result.output


def place(
    sessions: sessionmaker[Session],
    settings: Settings,
    *,
    resident_id: int,
    lines: list[tuple[str, int]],
    now: datetime,
    channel: str | None = None,
    recipient: str | None = None,
) -> int:
    with unit_of_work(sessions) as session:
        resident = session.get(Resident, resident_id)
        assert resident is not None
        return place_order(
            session,
            resident=resident,
            lines=[WantedLine(product_by_sku(session, sku=sku), qty) for sku, qty in lines],
            plan=round_plan(settings),
            now=now,
            channel=channel,
            recipient=recipient,
        ).id


@pytest.fixture
def village(sessions: sessionmaker[Session], settings: Settings) -> dict[str, int]:
    """The demo village with two orders on a round whose cut-off has passed, one on the next."""
    with unit_of_work(sessions) as session:
        load_demo(session, settings=settings)
    last_week = utcnow() - timedelta(days=8)
    return {
        "jansen": place(
            sessions, settings, resident_id=1, now=last_week,
            lines=[("bak-volkoren", 2), ("kaa-belegen", 200)],
        ),
        "de_vries": place(
            sessions, settings, resident_id=2, now=last_week,
            lines=[("bak-wit", 1)], channel="terminal", recipient="+31612340002",
        ),
        "upcoming": place(
            sessions, settings, resident_id=3, now=utcnow(), lines=[("zui-vla", 1)],
        ),
    }  # fmt: skip


def test_orders_list_json(config_file: Path, village: dict[str, int]) -> None:
    rows = {row["id"]: row for row in json.loads(run(config_file, "orders", "list", "--json"))}
    jansen = rows[village["jansen"]]
    assert jansen["status"] == "placed"
    assert jansen["resident"] == "Mevrouw A. Jansen"
    assert jansen["round"]["id"] is not None
    assert jansen["total_cents"] == sum(p["subtotal_cents"] for p in jansen["parts"])
    parts = {p["shop"]: [(line["sku"], line["quantity"]) for line in p["lines"]]
             for p in jansen["parts"]}  # fmt: skip
    assert parts == {
        "Bakkerij Van Rossum": [("bak-volkoren", 2)],
        "Kaashuis Rijnzicht": [("kaa-belegen", 200)],
    }
    # The demo's order history is there as well, delivered and without a round.
    assert any(row["status"] == "delivered" and row["round"] is None for row in rows.values())


def test_orders_list_text(config_file: Path, village: dict[str, int]) -> None:
    text = run(config_file, "orders", "list")
    assert "Bakkerij Van Rossum: bak-volkoren x 2" in text
    assert "Mevrouw A. Jansen" in text


def test_rounds_list_and_close(config_file: Path, village: dict[str, int]) -> None:
    listed = run(config_file, "rounds", "list")
    assert listed.count("open") == 2
    assert "2 orders" in listed and "1 order\n" in listed and "1 orders" not in listed
    closed = run(config_file, "rounds", "close")
    assert "closed: 2 orders" in closed
    assert "Bakkerij Van Rossum" in closed and "Kaashuis Rijnzicht" in closed
    assert "No round has reached its cut-off." in run(config_file, "rounds", "close")
    rounds = json.loads(run(config_file, "rounds", "list", "--json"))
    assert [r["status"] for r in rounds] == ["closed", "open"]
    outbox = json.loads(run(config_file, "outbox", "list", "--json"))
    kinds = [m["kind"] for m in outbox]
    assert kinds.count("shop_round") == 2 and kinds.count("courier_round") == 1
    # A named round is closed at once, before its cut-off.
    upcoming = rounds[1]["id"]
    early = run(config_file, "rounds", "close", str(upcoming))
    assert f"Round {upcoming}" in early and "closed: 1 order;" in early
    again = run(config_file, "rounds", "close", str(upcoming))
    assert "was already closed" in again


def test_closing_an_unknown_round_says_so(config_file: Path, village: dict[str, int]) -> None:
    result = runner.invoke(app, ["rounds", "close", "999", "--config", str(config_file)])
    assert result.exit_code == 1
    assert "round '999' not found" in result.output


def test_outbox_list_json_with_status(config_file: Path, village: dict[str, int]) -> None:
    pending = json.loads(run(config_file, "outbox", "list", "--json", "--status", "pending"))
    assert len(pending) == 3
    first = pending[0]
    assert first["kind"] == "order_confirmation"
    assert (first["channel"], first["recipient"]) == ("sms", "+31612340001")
    assert first["status"] == "pending" and first["attempts"] == 0
    assert first["last_error"] is None
    assert f"Bestelnummer: {village['jansen']}" in first["text"]
    assert json.loads(run(config_file, "outbox", "list", "--json", "--status", "sent")) == []
    text = run(config_file, "outbox", "list")
    assert "order_confirmation" in text and "3 messages" in text


def test_worker_once_closes_due_rounds_and_sends_everything(
    config_file: Path, village: dict[str, int]
) -> None:
    output = run(config_file, "worker", "--once")
    assert "closed: 2 orders" in output
    # The terminal channel is printed: De Vries ordered in `dorpsplein chat`.
    assert f"Bestelnummer: {village['de_vries']}" in output
    # Only De Vries's confirmation reached anyone (on the terminal); the channels that are off
    # were written to var/outbox.log, and say so.
    assert "Outbox: 1 sent, 5 only logged, 0 to retry, 0 failed." in output
    outbox = json.loads(run(config_file, "outbox", "list", "--json"))
    statuses = {m["id"]: m["status"] for m in outbox}
    terminal = [m["id"] for m in outbox if m["channel"] == "terminal"]
    assert [statuses.pop(i) for i in terminal] == ["sent"]
    assert set(statuses.values()) == {"logged"}
    logged = json.loads(run(config_file, "outbox", "list", "--json", "--status", "logged"))
    assert sorted(m["id"] for m in logged) == sorted(statuses)
    assert all(m["sent_at"] is not None and m["last_error"] is None for m in logged)
    assert " logged  courier_round" in run(config_file, "outbox", "list", "--status", "logged")
    log = (config_file.parent / "var" / "outbox.log").read_text(encoding="utf-8")
    assert "no sms sender configured yet: logged, not sent" in log
    assert "shop_round telegram to 700000104 (Kaashuis Rijnzicht)" in log
    assert "courier_round sms to +31612340999 (Koerier Bunnik)" in log
    assert "Volkorenbrood: 2" in log
    # Nothing is sent twice.
    second = run(config_file, "worker", "--once")
    assert "Outbox:" not in second


def test_courier_sets_out_and_the_resident_is_told(
    config_file: Path, village: dict[str, int]
) -> None:
    order = str(village["jansen"])
    early = runner.invoke(
        app, ["orders", "status", order, "delivered", "--config", str(config_file)]
    )
    assert early.exit_code == 1
    assert "cannot go from placed to delivered" in early.output
    run(config_file, "rounds", "close")
    assert f"Order {order}: out_for_delivery" in run(
        config_file, "orders", "status", order, "out_for_delivery"
    )
    outbox = json.loads(run(config_file, "outbox", "list", "--json"))
    told = [m for m in outbox if m["kind"] == "order_on_the_way"]
    assert len(told) == 1
    assert told[0]["recipient"] == "+31612340001"
    assert "koerier is onderweg" in told[0]["text"]
    run(config_file, "orders", "status", order, "delivered")
    listed = json.loads(run(config_file, "orders", "list", "--json"))
    assert next(o for o in listed if o["id"] == village["jansen"])["status"] == "delivered"


DEMO_JANSEN = "+31612340001"


@pytest.fixture
def demo_config(tmp_path: Path) -> Path:
    """A config.yml in tmp_path: --demo puts the demo village's database in tmp_path/var."""
    path = tmp_path / "config.yml"
    path.write_text(
        (Path(__file__).parents[1] / "data" / "config.yml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return path


def test_every_command_on_the_villages_data_takes_demo() -> None:
    import typer.main

    def leaves(command: Any, path: str) -> list[tuple[str, Any]]:
        if hasattr(command, "commands"):  # a group
            return [
                leaf
                for name, sub in command.commands.items()
                for leaf in leaves(sub, f"{path} {name}".strip())
            ]
        return [(path, command)]

    commands = leaves(typer.main.get_command(app), "")
    lacking = [
        path
        for path, command in commands
        if "--demo" not in {o for p in command.params for o in p.opts}
    ]
    assert len(commands) > 15 and lacking == []


def test_the_commands_run_on_the_demo_village(demo_config: Path, tmp_path: Path) -> None:
    def demo(*args: str, given: str | None = None, code: int = 0) -> str:
        result = runner.invoke(app, [*args, "--demo", "--config", str(demo_config)], input=given)
        assert result.exit_code == code, (args, result.output)
        return result.output

    assert "Database at revision" in demo("db", "upgrade")
    assert "Mevrouw A. Jansen" in demo("residents", "list")
    assert DEMO_JANSEN in demo("residents", "export", DEMO_JANSEN)
    added = demo(
        "residents", "add", "--name", "Meneer Test", "--phone", "06 1234 5678",
        "--street", "Dorpsstraat 1", "--postcode", "3981 AB",
    )  # fmt: skip
    assert "Meneer Test" in added and "Meneer Test" in demo("residents", "list")
    assert demo("rounds", "list").rstrip().endswith(("round", "rounds"))
    assert "round" in demo("rounds", "close").lower()
    assert demo("orders", "list").rstrip().splitlines()[-1].endswith(("order", "orders"))
    assert "not found" in demo("orders", "status", "99999", "delivered", code=1)
    assert "held back" in demo("limits", "list")
    assert "(talking as" in demo("chat", given="")
    assert '"intent"' in demo("parse", given="twee krentenbollen\n")
    assert "wrote" in demo("rasa", "export", str(tmp_path / "rasa"))
    demo("worker", "--once")
    assert "message" in demo("outbox", "list")
    assert "Forgotten:" in demo("residents", "forget", DEMO_JANSEN, "--yes")
    # All of it in the demo database next to the config, nothing elsewhere.
    assert (tmp_path / "var" / "demo.db").is_file()


def test_counts_are_worded_in_the_singular_for_one() -> None:
    from bot.cli.wording import counted

    assert [counted(n, "order") for n in (0, 1, 2)] == ["0 orders", "1 order", "2 orders"]
    assert counted(1, "outbox message") == "1 outbox message"
    assert counted(3, "child", "children") == "3 children"


def test_a_new_shop_from_a_csv_can_be_told_where_its_list_goes(demo_config: Path) -> None:
    def demo(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, [*args, "--demo", "--config", str(demo_config)])
        assert result.exit_code == code, (args, result.output)
        return result.output

    csv = demo_config.parent / "new.csv"
    csv.write_text(
        "shop,sku,name,unit,price\nKaasboerderij De Hoeve,kh-1,Boerenkaas,kg,14.50\n",
        encoding="utf-8",
    )
    assert 'dorpsplein catalog shop "Kaasboerderij De Hoeve"' in demo("catalog", "import", str(csv))
    assert "Kaasboerderij De Hoeve: list by log" in demo("catalog", "shops")
    line = demo(
        "catalog", "shop", "kaasboerderij de hoeve", "--channel", "sms",
        "--address", "+31612345678", "--days", "di,za",
    )  # fmt: skip
    assert "Kaasboerderij De Hoeve: list by sms +31612345678; supplies tue,sat" in line
    # Changing one setting keeps the others.
    assert "supplies tue,sat; Dorpsstraat 1" in demo(
        "catalog", "shop", "Kaasboerderij De Hoeve", "--street", "Dorpsstraat 1"
    )
    assert "needs an --address" in demo(
        "catalog", "shop", "Kaasboerderij De Hoeve", "--channel", "email", "--address", "",
        code=2,
    )  # fmt: skip
    assert "not a weekday" in demo(
        "catalog", "shop", "Kaasboerderij De Hoeve", "--days", "xx", code=2
    )
    assert "not found" in demo("catalog", "shop", "Bestaat Niet", code=1)
