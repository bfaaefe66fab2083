"""The typed state of a conversation: the basket, the open questions, the last read-back.

Stored as one JSON document per resident (see `Conversation.state`), read and written whole
once per message, so every field is checked on the way in and out.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from orders.quote import Quote, Wanted


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BasketLine(_Model):
    sku: str
    quantity: int  # pieces, or grams for weighed products
    usual: bool = False  # came from the resident's usual order


class AmountQuestion(_Model):
    """How many or how much of a product; `too_large` holds an amount that was refused."""

    kind: Literal["amount"] = "amount"
    sku: str
    replace: bool = False
    too_large: int | None = None


class ChoiceQuestion(_Model):
    """Which of several products the resident's words meant."""

    kind: Literal["choice"] = "choice"
    word: str
    candidates: list[str]
    # The resident's words for the item ("2 kilo aardappelen"), to read its amount again
    # for the chosen product.
    phrase: str


Question = Annotated[AmountQuestion | ChoiceQuestion, Field(discriminator="kind")]


class StandingDraft(_Model):
    """The basket is being made into a standing order for these round days (mon..sun).

    The basket she had before is kept aside and comes back once the draft is set up or
    dropped."""

    weekdays: list[str]
    parked: list[BasketLine] = Field(default_factory=list)


class StandingOffer(_Model):
    """ "Wilt u dit elke dinsdag?": offered after her third like order; a yes sets it up,
    at the prices the offer showed."""

    weekday: str
    lines: list[BasketLine]
    prices: dict[str, int]


class ConversationState(_Model):
    basket: list[BasketLine] = Field(default_factory=list)
    # Asked one at a time, first first; the others wait.
    questions: list[Question] = Field(default_factory=list)
    # The last read-back shown, waiting for a yes; None when nothing waits for one.
    quote: Quote | None = None
    quote_channel: str | None = None
    # An order the bot asked whether to cancel.
    cancel_order: int | None = None
    # A placed order being changed: the basket started as its lines; a yes replaces it.
    amending: int | None = None
    # Standing orders: a draft being made, an offer, or the days she was asked to stop.
    standing: StandingDraft | None = None
    standing_offer: StandingOffer | None = None
    standing_stop: list[str] | None = None

    def wanted(self) -> list[Wanted]:
        return [Wanted(sku=b.sku, quantity=b.quantity, usual=b.usual) for b in self.basket]

    def line(self, sku: str) -> BasketLine | None:
        return next((line for line in self.basket if line.sku == sku), None)


class StateColumn(TypeDecorator[ConversationState]):
    """A ConversationState stored as JSON; an unreadable document reads as an empty state."""

    impl = JSON
    cache_ok = True

    def process_bind_param(
        self, value: ConversationState | None, dialect: Dialect
    ) -> dict[str, Any] | None:
        return None if value is None else value.model_dump(mode="json")

    def process_result_value(
        self, value: dict[str, Any] | None, dialect: Dialect
    ) -> ConversationState:
        return ConversationState.model_validate(value or {})
