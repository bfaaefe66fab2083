"""`dorpsplein residents`: register, list, and a person's data exported or forgotten."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli.support import ConfigOption, DemoOption, operator_errors, runtime_for
from bot.cli.wording import counted

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
    demo: DemoOption = False,
) -> None:
    """Register a resident; every channel address leads to this one account."""
    from core.database import unit_of_work
    from orders.residents import add_resident

    if language not in ("nl", "en"):
        typer.echo("Error: --language must be nl or en", err=True)
        raise typer.Exit(2)
    runtime = runtime_for(config, demo)
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
    demo: DemoOption = False,
) -> None:
    """List residents with their addresses on every channel."""
    from core.database import unit_of_work
    from orders.residents import list_residents

    with unit_of_work(runtime_for(config, demo).sessions) as session:
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
        typer.echo(counted(len(residents), "resident"))


@residents_app.command("export")
@operator_errors
def residents_export(
    phone: Annotated[str, typer.Argument(help="The resident's phone number.")],
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Everything held about the person behind a phone number, as JSON (AVG/GDPR)."""
    from conversations.privacy import export_resident
    from core.database import unit_of_work, utcnow

    with unit_of_work(runtime_for(config, demo).sessions) as session:
        data = export_resident(session, phone=phone, now=utcnow())
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@residents_app.command("forget")
@operator_errors
def residents_forget(
    phone: Annotated[str, typer.Argument(help="The resident's phone number.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Erase a person's data; her orders stay for the shops' books, anonymised (AVG/GDPR)."""
    from conversations.privacy import find_subject, forget_resident
    from core.database import unit_of_work, utcnow

    runtime = runtime_for(config, demo)
    if not yes:
        with runtime.sessions() as session:
            subject = find_subject(session, phone=phone)
            who = subject.resident.name if subject.resident is not None else subject.phone
        typer.confirm(
            f"Forget {who} ({subject.phone}): name, address, numbers, messages, calls? "
            "This cannot be undone.",
            abort=True,
        )
    with unit_of_work(runtime.sessions) as session:
        report = forget_resident(session, phone=phone, now=utcnow())
    typer.echo(
        f"Forgotten: {counted(report.messages, 'message')}, {counted(report.calls, 'call')}, "
        f"{counted(report.registrations, 'registration')}, "
        f"{counted(report.outbox, 'outbox message')}; "
        f"{counted(report.orders_kept, 'order')} kept without name or address."
    )
