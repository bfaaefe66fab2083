"""Package rules: purity, data files, robustness on any text, the parse command contract."""

from __future__ import annotations

import ast
import io
import json
import subprocess
import sys
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli.parse import run_parse
from nlu import CatalogIndex, Interpretation, Parser, load_training_data, training_examples

NLU = Path(__file__).resolve().parents[2] / "nlu"
OURS = {"bot", "catalog", "orders", "core"}


def test_nlu_imports_nothing_of_ours() -> None:
    for path in NLU.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not {n.split(".")[0] for n in names} & OURS, (path.name, names)


def test_import_reads_no_files() -> None:
    code = (
        "import builtins, io, pathlib\n"
        "opened = []\n"
        "real = io.open\n"
        "def spy(*a, **k):\n"
        "    opened.append(str(a[0]))\n"
        "    return real(*a, **k)\n"
        "pathlib.Path.read_text = lambda self, *a, **k: opened.append(str(self)) or ''\n"
        "builtins.open = spy\n"
        "import nlu, nlu._resources as r\n"
        "assert r._cached is None\n"
        "assert not [p for p in opened if 'nlu' in p and 'data' in p], opened\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=NLU.parent)


def test_training_data_is_rasa_format_with_enough_examples() -> None:
    raw = yaml.safe_load((NLU / "data" / "nlu.yml").read_text(encoding="utf-8"))
    assert raw["version"] == "3.1"
    assert load_training_data()["nlu"] == raw["nlu"]
    examples = training_examples()
    assert set(examples) == {
        "order",
        "remove",
        "confirm",
        "deny",
        "cancel",
        "status",
        "help",
        "greet",
        "show_basket",
        "close",
        "price_question",
        "availability_question",
        "browse",
    }
    for intent, lines in examples.items():
        assert len(lines) >= 25, intent


def test_lexicon_is_large_enough() -> None:
    rows = [
        line
        for line in (NLU / "data" / "lexicon.tsv").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(rows) >= 400
    assert all(len(r.split("\t")) == 3 for r in rows)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(max_size=10_000),
        st.text(alphabet=st.characters(categories=("Nd",)), max_size=300),
        st.text(
            alphabet=st.characters(categories=("Po", "Ps", "Pe", "Pd", "Cc", "So")), max_size=300
        ),
        st.text(alphabet="אבגדهلا\u200f\u202e 12,.", max_size=300),
        st.lists(
            st.sampled_from(
                [
                    "2",
                    "kilo",
                    "een",
                    "half",
                    "om",
                    "ons",
                    "x",
                    "en",
                    ",",
                    "-",
                    "\n",
                    "geen",
                    "het",
                    "gewone",
                    "a",
                    "dozen",
                    "½",
                    "eieren",
                    "kaas",
                    "pindakaas",
                    "👍",
                    "of",
                    "van",
                    "pond",
                ]
            ),
            max_size=60,
        ).map(" ".join),
    )
)
def test_any_text_parses(text: str) -> None:
    result = _parser().parse(text, catalog=_index(), history=[[]])
    assert isinstance(result, Interpretation)
    json.dumps(result.to_contract())
    json.dumps(result.to_rasa())


_cache: dict[str, object] = {}


def _parser() -> Parser:
    if "p" not in _cache:
        _cache["p"] = Parser()
    return _cache["p"]  # type: ignore[return-value]


def _index() -> CatalogIndex:
    if "i" not in _cache:
        from tests.nlu.conftest import entries_village1

        _cache["i"] = CatalogIndex(entries_village1())
    return _cache["i"]  # type: ignore[return-value]


def test_run_parse_contract(parser: Parser, village1: CatalogIndex) -> None:
    lines = [
        json.dumps({"text": "2 witte broden", "history": []}) + "\n",
        "een ons kaas\n",
        '{"text": "het gewone", "history": [[{"sku": "bak-wit", "quantity": 3}]]}\n',
        "{not json at all\n",
        json.dumps({"history": "nonsense"}) + "\n",
        "\n",
        json.dumps({"text": "één croissant 🥐", "history": [[{"sku": 1}]]}, ensure_ascii=False)
        + "\n",
    ]
    out = io.StringIO()
    run_parse(lines, out, parser=parser, catalog=village1)
    printed = out.getvalue().splitlines()
    assert len(printed) == len(lines)
    rows = [json.loads(p) for p in printed]
    assert rows[0]["items"][0]["sku"] == "bak-wit" and rows[0]["items"][0]["quantity"] == 2
    assert rows[1]["items"][0]["status"] == "ambiguous"
    assert rows[2]["items"] == [
        {
            "status": "resolved",
            "sku": "bak-wit",
            "quantity": 3,
            "text": "Wit casinobrood",
            "span": [0, 0],
            "unit": "piece",
            "from_history": True,
        }
    ]
    assert rows[3]["intent"] in {
        "order",
        "help",
        "deny",
        "confirm",
        "greet",
        "cancel",
        "status",
        "show_basket",
        "remove",
    }
    assert "🥐" in printed[6] or "croissant" in printed[6]
    assert rows[6]["items"][0]["sku"] == "bak-croissant"


def test_run_parse_rasa_format(parser: Parser, village1: CatalogIndex) -> None:
    out = io.StringIO()
    run_parse(["ja\n"], out, parser=parser, catalog=village1, fmt="rasa")
    row = json.loads(out.getvalue())
    assert row["intent"]["name"] == "confirm" and row["text"] == "ja"
