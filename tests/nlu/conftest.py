"""Fixtures for the nlu tests: one parser, and small catalogues built in memory."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nlu import CatalogEntry, CatalogIndex, Parser

DATA = Path(__file__).parent / "data"

# A village like the evaluation one, written out here so the tests need nothing else.
VILLAGE1 = [
    ("bak-wit", "Wit casinobrood", "piece", "witbrood;casino", "brood"),
    ("bak-volkoren", "Volkorenbrood", "piece", "volkoren", "brood"),
    ("bak-bruin", "Bruin brood", "piece", "bruinbrood", "brood"),
    ("bak-krentenbol", "Krentenbol", "piece", "", "brood"),
    ("bak-croissant", "Croissant", "piece", "", "brood"),
    ("bak-appeltaart", "Appeltaart", "piece", "", "gebak"),
    ("sla-gehakt", "Rundergehakt", "kg", "", "vlees"),
    ("sla-halfomhalf", "Half-om-half gehakt", "kg", "", "vlees"),
    ("sla-rookworst", "Rookworst", "piece", "", "vlees"),
    ("sla-biefstuk", "Biefstuk", "kg", "", "vlees"),
    ("gro-aardappel-kruimig", "Aardappelen kruimig", "kg", "", "groente"),
    ("gro-aardappel-vast", "Aardappelen vastkokend", "kg", "", "groente"),
    ("gro-uien", "Uien", "kg", "", "groente"),
    ("gro-kropsla", "Kropsla", "piece", "", "groente"),
    ("kaa-jong", "Goudse kaas jong", "kg", "jonge kaas", "kaas"),
    ("kaa-belegen", "Goudse kaas belegen", "kg", "belegen kaas", "kaas"),
    ("kaa-oud", "Goudse kaas oud", "kg", "oude kaas", "kaas"),
    ("ei-los", "Scharrelei", "piece", "eieren", "eieren"),
    ("ei-doos10", "Scharreleieren doos van 10", "piece", "doos eieren", "eieren"),
    ("zui-volle-melk", "Volle melk 1 liter", "piece", "", "zuivel"),
    ("zui-halfvolle-melk", "Halfvolle melk 1 liter", "piece", "", "zuivel"),
    ("zui-karnemelk", "Karnemelk 1 liter", "piece", "", "zuivel"),
    ("kwe-tulpen", "Bos tulpen", "piece", "tulpen", "bloemen"),
]


def entries_village1() -> list[CatalogEntry]:
    return [
        CatalogEntry(sku, name, unit, "Winkel", tuple(a for a in aliases.split(";") if a), cat)
        for sku, name, unit, aliases, cat in VILLAGE1
    ]


def entries_from_csv(path: Path) -> list[CatalogEntry]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            CatalogEntry(
                row["sku"],
                row["name"],
                row["unit"],
                row["shop"],
                tuple(a for a in row["aliases"].split(";") if a),
                row["category"] or None,
            )
            for row in csv.DictReader(fh)
        ]


@pytest.fixture(scope="session")
def parser() -> Parser:
    return Parser()


@pytest.fixture(scope="session")
def village1() -> CatalogIndex:
    return CatalogIndex(entries_village1())


@pytest.fixture(scope="session")
def village2() -> CatalogIndex:
    return CatalogIndex(entries_from_csv(DATA / "village2_catalog.csv"))
