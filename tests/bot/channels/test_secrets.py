"""Secrets come from the environment; an enabled channel without its secret stops start-up."""

from __future__ import annotations

import pytest

from bot.secrets import load_secrets
from bot.settings import Channel, Channels, Settings, TwilioChannel
from core.errors import ConfigError


def with_channels(settings: Settings, **channels: object) -> Settings:
    return settings.model_copy(update={"channels": Channels(**channels)})  # type: ignore[arg-type]


def test_nothing_enabled_needs_nothing(settings: Settings) -> None:
    assert load_secrets(settings, environ={}).twilio_auth_token is None


def test_sms_without_twilio_token_names_the_variable(settings: Settings) -> None:
    sms = with_channels(settings, sms=TwilioChannel(enabled=True, from_number="+3197010000000"))
    with pytest.raises(ConfigError) as error:
        load_secrets(sms, environ={"TWILIO_ACCOUNT_SID": "AC1"})
    assert error.value.key == "TWILIO_AUTH_TOKEN"
    assert "channels.sms" in error.value.reason


def test_telegram_needs_the_webhook_secret_unless_polling(settings: Settings) -> None:
    telegram = with_channels(settings, telegram=Channel(enabled=True))
    with pytest.raises(ConfigError) as error:
        load_secrets(telegram, environ={"TELEGRAM_BOT_TOKEN": "1:x"})
    assert error.value.key == "TELEGRAM_WEBHOOK_SECRET"
    polling = load_secrets(telegram, environ={"TELEGRAM_BOT_TOKEN": "1:x"}, telegram_webhook=False)
    assert polling.telegram_bot_token == "1:x"


def test_a_webhook_secret_telegram_would_refuse_is_caught_early(settings: Settings) -> None:
    telegram = with_channels(settings, telegram=Channel(enabled=True))
    env = {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": "has spaces!"}
    with pytest.raises(ConfigError, match="letters, digits"):
        load_secrets(telegram, environ=env)


def test_tokens_never_show_in_repr(settings: Settings) -> None:
    sms = with_channels(settings, sms=TwilioChannel(enabled=True, from_number="+3197010000000"))
    secrets = load_secrets(
        sms,
        environ={"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "zz-secret-0123456789abcdef"},
    )
    assert "zz-secret-0123456789abcdef" not in repr(secrets)


@pytest.mark.parametrize(
    ("name", "channels", "env"),
    [
        (
            "TWILIO_AUTH_TOKEN",
            {"sms": TwilioChannel(enabled=True, from_number="+3197010000000")},
            {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "fifteen-chars15"},
        ),
        (
            "TELEGRAM_WEBHOOK_SECRET",
            {"telegram": Channel(enabled=True)},
            {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_SECRET": "x"},
        ),
    ],
)
def test_a_short_webhook_secret_is_refused_at_start_up(
    settings: Settings, name: str, channels: dict[str, object], env: dict[str, str]
) -> None:
    with pytest.raises(ConfigError) as error:
        load_secrets(with_channels(settings, **channels), environ=env)
    assert error.value.key == name
    assert name in error.value.reason and "16" in error.value.reason
