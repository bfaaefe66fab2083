"""The parser's view of the catalogue, kept in step with the database message by message."""

from __future__ import annotations

import re
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from catalog.models import CatalogueVersion, Product
from catalog.view import entry_from_product
from nlu import CatalogIndex

# Built once: a statement object keeps its cache key, so each look is only its execution.
_PRODUCTS = Product.table()
_VERSION = select(CatalogueVersion.table().c.version).where(CatalogueVersion.table().c.id == 1)
_SCAN = select(func.max(_PRODUCTS.c.updated_at), func.count()).select_from(_PRODUCTS)
_COUNT = select(func.count()).select_from(_PRODUCTS)


class LiveCatalog:
    """Applies only what changed since the last look: no retraining, no restart."""

    def __init__(self) -> None:
        self.index: CatalogIndex = CatalogIndex(())
        self._seen_until: datetime | None = None
        self._names: dict[str, str] = {}
        # The catalogue version row when last applied; or, without that row, the newest
        # updated_at and the count of the products.
        self._version: tuple[int | datetime | None, ...] | None = None

    def refresh(self, session: Session) -> CatalogIndex:
        refreshed: set[int] = session.info.setdefault("catalogues_refreshed", set())
        if id(self) in refreshed:
            return self.index  # once per message (unit of work) is live enough
        refreshed.add(id(self))
        # A cheap look first: a trigger moves the version row with every change to the
        # products, so an unchanged catalogue costs one row read by its key.
        row = session.execute(_VERSION).scalar()
        if row is None:
            # The row is gone (emptied by hand): every change of a product moves its
            # updated_at (a new one the newest, a removed one the count).
            newest, count = session.execute(_SCAN).one()
            version: tuple[int | datetime | None, ...] = (None, newest, count)
        else:
            version = (row,)
        if version == self._version:
            return self.index
        if row is not None:
            count = session.execute(_COUNT).scalar_one()
        self._apply_changes(session, count=count)
        self._version = version
        return self.index

    def _apply_changes(self, session: Session, *, count: int) -> None:
        query = select(Product).options(joinedload(Product.shop))
        if self._seen_until is not None:
            query = query.where(Product.updated_at >= self._seen_until)
        for product in session.scalars(query):
            entry = entry_from_product(product)
            # The newest product is seen again every time (>= the watermark); an unchanged
            # entry is left alone, so the parser's caches for this catalogue stay warm.
            if self.index.get(product.sku) != entry:
                self.index.upsert(entry)
            self._names[product.sku] = product.name
            if self._seen_until is None or product.updated_at > self._seen_until:
                self._seen_until = product.updated_at
        if count < len(self._names):
            present = set(session.scalars(select(Product.sku)))
            for sku in set(self._names) - present:
                self.index.remove(sku)
                del self._names[sku]

    def suggest(self, words: str, *, limit: int = 3) -> list[str]:
        """Up to `limit` available products whose name words look like what was asked.

        Close means: the same word, a typo of it (ratio >= 80), or a compound built on it
        ("aardbeienjam" -> Aardbeien). Never a word that merely ends like a product
        ("pindakaas" is no kaas), and nothing rather than something far-fetched.
        """
        asked = [w for w in _words(words) if len(w) >= 3]
        scored: list[tuple[float, str]] = []
        for sku, name in self._names.items():
            entry = self.index.get(sku)
            if entry is None or not entry.available:
                continue
            best = max((_closeness(a, t) for a in asked for t in _words(name)), default=0.0)
            if best >= 80:
                scored.append((best, name))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [name for _score, name in scored[:limit]]


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text.lower())


def _closeness(asked: str, word: str) -> float:
    if asked == word:
        return 100.0
    shared = 0
    for a, b in zip(asked, word, strict=False):
        if a != b:
            break
        shared += 1
    if shared >= 5 and len(word) >= 4:
        return 85.0
    return fuzz.ratio(asked, word)
