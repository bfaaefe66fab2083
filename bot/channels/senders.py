"""The outbox's senders for the channels switched on in config.yml."""

from __future__ import annotations

from collections.abc import Mapping

from bot.channels.email_sender import EmailSender
from bot.channels.telegram_sender import TelegramSender
from bot.channels.twilio_sender import SmsSender, WhatsAppSender, twilio_client
from bot.secrets import Secrets
from bot.wiring import Runtime
from orders.outbox import Sender


class ChannelSenders:
    """Builds the senders once; `close` stops the Telegram sender's event loop."""

    def __init__(
        self, runtime: Runtime, secrets: Secrets, *, others: Mapping[str, Sender] | None = None
    ) -> None:
        settings = runtime.settings
        channels = settings.channels
        self.senders: dict[str, Sender] = dict(others or {})
        self._telegram: TelegramSender | None = None
        if channels.sms.enabled or channels.whatsapp.enabled or channels.voice.enabled:
            assert secrets.twilio_account_sid and secrets.twilio_auth_token
            client = twilio_client(
                secrets.twilio_account_sid,
                secrets.twilio_auth_token,
                api_base_url=secrets.twilio_api_base_url,
            )
            # Voice sends its after-call text as SMS, from the SMS number.
            sms: SmsSender | None = None
            if channels.sms.from_number:
                sms = SmsSender(
                    client=client, from_number=channels.sms.from_number, sessions=runtime.sessions
                )
                self.senders["sms"] = sms
            if channels.whatsapp.enabled and channels.whatsapp.from_number:
                self.senders["whatsapp"] = WhatsAppSender(
                    client=client,
                    from_number=channels.whatsapp.from_number,
                    sessions=runtime.sessions,
                    templates=dict(channels.whatsapp.templates),
                    # Outside the 24 hours, without a template, a real SMS rather than nothing.
                    fallback=sms,
                )
        if channels.telegram.enabled and secrets.telegram_bot_token:
            self._telegram = TelegramSender(
                token=secrets.telegram_bot_token, base_url=secrets.telegram_api_base_url
            )
            self.senders["telegram"] = self._telegram
        if channels.email.enabled:
            self.senders["email"] = EmailSender(
                host=channels.email.smtp_host,
                port=channels.email.smtp_port,
                sender=channels.email.sender,
                username=secrets.smtp_username,
                password=secrets.smtp_password,
            )

    def close(self) -> None:
        if self._telegram is not None:
            self._telegram.close()
