"""`dorpsplein standing`: residents' standing orders, for the coordinator.

A resident sets up, changes, pauses and stops her own by message; the coordinator can see
them all and pause one for her (a stay in hospital) or resume it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.support import ConfigOption, DemoOption, operator_errors, runtime_for
from bot.cli.wording import counted

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from orders.standing.models import StandingOrder

standing_app: typer.Typer = typer.Typer(
    no_args_is_help=True, help="Standing orders: the same every week, without asking."
)

DayOption = Annotated[
    str | None,
    typer.Option("--day", help="Round day (mon..sun) when she has more than one."),
]


@standing_app.command("list")
@operator_errors
def standing_list(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Every active standing order: who, which day, what, paused until when."""
    from core.database import unit_of_work
    from orders.standing.service import active_standing_orders

    with unit_of_work(runtime_for(config, demo).sessions) as session:
        rows: list[dict[str, Any]] = [
            {
                "id": s.id,
                "resident": s.resident.name,
                "weekday": s.weekday,
                "lines": [{"sku": line["sku"], "quantity": line["quantity"]} for line in s.lines],
                "paused_until": s.paused_until.isoformat() if s.paused_until else None,
            }
            for s in active_standing_orders(session)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        what = ", ".join(f"{line['quantity']} x {line['sku']}" for line in row["lines"])
        paused = f"  (paused until {row['paused_until']})" if row["paused_until"] else ""
        typer.echo(f"{row['id']:4d}  {row['resident']}  every {row['weekday']}: {what}{paused}")
    typer.echo(counted(len(rows), "standing order") + ".")


def _one(session: Session, phone: str, day: str | None) -> StandingOrder:
    from core.errors import NotFoundError
    from orders.models import AddressKind
    from orders.residents import find_resident
    from orders.standing.service import standing_orders_of

    resident = find_resident(session, kind=AddressKind.PHONE, address=phone)
    if resident is None:
        raise NotFoundError(kind="resident", key=phone)
    found = [
        s for s in standing_orders_of(session, resident_id=resident.id) if day in (None, s.weekday)
    ]
    if not found:
        raise NotFoundError(kind="standing order", key=f"{phone} {day or ''}".strip())
    if len(found) > 1:
        days = ", ".join(s.weekday for s in found)
        raise typer.BadParameter(f"she has standing orders on {days}: name one", param_hint="--day")
    return found[0]


@standing_app.command("pause")
@operator_errors
def standing_pause(
    phone: Annotated[str, typer.Argument(help="The resident's phone number.")],
    until: Annotated[
        str, typer.Option("--until", help="Last day without (YYYY-MM-DD), e.g. out of hospital.")
    ],
    day: DayOption = None,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Pause a resident's standing order: no reminders and no orders until that day."""
    from core.database import unit_of_work
    from orders.standing.service import pause

    try:
        last = date.fromisoformat(until)
    except ValueError:
        raise typer.BadParameter("a date like 2027-01-12", param_hint="--until") from None
    with unit_of_work(runtime_for(config, demo).sessions) as session:
        standing = _one(session, phone, day)
        pause(session, standing=standing, until=last)
        typer.echo(f"Paused: {standing.resident.name}, every {standing.weekday}, until {last}.")


@standing_app.command("resume")
@operator_errors
def standing_resume(
    phone: Annotated[str, typer.Argument(help="The resident's phone number.")],
    day: DayOption = None,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """End a pause: from the next round on her day she gets her standing order again."""
    from core.database import unit_of_work
    from orders.standing.service import pause

    with unit_of_work(runtime_for(config, demo).sessions) as session:
        standing = _one(session, phone, day)
        pause(session, standing=standing, until=None)
        typer.echo(f"Resumed: {standing.resident.name}, every {standing.weekday}.")
