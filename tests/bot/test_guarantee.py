"""The guarantee, as a state machine: whatever a resident sends, whatever the shops change and
however the clock moves, an order is placed only on an explicit yes to the latest read-back,
and it is exactly that read-back: lines, amounts, prices, total and delivery day per shop.

Each example is a new resident of the demo village; prices, availability and the clock move
between her messages, and she switches between SMS and WhatsApp.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from bot.dialogue import Dialogue
from bot.messages import InboundMessage, Reply
from bot.wiring import Runtime
from catalog.models import Product
from conversations.models import Conversation
from core.database import unit_of_work
from orders.models import AddressKind, Order, OrderPart
from orders.notices import describe_round, euros
from orders.quote import Quote
from orders.residents import add_resident, find_resident
from tests.bot.conftest import MONDAY_MORNING

YES = ("ja", "JA", "yes", "ja graag", "klopt")
MESSAGES = (
    "een stokbrood",
    "2 krentenbollen",
    "3 croissants en een appeltaart",
    "nee, 6 krentenbollen",
    "doe maar 2",
    "maak er 3 van",
    "doe er nog een appeltaart bij",
    "dat was alles",
    "nee, verder niets",
    "that's all, thanks",
    "is dat alles?",
    "geen krentenbollen",
    "aardappelen",
    "2 kilo aardappelen en een prei",
    "de kruimige",
    "1",
    "2",
    "een kilo",
    "3 ons belegen kaas",
    "nee",
    "mandje",
    "annuleren",
    "wat kost de appeltaart?",
    "99999 croissants",
    "40 appeltaarten",
    "ja, en ook een stokbrood",
    "goedemiddag, u spreekt met mevrouw de Vries",
    "blablabla",
)
PRODUCTS = ("bak-stokbrood", "bak-krentenbol", "bak-croissant", "bak-appeltaart", "gro-prei")
_phones = itertools.count(1)


class Resident(RuleBasedStateMachine):
    """One resident's conversation, checked after every message."""

    runtime: Runtime
    dialogue: Dialogue

    def __init__(self) -> None:
        super().__init__()
        self.now: datetime = MONDAY_MORNING
        self.phone = f"+316555{next(_phones):05d}"
        self.ids = itertools.count(1)
        self.seen: tuple[str, Quote] | None = None  # the last read-back: its text and quote
        self.orders = 0

    @initialize()
    def register(self) -> None:
        with unit_of_work(self.runtime.sessions) as session:
            add_resident(
                session,
                name="Mevrouw Test",
                street="Dorpsstraat 1",
                postcode="3981 AB",
                phone=self.phone,
                area=self.runtime.settings.delivery_area,
                language="nl",
            )

    # -- what happens --------------------------------------------------------------------

    @rule(text=st.sampled_from(MESSAGES), whatsapp=st.booleans())
    def says(self, text: str, whatsapp: bool) -> None:
        self._send(text, whatsapp=whatsapp)

    @rule(text=st.sampled_from(YES), whatsapp=st.booleans())
    def says_yes(self, text: str, whatsapp: bool) -> None:
        self._send(text, whatsapp=whatsapp)

    @rule(sku=st.sampled_from(PRODUCTS), cents=st.integers(min_value=50, max_value=2500))
    def shop_changes_a_price(self, sku: str, cents: int) -> None:
        with unit_of_work(self.runtime.sessions) as session:
            product = session.scalar(select(Product).where(Product.sku == sku))
            assert product is not None
            product.price_cents = cents

    @rule(sku=st.sampled_from(PRODUCTS), available=st.booleans())
    def shop_changes_availability(self, sku: str, available: bool) -> None:
        with unit_of_work(self.runtime.sessions) as session:
            product = session.scalar(select(Product).where(Product.sku == sku))
            assert product is not None
            product.available = available

    @rule(minutes=st.sampled_from([5, 90, 11 * 60, 24 * 60, 3 * 24 * 60]))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    # -- the check ----------------------------------------------------------------------

    def _send(self, text: str, *, whatsapp: bool) -> None:
        channel, sender = (
            ("whatsapp", f"whatsapp:{self.phone}") if whatsapp else ("sms", self.phone)
        )
        message = InboundMessage(
            channel=channel, sender=sender, text=text, message_id=f"{self.phone}-{next(self.ids)}"
        )
        replies = self.dialogue.handle(message, now=self.now)
        placed = self._placed()
        if len(placed) > self.orders:
            assert len(placed) == self.orders + 1, "one message placed more than one order"
            assert text in YES, f"placed on {text!r}, which is no explicit yes"
            assert self.seen is not None, "placed without any read-back"
            self._same_as_read_back(placed[-1], *self.seen)
            self.orders = len(placed)
            self.seen = None
        self._remember_read_back(replies)

    def _remember_read_back(self, replies: list[Reply]) -> None:
        shown = [r for r in replies if r.confirms_version is not None]
        if not shown:
            return
        with self.runtime.sessions() as session:
            resident = find_resident(session, kind=AddressKind.PHONE, address=self.phone)
            assert resident is not None
            state = session.scalar(
                select(Conversation.state).where(Conversation.resident_id == resident.id)
            )
        assert state is not None and state.quote is not None
        assert state.quote.version == shown[-1].confirms_version
        self.seen = (shown[-1].text, state.quote)

    def _placed(self) -> list[Order]:
        with self.runtime.sessions() as session:
            resident = find_resident(session, kind=AddressKind.PHONE, address=self.phone)
            assert resident is not None
            query = (
                select(Order)
                .where(Order.resident_id == resident.id)
                .options(
                    selectinload(Order.parts).selectinload(OrderPart.lines),
                    selectinload(Order.parts).selectinload(OrderPart.delivery_round),
                    selectinload(Order.parts).selectinload(OrderPart.shop),
                )
                .order_by(Order.id)
            )
            return list(session.scalars(query))

    def _same_as_read_back(self, order: Order, text: str, quote: Quote) -> None:
        zone = self.runtime.settings.zone
        assert order.total_cents == quote.total_cents
        # In her language: a resident who wrote English is read back in English.
        language = "en" if re.search(r"^Total: ", text, re.MULTILINE) else "nl"
        total = {"nl": "Totaal", "en": "Total"}[language]
        assert f"{total}: {euros(order.total_cents)}" in text
        placed = {
            (part.shop.name, part.delivery_round.id if part.delivery_round else None): [
                (line.sku, line.quantity, line.unit_price_cents, line.line_total_cents)
                for line in part.lines
            ]
            for part in order.parts
        }
        quoted = {
            (part.shop, part.delivery_round.id): [
                (line.sku, line.quantity, line.unit_price_cents, line.total_cents)
                for line in part.lines
            ]
            for part in quote.parts
        }
        assert placed == quoted
        for part in order.parts:
            assert part.delivery_round is not None
            day = describe_round(part.delivery_round, language=language, zone=zone)
            assert re.split(" tussen | between ", day)[0] in text, f"{day} was not read back"
            for line in part.lines:
                assert line.name in text
                assert euros(line.line_total_cents) in text


def test_every_placed_order_is_the_read_back_the_resident_said_yes_to(
    village: Runtime, dialogue: Dialogue
) -> None:
    Resident.runtime = village
    Resident.dialogue = dialogue
    run_state_machine_as_test(
        Resident,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    # The property is only worth something if the machine reached placing orders at all.
    with village.sessions() as session:
        assert (session.scalar(select(func.count()).select_from(Order)) or 0) > 5
