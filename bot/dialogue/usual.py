"""The resident's usual order, for greetings on every channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.dialogue.turn import Services, Turn
from nlu import HistoryLine
from orders.history import order_history


def usual_names(session: Session, *, services: Services, resident_id: int) -> list[str]:
    """The products of a resident's usual order, as the parser reads "het gewone"."""
    history = [
        [HistoryLine(sku=sku, quantity=quantity) for sku, quantity in past]
        for past in order_history(session, resident_id=resident_id)
    ]
    if not history:
        return []
    index = services.catalog.refresh(session)
    usual = services.parser.parse("het gewone", catalog=index, history=history)
    names = []
    for item in usual.items:
        entry = index.get(item.sku) if item.sku else None
        if entry is not None:
            names.append(entry.name)
    return names


def greeting(services: Services, *, language: str, now: datetime) -> str:
    """Goedemorgen, goedemiddag or goedenavond, by the village's clock."""
    hour = now.astimezone(services.settings.zone).hour
    part = "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
    return services.words(f"greeting_{part}", language)


def greet(turn: Turn) -> None:
    """Answered by name and time of day, offering the usual; a basket waiting is mentioned."""
    greeting_ = greeting(turn.services, language=turn.language, now=turn.now)
    if turn.state.basket:
        turn.reply("greet_with_basket", greeting=greeting_, name=turn.resident.name)
        return
    names = usual_names(turn.session, services=turn.services, resident_id=turn.resident.id)
    turn.reply("greet", greeting=greeting_, name=turn.resident.name, usual=", ".join(names))
