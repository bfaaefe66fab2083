"""Rasa interoperability: an exported project Rasa can train on, and Rasa as intent engine."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from bot.rasa_engine import RasaIntentParser
from catalog.csv_format import parse_catalog
from catalog.view import index_from_rows
from nlu import INTENTS, Parser

runner = CliRunner()


class FakeRasa(BaseHTTPRequestHandler):
    """Answers POST /model/parse as Rasa 3 documents it, with a fixed intent."""

    intent = "status"
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        if self.path != "/model/parse":
            self.send_response(404)
            self.end_headers()
            return
        answer = {
            "text": body["text"],
            "intent": {"name": self.intent, "confidence": 0.91},
            "entities": [],
            "intent_ranking": [
                {"name": self.intent, "confidence": 0.91},
                {"name": "order", "confidence": 0.09},
            ],
            "response_selector": {},
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def rasa_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeRasa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_rasa_decides_the_intent_and_we_resolve_the_products(
    rasa_url: str, dev_catalog: Path
) -> None:
    index = index_from_rows(parse_catalog(dev_catalog.read_bytes()))
    engine = RasaIntentParser(parser=Parser(), url=rasa_url)
    result = engine.parse("3 krentenbollen", catalog=index)
    engine.close()
    assert FakeRasa.seen[-1] == {"text": "3 krentenbollen"}
    assert result.intent == "status"
    assert result.confidence == pytest.approx(0.91)
    assert [(i.sku, i.quantity) for i in result.items] == [("bak-krentenbol", 3)]


def test_without_rasa_the_resident_still_gets_our_intent(dev_catalog: Path) -> None:
    index = index_from_rows(parse_catalog(dev_catalog.read_bytes()))
    engine = RasaIntentParser(parser=Parser(), url="http://127.0.0.1:9", timeout=0.5)
    assert engine.parse("3 krentenbollen", catalog=index).intent == "order"
    engine.close()


def test_exported_project_is_rasa_3_training_data(tmp_path: Path, dev_catalog: Path) -> None:
    result = runner.invoke(app, ["rasa", "export", str(tmp_path), "--catalog", str(dev_catalog)])
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((tmp_path / "data" / "nlu.yml").read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    intents = {b["intent"]: b["examples"] for b in data["nlu"] if "intent" in b}
    assert set(intents) == set(INTENTS)
    for examples in intents.values():
        lines = examples.strip().splitlines()
        assert len(lines) >= 25
        assert all(line.startswith("- ") for line in lines)
    lookup = next(b for b in data["nlu"] if b.get("lookup") == "product")
    assert "- Wit casinobrood" in lookup["examples"]
    synonyms = {b["synonym"]: b["examples"] for b in data["nlu"] if "synonym" in b}
    assert "- witbrood" in synonyms["bak-wit"]
    domain = yaml.safe_load((tmp_path / "domain.yml").read_text(encoding="utf-8"))
    assert set(domain["intents"]) == set(INTENTS)
    config = yaml.safe_load((tmp_path / "config.yml").read_text(encoding="utf-8"))
    assert any(step["name"] == "DIETClassifier" for step in config["pipeline"])
