"""`dorpsplein parse`: the contract on stdin/stdout, from a CSV or from the database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()


def test_json_lines_with_history_from_a_catalogue_file(dev_catalog: Path) -> None:
    lines = [
        {"text": "een brood", "history": [[{"sku": "bak-volkoren", "quantity": 1}]] * 2},
        {"text": "een brood", "history": []},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\n2 krentenbollen {\n"
    result = runner.invoke(app, ["parse", "--catalog", str(dev_catalog)], input=stdin)
    assert result.exit_code == 0, result.output
    settled, asked, plain = (json.loads(line) for line in result.output.splitlines())
    assert settled["items"][0]["status"] == "resolved"
    assert settled["items"][0]["sku"] == "bak-volkoren"
    assert asked["items"][0]["status"] == "ambiguous"
    assert {"bak-wit", "bak-volkoren", "bak-bruin"} <= set(asked["items"][0]["candidates"])
    assert plain["items"][0]["sku"] == "bak-krentenbol"
    assert plain["items"][0]["quantity"] == 2


def test_rasa_format_from_the_configured_database(config_file: Path, dev_catalog: Path) -> None:
    imported = runner.invoke(
        app, ["catalog", "import", str(dev_catalog), "--config", str(config_file)]
    )
    assert imported.exit_code == 0
    result = runner.invoke(
        app,
        ["parse", "--format", "rasa", "--config", str(config_file)],
        input="3 krentenbollen\n",
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["text"] == "3 krentenbollen"
    assert answer["intent"]["name"] == "order"
    assert answer["intent_ranking"][0]["name"] == "order"
    product = next(e for e in answer["entities"] if e["entity"] == "product")
    assert product["value"] == "bak-krentenbol"
    assert "3 krentenbollen"[product["start"] : product["end"]].endswith("krentenbollen")
    assert product["extractor"] == "DorpspleinParser"
    quantity = next(e for e in answer["entities"] if e["entity"] == "quantity")
    assert quantity["value"] == 3
