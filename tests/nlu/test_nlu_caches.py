"""The parser's caches (word analyses, matches) never give an answer from an older catalogue:
a product added, renamed, made unavailable or removed is seen by the very next parse."""

from __future__ import annotations

import gc

from nlu import CatalogEntry, CatalogIndex, Parser


def _skus(parser: Parser, text: str, index: CatalogIndex) -> list[str | None]:
    return [i.sku for i in parser.parse(text, catalog=index).items]


def test_new_product_is_seen_by_the_next_parse(parser: Parser) -> None:
    index = CatalogIndex([CatalogEntry("w", "Witbrood", "piece", "Bakker")])
    assert parser.parse("twee kwarktaarten", catalog=index).items[0].status == "unknown"
    index.upsert(CatalogEntry("k", "Kwarktaart", "piece", "Bakker"))
    assert _skus(parser, "twee kwarktaarten", index) == ["k"]
    # The same words again, now from the cache: still the new product.
    assert _skus(parser, "twee kwarktaarten", index) == ["k"]


def test_renamed_product_is_seen_by_the_next_parse(parser: Parser) -> None:
    index = CatalogIndex(
        [
            CatalogEntry("k", "Kwarktaart", "piece", "Bakker"),
            CatalogEntry("w", "Witbrood", "piece", "Bakker"),
        ]
    )
    assert _skus(parser, "een kwarktaart", index) == ["k"]
    index.upsert(CatalogEntry("k", "Kwarkvlaai", "piece", "Bakker"))
    assert _skus(parser, "een kwarkvlaai", index) == ["k"]
    # The old name is no longer known (its match was cached under the old catalogue).
    assert parser.parse("een kwarktaart", catalog=index).items[0].status == "unknown"
    # An alias added by a later edit counts at once.
    index.upsert(CatalogEntry("k", "Kwarkvlaai", "piece", "Bakker", ("cheesecake",)))
    assert _skus(parser, "a cheesecake", index) == ["k"]


def test_unavailable_product_is_seen_by_the_next_parse(parser: Parser) -> None:
    entry = CatalogEntry("k", "Kwarktaart", "piece", "Bakker")
    index = CatalogIndex([entry, CatalogEntry("w", "Witbrood", "piece", "Bakker")])
    assert parser.parse("een kwarktaart", catalog=index).items[0].note is None
    index.upsert(CatalogEntry("k", "Kwarktaart", "piece", "Bakker", available=False))
    assert parser.parse("een kwarktaart", catalog=index).items[0].note == "unavailable"
    index.upsert(entry)
    assert parser.parse("een kwarktaart", catalog=index).items[0].note is None


def test_removed_product_is_seen_by_the_next_parse(parser: Parser) -> None:
    index = CatalogIndex(
        [
            CatalogEntry("k", "Kwarktaart", "piece", "Bakker"),
            CatalogEntry("w", "Witbrood", "piece", "Bakker"),
        ]
    )
    assert _skus(parser, "een kwarktaart", index) == ["k"]
    index.remove("k")
    assert "k" not in _skus(parser, "een kwarktaart", index)


def test_a_new_index_never_answers_from_an_old_ones_cache(parser: Parser) -> None:
    """Two catalogues at the same version (a freed one's address may be reused)."""
    for _ in range(5):
        old = CatalogIndex([CatalogEntry("a", "Kwarktaart", "piece", "Bakker")])
        assert _skus(parser, "een kwarktaart", old) == ["a"]
        del old
        gc.collect()
        new = CatalogIndex([CatalogEntry("b", "Kwarktaart", "piece", "Bakker")])
        assert _skus(parser, "een kwarktaart", new) == ["b"]
        assert new.stamp != (0, 0)


def test_cached_matches_are_not_shared_between_parses(parser: Parser) -> None:
    """An interpretation changed by its caller does not change the next one."""
    index = CatalogIndex([CatalogEntry("k", "Kwarktaart", "piece", "Bakker")])
    first = parser.parse("twee kwarktaarten", catalog=index)
    first.items.clear()
    first.intent = "deny"
    again = parser.parse("twee kwarktaarten", catalog=index)
    assert again.intent == "order" and [i.sku for i in again.items] == ["k"]


def test_a_message_read_again_gives_what_a_fresh_parser_gives(village1: CatalogIndex) -> None:
    """A message's reading is kept per text and catalogue version; the history is applied
    on every parse, and what a caller does with a result does not reach the next one."""
    from nlu import HistoryLine

    texts = [
        "het gewone graag",
        "zoals altijd maar dan zonder eieren",
        "twee witte broden en een ons jonge kaas",
        "ja",
        "doe maar 2",
        "haal de rookworst eraf",
        "wat kost de appeltaart?",
    ]
    histories: list[list[list[HistoryLine]]] = [
        [],
        [[HistoryLine("bak-wit", 2), HistoryLine("ei-los", 10)]],
        [[HistoryLine("kaa-jong", 200)], [HistoryLine("kaa-jong", 200)]],
    ]
    shared = Parser()
    for text in texts:
        for history in histories:
            first = shared.parse(text, catalog=village1, history=history)
            first.items.clear()
            first.intent_ranking.clear()
            again = shared.parse(text, catalog=village1, history=history)
            # The same catalogue as a new index: nothing of it is kept yet.
            fresh = shared.parse(text, catalog=CatalogIndex(list(village1)), history=history)
            assert again == fresh, (text, history)
