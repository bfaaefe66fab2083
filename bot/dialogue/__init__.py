"""The conversation engine: turn, basket, questions, read-back and the other intents."""

from bot.dialogue.engine import Dialogue
from bot.dialogue.turn import Services, Understanding

__all__ = ["Dialogue", "Services", "Understanding"]
