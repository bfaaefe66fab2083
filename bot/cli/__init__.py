"""The `dorpsplein` command line (entry point `bot.cli:app`); one module per kind of command."""

from bot.cli.main import app

__all__ = ["app"]
