"""Logs without residents' phone numbers or message texts (AVG/GDPR).

Our own log calls name message ids and order numbers, never a text. What we do not write
ourselves is made safe here, on every log record before any handler sees it: tracebacks from
the web server, the Telegram library and the worker. Phone numbers (and other long digit runs
such as Telegram chat ids) are masked to their first and last digits, `+316*****678`.
Exception messages lose what may quote a resident: the bound parameters SQLAlchemy appends to
a failed statement, PostgreSQL's DETAIL lines (a failing row, a duplicate key), the input
pydantic echoes, and quoted strings with spaces in them (a message text given to an exception
with `!r`). Telegram bot tokens in URLs are hidden too.

The filter is installed on the log record factory, so it holds for every logger and handler,
including those uvicorn configures after start-up.
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from typing import Any

# +31 6 1234 5678, 0031612345678, 06-12345678, 030 656 0000, whatsapp:+316...; and bare runs
# of 9 or more digits (a number without +, a Telegram chat id). Dates and times start neither
# with + nor with 0 and are shorter.
_PHONE = re.compile(r"(?<![\w+])(?:\+\d(?:[ \-]?\d){7,14}|0\d(?:[ \-]?\d){7,13}|\d{9,})(?!\w)")
_BOT_TOKEN = re.compile(r"\bbot\d+:[\w-]{20,}")
_SQL_PARAMETERS = re.compile(r"^\[parameters: .*$", re.MULTILINE)
_DETAIL = re.compile(r"^DETAIL: .*$", re.MULTILINE)
_INPUT_VALUE = re.compile(r"input_value=(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,\]\s]+)")
# A quoted string holding whitespace: how a message text looks when an exception quotes it.
_QUOTED_WORDS = re.compile(
    r"'(?:[^'\\\n]|\\.)*\s(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\s(?:[^\"\\\n]|\\.)*\""
)
# Lines of a traceback that show our source code rather than what an exception said.
_FRAME_LINE = re.compile(r"^(\s|Traceback \(most recent call last\):$)")

_installed = False
_lock = threading.Lock()


def mask_phone(number: str) -> str:
    """+31612345678 -> +316*****678: enough to tell numbers apart in a log, not to call one."""
    digits = re.sub(r"[ \-]", "", number)
    keep_start = 4 if digits.startswith("+") else 3
    hidden = max(len(digits) - keep_start - 3, 1)
    return digits[:keep_start] + "*" * hidden + digits[-3:]


def mask_phones(text: str) -> str:
    return _BOT_TOKEN.sub("bot<token>", _PHONE.sub(lambda m: mask_phone(m.group()), text))


def redact_exception(text: str) -> str:
    """A formatted traceback without phone numbers and without what may quote a message."""
    text = _SQL_PARAMETERS.sub("[parameters: hidden]", text)
    text = _DETAIL.sub("DETAIL: (hidden)", text)
    text = _INPUT_VALUE.sub("input_value=<hidden>", text)
    lines = [
        line if _FRAME_LINE.match(line) else _QUOTED_WORDS.sub("'<text>'", line)
        for line in text.split("\n")
    ]
    return mask_phones("\n".join(lines))


class PrivacyFilter(logging.Filter):
    """Rewrites a record in place: message and arguments masked, traceback rendered and redacted.

    The arguments keep their places and numbers stay numbers, for formatters that read them
    (uvicorn's access log does). The live exception is dropped from the record, so no handler
    can render it unmasked. Applying the filter twice changes nothing more.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_phones(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_safe(value) for value in record.args)
        elif record.args:
            record.args = {key: _safe(value) for key, value in record.args.items()}
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact_exception(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_exception(record.stack_info)
        return True


def _safe(value: object) -> object:
    if value is None or isinstance(value, int | float):
        return value
    return mask_phones(value if isinstance(value, str) else str(value))


def install_log_privacy() -> None:
    """Make every log record of this process safe, once; later calls do nothing."""
    global _installed
    with _lock:
        if _installed:
            return
        make_record = logging.getLogRecordFactory()
        privacy = PrivacyFilter()

        def safe_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = make_record(*args, **kwargs)
            privacy.filter(record)
            return record

        logging.setLogRecordFactory(safe_record)
        _installed = True
