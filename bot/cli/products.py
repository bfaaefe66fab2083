"""`dorpsplein catalog`: import, export and list the products, mark one (un)available, and
say how each shop wants its round list."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.cli.support import ConfigOption, DemoOption, operator_errors, runtime_for
from bot.cli.wording import counted

catalog_app: typer.Typer = typer.Typer(no_args_is_help=True, help="Shops and products.")


@catalog_app.command("import")
@operator_errors
def catalog_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Import products from a catalogue CSV; existing SKUs are updated, never duplicated."""
    from catalog.csv_format import parse_catalog
    from catalog.service import import_rows
    from core.database import unit_of_work

    rows = parse_catalog(file.read_bytes())
    runtime = runtime_for(config, demo)
    with unit_of_work(runtime.sessions) as session:
        report = import_rows(session, rows=rows)
    typer.echo(
        f"{counted(len(rows), 'product')} read: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )
    for shop in report.new_shops:
        typer.echo(
            f"New shop: {shop}. Set how it wants its list: "
            f'dorpsplein catalog shop "{shop}" --channel sms --address +31...'
        )


@catalog_app.command("export")
@operator_errors
def catalog_export(
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Write the catalogue as CSV (to stdout, or to --output)."""
    from catalog.csv_format import render_catalog
    from catalog.service import export_rows
    from core.database import unit_of_work

    with unit_of_work(runtime_for(config, demo).sessions) as session:
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
        typer.echo(counted(len(products), "product"))


@catalog_app.command("available")
@operator_errors
def catalog_available(
    sku: str,
    available: Annotated[bool, typer.Option("--yes/--no", help="In stock or not.")] = True,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Mark a product as available or not; the bot stops offering it at once."""
    from catalog.service import set_available
    from core.database import unit_of_work

    with unit_of_work(runtime_for(config, demo).sessions) as session:
        product = set_available(session, sku=sku, available=available)
        typer.echo(f"{product.name}: {'available' if available else 'not available'}")


NOTIFY_CHANNELS = ("sms", "whatsapp", "telegram", "email", "log")


@catalog_app.command("shop")
@operator_errors
def catalog_shop(
    name: Annotated[str, typer.Argument(help="The shop's name (case does not matter).")],
    channel: Annotated[
        str | None, typer.Option(help="Where its round list goes: " + " | ".join(NOTIFY_CHANNELS))
    ] = None,
    address: Annotated[
        str | None, typer.Option(help="Phone number, Telegram chat id or e-mail address.")
    ] = None,
    days: Annotated[
        str | None, typer.Option(help="Weekdays it supplies, e.g. di,do ('' for every round).")
    ] = None,
    street: Annotated[str | None, typer.Option(help="Where the courier picks up.")] = None,
    postcode: Annotated[str | None, typer.Option()] = None,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Show a shop's settings, or change the ones given; the others stay as they are."""
    from dataclasses import replace

    from catalog.service import ShopSettings, configure_shop, shop_by_name
    from core.database import unit_of_work
    from core.errors import NotFoundError

    if channel is not None and channel not in NOTIFY_CHANNELS:
        raise typer.BadParameter(
            f"choose one of {', '.join(NOTIFY_CHANNELS)}", param_hint="--channel"
        )
    with unit_of_work(runtime_for(config, demo).sessions) as session:
        shop = shop_by_name(session, name=name)
        if shop is None:
            raise NotFoundError(kind="shop", key=name)
        now = ShopSettings(
            name=shop.name,
            kind=shop.kind,
            street=shop.street,
            postcode=shop.postcode,
            notify_channel=shop.notify_channel,
            notify_address=shop.notify_address,
            delivery_days=shop.weekdays,
        )
        changed = replace(
            now,
            notify_channel=channel if channel is not None else now.notify_channel,
            notify_address=address if address is not None else now.notify_address,
            street=street if street is not None else now.street,
            postcode=postcode if postcode is not None else now.postcode,
            delivery_days=_days(days) if days is not None else now.delivery_days,
        )
        if changed.notify_channel not in ("log",) and not changed.notify_address:
            raise typer.BadParameter(
                f"{changed.notify_channel} needs an --address", param_hint="--address"
            )
        shop = configure_shop(session, settings=changed)
        typer.echo(_shop_line(shop))


@catalog_app.command("shops")
@operator_errors
def catalog_shops(config: ConfigOption = None, demo: DemoOption = False) -> None:
    """Every shop with where its round list goes and the days it supplies."""
    from sqlalchemy import select

    from catalog.models import Shop
    from core.database import unit_of_work

    with unit_of_work(runtime_for(config, demo).sessions) as session:
        shops = session.scalars(select(Shop).order_by(Shop.name)).all()
        for shop in shops:
            typer.echo(_shop_line(shop))
        typer.echo(counted(len(shops), "shop"))


def _days(text: str) -> tuple[str, ...]:
    from bot.settings import weekday_code

    try:
        return tuple(weekday_code(day) for day in text.replace(" ", "").split(",") if day)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--days") from None


def _shop_line(shop: Any) -> str:
    to = f"{shop.notify_channel} {shop.notify_address or ''}".strip()
    days = ",".join(shop.weekdays) or "every round"
    where = ", ".join(p for p in (shop.street, shop.postcode) if p) or "no address"
    return f"{shop.name}: list by {to}; supplies {days}; {where}"
