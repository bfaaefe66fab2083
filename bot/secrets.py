"""Secrets come from the environment only, under the names their platforms' users know.

A channel switched on in config.yml without its secret stops start-up with the name of the
missing variable: a bot that silently cannot answer is worse than one that does not start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import Settings
from core.errors import ConfigError

TWILIO_ACCOUNT_SID = "TWILIO_ACCOUNT_SID"
TWILIO_AUTH_TOKEN = "TWILIO_AUTH_TOKEN"
TELEGRAM_BOT_TOKEN = "TELEGRAM_BOT_TOKEN"
TELEGRAM_WEBHOOK_SECRET = "TELEGRAM_WEBHOOK_SECRET"
# Not secrets, but deployment facts of the same kind: a self-hosted Telegram Bot API server,
# or a Twilio API stand-in for tests and staging.
TELEGRAM_API_BASE_URL = "TELEGRAM_API_BASE_URL"
TWILIO_API_BASE_URL = "TWILIO_API_BASE_URL"
SMTP_USERNAME = "SMTP_USERNAME"
SMTP_PASSWORD = "SMTP_PASSWORD"
MIN_SECRET_LENGTH = 16


@dataclass(frozen=True)
class Secrets:
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str | None = None
    twilio_api_base_url: str | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None

    def __repr__(self) -> str:
        # Never let a token end up in a log line or a traceback.
        present = [name for name, value in vars(self).items() if value]
        return f"Secrets(present={present})"


def twilio_in_use(settings: Settings) -> bool:
    channels = settings.channels
    return channels.sms.enabled or channels.whatsapp.enabled or channels.voice.enabled


def load_secrets(
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    telegram_webhook: bool = True,
) -> Secrets:
    """Read the secrets the enabled channels need; a missing one is a ConfigError naming it.

    `telegram_webhook=False` is long polling, which needs no webhook secret.
    """
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    secrets = Secrets(
        twilio_account_sid=get(TWILIO_ACCOUNT_SID),
        twilio_auth_token=get(TWILIO_AUTH_TOKEN),
        telegram_bot_token=get(TELEGRAM_BOT_TOKEN),
        telegram_webhook_secret=get(TELEGRAM_WEBHOOK_SECRET),
        telegram_api_base_url=get(TELEGRAM_API_BASE_URL),
        twilio_api_base_url=get(TWILIO_API_BASE_URL),
        smtp_username=get(SMTP_USERNAME),
        smtp_password=get(SMTP_PASSWORD),
    )
    channels = settings.channels
    needed: list[tuple[str, str | None, str]] = []
    if twilio_in_use(settings):
        on = [n for n in ("sms", "whatsapp", "voice") if getattr(channels, n).enabled]
        which = "channels." + "/".join(on)
        needed += [
            (TWILIO_ACCOUNT_SID, secrets.twilio_account_sid, which),
            (TWILIO_AUTH_TOKEN, secrets.twilio_auth_token, which),
        ]
    if channels.telegram.enabled:
        needed.append((TELEGRAM_BOT_TOKEN, secrets.telegram_bot_token, "channels.telegram"))
        if telegram_webhook:
            needed.append(
                (TELEGRAM_WEBHOOK_SECRET, secrets.telegram_webhook_secret, "channels.telegram")
            )
    for name, value, section in needed:
        if value is None:
            raise ConfigError(
                key=name,
                reason=f"{section} is enabled in the configuration, but the environment "
                f"variable {name} is not set",
            )
    if secrets.telegram_webhook_secret is not None:
        _check_webhook_secret(secrets.telegram_webhook_secret)
    for name, value in (
        (TWILIO_AUTH_TOKEN, secrets.twilio_auth_token),
        (TELEGRAM_WEBHOOK_SECRET, secrets.telegram_webhook_secret),
    ):
        # These two are all that tells a forged webhook from a real one; a short one can
        # be guessed.
        if value is not None and len(value) < MIN_SECRET_LENGTH:
            raise ConfigError(
                key=name,
                reason=f"the environment variable {name} is shorter than {MIN_SECRET_LENGTH} "
                "characters; use a long random value (e.g. `openssl rand -hex 32`)",
            )
    for name, number in (
        ("channels.sms.from_number", channels.sms.from_number if channels.sms.enabled else ""),
        (
            "channels.whatsapp.from_number",
            channels.whatsapp.from_number if channels.whatsapp.enabled else "",
        ),
    ):
        if number is None:
            raise ConfigError(key=name, reason="the channel is enabled but has no number")
    return secrets


def _check_webhook_secret(value: str) -> None:
    # Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and -; anything else makes
    # setWebhook fail later with a less helpful message.
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    if not (1 <= len(value) <= 256) or set(value) - allowed:
        raise ConfigError(
            key=TELEGRAM_WEBHOOK_SECRET,
            reason="use 1-256 characters: letters, digits, _ and - (Telegram's rule)",
        )
