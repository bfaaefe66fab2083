"""Rate limits (issue 9): one number's burst is held back, everyone else is still served.

The counts live in the database, so they hold across server processes: two apps on one
database share them. The clock of the limiter is held still, so no burst straddles a minute.
"""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.main import app as cli
from bot.secrets import Secrets
from bot.settings import RateLimits
from bot.web import Service, bound_socket, build_server
from bot.wiring import start
from conversations.models import InboundMessage as InboundRecord
from conversations.rate_limits import RateLimiter
from core.database import utcnow
from orders.models import OutboxMessage
from orders.opt_outs import is_opted_out
from tests.bot.channels.conftest import (
    DE_VRIES,
    DE_VRIES_TELEGRAM,
    JANSEN,
    Served,
    sign,
    sms_form,
    text_update,
)

NOW = utcnow()


@pytest.fixture
def served_settings() -> dict[str, Any]:
    return {"rate_limits": RateLimits(per_sender_per_minute=20, global_per_minute=600)}


@pytest.fixture(autouse=True)
def still_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[datetime]:
    monkeypatch.setattr("bot.channels.messaging.utcnow", lambda: NOW)
    yield NOW


def said(twiml: str) -> str:
    return "\n".join(m.text or "" for m in ET.fromstring(twiml).iter("Message"))


def test_a_burst_of_200_is_limited_and_another_resident_is_still_served(
    served: Served, config_file: Path
) -> None:
    answers = [served.sms(JANSEN, "hallo") for _ in range(200)]
    assert [a.status_code for a in answers] == [200] * 200
    texts = [said(a.text) for a in answers]
    assert all(texts[:20])
    assert "veel berichten" in texts[20]
    assert texts[21:] == [""] * 179
    # The quiet ones never reached the dialogue: nothing stored, nothing to send.
    with served.runtime.sessions() as session:
        handled = session.scalar(
            select(func.count()).select_from(InboundRecord).where(InboundRecord.sender == JANSEN)
        )
        queued = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == JANSEN)
        )
    assert handled == 20
    assert queued == 0

    other = served.sms(DE_VRIES, "wat kost de appeltaart?")
    assert other.status_code == 200
    assert "Appeltaart" in said(other.text)

    listed = CliRunner().invoke(cli, ["limits", "list", "--json", "--config", str(config_file)])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(r["sender"], r["channel"], r["count"]) for r in rows] == [(JANSEN, "sms", 180)]
    assert rows[0]["first_limited_at"] <= rows[0]["last_limited_at"]
    table = CliRunner().invoke(cli, ["limits", "list", "--config", str(config_file)])
    assert JANSEN in table.output and "180" in table.output


def test_stop_still_works_while_limited(served: Served) -> None:
    for _ in range(25):
        served.sms(JANSEN, "hallo")
    assert served.sms(JANSEN, "STOP").status_code == 200
    with served.runtime.sessions() as session:
        assert is_opted_out(session, channel="sms", address=JANSEN)


def test_the_limit_holds_across_two_app_instances(served: Served) -> None:
    """A second process on the same database: here a second app, built the same way."""
    runtime = start(settings=served.runtime.settings)
    secrets = Secrets(
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="test-auth-token-0123456789abcdef",
        telegram_bot_token="123456:TEST-token",
        telegram_webhook_secret="s3cret-Token_for-tests",
        telegram_api_base_url=served.telegram.base_url,
        twilio_api_base_url=served.twilio.url,
    )
    second = Service(runtime, secrets=secrets, parser=served.service.parser)
    sock = bound_socket("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = build_server(second.app, host="127.0.0.1", port=0, log_level="warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            threading.Event().wait(0.02)
        texts: list[str] = []
        for number in range(30):
            form = sms_form(JANSEN, "hallo")
            if number % 2:
                # Both apps believe they are the public URL: a proxy in front of two processes.
                response = httpx.post(
                    url + "/twilio/sms",
                    data=form,
                    headers={"X-Twilio-Signature": sign(served.url + "/twilio/sms", form)},
                    timeout=30,
                )
            else:
                response = served.post_twilio("/twilio/sms", form)
            assert response.status_code == 200
            texts.append(said(response.text))
        assert sum(1 for text in texts if text and "veel berichten" not in text) == 20
        assert sum(1 for text in texts if "veel berichten" in text) == 1
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        second.close()
        sock.close()
        runtime.engine.dispose()


def test_the_global_limit_spares_no_one_but_a_limited_sender_does_not_use_it_up(
    served: Served,
) -> None:
    limiter = RateLimiter(served.runtime.sessions, per_sender=3, overall=5)
    flood = [limiter.check(channel="sms", sender=JANSEN, now=NOW) for _ in range(10)]
    assert [v.allowed for v in flood] == [True] * 3 + [False] * 7
    assert [v.notice for v in flood] == [False] * 3 + [True] + [False] * 6
    others = [
        limiter.check(channel="sms", sender=f"+316123400{n:02d}", now=NOW) for n in range(10, 14)
    ]
    # 3 of Jansen and 2 others fill the 5; the rest wait, each told once.
    assert [v.allowed for v in others] == [True, True, False, False]
    assert [v.notice for v in others] == [False, False, True, True]
    next_minute = NOW + timedelta(minutes=1)
    assert limiter.check(channel="sms", sender=JANSEN, now=next_minute).allowed


def test_a_telegram_chat_is_limited_the_same_way(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("conversations.rate_limits.utcnow", lambda: NOW)
    for _ in range(25):
        assert served.telegram_update(text_update(DE_VRIES_TELEGRAM, "hallo")) == 200
    texts = served.telegram.texts_to(DE_VRIES_TELEGRAM)
    assert len(texts) == 21
    assert "veel berichten" in texts[-1]
