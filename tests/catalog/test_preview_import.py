"""preview_import says what import_rows would do, and writes nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from catalog.csv_format import parse_catalog
from catalog.models import Product, Shop
from catalog.service import import_rows, preview_import
from core.database import unit_of_work

FIRST = (
    b"shop,sku,name,unit,price,aliases,category\n"
    b"Bakker,bak-wit,Wit casinobrood,piece,2.95,witbrood,brood\n"
    b"Bakker,bak-bol,Krentenbol,piece,0.65,,\n"
)
SECOND = (
    b"shop;sku;name;unit;price;aliases;category;available\n"
    b"BAKKER ;bak-wit;Wit casino;piece;3,05;witbrood;brood;ja\n"
    b"Bakker;bak-bol;Krentenbol;piece;0,65;;;ja\n"
    b"Slager Hol;sla-worst;Rookworst;piece;4,25;;;nee\n"
)


def test_the_preview_matches_what_the_import_then_does(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        import_rows(session, rows=parse_catalog(FIRST))
    rows = parse_catalog(SECOND)
    with unit_of_work(sessions) as session:
        preview = preview_import(session, rows=rows)
    assert [item.row.sku for item in preview.new] == ["sla-worst"]
    (changed,) = preview.changed
    assert changed.row.sku == "bak-wit"
    assert changed.before is not None
    assert (changed.before.name, changed.before.price_cents) == ("Wit casinobrood", 295)
    assert changed.changed_fields == ("name", "price_cents")
    assert preview.unchanged == 1
    assert preview.new_shops == ["Slager Hol"]
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Product)) == 2
        assert session.scalar(select(func.count()).select_from(Shop)) == 1
    with unit_of_work(sessions) as session:
        report = import_rows(session, rows=rows)
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert report.new_shops == preview.new_shops
