"""`dorpsplein`: the command line for residents' bot, operators and coordinators."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.channels_cli import serve, telegram
from bot.cli_support import ConfigOption, DemoOption, operator_errors, runtime_for
from bot.operator_cli import orders_app, outbox_app, rounds_app, worker

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Dorpsplein: ordering by message for village shops.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
catalog_app = typer.Typer(no_args_is_help=True, help="Shops and products.")
residents_app = typer.Typer(no_args_is_help=True, help="Residents and how to reach them.")
app.add_typer(db_app, name="db")
app.add_typer(catalog_app, name="catalog")
app.add_typer(residents_app, name="residents")
rasa_app = typer.Typer(no_args_is_help=True, help="Interoperability with Rasa.")
app.add_typer(rasa_app, name="rasa")
app.add_typer(orders_app, name="orders")
app.add_typer(rounds_app, name="rounds")
app.add_typer(outbox_app, name="outbox")
app.command("worker")(worker)
app.command("serve")(serve)
app.command("telegram")(telegram)


@db_app.command("upgrade")
@operator_errors
def db_upgrade(config: ConfigOption = None) -> None:
    """Bring the database schema up to date (PostgreSQL needs this after every update)."""
    from bot.settings import load_settings
    from core.database import make_engine
    from core.migrate import current_revision, upgrade

    settings = load_settings(config)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    typer.echo(f"Database at revision {current_revision(engine)}.")


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


@residents_app.command("add")
@operator_errors
def residents_add(
    name: Annotated[str, typer.Option("--name")],
    phone: Annotated[str, typer.Option("--phone")],
    street: Annotated[str, typer.Option("--street", help="Street and house number.")],
    postcode: Annotated[str, typer.Option("--postcode")],
    telegram: Annotated[str | None, typer.Option("--telegram", help="Telegram chat id.")] = None,
    language: Annotated[str, typer.Option("--language", help="nl or en")] = "nl",
    config: ConfigOption = None,
) -> None:
    """Register a resident; every channel address leads to this one account."""
    from core.database import unit_of_work
    from orders.residents import add_resident

    if language not in ("nl", "en"):
        typer.echo("Error: --language must be nl or en", err=True)
        raise typer.Exit(2)
    runtime = runtime_for(config)
    with unit_of_work(runtime.sessions) as session:
        resident = add_resident(
            session,
            name=name,
            street=street,
            postcode=postcode,
            phone=phone,
            telegram=telegram,
            language=language,
            area=runtime.settings.delivery_area,
        )
        typer.echo(
            f"Resident {resident.id}: {resident.name}, {resident.street}, {resident.postcode}"
        )


@residents_app.command("list")
@operator_errors
def residents_list(
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List residents with their addresses on every channel."""
    from core.database import unit_of_work
    from orders.residents import list_residents

    with unit_of_work(runtime_for(config).sessions) as session:
        residents = list_residents(session)
        if as_json:
            rows = [
                {
                    "id": r.id,
                    "name": r.name,
                    "street": r.street,
                    "postcode": r.postcode,
                    "language": r.language,
                    "addresses": {a.kind: a.address for a in r.addresses},
                }
                for r in residents
            ]
            typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for r in residents:
            reach = ", ".join(f"{a.kind} {a.address}" for a in r.addresses)
            typer.echo(f"{r.id:4d}  {r.name}, {r.street}, {r.postcode}  [{reach}]")
        typer.echo(f"{len(residents)} residents")


@app.command("chat")
@operator_errors
def chat_command(
    as_phone: Annotated[
        str | None, typer.Option("--as", help="Phone number of the resident you talk as.")
    ] = None,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Talk to the bot in the terminal as a resident (one message a line when piped)."""
    from bot.chat import chat
    from bot.wiring import build_dialogue
    from core.database import unit_of_work
    from orders.residents import first_phone, normalise_phone

    runtime = runtime_for(config, demo)
    if as_phone is None:
        with unit_of_work(runtime.sessions) as session:
            as_phone = first_phone(session)
        if as_phone is None:
            typer.echo("Error: no residents yet; pass --as PHONE to register as one", err=True)
            raise typer.Exit(2)
        typer.echo(f"(talking as {as_phone})", err=True)
    chat(build_dialogue(runtime), sender=normalise_phone(as_phone))


@rasa_app.command("export")
@operator_errors
def rasa_export(
    directory: Annotated[Path, typer.Argument(file_okay=False, help="Where to write the project.")],
    catalog: Annotated[
        Path | None, typer.Option("--catalog", exists=True, dir_okay=False, help="Catalogue CSV.")
    ] = None,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Write a Rasa 3 project: our intents plus lookup tables and synonyms from the catalogue."""
    from bot.rasa_project import write_project
    from catalog.csv_format import parse_catalog
    from catalog.service import all_products
    from catalog.view import entry_from_product, entry_from_row
    from core.database import unit_of_work
    from nlu import training_examples

    if catalog is not None:
        products = [entry_from_row(row) for row in parse_catalog(catalog.read_bytes())]
    else:
        with unit_of_work(runtime_for(config, demo).sessions) as session:
            products = [entry_from_product(p) for p in all_products(session)]
    for path in write_project(directory, intents=training_examples(), products=products):
        typer.echo(f"wrote {path}")


@app.command("parse")
@operator_errors
def parse(
    catalog: Annotated[
        Path | None, typer.Option("--catalog", exists=True, dir_okay=False, help="Catalogue CSV.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="json (contract) or rasa")] = "json",
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Read messages (JSON lines or plain text) on stdin and print how they are understood."""
    from bot.parse_command import run_parse
    from catalog.csv_format import parse_catalog
    from catalog.view import index_from_database, index_from_rows
    from core.database import unit_of_work
    from nlu import Parser

    if fmt not in ("json", "rasa"):
        typer.echo("Error: --format must be json or rasa", err=True)
        raise typer.Exit(2)
    if catalog is not None:
        index = index_from_rows(parse_catalog(catalog.read_bytes()))
    else:
        with unit_of_work(runtime_for(config, demo).sessions) as session:
            index = index_from_database(session)
    run_parse(sys.stdin, sys.stdout, parser=Parser(), catalog=index, fmt=fmt)
