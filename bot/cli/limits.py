"""`dorpsplein limits list`: who was held back by the rate limits, for the coordinator."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from bot.cli.support import ConfigOption, DemoOption, operator_errors, runtime_for
from bot.cli.wording import counted

limits_app = typer.Typer(no_args_is_help=True, help="Senders held back by the rate limits.")


@limits_app.command("list")
@operator_errors
def limits_list(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Senders whose messages went unanswered because of a limit, the most recent first."""
    from conversations.rate_limits import limited_senders
    from core.database import unit_of_work

    runtime = runtime_for(config, demo)
    zone = runtime.settings.zone
    with unit_of_work(runtime.sessions) as session:
        rows: list[dict[str, Any]] = [
            {
                "sender": row.sender,
                "channel": row.channel,
                "count": row.count,
                "first_limited_at": row.first_limited_at.astimezone(zone).isoformat(),
                "last_limited_at": row.last_limited_at.astimezone(zone).isoformat(),
            }
            for row in limited_senders(session)
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        first = row["first_limited_at"][:16].replace("T", " ")
        last = row["last_limited_at"][:16].replace("T", " ")
        typer.echo(
            f"{row['sender']:24s} {row['channel']:9s} {row['count']:6d} unanswered"
            f"  first {first}  last {last}"
        )
    typer.echo(f"{counted(len(rows), 'sender')} held back")
