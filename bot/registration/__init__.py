"""Unknown senders: a short registration, or a polite pointer to the coordinator.

Three questions, one at a time: name, street and house number, postcode (a postcode given with
the street skips the last). What a resident sends is read by `reading` (a name is never a
yes, a greeting, digits or an order; Dutch and English address forms). "help" at any step, or
three failed tries in a row at one step, gives the coordinator; the registration stays where it
was. At the end the address is read back with how to correct it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.messages import Reply
from bot.registration.reading import (
    Address,
    Partial,
    find_postcode,
    guess_language,
    is_help,
    join_street,
    read_address,
    read_introduction,
    read_name,
)
from bot.settings import Settings
from bot.words import Words
from conversations.models import Conversation, Registration
from conversations.state import ConversationState
from orders.errors import InvalidPhoneError, InvalidPostcodeError, OutsideDeliveryAreaError
from orders.models import AddressKind, Resident, ResidentAddress
from orders.residents import (
    add_resident,
    check_delivery_area,
    link_address,
    normalise_address,
)

# Who writes from an address (as orders.residents.find_resident), built once: read per message.
_RESIDENT = (
    select(Resident)
    .join(ResidentAddress)
    .where(
        ResidentAddress.kind == bindparam("kind"), ResidentAddress.address == bindparam("address")
    )
)
# Her row only (FOR UPDATE OF residents), and read as the lock finds it.
_RESIDENT_LOCKED = _RESIDENT.with_for_update(of=Resident).execution_options(populate_existing=True)


class Talk(NamedTuple):
    """Her conversation's row as a turn reads it: a turn changes working copies and writes
    the row with one UPDATE (bot.dialogue.engine), so no ORM object is made of it."""

    id: int
    state: ConversationState
    version: int
    misunderstandings: int


_CONVERSATIONS = Conversation.table()
_TALK_COLUMNS = (
    _CONVERSATIONS.c.id,
    _CONVERSATIONS.c.state,
    _CONVERSATIONS.c.version,
    _CONVERSATIONS.c.misunderstandings,
)
# She and her conversation in one statement. Both rows are locked: after waiting for a lock,
# PostgreSQL re-reads only the locked rows of a join, and her basket must be read as the
# message before left it.
_SPEAKER = (
    select(Resident, *_TALK_COLUMNS)
    .join(ResidentAddress)
    .join(_CONVERSATIONS, _CONVERSATIONS.c.resident_id == Resident.id)
    .where(
        ResidentAddress.kind == bindparam("kind"), ResidentAddress.address == bindparam("address")
    )
)
_SPEAKER_LOCKED = _SPEAKER.with_for_update(of=(Resident, _CONVERSATIONS)).execution_options(
    populate_existing=True
)
# Her conversation alone, for the rare case the statement above finds none.
_CONVERSATION = select(*_TALK_COLUMNS).where(
    _CONVERSATIONS.c.resident_id == bindparam("resident_id")
)


@lru_cache(maxsize=4096)
def _normal_address(kind: AddressKind, address: str) -> str | None:
    """The address as stored (None: no valid phone number); read once per sender, not per
    message (a phone number's parse is a good part of a turn)."""
    try:
        return normalise_address(kind, address)
    except InvalidPhoneError:
        return None


# Failed tries in a row at one step before the coordinator is offered.
MAX_TRIES = 3
# The question each step asks, by template key.
_QUESTION = {
    "start": "register_question_name",
    "name": "register_question_name",
    "street": "register_question_street",
    "postcode": "register_question_postcode",
}


class Registrar:
    def __init__(self, *, settings: Settings, words: Words) -> None:
        self._settings = settings
        self._words = words

    def speaker(
        self, session: Session, *, kind: AddressKind, address: str
    ) -> tuple[Resident, Talk | None] | None:
        """The resident behind this address and her conversation (None before her first
        message), both locked until the commit.

        The lock serialises one resident's messages: a second one waits here until the first
        commits, and then reads her and her basket as that one left them.
        """
        normal = _normal_address(kind, address)
        if normal is None:
            return None
        # SQLite begins every transaction IMMEDIATE, which serialises them all already (and
        # FOR UPDATE is not rendered there); on PostgreSQL the one statement finds and locks.
        sqlite = session.get_bind().dialect.name == "sqlite"
        # The same rows find_resident finds: WhatsApp numbers fall back to the phone number.
        kinds = [kind.value]
        if kind is AddressKind.WHATSAPP:
            kinds.append(AddressKind.PHONE.value)
        with_conversation = _SPEAKER if sqlite else _SPEAKER_LOCKED
        for candidate in kinds:
            row = session.execute(with_conversation, {"kind": candidate, "address": normal})
            if (found := row.first()) is not None:
                speaker, *columns = found
                return speaker, Talk(*columns)
        # Rare: no conversation yet, or no resident at all. Her conversation is looked for
        # again once she is locked: a message before this one may just have begun it.
        alone = _RESIDENT if sqlite else _RESIDENT_LOCKED
        for candidate in kinds:
            resident = session.scalar(alone, {"kind": candidate, "address": normal})
            if resident is not None:
                talk = session.execute(_CONVERSATION, {"resident_id": resident.id}).first()
                return resident, None if talk is None else Talk(*talk)
        return None

    def step(self, session: Session, *, kind: AddressKind, address: str, text: str) -> list[Reply]:
        if not self._settings.registration_open:
            guess = guess_language(text, self._settings.language)
            return [self._say("register_closed", guess)]
        record = session.scalar(
            select(Registration).where(
                Registration.kind == kind.value, Registration.address == address
            )
        )
        if record is None:
            language = guess_language(text, self._settings.language)
            record = Registration(
                kind=kind.value, address=address, step="start", data={}, language=language
            )
            session.add(record)
        else:
            record.language = guess_language(text, record.language)
        if is_help(text):
            return [self._help(record, "register_help")]
        if record.step == "start":
            return self._first(record, text=text)
        if record.step == "name":
            return self._name(session, record, kind=kind, text=text)
        if record.step == "street":
            return self._street(session, record, kind=kind, text=text)
        return self._postcode(session, record, kind=kind, text=text)

    # -- the steps ---------------------------------------------------------------------------

    def _first(self, record: Registration, *, text: str) -> list[Reply]:
        """The first message (or the first after Telegram's shared contact): welcome."""
        name = read_introduction(text)
        if name is None:
            record.step = "name"
            return [self._say("register_welcome", record.language)]
        self._advance(record, "street", name=name)
        return [self._say("register_welcome_named", record.language, name=name)]

    def _name(
        self, session: Session, record: Registration, *, kind: AddressKind, text: str
    ) -> list[Reply]:
        name = read_name(text)
        if name is not None:
            self._advance(record, "street", name=name)
            return [self._say("register_street", record.language, name=name)]
        # "Henk de Wit, Kerkstraat 10, 3981 AB": everything at once.
        parts = re.split(r"[,\n]", text, maxsplit=1)
        name = read_name(parts[0]) if len(parts) == 2 else None
        address = read_address(parts[-1], village=self._settings.village) if name else None
        if name is not None and isinstance(address, Address):
            self._advance(record, "street", name=name)
            return self._address(session, record, kind=kind, address=address)
        again = self._words("register_name_again", record.language)
        return [self._failed(record, again)]

    def _street(
        self, session: Session, record: Registration, *, kind: AddressKind, text: str
    ) -> list[Reply]:
        village = self._settings.village
        reading = read_address(text, village=village)
        data = record.data
        # A street and its number in two messages: "Kerkstraat" ... "10".
        if isinstance(reading, Partial):
            if reading.missing == "street" and data.get("street_part"):
                reading = read_address(
                    join_street(data["street_part"], reading.part), village=village
                )
            elif reading.missing == "number" and data.get("number_part"):
                reading = read_address(
                    join_street(reading.part, data["number_part"]), village=village
                )
        if isinstance(reading, Address):
            return self._address(session, record, kind=kind, address=reading)
        part, missing = reading.part, reading.missing
        if missing == "number":
            record.data = {**data, "street_part": part, "number_part": None}
            example = join_street(part, "12")
        elif missing == "street":
            record.data = {**data, "number_part": part, "street_part": None}
            example = join_street("Dorpsstraat", part)
        else:
            example = "Dorpsstraat 12"
        again = self._words(
            "register_street_again", record.language, missing=missing, part=part, example=example
        )
        return [self._failed(record, again)]

    def _address(
        self, session: Session, record: Registration, *, kind: AddressKind, address: Address
    ) -> list[Reply]:
        self._advance(record, "postcode", street=address.street[:160])
        if address.postcode is None:
            return [self._say("register_postcode", record.language)]
        return self._finish(session, record, kind=kind, postcode=address.postcode)

    def _postcode(
        self, session: Session, record: Registration, *, kind: AddressKind, text: str
    ) -> list[Reply]:
        postcode = find_postcode(text)
        if postcode is None:
            again = self._words("register_postcode_again", record.language)
            return [self._failed(record, again)]
        return self._finish(session, record, kind=kind, postcode=postcode)

    def _finish(
        self, session: Session, record: Registration, *, kind: AddressKind, postcode: str
    ) -> list[Reply]:
        try:
            postcode = check_delivery_area(postcode, area=self._settings.delivery_area)
        except InvalidPostcodeError:
            again = self._words("register_postcode_again", record.language)
            return [self._failed(record, again)]
        except OutsideDeliveryAreaError as error:
            outside = self._words(
                "register_outside", record.language, postcode=error.postcode, **self._values()
            )
            return [self._failed(record, outside)]
        # A phone number the channel already vouched for (Telegram's shared contact) counts too.
        phone = record.address if kind is not AddressKind.TELEGRAM else record.data.get("phone")
        resident = add_resident(
            session,
            name=record.data["name"],
            street=record.data["street"],
            postcode=postcode,
            phone=phone,
            area=self._settings.delivery_area,
            language=record.language,
        )
        if kind is AddressKind.TELEGRAM:
            link_address(session, resident=resident, kind=kind, address=record.address)
        session.delete(record)
        done = self._say(
            "register_done",
            resident.language,
            name=resident.name,
            street=resident.street,
            postcode=resident.postcode,
        )
        return [done]

    # -- helpers -----------------------------------------------------------------------------

    def _values(self) -> dict[str, Any]:
        return {
            "coordinator": self._settings.coordinator.name,
            "phone": self._settings.coordinator.phone,
            "village": self._settings.village,
        }

    def _say(self, key: str, language: str, **values: Any) -> Reply:
        return Reply(self._words(key, language, **{**self._values(), **values}))

    @staticmethod
    def _advance(record: Registration, step: str, **data: Any) -> None:
        record.step = step
        record.data = {**record.data, **data, "tries": 0, "street_part": None, "number_part": None}

    def _help(self, record: Registration, key: str, question: str | None = None) -> Reply:
        """The coordinator's name and phone, then the question of the step it stays at."""
        if record.step == "start":
            record.step = "name"
        if question is None:
            question = self._words(_QUESTION[record.step], record.language)
        return self._say(key, record.language, question=question)

    def _failed(self, record: Registration, again: str) -> Reply:
        """Ask again; the third failed try in a row also gives the coordinator."""
        tries = int(record.data.get("tries") or 0) + 1
        if tries >= MAX_TRIES:
            record.data = {**record.data, "tries": 0}
            return self._help(record, "register_stuck", question=again)
        record.data = {**record.data, "tries": tries}
        return Reply(again)


def open_registration(
    session: Session, *, kind: AddressKind, address: str, language: str, phone: str | None
) -> None:
    """Start a registration for a sender whose phone number a channel has confirmed."""
    record = session.scalar(
        select(Registration).where(Registration.kind == kind.value, Registration.address == address)
    )
    if record is None:
        record = Registration(kind=kind.value, address=address)
        session.add(record)
    record.step = "start"
    record.language = language
    record.data = {"phone": phone} if phone else {}
