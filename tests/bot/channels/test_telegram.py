"""Telegram end to end: updates posted to the served webhook, answers at the fake Bot API."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from orders.models import AddressKind, Order
from orders.residents import find_resident
from tests.bot.channels.conftest import (
    DE_VRIES,
    DE_VRIES_TELEGRAM,
    JANSEN,
    Served,
    button_update,
    contact_update,
    text_update,
)


def markup(sent: dict[str, object]) -> dict[str, object]:
    raw = sent.get("reply_markup")
    return json.loads(raw) if isinstance(raw, str) else {}


def orders(served: Served) -> int:
    with served.runtime.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Order)) or 0)


def test_webhook_registered_with_the_secret_at_start(served: Served) -> None:
    registered = served.telegram.sent("setWebhook")
    assert registered and registered[0]["url"] == served.url + "/telegram/webhook"
    assert registered[0]["secret_token"] == "s3cret-Token_for-tests"


def test_an_order_with_inline_buttons(served: Served) -> None:
    before = orders(served)
    assert served.telegram_update(text_update(DE_VRIES_TELEGRAM, "2 krentenbollen")) == 200
    readback = served.telegram.sent()[-1]
    assert "Klopt dit?" in str(readback["text"])
    buttons = markup(readback)["inline_keyboard"]
    assert isinstance(buttons, list)
    yes = buttons[0][0]
    assert yes["text"] == "JA" and yes["callback_data"].startswith("ja|")
    assert served.telegram_update(button_update(DE_VRIES_TELEGRAM, yes["callback_data"])) == 200
    assert served.telegram.sent("answerCallbackQuery")
    assert "Bestelnummer" in served.telegram.texts_to(DE_VRIES_TELEGRAM)[-1]
    assert orders(served) == before + 1


def test_a_yes_button_of_an_older_readback_places_nothing(served: Served) -> None:
    before = orders(served)
    served.telegram_update(text_update(DE_VRIES_TELEGRAM, "een krentenbol"))
    old = markup(served.telegram.sent()[-1])["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
    served.telegram_update(text_update(DE_VRIES_TELEGRAM, "ook een appeltaart"))
    served.telegram_update(button_update(DE_VRIES_TELEGRAM, old))
    assert "Bestelnummer" not in served.telegram.texts_to(DE_VRIES_TELEGRAM)[-1]
    assert orders(served) == before


def test_wrong_or_missing_secret_is_refused(served: Served) -> None:
    update = text_update(DE_VRIES_TELEGRAM, "2 krentenbollen")
    assert served.telegram_update(update, secret="wrong") == 403
    assert served.telegram_update(update, secret="") == 403
    assert served.telegram.sent() == []


def test_a_replayed_update_is_handled_once(served: Served) -> None:
    update = text_update(DE_VRIES_TELEGRAM, "een krentenbol")
    assert served.telegram_update(update) == 200
    assert served.telegram_update(update) == 200
    assert len(served.telegram.texts_to(DE_VRIES_TELEGRAM)) == 1


def test_start_links_the_chat_by_the_residents_own_contact(served: Served) -> None:
    chat = 777000111
    served.telegram_update(text_update(chat, "/start"))
    share = served.telegram.sent()[-1]
    keyboard = markup(share)["keyboard"]
    assert keyboard[0][0]["request_contact"] is True  # type: ignore[index]

    # Someone else's contact (forwarded) is not accepted.
    served.telegram_update(contact_update(chat, DE_VRIES, contact_user=424242))
    assert "eigen" in served.telegram.texts_to(chat)[-1]
    with served.runtime.sessions() as session:
        assert find_resident(session, kind=AddressKind.TELEGRAM, address=str(chat)) is None

    served.telegram_update(contact_update(chat, DE_VRIES, contact_user=chat))
    assert "de Vries" in served.telegram.texts_to(chat)[-1]
    with served.runtime.sessions() as session:
        resident = find_resident(session, kind=AddressKind.TELEGRAM, address=str(chat))
        assert resident is not None and "Vries" in resident.name


def test_an_unknown_phone_starts_registration(served: Served) -> None:
    chat = 777000222
    served.telegram_update(text_update(chat, "hallo"))
    assert "telefoonnummer" in served.telegram.texts_to(chat)[-1]
    served.telegram_update(contact_update(chat, "+31687654321", contact_user=chat))
    assert "naam" in served.telegram.texts_to(chat)[-1]
    served.telegram_update(text_update(chat, "Piet Pieters"))
    assert "straat" in served.telegram.texts_to(chat)[-1]
    served.telegram_update(text_update(chat, "Kerkdijk 7"))
    served.telegram_update(text_update(chat, "3981 AB"))
    assert "Welkom, Piet Pieters" in served.telegram.texts_to(chat)[-1]
    # The number Telegram vouched for is his: an SMS from it is the same account.
    with served.runtime.sessions() as session:
        by_telegram = find_resident(session, kind=AddressKind.TELEGRAM, address=str(chat))
        by_phone = find_resident(session, kind=AddressKind.PHONE, address="+31687654321")
        assert by_telegram is not None and by_phone is not None
        assert by_telegram.id == by_phone.id


def test_numbered_choices_are_buttons(served: Served) -> None:
    chat = 777000333  # mevrouw Jansen, who never bought potatoes: she is asked which
    served.telegram_update(contact_update(chat, JANSEN, contact_user=chat))
    served.telegram_update(text_update(chat, "2 kilo aardappelen"))
    rows = markup(served.telegram.sent()[-1])["inline_keyboard"]
    assert isinstance(rows, list) and len(rows) >= 2
    assert [row[0]["callback_data"] for row in rows][:2] == ["1", "2"]
    served.telegram_update(button_update(chat, "1"))
    assert "Klopt dit?" in served.telegram.texts_to(chat)[-1]
