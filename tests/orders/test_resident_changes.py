"""The coordinator's changes to a resident: found by name, street or any notation of her number;
changed only when every field is right; paused and active again."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.database import unit_of_work
from core.errors import NotFoundError
from orders.errors import (
    AddressTakenError,
    InvalidPhoneError,
    InvalidPostcodeError,
    OutsideDeliveryAreaError,
)
from orders.models import AddressKind
from orders.residents import (
    find_resident,
    get_resident,
    search_residents,
    set_active,
    update_resident,
)
from tests.orders.conftest import DE_VRIES, JANSEN, resident

AREA = ("3981", "3984", "3985")


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("jansen", [JANSEN]),
        ("  JULIANALAAN ", [JANSEN]),
        ("06-1234 0002", [DE_VRIES]),
        ("0031612340001", [JANSEN]),
        ("+31 6 1234 0001", [JANSEN]),
        ("nobody", []),
        ("100%", []),  # a LIKE wildcard is a plain character
    ],
)
def test_search_finds_by_name_street_or_phone_in_any_notation(
    village: sessionmaker[Session], query: str, names: list[str]
) -> None:
    with unit_of_work(village) as session:
        assert [r.name for r in search_residents(session, query=query)] == names


def test_an_empty_search_lists_everyone(village: sessionmaker[Session]) -> None:
    with unit_of_work(village) as session:
        found = search_residents(session, query=" ")
        assert len(found) >= 5
        assert [r.name for r in found] == sorted(r.name for r in found)


def test_update_changes_her_details_and_her_number(village: sessionmaker[Session]) -> None:
    with unit_of_work(village) as session:
        jansen = resident(session, JANSEN).id
        update_resident(
            session, resident_id=jansen, name=" Mevr. A. Jansen ", street="Singel 3",
            postcode="3984hb", phone="06 2345 0000", language="en", area=AREA,
        )  # fmt: skip
    with unit_of_work(village) as session:
        changed = get_resident(session, resident_id=jansen)
        assert (changed.name, changed.street, changed.postcode, changed.language) == (
            "Mevr. A. Jansen", "Singel 3", "3984 HB", "en"
        )  # fmt: skip
        assert changed.address(AddressKind.PHONE) == "+31623450000"
        assert find_resident(session, kind=AddressKind.PHONE, address="+31612340001") is None


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"postcode": "1011 AB"}, OutsideDeliveryAreaError),
        ({"postcode": "39 81"}, InvalidPostcodeError),
        ({"phone": "12345"}, InvalidPhoneError),
        ({"phone": "06 1234 0002"}, AddressTakenError),  # de Vries's number
    ],
)
def test_a_wrong_field_changes_nothing(
    village: sessionmaker[Session], change: dict[str, str], error: type[Exception]
) -> None:
    fields = {"name": "Ander", "street": "Singel 3", "postcode": "3984 HB",
              "phone": "+31612340001", "language": "en", **change}  # fmt: skip
    with unit_of_work(village) as session:
        jansen = resident(session, JANSEN).id
    with pytest.raises(error), unit_of_work(village) as session:
        update_resident(session, resident_id=jansen, area=AREA, **fields)
    with unit_of_work(village) as session:
        kept = get_resident(session, resident_id=jansen)
        assert (kept.name, kept.street, kept.postcode) == (JANSEN, "Julianalaan 18", "3981 CK")
        assert kept.address(AddressKind.PHONE) == "+31612340001"


def test_keeping_her_own_number_is_no_conflict(village: sessionmaker[Session]) -> None:
    with unit_of_work(village) as session:
        jansen = resident(session, JANSEN)
        update_resident(
            session, resident_id=jansen.id, name=JANSEN, street="Julianalaan 20",
            postcode="3981 CK", phone="06 12340001", language="nl", area=AREA,
        )  # fmt: skip
        assert jansen.street == "Julianalaan 20"
        assert [a.address for a in jansen.addresses if a.kind == "phone"] == ["+31612340001"]


def test_a_resident_is_paused_and_active_again(village: sessionmaker[Session]) -> None:
    with unit_of_work(village) as session:
        jansen = resident(session, JANSEN).id
        assert set_active(session, resident_id=jansen, active=False).active is False
    with unit_of_work(village) as session:
        assert get_resident(session, resident_id=jansen).active is False
        set_active(session, resident_id=jansen, active=True)
    with unit_of_work(village) as session:
        assert get_resident(session, resident_id=jansen).active is True


def test_an_unknown_resident_is_not_found(village: sessionmaker[Session]) -> None:
    with unit_of_work(village) as session, pytest.raises(NotFoundError):
        get_resident(session, resident_id=987654)
    with unit_of_work(village) as session, pytest.raises(NotFoundError):
        set_active(session, resident_id=987654, active=False)
