"""Unknown senders: a short registration, or a polite pointer to the coordinator."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messages import Reply
from bot.settings import Settings
from bot.words import Words
from conversations.models import Registration
from orders.errors import InvalidPostcodeError, OutsideDeliveryAreaError
from orders.models import AddressKind, Resident
from orders.residents import add_resident, check_delivery_area, find_resident, link_address

_ENGLISH_HINTS = re.compile(r"\b(hi|hello|hey|i|my|name|want|please|order|would)\b", re.I)


class Registrar:
    def __init__(self, *, settings: Settings, words: Words) -> None:
        self._settings = settings
        self._words = words

    def resident_for(self, session: Session, *, kind: AddressKind, address: str) -> Resident | None:
        return find_resident(session, kind=kind, address=address)

    def step(self, session: Session, *, kind: AddressKind, address: str, text: str) -> list[Reply]:
        values: dict[str, Any] = {
            "coordinator": self._settings.coordinator.name,
            "phone": self._settings.coordinator.phone,
            "village": self._settings.village,
        }
        if not self._settings.registration_open:
            guess = "en" if _ENGLISH_HINTS.search(text) else self._settings.language
            return [Reply(self._words("register_closed", guess, **values))]
        record = session.scalar(
            select(Registration).where(
                Registration.kind == kind.value, Registration.address == address
            )
        )
        if record is None:
            language: str = "en" if _ENGLISH_HINTS.search(text) else self._settings.language
            record = Registration(
                kind=kind.value, address=address, step="name", data={}, language=language
            )
            session.add(record)
            return [Reply(self._words("register_welcome", language, **values))]
        language = record.language
        answer = " ".join(text.split())
        if record.step == "start":
            # Opened by a channel (Telegram's shared contact); the first message just starts.
            record.step = "name"
            return [Reply(self._words("register_welcome", language, **values))]
        if record.step == "name":
            if not re.search(r"[^\W\d_]{2}", answer):
                return [Reply(self._words("register_welcome", language, **values))]
            record.data = {**record.data, "name": answer[:120]}
            record.step = "street"
            return [Reply(self._words("register_street", language))]
        if record.step == "street":
            if not re.search(r"[^\W\d_]{3}.*\d", answer):
                return [Reply(self._words("register_street_again", language))]
            record.data = {**record.data, "street": answer[:160]}
            record.step = "postcode"
            return [Reply(self._words("register_postcode", language))]
        try:
            postcode = check_delivery_area(answer, area=self._settings.delivery_area)
        except InvalidPostcodeError:
            return [Reply(self._words("register_postcode_again", language))]
        except OutsideDeliveryAreaError as error:
            words = self._words("register_outside", language, postcode=error.postcode, **values)
            return [Reply(words)]
        # A phone number the channel already vouched for (Telegram's shared contact) counts too.
        phone = address if kind is not AddressKind.TELEGRAM else record.data.get("phone")
        resident = add_resident(
            session,
            name=record.data["name"],
            street=record.data["street"],
            postcode=postcode,
            phone=phone,
            area=self._settings.delivery_area,
            language=language,
        )
        if kind is AddressKind.TELEGRAM:
            link_address(session, resident=resident, kind=kind, address=address)
        session.delete(record)
        return [Reply(self._words("register_done", language, name=resident.name))]


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
