"""Importing, exporting and listing the catalogue, in the database and from the command line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from bot.cli import app
from catalog.csv_format import parse_catalog, render_catalog
from catalog.models import Product, Shop
from catalog.service import (
    ShopSettings,
    configure_shop,
    export_rows,
    import_rows,
    set_available,
    shop_by_name,
)
from core.database import unit_of_work

runner = CliRunner()


def count(sessions: sessionmaker[Session], model: type[Product] | type[Shop]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_dev_catalogue_imports_45_products_and_stays_45(
    config_file: Path, dev_catalog: Path, sessions: sessionmaker[Session]
) -> None:
    first = runner.invoke(
        app, ["catalog", "import", str(dev_catalog), "--config", str(config_file)]
    )
    assert first.exit_code == 0, first.output
    assert "45 new" in first.output
    again = runner.invoke(
        app, ["catalog", "import", str(dev_catalog), "--config", str(config_file)]
    )
    assert again.exit_code == 0
    assert "0 new, 0 updated, 45 unchanged" in again.output
    listed = runner.invoke(app, ["catalog", "list", "--config", str(config_file)])
    assert listed.output.rstrip().endswith("45 products")
    assert "Kipfilet" in listed.output
    assert count(sessions, Product) == 45
    assert count(sessions, Shop) == 7


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_row(
    config_file: Path, dev_catalog: Path, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    lines = dev_catalog.read_text(encoding="utf-8").splitlines()
    lines[20] = lines[20].replace(",kg,", ",bag,").replace(",piece,", ",bag,")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["catalog", "import", str(bad), "--config", str(config_file)])
    assert result.exit_code == 1
    assert "line 21: unit 'bag'" in result.output
    assert "Nothing was imported" in result.output
    assert count(sessions, Product) == 0
    assert count(sessions, Shop) == 0


def test_reimport_updates_price_and_name_by_sku(
    sessions: sessionmaker[Session], dev_catalog: Path
) -> None:
    rows = parse_catalog(dev_catalog.read_bytes())
    with unit_of_work(sessions) as session:
        import_rows(session, rows=rows)
    changed = dev_catalog.read_text(encoding="utf-8").replace(
        "bak-wit,Wit casinobrood,piece,2.95", "bak-wit,Wit casino,piece,3.05"
    )
    with unit_of_work(sessions) as session:
        report = import_rows(session, rows=parse_catalog(changed.encode()))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 44)
    with sessions() as session:
        product = session.scalars(select(Product).where(Product.sku == "bak-wit")).one()
        assert (product.name, product.price_cents) == ("Wit casino", 305)
    assert count(sessions, Product) == 45


def test_export_imports_back_to_the_same_catalogue(
    sessions: sessionmaker[Session], dev_catalog: Path, config_file: Path, tmp_path: Path
) -> None:
    with unit_of_work(sessions) as session:
        import_rows(session, rows=parse_catalog(dev_catalog.read_bytes()))
        set_available(session, sku="kwe-tulpen", available=False)
    exported = tmp_path / "export.csv"
    result = runner.invoke(
        app, ["catalog", "export", "-o", str(exported), "--config", str(config_file)]
    )
    assert result.exit_code == 0
    with sessions() as session:
        before = export_rows(session)
    assert parse_catalog(exported.read_bytes()) == before
    assert next(r for r in before if r.sku == "kwe-tulpen").available is False
    original = {r.sku: r for r in parse_catalog(dev_catalog.read_bytes())}
    assert {r.sku for r in before} == set(original)
    assert all(r.price_cents == original[r.sku].price_cents for r in before)
    with unit_of_work(sessions) as session:
        report = import_rows(session, rows=parse_catalog(exported.read_bytes()))
    assert (report.created, report.updated) == (0, 0)
    assert render_catalog(before) == exported.read_text(encoding="utf-8")


def test_marking_a_product_unavailable_from_the_command_line(
    config_file: Path, dev_catalog: Path
) -> None:
    runner.invoke(app, ["catalog", "import", str(dev_catalog), "--config", str(config_file)])
    result = runner.invoke(
        app, ["catalog", "available", "kwe-tulpen", "--no", "--config", str(config_file)]
    )
    assert result.exit_code == 0
    listed = runner.invoke(app, ["catalog", "list", "--config", str(config_file)])
    tulpen = next(line for line in listed.output.splitlines() if "kwe-tulpen" in line)
    assert "not available" in tulpen
    missing = runner.invoke(
        app, ["catalog", "available", "kwe-rozen", "--config", str(config_file)]
    )
    assert missing.exit_code == 1
    assert "kwe-rozen" in missing.output


def as_excel(comma_csv: Path, target: Path) -> Path:
    """The file as Dutch Excel saves it: semicolons, decimal commas, CRLF, a byte order mark."""
    rows = list(csv.reader(io.StringIO(comma_csv.read_text(encoding="utf-8"))))
    price = rows[0].index("price")
    for row in rows[1:]:
        row[price] = row[price].replace(".", ",")
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    target.write_bytes(out.getvalue().encode("utf-8-sig"))
    return target


def test_a_semicolon_file_from_excel_imports_the_same_catalogue_from_the_command_line(
    config_file: Path, dev_catalog: Path, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    excel = as_excel(dev_catalog, tmp_path / "excel.csv")
    result = runner.invoke(app, ["catalog", "import", str(excel), "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    assert "45 products read: 45 new" in result.output
    again = runner.invoke(
        app, ["catalog", "import", str(dev_catalog), "--config", str(config_file)]
    )
    assert "0 new, 0 updated, 45 unchanged" in again.output
    assert count(sessions, Shop) == 7


def test_a_semicolon_file_with_a_zero_price_imports_nothing_and_names_the_line(
    config_file: Path, dev_catalog: Path, tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    excel = as_excel(dev_catalog, tmp_path / "excel.csv")
    lines = excel.read_bytes().decode("utf-8-sig").split("\r\n")
    lines[4] = lines[4].replace(";3,60;", ";0;")
    excel.write_text("\r\n".join(lines), encoding="utf-8")
    result = runner.invoke(app, ["catalog", "import", str(excel), "--config", str(config_file)])
    assert result.exit_code == 1
    assert "line 5: price '0' is not a positive amount" in result.output
    assert "Nothing was imported" in result.output
    assert count(sessions, Product) == 0


@pytest.mark.parametrize(
    "spelling",
    ["bakkerij van der linden", "BAKKERIJ VAN DER LINDEN", "  Bakkerij Van der Linden  "],
)
def test_a_shop_named_in_another_case_is_the_same_shop_and_keeps_its_spelling(
    spelling: str,
    config_file: Path,
    dev_catalog: Path,
    tmp_path: Path,
    sessions: sessionmaker[Session],
) -> None:
    runner.invoke(app, ["catalog", "import", str(dev_catalog), "--config", str(config_file)])
    update = tmp_path / "update.csv"
    update.write_text(
        f'shop,sku,name,unit,price\n"{spelling}",bak-wit,Wit casinobrood,piece,3.05\n'
        f'"{spelling}",bak-zuurdesem,Zuurdesembrood,piece,4.75\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["catalog", "import", str(update), "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    assert "1 new, 1 updated" in result.output
    assert "New shop" not in result.output
    assert count(sessions, Shop) == 7
    with sessions() as session:
        shop = shop_by_name(session, name=spelling)
        assert shop is not None
        assert shop.name == "Bakkerij Van der Linden"
        assert {p.sku for p in shop.products} >= {"bak-wit", "bak-zuurdesem"}


def test_one_new_shop_spelled_two_ways_in_a_file_is_one_shop(
    sessions: sessionmaker[Session],
) -> None:
    rows = parse_catalog(
        b"shop,sku,name,unit,price\n"
        b"Slagerij Hol,s1,Gehakt,kg,9.50\n"
        b"slagerij hol ,s2,Worst,piece,4.25\n"
    )
    with unit_of_work(sessions) as session:
        report = import_rows(session, rows=rows)
        configure_shop(session, settings=ShopSettings(name="SLAGERIJ HOL", street="Dorpsstraat 1"))
    assert report.new_shops == ["Slagerij Hol"]
    with sessions() as session:
        (shop,) = session.scalars(select(Shop)).all()
        assert shop_by_name(session, name="  slagerij HOL ") is shop
        assert (shop.name, shop.street, len(shop.products)) == ("Slagerij Hol", "Dorpsstraat 1", 2)
