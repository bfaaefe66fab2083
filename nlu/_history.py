"""A resident's past orders as the parser uses them: the usual amount of a product, the
usual order, the last order, and settling a choice between products by what was bought."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from nlu._types import History, HistoryLine


class HistoryView:
    """Read from the history on first use: most messages never ask about her past orders
    (they name products with amounts), so a parse does not pay for reading them."""

    def __init__(self, history: History) -> None:
        self._history = history

    @cached_property
    def orders(self) -> list[dict[str, int]]:
        orders: list[dict[str, int]] = []
        for order in self._history:
            agg: dict[str, int] = {}
            for line in order:
                sku, qty = history_line(line)
                agg[sku] = agg.get(sku, 0) + qty
            if agg:
                orders.append(agg)
        return orders

    @cached_property
    def count(self) -> Counter[str]:
        """In how many orders each product is."""
        return Counter(s for o in self.orders for s in o)

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
        n = len(self.orders)
        out: dict[str, int] = {}
        for sku, c in self.count.items():
            if 2 * c >= n:
                amount = self.amount(sku)
                if amount is not None:
                    out[sku] = amount
        return out

    def last(self) -> dict[str, int]:
        return dict(self.orders[-1]) if self.orders else {}

    def settle(self, candidates: Sequence[str]) -> str | None:
        used = [c for c in candidates if self.count.get(c)]
        if len(used) == 1:
            return used[0]
        if len(used) > 1:
            usual = self.usual()
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
