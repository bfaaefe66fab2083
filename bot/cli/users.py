"""`dorpsplein users`: the accounts of the coordinator, shopkeepers and the courier."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from bot.cli.support import ConfigOption, DemoOption, operator_errors, runtime_for
from bot.cli.wording import counted

users_app: typer.Typer = typer.Typer(
    no_args_is_help=True, help="Who can log in to the pages (/login), and as what."
)


class RoleChoice(StrEnum):
    coordinator = "coordinator"
    shop = "shop"
    courier = "courier"


def _read_password() -> str:
    """From stdin when piped (one line), else asked twice without echo."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("add")
@operator_errors
def users_add(
    email: Annotated[str, typer.Argument(help="E-mail address; the login name.")],
    role: Annotated[RoleChoice, typer.Option("--role", help="What the user may see and do.")],
    shop: Annotated[
        str | None, typer.Option("--shop", help="The shop a shop user works for.")
    ] = None,
    language: Annotated[str, typer.Option("--language", help="nl or en")] = "nl",
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Add a user; the password comes from stdin when piped, else it is asked."""
    from accounts.models import Role
    from accounts.service import add_user
    from core.database import unit_of_work

    if language not in ("nl", "en"):
        raise typer.BadParameter("nl or en", param_hint="--language")
    password = _read_password()
    runtime = runtime_for(config, demo)
    with unit_of_work(runtime.sessions) as session:
        user = add_user(
            session,
            email=email,
            role=Role(role.value),
            password=password,
            shop=shop,
            language=language,
        )
        where = f" for {user.shop.name}" if user.shop else ""
        typer.echo(f"Added {user.email} as {user.role}{where}. They log in at /login.")


@users_app.command("list")
@operator_errors
def users_list(config: ConfigOption = None, demo: DemoOption = False) -> None:
    """Everyone who can log in."""
    from accounts.service import list_users
    from core.database import unit_of_work

    runtime = runtime_for(config, demo)
    with unit_of_work(runtime.sessions) as session:
        users = list_users(session)
        for user in users:
            shop = f"  {user.shop.name}" if user.shop else ""
            last = user.last_login_at.date().isoformat() if user.last_login_at else "never"
            typer.echo(f"{user.email}  {user.role}{shop}  (last login: {last})")
        typer.echo(counted(len(users), "user", "users") + ".")


@users_app.command("remove")
@operator_errors
def users_remove(
    email: Annotated[str, typer.Argument(help="E-mail address of the user.")],
    config: ConfigOption = None,
    demo: DemoOption = False,
) -> None:
    """Remove a user; they are logged out everywhere at once."""
    from accounts.service import remove_user
    from core.database import unit_of_work

    runtime = runtime_for(config, demo)
    with unit_of_work(runtime.sessions) as session:
        remove_user(session, email=email)
    typer.echo(f"Removed {email.strip().lower()}.")
