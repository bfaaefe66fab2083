"""`dorpsplein residents`: register a resident and list who can be reached where."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli.support import ConfigOption, operator_errors, runtime_for

residents_app: typer.Typer = typer.Typer(
    no_args_is_help=True, help="Residents and how to reach them."
)


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
