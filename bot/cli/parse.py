"""`dorpsplein parse`: messages in (JSON lines or plain text), interpretations out, one a line.

The contract is ../shared/nlu-eval/README.md: each input line is
{"text": ..., "history": [[{"sku", "quantity"}, ...], ...]} or a plain text line; each
output line is one JSON object (the contract dict, or Rasa's /model/parse shape).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from nlu import CatalogIndex, HistoryLine, Parser


def _history(raw: Any) -> list[list[HistoryLine]]:
    out: list[list[HistoryLine]] = []
    if not isinstance(raw, list):
        return out
    for order in raw:
        if not isinstance(order, list):
            continue
        lines: list[HistoryLine] = []
        for line in order:
            try:
                lines.append(HistoryLine(str(line["sku"]), int(line["quantity"])))
            except (KeyError, TypeError, ValueError):
                continue
        out.append(lines)
    return out


def _request(line: str) -> tuple[str, list[list[HistoryLine]]]:
    stripped = line.rstrip("\r\n")
    if stripped.lstrip().startswith("{"):
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError:
            return stripped, []
        if isinstance(obj, dict) and isinstance(obj.get("text"), str):
            return obj["text"], _history(obj.get("history"))
        if isinstance(obj, dict):
            return "", _history(obj.get("history"))
    return stripped, []


def run_parse(
    lines: Iterable[str],
    out: TextIO,
    *,
    parser: Parser,
    catalog: CatalogIndex,
    fmt: str = "json",
) -> None:
    """Parse every line and print exactly one JSON object for it, whatever the line holds."""
    for line in lines:
        try:
            text, history = _request(line)
            interpretation = parser.parse(text, catalog=catalog, history=history)
            result = interpretation.to_rasa() if fmt == "rasa" else interpretation.to_contract()
        except Exception as exc:  # one bad message must not stop the rest of the batch
            print(f"parse error: {exc!r}", file=sys.stderr)
            result = {"intent": "help", "items": [], "error": type(exc).__name__}
            if fmt == "rasa":
                result = {
                    "text": line.rstrip("\r\n"),
                    "intent": {"name": "help", "confidence": 0.0},
                    "entities": [],
                    "intent_ranking": [],
                }
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
