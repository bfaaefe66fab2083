"""Errors about residents and orders; `bot/` words them for people."""

from __future__ import annotations

from core.errors import DorpspleinError


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
