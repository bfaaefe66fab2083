"""The labelled message sets, scored the way ../shared/nlu-eval/score.py scores them."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli.parse import run_parse
from nlu import CatalogIndex, Parser

DATA = Path(__file__).parent / "data"
SHARED_DEV = Path(__file__).resolve().parents[3] / "shared" / "nlu-eval" / "dev"


def judge(case: dict[str, Any], got: dict[str, Any]) -> tuple[bool, bool]:
    """(exact, silent_wrong) as the evaluation scorer defines them."""
    items = got.get("items") or []
    have: dict[str, Any] = {}
    for i in items:
        if i["status"] == "resolved":
            q = i.get("quantity")
            prev = have.get(i["sku"])
            have[i["sku"]] = prev + q if prev is not None and q is not None else q
    want = {i["sku"]: i["quantity"] for i in case["items"]}
    if case["intent"] == "remove":
        silent = bool(set(have) - set(want))
        ok = set(have) == set(want)
    else:
        silent = any(s not in want or have[s] != want[s] for s in have)
        ok = have == want
    ok = ok and got.get("intent") == case["intent"]
    free = [set(i.get("candidates") or []) for i in items if i["status"] == "ambiguous"]
    need = case.get("ambiguous", [])
    ok = ok and len(free) == len(need)
    for n in need:
        hit = next((k for k, c in enumerate(free) if set(n) <= c), None)
        if hit is None:
            ok = False
            break
        free.pop(hit)
    unknown = sum(1 for i in items if i["status"] == "unknown")
    ok = ok and unknown == case.get("unknown", 0)
    return ok, silent


def score(parser: Parser, index: CatalogIndex, cases_path: Path) -> tuple[float, int, list[str]]:
    cases = [
        json.loads(line)
        for line in cases_path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    feed = [json.dumps({"text": c["text"], "history": c.get("history", [])}) for c in cases]
    out = io.StringIO()
    run_parse(feed, out, parser=parser, catalog=index)
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    exact = silent = 0
    failures = []
    for case, got in zip(cases, results, strict=True):
        ok, wrong = judge(case, got)
        exact += ok
        silent += wrong
        if not ok:
            failures.append(f"{case['id']} {case['text']!r} -> {got}")
    return 100.0 * exact / len(cases), silent, failures


def test_second_village(parser: Parser, village2: CatalogIndex) -> None:
    pct, silent, failures = score(parser, village2, DATA / "village2_cases.jsonl")
    assert silent == 0, failures
    assert pct >= 97.0, failures


@pytest.mark.skipif(not SHARED_DEV.exists(), reason="shared evaluation set not present")
def test_dev_village(parser: Parser) -> None:
    from tests.nlu.conftest import entries_from_csv

    index = CatalogIndex(entries_from_csv(SHARED_DEV / "catalog.csv"))
    pct, silent, failures = score(parser, index, SHARED_DEV / "cases.jsonl")
    assert silent == 0, failures
    assert pct >= 97.0, failures
