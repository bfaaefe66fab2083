"""Telegram (python-telegram-bot 22): the same handlers behind a webhook or long polling.

A chat is linked to a resident by the phone number the resident shares with Telegram's own
contact button; a contact is accepted only when it is the sender's own (anyone can forward
someone else's). Choices are inline buttons; a JA/NEE button carries the read-back version
it answers, so a tap on an older read-back cannot place a changed basket.

Only private chats link or order. In a group every member could order on the account of
whoever linked it, and the bot's answers (name, basket) would be read by all: a group or
channel gets one polite refusal, stored so it is said once, and nothing else.
Messages beyond the rate limit get one notice, then no answer until the window passes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.dialogue import Dialogue
from bot.messages import InboundMessage, Reply
from bot.registration import open_registration
from bot.settings import Settings
from bot.words import Words
from conversations.models import ChannelNotice, Registration
from conversations.rate_limits import RateLimiter
from core.database import unit_of_work
from orders.errors import AddressTakenError, InvalidPhoneError
from orders.models import AddressKind
from orders.residents import find_resident, link_address, normalise_phone

log = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]
DEFAULT_API = "https://api.telegram.org/bot"


class TelegramBot:
    """The handlers; `build` wires them into an Application."""

    def __init__(
        self,
        *,
        dialogue: Dialogue,
        sessions: sessionmaker[Session],
        settings: Settings,
        words: Words,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._dialogue = dialogue
        self._sessions = sessions
        self._settings = settings
        self._words = words
        self._limiter = limiter

    def build(
        self, *, token: str, base_url: str | None = None, polling: bool = False
    ) -> TelegramApp:
        builder = ApplicationBuilder().token(token).base_url(base_url or DEFAULT_API)
        if not polling:
            builder = builder.updater(None)
        application: TelegramApp = builder.build()
        application.add_handler(CommandHandler("start", self.on_start))
        application.add_handler(MessageHandler(filters.CONTACT, self.on_contact))
        application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self.on_text))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_error_handler(self.on_error)
        return application

    # -- handlers ------------------------------------------------------------------------

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None or update.effective_message is None:
            return
        if not await self._admitted(update, context):
            return
        if await asyncio.to_thread(self._linked, str(chat.id)):
            await self._converse(update, context, "hallo")
            return
        await self._ask_for_phone(update, "telegram_share_phone")

    async def on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user, chat = update.effective_message, update.effective_user, update.effective_chat
        if message is None or message.contact is None or user is None or chat is None:
            return
        if not await self._admitted(update, context):
            return
        if message.contact.user_id != user.id:
            await self._ask_for_phone(update, "telegram_own_contact")
            return
        name = await asyncio.to_thread(self._link, str(chat.id), message.contact.phone_number)
        if name is None:
            # Not known by that number: the ordinary registration (name, street, postcode).
            await self._converse(update, context, "hallo", remove_keyboard=True)
            return
        language = await asyncio.to_thread(self._language_of, str(chat.id))
        await message.reply_text(
            self._words("telegram_linked", language, name=name),
            reply_markup=ReplyKeyboardRemove(),
        )

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, chat = update.effective_message, update.effective_chat
        if message is None or chat is None or message.text is None:
            return
        if not await self._admitted(update, context):
            return
        known = await asyncio.to_thread(self._linked_or_registering, str(chat.id))
        if not known:
            # Ask who this is first, rather than letting a known resident register twice.
            await self._ask_for_phone(update, "telegram_share_phone")
            return
        await self._converse(update, context, message.text)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        if not await self._admitted(update, context):
            return
        key, version = parse_callback(query.data or "")
        if key:
            await self._converse(update, context, key, answers_version=version)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update failed", exc_info=context.error)

    # -- admission -----------------------------------------------------------------------

    async def _admitted(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """A private chat within its rate limit; anything else is answered here, if at all."""
        chat = update.effective_chat
        if chat is None:
            return False
        if chat.type != ChatType.PRIVATE:
            if await asyncio.to_thread(self._first_refusal, str(chat.id)):
                text = self._words("telegram_group_refused", self._user_language(update))
                await context.bot.send_message(chat_id=chat.id, text=text)
            return False
        if self._limiter is None:
            return True
        limiter = self._limiter
        verdict = await asyncio.to_thread(
            lambda: limiter.check(channel="telegram", sender=str(chat.id))
        )
        if verdict.notice:
            language = await asyncio.to_thread(self._language_of, str(chat.id))
            await context.bot.send_message(
                chat_id=chat.id, text=self._words("rate_limited", language)
            )
        return verdict.allowed

    def _first_refusal(self, chat: str) -> bool:
        """Record that this group was refused; False when it already was (by any process)."""
        try:
            with unit_of_work(self._sessions) as session:
                session.add(ChannelNotice(channel="telegram", address=chat, kind="group_refused"))
        except IntegrityError:
            return False
        return True

    def _user_language(self, update: Update) -> str:
        user = update.effective_user
        if user is not None and (user.language_code or "").startswith("en"):
            return "en"
        return self._settings.language

    # -- helpers -------------------------------------------------------------------------

    async def _converse(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        text: str,
        *,
        answers_version: int | None = None,
        remove_keyboard: bool = False,
    ) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        message = InboundMessage(
            channel="telegram",
            sender=str(chat.id),
            text=text,
            message_id=str(update.update_id),
            answers_version=answers_version,
        )
        replies = await asyncio.to_thread(self._dialogue.handle, message)
        for number, reply in enumerate(replies):
            markup: InlineKeyboardMarkup | ReplyKeyboardRemove | None = keyboard_for(reply)
            if markup is None and remove_keyboard and number == 0:
                markup = ReplyKeyboardRemove()
            await context.bot.send_message(chat_id=chat.id, text=reply.text, reply_markup=markup)

    async def _ask_for_phone(self, update: Update, key: str) -> None:
        message = update.effective_message
        if message is None:
            return
        language = self._user_language(update)
        label = self._words("telegram_share_button", language)
        keyboard = ReplyKeyboardMarkup(
            [[KeyboardButton(label, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        text = self._words(key, language, village=self._settings.village)
        await message.reply_text(text, reply_markup=keyboard)

    def _linked(self, chat: str) -> bool:
        with self._sessions() as session:
            return find_resident(session, kind=AddressKind.TELEGRAM, address=chat) is not None

    def _linked_or_registering(self, chat: str) -> bool:
        with self._sessions() as session:
            if find_resident(session, kind=AddressKind.TELEGRAM, address=chat) is not None:
                return True
            registering = session.scalar(
                select(Registration.id).where(
                    Registration.kind == AddressKind.TELEGRAM.value, Registration.address == chat
                )
            )
            return registering is not None

    def _link(self, chat: str, phone: str) -> str | None:
        """Link the chat to the resident with this phone; their name, or None if unknown."""
        with unit_of_work(self._sessions) as session:
            try:
                resident = find_resident(session, kind=AddressKind.PHONE, address=phone)
            except InvalidPhoneError:
                return None
            if resident is None:
                # Not known yet: register, and keep the number Telegram vouched for.
                open_registration(
                    session,
                    kind=AddressKind.TELEGRAM,
                    address=chat,
                    language=self._settings.language,
                    phone=normalise_phone(phone),
                )
                return None
            try:
                link_address(session, resident=resident, kind=AddressKind.TELEGRAM, address=chat)
            except AddressTakenError:
                log.warning("Telegram chat %s already belongs to another resident", chat)
                return None
            return resident.name

    def _language_of(self, chat: str) -> str:
        with self._sessions() as session:
            resident = find_resident(session, kind=AddressKind.TELEGRAM, address=chat)
            return resident.language if resident else self._settings.language


def keyboard_for(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.choices:
        return None
    if reply.confirms_version is not None or len(reply.choices) == 2:
        version = reply.confirms_version
        row = [
            InlineKeyboardButton(c.label, callback_data=callback_data(c.key, version))
            for c in reply.choices
        ]
        return InlineKeyboardMarkup([row])
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(f"{c.key}. {c.label}", callback_data=callback_data(c.key, None))]
            for c in reply.choices
        ]
    )


def callback_data(key: str, version: int | None) -> str:
    """What a button sends back (Telegram allows 64 bytes): the key, and the version it answers."""
    return f"{key}|{version}" if version is not None else key


def parse_callback(data: str) -> tuple[str, int | None]:
    key, _, version = data.partition("|")
    # Anyone can send any callback data: only a plain, column-sized number is a version.
    plain = version.isascii() and version.isdigit() and len(version) <= 9
    return key, int(version) if plain else None
