"""Errors about residents and orders; `bot/` words them for people."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core.errors import DorpspleinError

if TYPE_CHECKING:
    from orders.quote import Change, Quote


class InvalidPhoneError(DorpspleinError):
    def __init__(self, *, text: str) -> None:
        super().__init__(f"{text!r} is not a phone number")
        self.text = text


class InvalidPostcodeError(DorpspleinError):
    def __init__(self, *, text: str) -> None:
        super().__init__(f"{text!r} is not a Dutch postcode like 3981 AB")
        self.text = text


class OutsideDeliveryAreaError(DorpspleinError):
    def __init__(self, *, postcode: str, area: tuple[str, ...]) -> None:
        super().__init__(f"postcode {postcode} is outside the delivery area ({', '.join(area)})")
        self.postcode = postcode
        self.area = area


class AddressTakenError(DorpspleinError):
    def __init__(self, *, kind: str, address: str) -> None:
        super().__init__(f"{kind} {address} already belongs to another resident")
        self.kind = kind
        self.address = address


class EmptyBasketError(DorpspleinError):
    def __init__(self, *, resident_id: int) -> None:
        super().__init__(f"resident {resident_id} tried to order an empty basket")
        self.resident_id = resident_id


class InvalidQuantityError(DorpspleinError):
    def __init__(self, *, sku: str, quantity: int) -> None:
        super().__init__(f"quantity {quantity} of {sku} is not a positive amount")
        self.sku = sku
        self.quantity = quantity


class ProductUnavailableError(DorpspleinError):
    def __init__(self, *, sku: str) -> None:
        super().__init__(f"product {sku} is not available")
        self.sku = sku


class NoRoundForShopError(DorpspleinError):
    """The shop's delivery days and the round days never meet."""

    def __init__(
        self, *, shop: str, shop_days: tuple[str, ...], round_days: tuple[str, ...]
    ) -> None:
        super().__init__(
            f"shop {shop} supplies on {', '.join(shop_days)} but rounds run on "
            f"{', '.join(round_days)}"
        )
        self.shop = shop
        self.shop_days = shop_days
        self.round_days = round_days


class CancelTooLateError(DorpspleinError):
    def __init__(self, *, order_id: int, cutoff_at: datetime) -> None:
        super().__init__(f"order {order_id} can no longer be cancelled: cut-off was {cutoff_at}")
        self.order_id = order_id
        self.cutoff_at = cutoff_at


class OrderNotOpenError(DorpspleinError):
    """The order is already cancelled or delivered."""

    def __init__(self, *, order_id: int, status: str) -> None:
        super().__init__(f"order {order_id} is {status}")
        self.order_id = order_id
        self.status = status


class StatusChangeError(DorpspleinError):
    def __init__(self, *, order_id: int, current: str, wanted: str) -> None:
        super().__init__(f"order {order_id} cannot go from {current} to {wanted}")
        self.order_id = order_id
        self.current = current
        self.wanted = wanted


class QuoteChangedError(DorpspleinError):
    """What the resident saw is no longer true: show her `fresh`, saying what changed."""

    def __init__(self, *, changes: list[Change], fresh: Quote) -> None:
        super().__init__(f"the quote changed: {', '.join(c.kind for c in changes) or 'terms'}")
        self.changes = changes
        self.fresh = fresh


class AmountTooLargeError(DorpspleinError):
    def __init__(self, *, sku: str, quantity: int) -> None:
        super().__init__(f"{quantity} of {sku} is more than one order may hold without a check")
        self.sku = sku
        self.quantity = quantity


class TotalTooLargeError(DorpspleinError):
    def __init__(self, *, total_cents: int, limit_cents: int) -> None:
        super().__init__(f"a total of {total_cents} cents is over the limit of {limit_cents}")
        self.total_cents = total_cents
        self.limit_cents = limit_cents
