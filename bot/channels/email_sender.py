"""E-mail for shops that want their round list in the inbox (stdlib smtplib)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from orders.outbox import OutgoingMessage, PermanentSendError, TransientSendError


class EmailSender:
    channel = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._timeout = timeout

    def send(self, message: OutgoingMessage) -> None:
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.recipient
        mail["Subject"] = subject_of(message)
        mail["Date"] = formatdate(localtime=False)
        # A stable id per outbox row lets a mail client drop the copy a retry might make.
        mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain="dorpsplein")
        mail.set_content(message.text)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._username and self._password:
                    smtp.starttls()
                    smtp.login(self._username, self._password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _ in error.recipients.values()})
            reason = f"recipient refused by the mail server ({', '.join(map(str, codes))})"
            if all(400 <= code < 500 for code in codes):
                raise TransientSendError(reason=reason) from error
            raise PermanentSendError(reason=reason) from error
        except smtplib.SMTPAuthenticationError as error:
            raise TransientSendError(reason=f"SMTP login failed ({error.smtp_code})") from error
        except smtplib.SMTPResponseException as error:
            reason = f"mail server answered {error.smtp_code}: {_text(error.smtp_error)}"
            if 400 <= error.smtp_code < 500:
                raise TransientSendError(reason=reason) from error
            raise PermanentSendError(reason=reason) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TransientSendError(reason=f"mail server not reachable: {error}") from error


def subject_of(message: OutgoingMessage) -> str:
    subject = str((message.payload or {}).get("subject") or "")
    if not subject:
        first = next((line for line in message.text.splitlines() if line.strip()), "Dorpsplein")
        subject = first.strip()
    return subject if len(subject) <= 120 else subject[:117] + "..."


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
