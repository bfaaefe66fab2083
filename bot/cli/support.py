"""What every command shares: the --config and --demo options and how errors are told."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer

from bot.wiring import Runtime, start
from catalog.errors import CatalogFileError
from core.errors import ConfigError, DorpspleinError

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", envvar="DORPSPLEIN_CONFIG", help="Path of config.yml."),
]
DemoOption = Annotated[
    bool, typer.Option("--demo", help="Use the demo village in its own SQLite database.")
]

P = ParamSpec("P")
R = TypeVar("R")


def operator_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn our errors into one clear line for the operator and a non-zero exit status."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as error:
            typer.echo(f"Configuration error in {error.key}: {error.reason}", err=True)
            raise typer.Exit(2) from None
        except CatalogFileError as error:
            for problem in error.problems:
                typer.echo(f"line {problem.line}: {problem.reason}", err=True)
            typer.echo("Nothing was imported.", err=True)
            raise typer.Exit(1) from None
        except DorpspleinError as error:
            typer.echo(f"Error: {error}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def runtime_for(config: Path | None, demo: bool = False) -> Runtime:
    return start(config=config, demo=demo)
