"""Residents: phone numbers in every notation lead to one account inside the delivery area."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from bot.cli import app
from core.database import unit_of_work
from orders.errors import (
    AddressTakenError,
    InvalidPhoneError,
    InvalidPostcodeError,
    OutsideDeliveryAreaError,
)
from orders.models import AddressKind
from orders.residents import (
    add_resident,
    check_delivery_area,
    find_resident,
    normalise_phone,
)

AREA = ("3981", "3984", "3985")
runner = CliRunner()


@pytest.mark.parametrize(
    "text",
    ["06 12345678", "0612345678", "+31 6 1234 5678", "+31612345678", "0031 6-12 34 56 78",
     "whatsapp:+31612345678"],
)  # fmt: skip
def test_dutch_mobile_numbers_in_any_notation_are_one_number(text: str) -> None:
    assert normalise_phone(text) == "+31612345678"


@pytest.mark.parametrize("text", ["", "hallo", "12", "06 1234", "+31 6 1234 5678 9999"])
def test_things_that_are_not_phone_numbers_are_refused(text: str) -> None:
    with pytest.raises(InvalidPhoneError):
        normalise_phone(text)


@pytest.mark.parametrize(
    ("postcode", "normal"),
    [("3981ab", "3981 AB"), ("3984 XY", "3984 XY"), (" 3985  cd ", "3985 CD")],
)
def test_postcodes_inside_the_area_are_accepted_and_normalised(postcode: str, normal: str) -> None:
    assert check_delivery_area(postcode, area=AREA) == normal


def test_a_postcode_outside_the_area_is_refused_with_the_area() -> None:
    with pytest.raises(OutsideDeliveryAreaError) as caught:
        check_delivery_area("3511 AB", area=AREA)
    assert caught.value.postcode == "3511 AB"
    assert caught.value.area == AREA


@pytest.mark.parametrize("postcode", ["3981", "ABCD 12", "39811 AB", ""])
def test_malformed_postcodes_are_refused(postcode: str) -> None:
    with pytest.raises(InvalidPostcodeError):
        check_delivery_area(postcode, area=AREA)


def test_every_channel_address_finds_the_same_resident(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        add_resident(session, name="Mevr. Jansen", street="Kerkdijk 5", postcode="3981ab",
                     phone="06 12345678", telegram="424242", area=AREA)  # fmt: skip
    with sessions() as session:
        by_sms = find_resident(session, kind=AddressKind.PHONE, address="+31 6 1234 5678")
        by_whatsapp = find_resident(
            session, kind=AddressKind.WHATSAPP, address="whatsapp:+31612345678"
        )
        by_telegram = find_resident(session, kind=AddressKind.TELEGRAM, address="424242")
        assert by_sms is not None and by_sms.name == "Mevr. Jansen"
        assert by_whatsapp is not None and by_whatsapp.id == by_sms.id
        assert by_telegram is not None and by_telegram.id == by_sms.id
        assert find_resident(session, kind=AddressKind.PHONE, address="0612345679") is None
        assert find_resident(session, kind=AddressKind.PHONE, address="not a number") is None


def test_a_phone_number_belongs_to_one_resident(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        add_resident(session, name="A", street="Dorpsstraat 1", postcode="3981 AA",
                     phone="0612345678", area=AREA)  # fmt: skip
    with pytest.raises(AddressTakenError), unit_of_work(sessions) as session:
        add_resident(session, name="B", street="Dorpsstraat 2", postcode="3981 AA",
                     phone="+31612345678", area=AREA)  # fmt: skip


def test_residents_from_the_command_line(config_file: Path) -> None:
    add = ["residents", "add", "--config", str(config_file), "--name", "Mevr. de Wit",
           "--phone", "06 12345678", "--street", "Schoudermantel 3", "--postcode", "3981ab",
           "--telegram", "777", "--language", "en"]  # fmt: skip
    result = runner.invoke(app, add)
    assert result.exit_code == 0, result.output
    same_phone = [a if a != "06 12345678" else "+31 6 1234 5678" for a in add]
    same_phone[same_phone.index("777")] = "778"
    again = runner.invoke(app, same_phone)
    assert again.exit_code == 1
    assert "+31612345678 already belongs" in again.output
    outside = [a if a != "3981ab" else "1011 AB" for a in add]
    refused = runner.invoke(app, outside)
    assert refused.exit_code == 1
    assert "1011 AB is outside the delivery area" in refused.output
    listed = runner.invoke(app, ["residents", "list", "--config", str(config_file)])
    assert "Mevr. de Wit, Schoudermantel 3, 3981 AB" in listed.output
    assert "phone +31612345678" in listed.output and "telegram 777" in listed.output
    assert listed.output.rstrip().endswith("1 resident")
