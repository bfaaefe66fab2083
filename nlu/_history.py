"""A resident's past orders as the parser uses them: the usual amount of a product, the
usual order, the last order, and settling a choice between products by what was bought."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from nlu._types import History, HistoryLine


class HistoryView:
    """Read from the history on first use: most messages never ask about her past orders
    (they name products with amounts), so a parse does not pay for reading them."""

    __slots__ = ("_count", "_history", "_orders", "_usual")

    def __init__(self, history: History) -> None:
        self._history = history
        # Worked out on first use (not functools.cached_property: it takes a lock on
        # every first read, and a view lives for one parse in one thread).
        self._orders: list[dict[str, int]] | None = None
        self._count: Counter[str] | None = None
        self._usual: dict[str, int] | None = None

    @property
    def orders(self) -> list[dict[str, int]]:
        if self._orders is None:
            self._orders = self._read_orders()
        return self._orders

    def _read_orders(self) -> list[dict[str, int]]:
        orders: list[dict[str, int]] = []
        for order in self._history:
            agg: dict[str, int] = {}
            for line in order:
                sku, qty = history_line(line)
                agg[sku] = agg.get(sku, 0) + qty
            if agg:
                orders.append(agg)
        return orders

    @property
    def count(self) -> Counter[str]:
        """In how many orders each product is."""
        if self._count is None:
            self._count = Counter(s for o in self.orders for s in o)
        return self._count

    def amount(self, sku: str) -> int | None:
        """The amount this resident most often takes of a product (latest wins a tie)."""
        amounts = [o[sku] for o in self.orders if sku in o]
        if not amounts:
            return None
        freq = Counter(amounts)
        best = max(freq.values())
        for a in reversed(amounts):
            if freq[a] == best:
                return a
        return None

    def usual(self) -> dict[str, int]:
        """The products in at least half her orders, with their usual amounts (a new dict
        on every call: callers may change it)."""
        return dict(self._usual_amounts())

    def _usual_amounts(self) -> dict[str, int]:
        if self._usual is None:
            n = len(self.orders)
            usual: dict[str, int] = {}
            for sku, c in self.count.items():
                if 2 * c >= n:
                    amount = self.amount(sku)
                    if amount is not None:
                        usual[sku] = amount
            self._usual = usual
        return self._usual

    def last(self) -> dict[str, int]:
        return dict(self.orders[-1]) if self.orders else {}

    def settle(self, candidates: Sequence[str]) -> str | None:
        used = [c for c in candidates if self.count.get(c)]
        if len(used) == 1:
            return used[0]
        if len(used) > 1:
            usual = self._usual_amounts()
            regular = [c for c in used if c in usual]
            if len(regular) == 1:
                return regular[0]
        return None

    def order_by_use(self, candidates: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(candidates, key=lambda c: -self.count.get(c, 0)))


def history_line(line: HistoryLine | Any) -> tuple[str, int]:
    if isinstance(line, HistoryLine):
        return line.sku, line.quantity
    if isinstance(line, dict):
        return str(line["sku"]), int(line["quantity"])
    sku, qty = line
    return str(sku), int(qty)
