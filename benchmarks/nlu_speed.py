"""Parse speed of the nlu package (a benchmark, not a test).

    python benchmarks/nlu_speed.py [--catalog FILE.csv] [--big 50000] [--seconds 3]

1. Messages per second on one core, median and p99 parse time against a village catalogue
   (bot/demo/catalog.csv when present, else the dev evaluation catalogue): for the message
   mix repeated (as a running bot sees "ja" and "het gewone" again and again: the parser
   keeps a message's reading per text and catalogue version), and for fresh messages, each
   text new to the parser (its word-level caches warm, as in a running bot).
2. A generated catalogue of --big products: index build time, p99 parse time, resident
   memory (ru_maxrss), a product changed and the first message after it, the first reading
   of words new to the parser, and parse time against message length (about linear up to
   the 400 tokens longer messages are cut to).
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from parse_csv import read_catalog  # noqa: E402

from nlu import CatalogEntry, CatalogIndex, HistoryLine, Parser  # noqa: E402

MESSAGES = [
    "twee witte broden",
    "3 krentenbollen en een pond rundergehakt",
    "Goedemorgen, ik zou graag een volkorenbrood willen bestellen. Met vriendelijke groet",
    "2 liter volle melk, 10 eieren, een ons jonge kaas en 1 kilo uien",
    "a dozen eggs and two loaves of brown bread",
    "het gewone graag",
    "zoals altijd maar dan zonder eieren",
    "krentebollen 4\nrookwors\nvolkorebrood",
    "ja",
    "wanneer komt mijn bestelling?",
    "een kilo aardbeien en een pot pindakaas",
    "haal de rookworst eraf",
    "een rode en een gele paprika",
    "half pond kipfilet en 300 gram biefstuk",
    "what's in my basket",
]
HISTORY = [
    [HistoryLine("bak-volkoren", 1), HistoryLine("ei-los", 10)],
    [HistoryLine("bak-volkoren", 1), HistoryLine("ei-doos10", 1)],
]

_ADJ = [
    "jonge",
    "oude",
    "rode",
    "gele",
    "witte",
    "bruine",
    "verse",
    "gerookte",
    "biologische",
    "zoete",
    "pittige",
    "grote",
    "kleine",
    "hollandse",
    "zeeuwse",
    "boeren",
    "volle",
    "halfvolle",
    "gemengde",
    "gesneden",
    "gepelde",
    "magere",
    "extra",
    "Franse",
    "Griekse",
]
_NOUNS = [
    "kaas",
    "brood",
    "worst",
    "melk",
    "appels",
    "peren",
    "tomaten",
    "uien",
    "bonen",
    "koek",
    "taart",
    "yoghurt",
    "vla",
    "ham",
    "filet",
    "gehakt",
    "sla",
    "kool",
    "noten",
    "zalm",
    "makreel",
    "garnalen",
    "jam",
    "honing",
    "sap",
    "wijn",
    "bier",
    "thee",
    "koffie",
    "rijst",
    "pasta",
    "soep",
    "saus",
    "olijven",
    "druiven",
    "bessen",
    "kersen",
    "pruimen",
]
_MODS = [
    "volkoren",
    "spelt",
    "rogge",
    "kip",
    "rund",
    "varkens",
    "lams",
    "appel",
    "aardbei",
    "framboos",
    "citroen",
    "sinaasappel",
    "vanille",
    "chocolade",
    "kaneel",
    "noten",
    "room",
    "boter",
    "geiten",
    "schapen",
    "zuurdesem",
    "kruiden",
    "knoflook",
    "ui",
    "paprika",
]
_PACKS = [
    "",
    "",
    "",
    " (pot 350 g)",
    " (bakje 250 g)",
    " 1 liter",
    " (doos van 6)",
    " (zak 500 g)",
    " (pak van 8)",
    " (fles 75 cl)",
]


def generated_catalogue(n: int, seed: int = 7) -> list[CatalogEntry]:
    rnd = random.Random(seed)
    out: list[CatalogEntry] = []
    seen: set[str] = set()
    shops = [f"Winkel {i}" for i in range(400)]
    while len(out) < n:
        words = [rnd.choice(_ADJ)] if rnd.random() < 0.7 else []
        noun = rnd.choice(_NOUNS)
        if rnd.random() < 0.6:
            noun = rnd.choice(_MODS) + noun
        words.append(noun)
        if rnd.random() < 0.5:
            words.append(f"{rnd.choice(_ADJ)}{rnd.randint(1, 999)}")
        name = " ".join(words).capitalize() + rnd.choice(_PACKS)
        if name in seen:
            continue
        seen.add(name)
        unit = "kg" if rnd.random() < 0.3 and "(" not in name else "piece"
        out.append(CatalogEntry(f"g{len(out)}", name, unit, rnd.choice(shops), (), "cat"))
    return out


def timed(parser: Parser, index: CatalogIndex, msgs: list[str], history: object) -> list[float]:
    out = []
    for m in msgs:
        t0 = time.perf_counter()
        parser.parse(m, catalog=index, history=history)  # type: ignore[arg-type]
        out.append(time.perf_counter() - t0)
    return out


def _p99(times: list[float]) -> float:
    return sorted(times)[int(len(times) * 0.99)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", type=Path)
    ap.add_argument("--big", type=int, default=50_000)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    path = args.catalog
    if path is None:
        demo = ROOT / "bot" / "demo" / "catalog.csv"
        path = (
            demo if demo.exists() else ROOT.parent / "shared" / "nlu-eval" / "dev" / "catalog.csv"
        )
    t0 = time.perf_counter()
    parser = Parser()
    print(f"parser construction (load data, train classifier): {time.perf_counter() - t0:.3f} s")
    entries = read_catalog(path)
    index = CatalogIndex(entries)
    print(f"catalogue {path.name}: {len(index)} products")
    timed(parser, index, MESSAGES, HISTORY)  # warm caches, as a running bot has them
    n = 0
    times: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        times += timed(parser, index, MESSAGES, HISTORY)
        n += len(MESSAGES)
    wall = time.perf_counter() - start
    print(
        f"  repeated messages: {n / wall:,.0f} messages/s (one core)   "
        f"median: {statistics.median(times) * 1000:.3f} ms   "
        f"p99: {_p99(times) * 1000:.3f} ms"
    )
    # Fresh: every message a text the parser has not seen (a realistic worst case).
    rnd = random.Random(1)
    fresh_n = 0
    ct: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        batch = [
            f"{rnd.randint(2, 9)} {m} {rnd.randint(100, 99999)}x {fresh_n + k}"
            for k, m in enumerate(MESSAGES)
        ]
        ct += timed(parser, index, batch, HISTORY)
        fresh_n += len(batch)
    wall = time.perf_counter() - start
    print(
        f"  fresh messages:    {fresh_n / wall:,.0f} messages/s (one core)   "
        f"median: {statistics.median(ct) * 1000:.3f} ms   p99: {_p99(ct) * 1000:.3f} ms"
    )

    if args.big:
        big = generated_catalogue(args.big)
        gc.collect()
        t0 = time.perf_counter()
        big_index = CatalogIndex(big)
        build = time.perf_counter() - t0
        print(f"generated catalogue: {len(big_index)} products, index build {build:.2f} s")
        # Their own random numbers: the same messages on every run, however many fresh
        # messages the first part had time for.
        rnd = random.Random(2)
        msgs = MESSAGES + [
            " en ".join(
                f"{rnd.randint(1, 5)} {e.name.split(' (')[0].lower()}" for e in rnd.sample(big, 3)
            )
            for _ in range(200)
        ]
        timed(parser, big_index, msgs[:20], HISTORY)
        first = timed(parser, big_index, msgs, HISTORY)
        bt = first + timed(parser, big_index, msgs, HISTORY)
        bt.sort()
        print(
            f"  median: {statistics.median(bt) * 1000:.3f} ms   "
            f"p99: {_p99(bt) * 1000:.3f} ms   max: {bt[-1] * 1000:.2f} ms"
        )
        print(
            f"  first reading of each message: median {statistics.median(first) * 1000:.3f} ms"
            f"   p99: {_p99(first) * 1000:.3f} ms"
        )
        t0 = time.perf_counter()
        big_index.upsert(CatalogEntry("new-1", "Zuurdesem speltbrood", "piece", "Bakker"))
        big_index.remove("g10")
        print(f"  upsert + remove one product: {(time.perf_counter() - t0) * 1000:.3f} ms")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  resident memory (max RSS): {rss:.0f} MB")
        # The first message after a change reads the changed catalogue's words anew: timed on
        # its own, so the lengths below compare reading only.
        t0 = time.perf_counter()
        parser.parse("een zuurdesem speltbrood", catalog=big_index)
        print(f"  first message after the change: {(time.perf_counter() - t0) * 1000:.2f} ms")
        base = "2 witte broden, 10 eieren, een ons jonge kaas en 1 kilo uien. "
        # Its words new to the parser: matched against every product once, then kept.
        t0 = time.perf_counter()
        parser.parse(base.replace("2 ", "3 "), catalog=big_index)
        print(f"  first reading of new words: {(time.perf_counter() - t0) * 1000:.2f} ms")
        for reps in (1, 10, 40, 160):
            text = base * reps
            t0 = time.perf_counter()
            parser.parse(text, catalog=big_index)
            print(f"  {len(text):6d} chars: {(time.perf_counter() - t0) * 1000:8.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
