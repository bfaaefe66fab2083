"""The demo village and its dialogue, as the bot tests build them."""

from tests.bot.conftest import dialogue, parser, village

__all__ = ["dialogue", "parser", "village"]
