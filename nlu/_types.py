"""The public value types: what goes into the parser and what comes out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["resolved", "ambiguous", "unknown"]
INTENTS: tuple[str, ...] = (
    "order",
    "remove",
    "confirm",
    "deny",
    "cancel",
    "status",
    "help",
    "greet",
    "show_basket",
    # Done ordering ("dat was alles", "that's all, thanks"): never an order, yes or no.
    "close",
    "price_question",
    "availability_question",
    # What a shop sells or what there is of a kind: `shop` and/or `category` say which.
    "browse",
)


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    sku: str
    name: str
    unit: str  # "piece" or "kg"
    shop: str
    aliases: tuple[str, ...] = ()
    category: str | None = None
    available: bool = True


@dataclass(frozen=True, slots=True)
class HistoryLine:
    sku: str
    quantity: int


History = Sequence[Sequence[HistoryLine]]


@dataclass(frozen=True, slots=True)
class Item:
    """One thing the resident asked for (or, for `remove`, wants taken out).

    `quantity` is grams for products sold by weight and pieces (packs) otherwise; it is
    None when the message gives no usable amount. `note` explains anything the dialogue
    should ask about: "not_divisible", "unit_mismatch", "count_for_weighed",
    "container_for_weighed", "amount_missing", "vague_amount", "partial_match",
    "modifier_unmatched", "unavailable", "approximate".
    """

    status: Status
    sku: str | None = None
    quantity: int | None = None
    candidates: tuple[str, ...] = ()
    text: str = ""
    span: tuple[int, int] = (0, 0)
    from_history: bool = False
    note: str | None = None
    unit: str | None = None  # "g" for weighed products, "piece" otherwise

    def to_contract(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status}
        if self.sku is not None:
            out["sku"] = self.sku
        out["quantity"] = self.quantity
        if self.candidates:
            out["candidates"] = list(self.candidates)
        out["text"] = self.text
        out["span"] = list(self.span)
        if self.unit is not None:
            out["unit"] = self.unit
        if self.from_history:
            out["from_history"] = True
        if self.note is not None:
            out["note"] = self.note
        return out


@dataclass
class Interpretation:
    text: str
    intent: str
    confidence: float
    intent_ranking: list[tuple[str, float]]
    language: str
    items: list[Item] = field(default_factory=list)
    # Products the resident said to leave out of an order ("het gewone maar zonder eieren").
    excluded: list[Item] = field(default_factory=list)
    used_usual: bool = False
    used_last: bool = False
    no_history: bool = False
    # An explicit yes or no opening the message ("ja, en ook een brood"); None for a
    # closing phrase ("nee, dat was alles") and for anything else.
    answer: Literal["yes", "no"] | None = None
    # The message sets amounts instead of adding them ("nee, 6 croissants", "doe maar 2",
    # "make it 3"); without a product named, `items` is empty and the amount is for the
    # product the conversation is about (read it with Parser.read_amount).
    correction: bool = False
    # The message states an amount somewhere (a number, a number word, a measure).
    has_amount: bool = False
    # The amount is more of something ("doe er nog 2 bij", "2 more", "nog een erbij").
    adding: bool = False
    # For "browse": a shop exactly as CatalogEntry.shop, a category as CatalogEntry.category.
    shop: str | None = None
    category: str | None = None
    # The number of a placed order the message names ("annuleer bestelling 12", "order #12",
    # "waar blijft bestelling 31?"): never an amount or a product; the dialogue acts on
    # that very order. None when the message names no order number.
    order_number: int | None = None
    # The message was longer than the parser reads and only its first part was read; the
    # dialogue should tell the resident so.
    truncated: bool = False
    # About a standing order: set_up ("elke donderdag 2 broden"), show, stop, skip
    # ("overslaan"), pause ("op vakantie tot 12 januari", with `until` as (day, month)),
    # this_week ("deze week ook een appeltaart"); with the weekdays named (mon..sun).
    standing: str | None = None
    weekdays: tuple[str, ...] = ()
    until: tuple[int, int] | None = None

    def to_contract(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "language": self.language,
            "items": [i.to_contract() for i in self.items],
        }
        if self.excluded:
            out["excluded"] = [i.to_contract() for i in self.excluded]
        if self.used_usual:
            out["used_usual"] = True
        if self.used_last:
            out["used_last"] = True
        if self.no_history:
            out["no_history"] = True
        if self.answer is not None:
            out["answer"] = self.answer
        if self.correction:
            out["correction"] = True
        if self.adding:
            out["adding"] = True
        out["has_amount"] = self.has_amount
        if self.shop is not None:
            out["shop"] = self.shop
        if self.category is not None:
            out["category"] = self.category
        if self.order_number is not None:
            out["order_number"] = self.order_number
        if self.truncated:
            out["truncated"] = True
        if self.standing is not None:
            out["standing"] = self.standing
            if self.weekdays:
                out["weekdays"] = list(self.weekdays)
            if self.until is not None:
                out["until"] = {"day": self.until[0], "month": self.until[1]}
        return out

    def to_rasa(self) -> dict[str, Any]:
        entities: list[dict[str, Any]] = []
        for item in self.items:
            start, end = item.span
            base = {"start": start, "end": end, "extractor": "DorpspleinParser"}
            conf = 1.0 if item.status == "resolved" else 0.5
            if item.status == "resolved" and item.sku is not None:
                entities.append(
                    {"entity": "product", "value": item.sku, "confidence": conf, **base}
                )
            elif item.status == "ambiguous":
                entities.append(
                    {
                        "entity": "product",
                        "value": item.candidates[0] if item.candidates else item.text,
                        "confidence": conf,
                        "candidates": list(item.candidates),
                        **base,
                    }
                )
            else:
                entities.append(
                    {"entity": "unknown_product", "value": item.text, "confidence": 0.3, **base}
                )
            if item.quantity is not None:
                entities.append(
                    {"entity": "quantity", "value": item.quantity, "confidence": conf, **base}
                )
                if item.unit is not None:
                    entities.append(
                        {"entity": "unit", "value": item.unit, "confidence": conf, **base}
                    )
        return {
            "text": self.text,
            "intent": {"name": self.intent, "confidence": round(self.confidence, 4)},
            "entities": entities,
            "intent_ranking": [
                {"name": name, "confidence": round(conf, 4)} for name, conf in self.intent_ranking
            ],
            "language": self.language,
        }
