"""Retention: messages, calls and abandoned registrations go when their days are up."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue import Dialogue
from bot.messages import InboundMessage
from bot.settings import Retention
from bot.wiring import Runtime
from bot.worker import work_once
from conversations import retention
from conversations.models import (
    CallState,
    ChannelNotice,
    RateLimited,
    Registration,
)
from conversations.models import (
    InboundMessage as InboundRecord,
)
from conversations.retention import apply_retention, expire
from core.database import unit_of_work
from orders.models import OutboxMessage
from tests.conversations.privacy_data import JANSEN, NOW, days_ago, inbound, outbox

POLICY = Retention(messages_days=90, call_states_days=7, registrations_days=30)


@pytest.fixture
def aged(village: Runtime) -> sessionmaker[Session]:
    """Records on both sides of every window, a second apart."""
    just = timedelta(seconds=1)
    with unit_of_work(village.sessions) as session:
        for name, age in (("old", days_ago(90) - just), ("young", days_ago(90) + just)):
            inbound(session, channel="sms", sender=JANSEN, text=name, at=age, sid=name)
            outbox(session, recipient=JANSEN, text=f"sent {name}", at=age)
            outbox(session, recipient=JANSEN, text=f"failed {name}", at=age, status="failed")
            outbox(session, recipient=JANSEN, text=f"pending {name}", at=age, status="pending")
            session.add(
                RateLimited(
                    channel="sms",
                    sender=f"+3161111{name}",
                    count=3,
                    first_limited_at=age,
                    last_limited_at=age,
                )
            )
            session.add(ChannelNotice(channel="telegram", address=name, kind="group", sent_at=age))
        for name, age in (("old", days_ago(7) - just), ("young", days_ago(7) + just)):
            session.add(CallState(call_sid=name, caller=JANSEN, created_at=age, updated_at=age))
        for name, age in (("old", days_ago(30) - just), ("young", days_ago(30) + just)):
            session.add(
                Registration(kind="phone", address=name, step="name", data={}, updated_at=age)
            )
    return village.sessions


def left(sessions: sessionmaker[Session]) -> dict[str, set[str]]:
    with sessions() as session:
        return {
            "messages": set(session.scalars(select(InboundRecord.text))),
            "outbox": set(session.scalars(select(OutboxMessage.text))),
            "limited": set(session.scalars(select(RateLimited.sender))),
            "notices": set(session.scalars(select(ChannelNotice.address))),
            "calls": set(session.scalars(select(CallState.call_sid))),
            "registrations": set(session.scalars(select(Registration.address))),
        }


def test_what_is_past_its_window_goes_and_the_rest_stays(aged: sessionmaker[Session]) -> None:
    with unit_of_work(aged) as session:
        report = apply_retention(session, now=NOW, policy=POLICY)
    assert report == retention.RetentionReport(
        messages=1, outbox=2, rate_limited=1, notices=1, call_states=1, registrations=1
    )
    assert left(aged) == {
        "messages": {"young"},
        # A message still waiting to go out is never dropped, however old.
        "outbox": {"sent young", "failed young", "pending young", "pending old"},
        "limited": {"+3161111young"},
        "notices": {"young"},
        "calls": {"young"},
        "registrations": {"young"},
    }
    with unit_of_work(aged) as session:
        again = apply_retention(session, now=NOW, policy=POLICY)
    assert again == retention.RetentionReport()


def test_the_worker_applies_retention_on_its_pass(village: Runtime, aged: object) -> None:
    runtime = village
    settings = runtime.settings.model_copy(update={"retention": POLICY})
    work_once(Runtime(settings, runtime.engine, runtime.sessions), senders={}, now=NOW)
    assert left(runtime.sessions)["messages"] == {"young"}
    # A month later the young ones are old enough too.
    later = NOW + timedelta(days=31)
    work_once(Runtime(settings, runtime.engine, runtime.sessions), senders={}, now=later)
    remaining = left(runtime.sessions)
    assert remaining["messages"] == set()
    assert remaining["registrations"] == set()
    assert remaining["calls"] == set()


def test_a_failing_retention_pass_leaves_the_worker_running(
    village: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy.exc import OperationalError

    def broken(session: Session, *, now: datetime, policy: Retention) -> None:
        raise OperationalError("DELETE", {}, Exception("database is locked"))

    monkeypatch.setattr(retention, "apply_retention", broken)
    assert expire(village.sessions, now=NOW, policy=POLICY) is None
    assert "retention pass failed" in caplog.text


def test_a_replay_older_than_the_window_is_a_new_message(
    village: Runtime, dialogue: Dialogue
) -> None:
    first = InboundMessage(channel="sms", sender=JANSEN, text="help", message_id="SM-old")
    asked_then = dialogue.handle(first, now=days_ago(91))
    assert dialogue.handle(first, now=days_ago(91)) == asked_then
    with unit_of_work(village.sessions) as session:
        apply_retention(session, now=NOW, policy=POLICY)
    with village.sessions() as session:
        assert session.scalars(select(InboundRecord)).all() == []
    # Months later the platform will not replay it; if it did, it is simply answered again.
    assert [r.text for r in dialogue.handle(first, now=NOW)] == [r.text for r in asked_then]


def test_retention_days_are_checked() -> None:
    with pytest.raises(ValueError):
        Retention(messages_days=1)
    with pytest.raises(ValueError):
        Retention(call_states_days=0)
