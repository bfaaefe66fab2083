"""`dorpsplein`: the command line, put together; the terminal chat, `parse` and `rasa export`.

The commands of each kind live beside this module: products (catalog), residents, operators
(orders, rounds, outbox, worker), channels (serve, telegram). Importing does no work: settings,
database and parser are opened inside the command that needs them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.channels import serve, telegram
from bot.cli.limits import limits_app
from bot.cli.operators import orders_app, outbox_app, rounds_app, worker
from bot.cli.products import catalog_app
from bot.cli.residents import residents_app
from bot.cli.standing import standing_app
from bot.cli.support import ConfigOption, DemoOption, operator_errors, runtime_for
from bot.cli.users import users_app

app = typer.Typer(
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Dorpsplein: ordering by message for village shops.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")
app.add_typer(catalog_app, name="catalog")
app.add_typer(residents_app, name="residents")
rasa_app = typer.Typer(no_args_is_help=True, help="Interoperability with Rasa.")
app.add_typer(rasa_app, name="rasa")
app.add_typer(orders_app, name="orders")
app.add_typer(rounds_app, name="rounds")
app.add_typer(outbox_app, name="outbox")
app.add_typer(limits_app, name="limits")
app.add_typer(users_app, name="users")
app.add_typer(standing_app, name="standing")
app.command("worker")(worker)
app.command("serve")(serve)
app.command("telegram")(telegram)


@db_app.command("upgrade")
@operator_errors
def db_upgrade(config: ConfigOption = None, demo: DemoOption = False) -> None:
    """Bring the database schema up to date (PostgreSQL needs this after every update)."""
    from bot.settings import load_settings
    from core.database import make_engine
    from core.migrate import current_revision, upgrade

    if demo:
        # The demo village's SQLite database brings itself up to date when opened.
        runtime = runtime_for(config, demo)
        typer.echo(f"Database at revision {current_revision(runtime.engine)}.")
        return
    settings = load_settings(config)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    typer.echo(f"Database at revision {current_revision(engine)}.")


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
    from bot.cli.chat import chat
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
    from bot.cli.parse import run_parse
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
