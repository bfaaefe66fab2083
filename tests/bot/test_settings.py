"""config.yml: a mistake stops start-up with a message that names the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.settings import load_settings
from core.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
GOOD = (ROOT / "tests" / "data" / "config.yml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_is_the_demo_village_bunnik() -> None:
    settings = load_settings(ROOT / "config.yml")
    assert settings.village == "Bunnik"
    assert settings.delivery_area == ["3981", "3984", "3985"]
    assert settings.rounds.days == ["tue", "thu", "sat"]
    assert settings.timezone == "Europe/Amsterdam"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("var/dorpsplein.db")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("timezone: Europe/Amsterdam", "timezone: Europe/Bunnik", "timezone"),
        ('delivery_area: ["3981", "3984", "3985"]', 'delivery_area: ["39"]', "delivery_area"),
        ("days: [tue, thu, sat]", "days: [tue, funday]", "rounds.days.1"),
        ('window: "10:00-12:00"', 'window: "12:00-10:00"', "rounds.window"),
        ('cutoff: "20:00"', 'cutoff: "late"', "rounds.cutoff"),
        ('phone: "030 656 0000"', 'phone: "call me"', "coordinator.phone"),
        ("registration_open: true", "registration_open: perhaps", "registration_open"),
        ("village: Bunnik\n", "", "village"),
        ("language: nl", "language: fr", "language"),
        (
            "registration_open: true",
            "registration_open: true\nregistration_opne: false",
            "registration_opne",
        ),
    ],
)
def test_a_wrong_value_names_its_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    assert old in GOOD
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, GOOD.replace(old, new)))
    assert caught.value.key == key


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DORPSPLEIN_DATABASE_URL", "postgresql://db.example/dorpsplein")
    monkeypatch.setenv("DORPSPLEIN_ROUNDS__CUTOFF", "18:30")
    settings = load_settings(write(tmp_path, GOOD))
    assert settings.database_url == "postgresql://db.example/dorpsplein"
    assert settings.rounds.cutoff.hour == 18 and settings.rounds.cutoff.minute == 30


def test_config_path_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, GOOD.replace("village: Bunnik", "village: Odijk"))
    monkeypatch.setenv("DORPSPLEIN_CONFIG", str(path))
    assert load_settings().village == "Odijk"


def test_relative_sqlite_path_is_next_to_the_config_file(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, GOOD.replace("unused.db", "var/x.db")))
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'x.db'}"


def test_missing_file_and_broken_yaml_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "nope.yml")
    assert caught.value.key == "DORPSPLEIN_CONFIG"
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(write(tmp_path, "village: [unclosed"))


def test_the_command_line_stops_with_the_key_in_its_message(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("timezone: Europe/Amsterdam", "timezone: Mars/Base"))
    result = CliRunner().invoke(app, ["catalog", "list", "--config", str(path)])
    assert result.exit_code == 2
    assert "timezone" in result.output
    assert "Mars/Base" in result.output
