"""One message's worth of conversation: who speaks, what she has, and the replies so far."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol, overload

from sqlalchemy.orm import Session

from bot.live_catalog import LiveCatalog
from bot.messages import Choice, InboundMessage, Reply
from bot.settings import Settings
from bot.words import Medium, Words
from catalog.models import Product
from conversations.state import ConversationState
from nlu import CatalogEntry, CatalogIndex, HistoryLine, Interpretation
from orders.history import order_history
from orders.models import Resident
from orders.quote import Limits, keep_products_read, products_by_sku
from orders.rounds import RoundPlan


class Understanding(Protocol):
    """nlu.Parser, or the Rasa-backed parser when `nlu.engine: rasa`."""

    def parse(
        self,
        text: str,
        *,
        catalog: CatalogIndex,
        history: Sequence[Sequence[HistoryLine]] = (),
    ) -> Interpretation: ...

    def read_amount(self, text: str, *, entry: CatalogEntry) -> int | None: ...


@dataclass(frozen=True)
class Services:
    """What every turn may use; built once at start-up."""

    settings: Settings
    parser: Understanding
    catalog: LiveCatalog
    words: Words
    plan: RoundPlan
    limits: Limits


@dataclass
class Turn:
    services: Services
    session: Session
    message: InboundMessage
    resident: Resident
    # Her conversation's basket and questions, its version and its count of misunderstood
    # messages, changed here and written to the row with one statement at the end of the
    # turn (Dialogue): the ORM never writes the conversation object, and a row changed halfway
    # would be flushed before every read that follows.
    state: ConversationState
    version: int
    misunderstandings: int
    now: datetime
    replies: list[Reply] = field(default_factory=list)
    # Set by whatever changed the basket or asked to see it: one read-back at the end.
    readback_due: bool = False
    # She asked to see the basket ("mandje", "dat was alles").
    basket_asked: bool = False

    def __post_init__(self) -> None:
        # Nothing in a turn changes the catalogue: each product is read once per message.
        keep_products_read(self.session)

    @property
    def language(self) -> str:
        return self.resident.language

    @property
    def spoken(self) -> bool:
        return self.message.channel == "voice"

    @property
    def text(self) -> str:
        return self.message.text.strip()

    # -- words ----------------------------------------------------------------------------

    def say(self, key: str, medium: Medium = "text", **values: Any) -> str:
        return self.services.words(key, self.language, medium=medium, **values)

    def reply(self, key: str, **values: Any) -> None:
        self.reply_with(lambda medium: self.say(key, medium, **values))

    def ask_yes_no(self, key: str, **values: Any) -> None:
        self.reply_with(lambda medium: self.say(key, medium, **values), choices=self.yes_no())

    def reply_with(
        self,
        render: Callable[[Medium], str],
        *,
        choices: tuple[Choice, ...] = (),
        confirms_version: int | None = None,
    ) -> None:
        """A reply written, and for a call also worded to be heard."""
        spoken = render("voice") if self.spoken else None
        self.replies.append(
            Reply(render("text"), choices=choices, spoken=spoken, confirms_version=confirms_version)
        )

    def yes_no(self) -> tuple[Choice, ...]:
        yes, no = self.say("yes_no_labels").split("|")
        return (Choice(yes.lower(), yes), Choice(no.lower(), no))

    def coordinator(self) -> dict[str, str]:
        coordinator = self.services.settings.coordinator
        return {"coordinator": coordinator.name, "phone": coordinator.phone}

    # -- the catalogue and history --------------------------------------------------------

    def index(self) -> CatalogIndex:
        return self.services.catalog.refresh(self.session)

    def entry(self, sku: str) -> CatalogEntry | None:
        return self.index().get(sku)

    def product(self, sku: str | None) -> Product | None:
        if not sku:
            return None
        # A message names the same few products many times; each is read once per message
        # (the unit of work keeps what it read: see Dialogue), with its shop for the quote.
        return products_by_sku(self.session, [sku]).get(sku)

    def read_products(self, skus: Iterable[str]) -> None:
        """Read these products now, in one query, for what follows in this message."""
        products_by_sku(self.session, list(dict.fromkeys(skus)))

    def name(self, sku: str) -> str:
        product = self.product(sku)
        return product.name if product else sku

    def history(self) -> list[list[HistoryLine]]:
        cached: list[list[HistoryLine]] | None = self.session.info.get("history")
        if cached is None:
            cached = [
                [HistoryLine(sku=sku, quantity=quantity) for sku, quantity in past]
                for past in order_history(self.session, resident_id=self.resident.id)
            ]
            self.session.info["history"] = cached
        return cached

    def parse(self, text: str, *, only: Sequence[str] | None = None) -> Interpretation:
        """The message read against the whole catalogue and her history, or only `only`."""
        if only is None:
            history = _History(self.history)
            return self.services.parser.parse(text, catalog=self.index(), history=history)
        entries = tuple(e for e in map(self.entry, only) if e is not None)
        return self.services.parser.parse(text, catalog=_small_index(entries))

    def read_amount(self, text: str, sku: str) -> int | None:
        entry = self.entry(sku)
        return None if entry is None else self.services.parser.read_amount(text, entry=entry)

    # -- understanding, for the offer of a human ------------------------------------------

    def understood(self) -> None:
        self.misunderstandings = 0

    def misunderstood(self, key: str = "not_understood", **values: Any) -> None:
        self.reply(key, **values)
        self.misunderstandings += 1
        if self.misunderstandings >= 2:
            self.reply("offer_human", **self.coordinator())
            self.misunderstandings = 0

    # -- the basket -----------------------------------------------------------------------

    def basket_changed(self) -> None:
        """Every change of the basket makes earlier read-backs stale."""
        self.version += 1
        self.state.quote = None
        self.readback_due = True


class _History(Sequence[list[HistoryLine]]):
    """Her past orders, read from the database when the parser first looks at them: most
    messages name products with amounts and never do, and then the query is not made."""

    def __init__(self, read: Callable[[], list[list[HistoryLine]]]) -> None:
        self._read = read

    @cached_property
    def _orders(self) -> list[list[HistoryLine]]:
        return self._read()

    @overload
    def __getitem__(self, index: int) -> list[HistoryLine]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[list[HistoryLine]]: ...
    def __getitem__(self, index: int | slice) -> list[HistoryLine] | Sequence[list[HistoryLine]]:
        return self._orders[index]

    def __len__(self) -> int:
        return len(self._orders)


# The few products a question is about ("which bread?") come back message after message; an
# index of them is built once (an index is never changed by a parse).
_SMALL_INDEXES: dict[tuple[CatalogEntry, ...], CatalogIndex] = {}
_SMALL_INDEXES_KEPT = 512


def _small_index(entries: tuple[CatalogEntry, ...]) -> CatalogIndex:
    index = _SMALL_INDEXES.get(entries)
    if index is None:
        if len(_SMALL_INDEXES) >= _SMALL_INDEXES_KEPT:
            _SMALL_INDEXES.clear()
        index = _SMALL_INDEXES[entries] = CatalogIndex(entries)
    return index
