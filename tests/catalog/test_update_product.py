"""Changing one product: the coordinator's edit form and a shop's own page use update_product."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from catalog.csv_format import parse_catalog
from catalog.errors import ProductChangeError, UnknownProductError
from catalog.service import import_rows, product_by_sku, update_product
from core.database import unit_of_work

CSV = (
    b"shop,sku,name,unit,price,aliases,category\n"
    b"Bakker,bak-wit,Wit casinobrood,piece,2.95,witbrood;casino,brood\n"
    b"Bakker,bak-bol,Krentenbol,piece,0.65,,\n"
)


@pytest.fixture
def stocked(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with unit_of_work(sessions) as session:
        import_rows(session, rows=parse_catalog(CSV))
    return sessions


def test_every_given_field_changes_and_the_rest_stays(stocked: sessionmaker[Session]) -> None:
    with unit_of_work(stocked) as session:
        update_product(
            session,
            sku="bak-wit",
            name="  Wit  casino ",
            price_cents=305,
            aliases=["wit; casino ", "", "white bread"],
            category=" ",
            available=False,
        )
        update_product(session, sku="bak-bol", price_cents=70)
    with stocked() as session:
        wit = product_by_sku(session, sku="bak-wit")
        assert (wit.name, wit.price_cents, wit.alias_list, wit.category, wit.available) == (
            "Wit casino",
            305,
            ("wit", "casino", "white bread"),
            None,
            False,
        )
        bol = product_by_sku(session, sku="bak-bol")
        assert (bol.name, bol.price_cents, bol.available) == ("Krentenbol", 70, True)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"price_cents": 0}, "price"), ({"price_cents": -5}, "price"), ({"name": "  "}, "name")],
)
def test_a_bad_change_changes_nothing(
    stocked: sessionmaker[Session], change: dict[str, object], field: str
) -> None:
    with pytest.raises(ProductChangeError) as raised, unit_of_work(stocked) as session:
        update_product(session, sku="bak-wit", available=False, **change)  # type: ignore[arg-type]
    assert (raised.value.sku, raised.value.field) == ("bak-wit", field)
    with stocked() as session:
        wit = product_by_sku(session, sku="bak-wit")
        assert (wit.name, wit.price_cents, wit.available) == ("Wit casinobrood", 295, True)


def test_an_unknown_sku_is_named(stocked: sessionmaker[Session]) -> None:
    with pytest.raises(UnknownProductError) as raised, unit_of_work(stocked) as session:
        update_product(session, sku="bak-rozen", price_cents=100)
    assert raised.value.sku == "bak-rozen"
