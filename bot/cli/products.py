"""`dorpsplein catalog`: import, export and list the products, mark one (un)available."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.support import ConfigOption, DemoOption, operator_errors, runtime_for

catalog_app: typer.Typer = typer.Typer(no_args_is_help=True, help="Shops and products.")


@catalog_app.command("import")
@operator_errors
def catalog_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    config: ConfigOption = None,
) -> None:
    """Import products from a catalogue CSV; existing SKUs are updated, never duplicated."""
    from catalog.csv_format import parse_catalog
    from catalog.service import import_rows
    from core.database import unit_of_work

    rows = parse_catalog(file.read_bytes())
    runtime = runtime_for(config)
    with unit_of_work(runtime.sessions) as session:
        report = import_rows(session, rows=rows)
    typer.echo(
        f"{len(rows)} products read: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )
    for shop in report.new_shops:
        typer.echo(f"New shop: {shop} (set how it wants its notifications).")


@catalog_app.command("export")
@operator_errors
def catalog_export(
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    config: ConfigOption = None,
) -> None:
    """Write the catalogue as CSV (to stdout, or to --output)."""
    from catalog.csv_format import render_catalog
    from catalog.service import export_rows
    from core.database import unit_of_work

    with unit_of_work(runtime_for(config).sessions) as session:
        text = render_catalog(export_rows(session))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@catalog_app.command("list")
@operator_errors
def catalog_list(config: ConfigOption = None, demo: DemoOption = False) -> None:
    """List every product per shop with unit, price and availability."""
    from catalog.service import all_products
    from core.database import unit_of_work
    from orders.pricing import format_euros

    with unit_of_work(runtime_for(config, demo).sessions) as session:
        products = all_products(session)
        shop = None
        for product in products:
            if product.shop.name != shop:
                shop = product.shop.name
                typer.echo(shop)
            per = "per kg" if product.unit == "kg" else "each"
            gone = "" if product.available else "  (not available)"
            typer.echo(
                f"  {product.sku:28s} {product.name:40s} EUR {format_euros(product.price_cents)} "
                f"{per}{gone}"
            )
        typer.echo(f"{len(products)} products")


@catalog_app.command("available")
@operator_errors
def catalog_available(
    sku: str,
    available: Annotated[bool, typer.Option("--yes/--no", help="In stock or not.")] = True,
    config: ConfigOption = None,
) -> None:
    """Mark a product as available or not; the bot stops offering it at once."""
    from catalog.service import set_available
    from core.database import unit_of_work

    with unit_of_work(runtime_for(config).sessions) as session:
        product = set_available(session, sku=sku, available=available)
        typer.echo(f"{product.name}: {'available' if available else 'not available'}")
