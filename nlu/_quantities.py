"""Amounts in a product's own terms: grams for weighed products, whole pieces or packs
otherwise; and what an amount says about the packs it can fit."""

from __future__ import annotations

from nlu._amounts import Amount
from nlu._index import CatalogIndex, Product


def quantity(
    product: Product, amount: Amount | None, *, portions: frozenset[str] = frozenset()
) -> tuple[int | None, str | None]:
    """The amount in the product's own terms: grams, or whole pieces/packs. `portions`:
    container words that count parts of a thing ("plak"), not its packs."""
    if amount is None or (amount.vague and amount.measure is None):
        return None, "no_amount"
    weighed = product.entry.unit == "kg"
    pack = product.pack
    value = amount.count
    if amount.measure is not None:
        size = value * amount.measure.factor
        if weighed:
            if amount.measure.dimension == "mass":
                return round(size), None
            return None, "unit_mismatch"
        if pack is not None and pack.dimension == amount.measure.dimension:
            return packs(size / pack.amount)
        return None, "unit_mismatch"
    if weighed:
        if amount.container is not None:
            return None, "container_for_weighed"
        return round(value) if value == int(value) else None, "count_for_weighed"
    if amount.container is not None and (
        holds_as_contents(product, amount.container)
        or (amount.container in portions and not sold_as(product, amount.container))
    ):
        # "3 plakjes kaas" against "Kaas plakken (250 g)" or "3 plakjes ham" against
        # "Achterham (150 g)": three slices, not three packs.
        return None, "unit_mismatch"
    if (
        pack is not None
        and pack.dimension == "count"
        and amount.container is None
        and not amount.pieces
        and amount.explicit_number
    ):
        # "12 eieren" against a box of 6: the resident counts eggs, the shop sells boxes.
        return packs(value / pack.amount)
    if (
        pack is not None
        and pack.dimension == "count"
        and amount.container is not None
        and holds_inside(product, amount.container)
    ):
        # "een fles" of "Huiswijn (doos van 6 flessen)": one bottle, a sixth of the box.
        return packs(value / pack.amount)
    return packs(value)


def holds_inside(product: Product, container: str) -> bool:
    """Whether the product is a pack of several of these containers ("krat 24 flesjes")."""
    return any(w.container == container and w.inner for f in product.forms for w in f.words)


def holds_as_contents(product: Product, container: str) -> bool:
    """Whether a product's name uses a container word for what its pack holds, by weight
    or volume ("kaas plakken (250 g)"): a count of those is a count of the contents."""
    pack = product.pack
    if pack is None or pack.dimension == "count":
        return False
    return any(
        w.container == container and w.text != container and w.text.endswith(("en", "s"))
        for f in product.forms
        for w in f.words
    )


def sold_as(product: Product, container: str) -> bool:
    """Whether a product's name says one piece is this container ("Plak ontbijtkoek")."""
    return any(
        w.container == container and w.text == container for f in product.forms for w in f.words
    )


def packs(value: float) -> tuple[int | None, str | None]:
    whole = round(value)
    if abs(value - whole) < 1e-6 and whole >= 1:
        return int(whole), None
    return max(1, int(-(-value // 1))), "not_divisible"


def pack_size_after(container: Amount, number: Amount) -> bool:
    """A bare number right after a container amount tells what one pack holds."""
    return (
        container.container is not None
        and container.pack_size is None
        and container.measure is None
        and number.value is not None
        and number.value > 1
        and number.measure is None
        and number.container is None
        and not number.pieces
        and not number.vague
        and number.value == int(number.value)
    )


def counts_things(amount: Amount) -> bool:
    return (
        amount.explicit_number
        and amount.measure is None
        and amount.container is None
        and amount.pack_size is None
        and not amount.vague
    )


def sold_singly(catalog: CatalogIndex, sku: str) -> bool:
    product = catalog.product(sku)
    return product is not None and product.entry.unit == "piece" and product.pack is None


def multipack(catalog: CatalogIndex, sku: str) -> bool:
    product = catalog.product(sku)
    return (
        product is not None
        and product.pack is not None
        and product.pack.dimension == "count"
        and product.pack.amount > 1
    )


def multipack_in(catalog: CatalogIndex, sku: str, container: str) -> bool:
    """Whether a product is a pack of several things named by this container word."""
    product = catalog.product(sku)
    if product is None or product.pack is None or product.pack.dimension != "count":
        return False
    return any(w.container == container and not w.inner for f in product.forms for w in f.words)
