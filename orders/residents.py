"""Residents: one account, reachable on every channel."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

import phonenumbers
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.errors import NotFoundError
from orders.errors import (
    AddressTakenError,
    InvalidPhoneError,
    InvalidPostcodeError,
    OutsideDeliveryAreaError,
)
from orders.models import AddressKind, Resident, ResidentAddress

_POSTCODE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})\s*$")


def normalise_phone(text: str, *, region: str = "NL") -> str:
    """ "06 12345678", "+31 6 1234 5678" and "0031612345678" are all +31612345678."""
    normal = _e164(text.removeprefix("whatsapp:"), region)
    if normal is None:
        raise InvalidPhoneError(text=text)
    return normal


# Every webhook names two numbers (the sender's and ours), and every message looks up its
# sender: the same few thousand numbers all day, at about 50 microseconds each to read.
@functools.lru_cache(maxsize=8192)
def _e164(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_postcode(text: str) -> str:
    match = _POSTCODE.match(text)
    if match is None:
        raise InvalidPostcodeError(text=text)
    return f"{match.group(1)} {match.group(2).upper()}"


def check_delivery_area(postcode: str, *, area: Sequence[str]) -> str:
    """Normalise a postcode and make sure the courier goes there."""
    normal = normalise_postcode(postcode)
    compact = normal.replace(" ", "")
    if area and not any(compact.startswith(prefix.replace(" ", "").upper()) for prefix in area):
        raise OutsideDeliveryAreaError(postcode=normal, area=tuple(area))
    return normal


def add_resident(
    session: Session,
    *,
    name: str,
    street: str,
    postcode: str,
    phone: str | None,
    area: Sequence[str],
    telegram: str | None = None,
    language: str = "nl",
) -> Resident:
    resident = Resident(
        name=name.strip(),
        street=street.strip(),
        postcode=check_delivery_area(postcode, area=area),
        language=language,
    )
    session.add(resident)
    if phone:
        link_address(session, resident=resident, kind=AddressKind.PHONE, address=phone)
    if telegram:
        link_address(session, resident=resident, kind=AddressKind.TELEGRAM, address=telegram)
    session.flush()
    return resident


def normalise_address(kind: AddressKind, address: str) -> str:
    if kind in (AddressKind.PHONE, AddressKind.WHATSAPP):
        return normalise_phone(address)
    return address.strip()


def link_address(session: Session, *, resident: Resident, kind: AddressKind, address: str) -> None:
    normal = normalise_address(kind, address)
    owner = find_resident(session, kind=kind, address=normal)
    if owner is not None and owner is not resident:
        raise AddressTakenError(kind=kind.value, address=normal)
    if owner is None:
        resident.addresses.append(ResidentAddress(kind=kind.value, address=normal))


def find_resident(session: Session, *, kind: AddressKind, address: str) -> Resident | None:
    """The resident behind a channel address; WhatsApp numbers fall back to the phone number."""
    try:
        normal = normalise_address(kind, address)
    except InvalidPhoneError:
        return None
    kinds = [kind.value]
    if kind is AddressKind.WHATSAPP:
        kinds.append(AddressKind.PHONE.value)
    for candidate in kinds:
        resident = session.scalar(
            select(Resident)
            .join(ResidentAddress)
            .where(ResidentAddress.kind == candidate, ResidentAddress.address == normal)
        )
        if resident is not None:
            return resident
    return None


def list_residents(session: Session) -> Sequence[Resident]:
    query = select(Resident).options(selectinload(Resident.addresses)).order_by(Resident.name)
    return session.scalars(query).all()


def first_phone(session: Session) -> str | None:
    """The phone number of the resident registered first, for trying the bot out."""
    return session.scalar(
        select(ResidentAddress.address)
        .where(ResidentAddress.kind == AddressKind.PHONE.value)
        .order_by(ResidentAddress.resident_id)
        .limit(1)
    )


# -- for the coordinator's page ---------------------------------------------------------------


def get_resident(session: Session, *, resident_id: int) -> Resident:
    resident = session.get(Resident, resident_id, options=[selectinload(Resident.addresses)])
    if resident is None:
        raise NotFoundError(kind="resident", key=str(resident_id))
    return resident


def search_residents(session: Session, *, query: str = "") -> Sequence[Resident]:
    """Residents whose name, street or phone number holds `query` (all of them without one).

    A phone number may be typed in any notation and in part: "06 1234" finds +3161234....
    """
    text = query.strip()
    if not text:
        return list_residents(session)
    words = text.lower()
    conditions = [
        func.lower(Resident.name).contains(words, autoescape=True),
        func.lower(Resident.street).contains(words, autoescape=True),
    ]
    digits = _phone_digits(text)
    if digits:
        conditions.append(
            Resident.addresses.any(ResidentAddress.address.contains(digits, autoescape=True))
        )
    found = (
        select(Resident)
        .where(or_(*conditions))
        .options(selectinload(Resident.addresses))
        .order_by(Resident.name)
    )
    return session.scalars(found).all()


def _phone_digits(text: str) -> str:
    """The digits of a (partial) phone number as they appear in +31... form; "" if too few."""
    if re.search(r"[^\d\s+()-]", text):
        return ""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return ""
    if digits.startswith("00"):
        return digits[2:]
    if digits.startswith("0"):
        return "31" + digits[1:]
    return digits


def update_resident(
    session: Session,
    *,
    resident_id: int,
    name: str,
    street: str,
    postcode: str,
    phone: str,
    language: str,
    area: Sequence[str],
) -> Resident:
    """Change what the coordinator may change; her phone number is replaced, if it changed.

    Raises the same errors as add_resident, before anything is changed.
    """
    resident = get_resident(session, resident_id=resident_id)
    normal_postcode = check_delivery_area(postcode, area=area)
    number = normalise_phone(phone)
    owner = find_resident(session, kind=AddressKind.PHONE, address=number)
    if owner is not None and owner.id != resident.id:
        raise AddressTakenError(kind=AddressKind.PHONE.value, address=number)
    resident.name = name.strip()
    resident.street = street.strip()
    resident.postcode = normal_postcode
    resident.language = language
    current = next((a for a in resident.addresses if a.kind == AddressKind.PHONE.value), None)
    if current is None:
        resident.addresses.append(ResidentAddress(kind=AddressKind.PHONE.value, address=number))
    elif current.address != number:
        current.address = number
    session.flush()
    return resident


def set_active(session: Session, *, resident_id: int, active: bool) -> Resident:
    """Pause a resident (the bot serves her no more, her history stays) or serve her again."""
    resident = get_resident(session, resident_id=resident_id)
    resident.active = active
    session.flush()
    return resident
