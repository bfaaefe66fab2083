"""Configuration: config.yml, overridden by DORPSPLEIN_* environment variables.

Secrets never live in config.yml; they come from the environment under the names their
platforms' users know (see `Secrets`).
"""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)
from sqlalchemy.engine import make_url

from core.errors import ConfigError
from orders.errors import InvalidPhoneError
from orders.residents import normalise_phone

_DAY_NAMES = {
    "mon": "mon", "ma": "mon", "maandag": "mon", "monday": "mon",
    "tue": "tue", "di": "tue", "dinsdag": "tue", "tuesday": "tue",
    "wed": "wed", "wo": "wed", "woensdag": "wed", "wednesday": "wed",
    "thu": "thu", "do": "thu", "donderdag": "thu", "thursday": "thu",
    "fri": "fri", "vr": "fri", "vrijdag": "fri", "friday": "fri",
    "sat": "sat", "za": "sat", "zaterdag": "sat", "saturday": "sat",
    "sun": "sun", "zo": "sun", "zondag": "sun", "sunday": "sun",
}  # fmt: skip
_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def weekday_code(value: object) -> str:
    day = _DAY_NAMES.get(str(value).strip().lower())
    if day is None:
        raise ValueError(f"{value!r} is not a weekday (use mon..sun or ma..zo)")
    return day


Weekday = Annotated[str, BeforeValidator(weekday_code)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoundSchedule(_Section):
    days: list[Weekday] = Field(min_length=1)
    window: str = "10:00-12:00"
    cutoff: time = time(20, 0)
    cutoff_days_before: int = Field(default=1, ge=0, le=6)

    @field_validator("window")
    @classmethod
    def _check_window(cls, value: str) -> str:
        match = _WINDOW.match(value)
        if match is None:
            raise ValueError("window must look like 10:00-12:00")
        start, end = (int(match[1]), int(match[2])), (int(match[3]), int(match[4]))
        if not (0 <= start[0] < 24 and 0 <= end[0] < 24 and start < end):
            raise ValueError("window must be a time range within one day, start before end")
        return value

    @property
    def start(self) -> time:
        match = _WINDOW.match(self.window)
        assert match is not None
        return time(int(match[1]), int(match[2]))

    @property
    def end(self) -> time:
        match = _WINDOW.match(self.window)
        assert match is not None
        return time(int(match[3]), int(match[4]))


class Coordinator(_Section):
    name: str
    phone: str

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str) -> str:
        try:
            return normalise_phone(value)
        except InvalidPhoneError:
            raise ValueError(f"{value!r} is not a phone number") from None


class Courier(_Section):
    name: str
    # How the courier gets the round list: sms | whatsapp | telegram | email | log.
    channel: Literal["sms", "whatsapp", "telegram", "email", "log"] = "log"
    address: str | None = None


class Channel(_Section):
    enabled: bool = False


class TwilioChannel(Channel):
    # The Twilio number (or whatsapp:+... sender) messages go out from.
    from_number: str | None = None


# -- WhatsApp templates (added by the channels work) ------------------------------------------
class WhatsAppTemplate(_Section):
    # A Twilio Content template SID (HX...) approved by WhatsApp: the only thing that may be
    # sent more than 24 hours after the resident's last message.
    content_sid: str
    # Template variable ("1", "2", ...) -> what fills it: "text", "recipient_name", or a key
    # of the outbox message's payload.
    variables: dict[str, str] = Field(default_factory=dict)


class WhatsAppChannel(TwilioChannel):
    # Per outbox message kind (order_confirmation, call_summary, ...).
    templates: dict[str, WhatsAppTemplate] = Field(default_factory=dict)


# -- end of WhatsApp templates ---------------------------------------------------------------


class EmailChannel(Channel):
    smtp_host: str = "localhost"
    smtp_port: int = 25
    sender: str = "dorpsplein@localhost"


class Channels(_Section):
    sms: TwilioChannel = TwilioChannel()
    whatsapp: WhatsAppChannel = WhatsAppChannel()
    voice: Channel = Channel()
    telegram: Channel = Channel()
    email: EmailChannel = EmailChannel()


class NluSettings(_Section):
    engine: Literal["builtin", "rasa"] = "builtin"
    rasa_url: str | None = None


class OrderLimits(_Section):
    """Amounts beyond these are asked about and never placed as they are."""

    max_pieces_per_line: int = Field(default=50, ge=1)
    max_grams_per_line: int = Field(default=10_000, ge=100)
    max_total_euros: float = Field(default=250.0, gt=0)


