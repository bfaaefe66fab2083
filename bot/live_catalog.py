"""The parser's view of the catalogue, kept in step with the database message by message."""

from __future__ import annotations

from datetime import datetime

from rapidfuzz import fuzz, process, utils
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from catalog.models import Product
from catalog.view import entry_from_product
from nlu import CatalogIndex


class LiveCatalog:
    """Applies only what changed since the last look: no retraining, no restart."""

    def __init__(self) -> None:
        self.index = CatalogIndex(())
        self._seen_until: datetime | None = None
        self._names: dict[str, str] = {}

    def refresh(self, session: Session) -> CatalogIndex:
        query = select(Product).options(joinedload(Product.shop))
        if self._seen_until is not None:
            query = query.where(Product.updated_at >= self._seen_until)
        for product in session.scalars(query):
            self.index.upsert(entry_from_product(product))
            self._names[product.sku] = product.name
            if self._seen_until is None or product.updated_at > self._seen_until:
                self._seen_until = product.updated_at
        count = session.scalar(select(func.count()).select_from(Product)) or 0
        if count < len(self._names):
            present = set(session.scalars(select(Product.sku)))
            for sku in set(self._names) - present:
                self.index.remove(sku)
                del self._names[sku]
        return self.index

    def suggest(self, words: str, *, limit: int = 3) -> list[str]:
        """Up to `limit` product names that look like what the resident wrote."""
        found = process.extract(
            words,
            self._names,
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            limit=limit,
            score_cutoff=60,
        )
        return [name for name, _score, _sku in found]
