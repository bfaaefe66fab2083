"""A Rasa 3 project generated from our intents and the live catalogue, for sites running Rasa."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from nlu import CatalogEntry

RASA_CONFIG: dict[str, Any] = {
    "recipe": "default.v1",
    "language": "nl",
    "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "RegexFeaturizer"},
        {"name": "LexicalSyntacticFeaturizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        {"name": "DIETClassifier", "epochs": 100},
        {"name": "EntitySynonymMapper"},
        {"name": "FallbackClassifier", "threshold": 0.3},
    ],
    "policies": [{"name": "RulePolicy"}],
    "assistant_id": "dorpsplein",
}


class _Literal(str):
    """A string YAML writes as a `|` block, as Rasa's examples are."""


def _literal(dumper: yaml.SafeDumper, value: _Literal) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|")


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Literal, _literal)


def _examples(lines: Sequence[str]) -> _Literal:
    return _Literal("".join(f"- {line}\n" for line in lines))


def nlu_data(
    *, intents: Mapping[str, Sequence[str]], products: Sequence[CatalogEntry]
) -> dict[str, Any]:
    """Rasa 3.1 training data: intent examples, a product lookup table and synonyms to SKUs."""
    blocks: list[dict[str, Any]] = [
        {"intent": intent, "examples": _examples(examples)} for intent, examples in intents.items()
    ]
    names = sorted({p.name for p in products} | {a for p in products for a in p.aliases})
    blocks.append({"lookup": "product", "examples": _examples(names)})
    for product in sorted(products, key=lambda p: p.sku):
        blocks.append(
            {"synonym": product.sku, "examples": _examples([product.name, *product.aliases])}
        )
    return {"version": "3.1", "nlu": blocks}


def domain(*, intents: Sequence[str]) -> dict[str, Any]:
    return {
        "version": "3.1",
        "intents": list(intents),
        "entities": ["product", "quantity", "unit"],
        "session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True},
    }


def write_project(
    directory: Path, *, intents: Mapping[str, Sequence[str]], products: Sequence[CatalogEntry]
) -> list[Path]:
    """Write config.yml, domain.yml and data/nlu.yml; returns the files written."""
    (directory / "data").mkdir(parents=True, exist_ok=True)
    files = {
        directory / "config.yml": RASA_CONFIG,
        directory / "domain.yml": domain(intents=list(intents)),
        directory / "data" / "nlu.yml": nlu_data(intents=intents, products=products),
    }
    for path, content in files.items():
        path.write_text(
            yaml.dump(content, Dumper=_Dumper, allow_unicode=True, sort_keys=False),
            encoding="utf-8",
        )
    return list(files)
