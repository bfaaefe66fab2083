"""Run the parse contract on stdin against a catalogue CSV (before the CLI is wired).

python benchmarks/parse_csv.py --catalog FILE.csv [--format rasa] < messages.jsonl
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.cli.parse import run_parse
from nlu import CatalogEntry, CatalogIndex, Parser


def read_catalog(path: Path) -> list[CatalogEntry]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            CatalogEntry(
                sku=row["sku"].strip(),
                name=row["name"].strip(),
                unit=row["unit"].strip(),
                shop=row.get("shop", "").strip(),
                aliases=tuple(
                    a.strip() for a in (row.get("aliases") or "").split(";") if a.strip()
                ),
                category=(row.get("category") or "").strip() or None,
            )
            for row in csv.DictReader(fh)
        ]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", type=Path, required=True)
    ap.add_argument("--format", default="json", choices=("json", "rasa"))
    args = ap.parse_args()
    index = CatalogIndex(read_catalog(args.catalog))
    sys.stdin.reconfigure(encoding="utf-8")  # type: ignore[attr-defined]
    sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[attr-defined]
    run_parse(sys.stdin, sys.stdout, parser=Parser(), catalog=index, fmt=args.format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