class Retention(_Section):
    """Days personal data is kept; see conversations.retention."""

    # At least two days: Telegram re-delivers an update for up to a day, and a replay must
    # still find the message it repeats.
    messages_days: int = Field(default=90, ge=2)
    call_states_days: int = Field(default=7, ge=1)
    registrations_days: int = Field(default=30, ge=1)


class RateLimits(_Section):
    """Messages answered per minute; beyond them one kind notice, then quiet until it passes."""

    per_sender_per_minute: int = Field(default=20, ge=1)
    global_per_minute: int = Field(default=600, ge=1)


class StandingOrders(_Section):
    """Weekly standing orders: when the reminder goes, and how much dearer is still fine."""

    # The reminder goes this many days before the round, at this local time (and at the
    # latest an hour before the cut-off).
    remind_days_before_round: int = Field(default=1, ge=0, le=6)
    remind_at: time = time(10, 0)
    # A product more than this many percent dearer than when she agreed is left out and
    # named in the reminder; never silently bought at the new price.
    max_price_rise_percent: float = Field(default=10, ge=0, le=1000)


class WebSettings(_Section):
    # The API schema and its pages tell strangers what the webhooks take: off unless wanted.
    openapi: bool = False
    # Twilio forms and Telegram updates are a few KiB; larger requests are refused unread.
    max_request_kib: int = Field(default=64, ge=8, le=1024)
    # A catalogue CSV uploaded on the coordinator's page: a few thousand products fit.
    max_upload_kib: int = Field(default=2048, ge=64, le=65536)
    # Send the session cookie only over https (on when public_url is https, or "always").
    secure_cookies: Literal["auto", "always", "never"] = "auto"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DORPSPLEIN_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    village: str
    language: Literal["nl", "en"] = "nl"
    timezone: str = "Europe/Amsterdam"
    delivery_area: list[str] = Field(min_length=1)
    rounds: RoundSchedule
    coordinator: Coordinator
    courier: Courier = Courier(name="Koerier")
    registration_open: bool = True
    database_url: str = "sqlite:///var/dorpsplein.db"
    public_url: str | None = None
    channels: Channels = Channels()
    nlu: NluSettings = NluSettings()
    standing_orders: StandingOrders = StandingOrders()
    limits: OrderLimits = OrderLimits()
    rate_limits: RateLimits = RateLimits()
    web: WebSettings = WebSettings()
    retention: Retention = Retention()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone like Europe/Amsterdam") from None
        return value

    @field_validator("delivery_area")
    @classmethod
    def _area(cls, value: list[str]) -> list[str]:
        for prefix in value:
            if not re.fullmatch(r"\d{4}(\s?[A-Za-z]{2})?", str(prefix).strip()):
                raise ValueError(f"{prefix!r} is not a postcode or 4-digit postcode prefix")
        return [str(prefix).strip().upper() for prefix in value]

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str) -> str:
        try:
            make_url(value)
        except Exception:
            raise ValueError(f"{value!r} is not a database URL") from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, YamlConfigSettingsSource(settings_cls)


def config_path(explicit: Path | None = None) -> Path:
    return explicit or Path(os.environ.get("DORPSPLEIN_CONFIG", "config.yml"))


def load_settings(path: Path | None = None) -> Settings:
    """Read and check the configuration; a mistake names the key that is wrong."""
    path = config_path(path)
    if not path.is_file():
        raise ConfigError(key="DORPSPLEIN_CONFIG", reason=f"no configuration file at {path}")
    bound = type(
        "FileSettings",
        (Settings,),
        {"model_config": SettingsConfigDict(**{**Settings.model_config, "yaml_file": path})},
    )
    try:
        settings: Settings = bound()
    except yaml.YAMLError as error:
        raise ConfigError(key=str(path), reason=f"not valid YAML: {error}") from None
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or str(path)
        reason = "required but missing" if first["type"] == "missing" else first["msg"]
        raise ConfigError(key=key, reason=reason) from None
    return settings.model_copy(
        update={"database_url": _anchor_sqlite(settings.database_url, path.parent)}
    )


def _anchor_sqlite(url: str, base: Path) -> str:
    """A relative SQLite path is relative to the config file, not to wherever we were started."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return url
    if parsed.database == ":memory:" or Path(parsed.database).is_absolute():
        return url
    return parsed.set(database=str((base / parsed.database).resolve())).render_as_string(
        hide_password=False
    )
