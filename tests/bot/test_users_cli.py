"""`dorpsplein users add|list|remove`: accounts for the pages, from the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from accounts.service import log_in
from bot.cli import app
from bot.wiring import Runtime
from core.database import unit_of_work, utcnow

runner = CliRunner()


def invoke(config_file: Path, *args: str, given: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--config", str(config_file)], input=given)
    return result.exit_code, result.output


def test_a_shop_user_added_with_a_piped_password_can_log_in(
    village: Runtime, config_file: Path
) -> None:
    code, output = invoke(
        config_file,
        "users", "add", "Slager@Bunnik.example", "--role", "shop", "--shop", "slagerij hoogendoorn",
        given="worst-en-gehakt-2026\n",
    )  # fmt: skip
    assert code == 0, output
    assert "Added slager@bunnik.example as shop for Slagerij Hoogendoorn" in output
    with unit_of_work(village.sessions) as session:
        user = log_in(
            session,
            email="slager@bunnik.example",
            password="worst-en-gehakt-2026",
            client="test",
            now=utcnow(),
        )
        assert user is not None and user.shop is not None
        assert user.shop.name == "Slagerij Hoogendoorn"


def test_mistakes_are_told_in_one_line_and_nothing_is_added(
    village: Runtime, config_file: Path
) -> None:
    cases = [
        (["--role", "shop"], "role 'shop' needs --shop NAME"),
        (["--role", "shop", "--shop", "Nergens"], "shop 'Nergens' not found"),
        (["--role", "courier"], "at least 10 characters"),
    ]
    for extra, told in cases:
        given = "kort\n" if "courier" in extra else "lang-genoeg-wachtwoord\n"
        code, output = invoke(config_file, "users", "add", "nieuw@b.example", *extra, given=given)
        assert code == 1, output
        assert told in output
    code, output = invoke(config_file, "users", "list")
    assert "nieuw@b.example" not in output


def test_list_shows_roles_and_shops_and_remove_takes_one_away(
    village: Runtime, config_file: Path
) -> None:
    code, output = invoke(config_file, "users", "list")
    assert code == 0
    assert "bakker@bunnik.example  shop  Bakkerij Van Rossum  (last login: never)" in output
    assert "4 users." in output
    code, output = invoke(config_file, "users", "remove", "KOERIER@bunnik.example")
    assert code == 0, output
    code, output = invoke(config_file, "users", "list")
    assert "koerier@" not in output
    assert "3 users." in output
    code, output = invoke(config_file, "users", "remove", "koerier@bunnik.example")
    assert code == 1
    assert "not found" in output
