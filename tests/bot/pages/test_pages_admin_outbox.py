"""The coordinator's messages page (/admin/outbox): failed messages with their reason and a
button to try again, the counts per status, and what waits or was only logged (reached nobody)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.dialogue import Dialogue
from bot.senders import LogSender
from bot.wiring import Runtime
from bot.worker import close_now
from core.database import unit_of_work
from orders.models import DeliveryRound, OutboxMessage, OutboxStatus
from orders.outbox import (
    MAX_ATTEMPTS,
    OutgoingMessage,
    PermanentSendError,
    Sender,
    TransientSendError,
    deliver_due,
)
from tests.bot.conftest import JANSEN, Talk
from tests.bot.pages.conftest import (
    BAKER,
    COORDINATOR,
    COURIER,
    Clock,
    Live,
    csrf_of,
    shoot,
)

CHANNELS = ("sms", "whatsapp", "telegram", "email", "log")


class Refusing:
    """The platform's side: this number does not exist."""

    def send(self, message: OutgoingMessage) -> None:
        raise PermanentSendError(reason="21211 invalid 'To' phone number")


class Flaky:
    """The platform's side: busy, try again later."""

    def send(self, message: OutgoingMessage) -> None:
        raise TransientSendError(reason="platform busy")


class Taking:
    def send(self, message: OutgoingMessage) -> None:
        pass


def deliver(runtime: Runtime, sender: Sender, now: datetime) -> None:
    deliver_due(
        runtime.sessions,
        senders={channel: sender for channel in CHANNELS},
        now=now,
        limit=100,
        clock=lambda: now,
    )


def failed_confirmation(dialogue: Dialogue, runtime: Runtime, clock: Clock) -> int:
    """Jansen orders; her confirmation fails for good. Its id."""
    talk = Talk(dialogue, sender=JANSEN)
    talk.send("2 krentenbollen")
    assert "Bestelnummer" in talk.send("ja")
    deliver(runtime, Refusing(), clock())
    with unit_of_work(runtime.sessions) as session:
        message = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "order_confirmation")
        ).one()
        assert message.status == OutboxStatus.FAILED.value
        return message.id


def message(runtime: Runtime, message_id: int) -> OutboxMessage:
    with unit_of_work(runtime.sessions) as session:
        found = session.get(OutboxMessage, message_id)
        assert found is not None
        return found


def count(page: str, status: str) -> int:
    found = re.search(rf'id="count-{status}">(\d+)<', page)
    assert found, status
    return int(found.group(1))


def test_a_failed_message_is_shown_with_whom_what_how_why_and_how_often(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime, clock: Clock
) -> None:
    failed_confirmation(dialogue, village, clock)
    page = client_as(COORDINATOR).get("/admin/outbox").text
    failed = page.split('id="h-failed"')[1].split("</section>")[0]
    assert "Mevrouw A. Jansen" in failed
    assert "Bevestiging bestelling" in failed
    assert ">sms<" in failed
    assert "21211 invalid &#39;To&#39; phone number" in failed
    assert '<td data-label="Pogingen" class="num">1</td>' in failed
    assert "ma 7 dec 09:00" in failed
    assert "Opnieuw proberen" in failed
    assert count(page, "failed") == 1
    assert count(page, "pending") == 0


def test_retrying_puts_the_message_back_in_line_and_the_worker_then_sends_it(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime, clock: Clock
) -> None:
    message_id = failed_confirmation(dialogue, village, clock)
    clock.advance(minutes=30)
    client = client_as(COORDINATOR)
    answer = client.post(
        f"/admin/outbox/{message_id}/retry",
        data={"csrf_token": csrf_of(client, "/admin/outbox")},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert f"Bericht {message_id} staat weer klaar." in page
    assert "Er zijn geen mislukte berichten." in page
    assert count(page, "pending") == 1 and count(page, "failed") == 0
    waiting = page.split('id="h-latest"')[1]
    assert "Mevrouw A. Jansen" in waiting and "Wachtend" in waiting
    retried = message(village, message_id)
    assert retried.status == OutboxStatus.PENDING.value
    assert retried.next_attempt_at == clock()
    assert retried.attempts == 0  # a fresh set of tries
    assert retried.last_error == "21211 invalid 'To' phone number"  # kept until it goes
    deliver(village, Taking(), clock())
    assert message(village, message_id).status == OutboxStatus.SENT.value
    assert count(client.get("/admin/outbox").text, "sent") == 1


def test_a_message_that_ran_out_of_tries_gets_all_its_tries_again(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime, clock: Clock
) -> None:
    talk = Talk(dialogue, sender=JANSEN)
    talk.send("2 krentenbollen")
    talk.send("ja")
    for _ in range(MAX_ATTEMPTS):
        deliver(village, Flaky(), clock())
        clock.advance(hours=2)
    with unit_of_work(village.sessions) as session:
        gave_up = session.scalars(select(OutboxMessage)).one()
        assert gave_up.status == OutboxStatus.FAILED.value
        assert gave_up.last_error == f"gave up after {MAX_ATTEMPTS} attempts: platform busy"
        message_id = gave_up.id
    client = client_as(COORDINATOR)
    token = csrf_of(client, "/admin/outbox")
    client.post(f"/admin/outbox/{message_id}/retry", data={"csrf_token": token})
    deliver(village, Flaky(), clock())
    # One more hiccup is one more try, not the end.
    again = message(village, message_id)
    assert (again.status, again.attempts) == (OutboxStatus.PENDING.value, 1)


def test_retrying_a_message_that_did_not_fail_changes_nothing(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime, clock: Clock
) -> None:
    talk = Talk(dialogue, sender=JANSEN)
    talk.send("2 krentenbollen")
    talk.send("ja")
    with unit_of_work(village.sessions) as session:
        pending = session.scalars(select(OutboxMessage)).one()
        message_id, due = pending.id, pending.next_attempt_at
    clock.advance(minutes=5)
    client = client_as(COORDINATOR)
    token = csrf_of(client, "/admin/outbox")
    page = client.post(f"/admin/outbox/{message_id}/retry", data={"csrf_token": token}).text
    assert f"Bericht {message_id} is niet mislukt. Er is niets veranderd." in page
    unchanged = message(village, message_id)
    assert (unchanged.status, unchanged.next_attempt_at) == (OutboxStatus.PENDING.value, due)


def test_an_unknown_message_is_not_found(client_as: Callable[[str], TestClient]) -> None:
    client = client_as(COORDINATOR)
    token = csrf_of(client, "/admin/outbox")
    assert client.post("/admin/outbox/9999/retry", data={"csrf_token": token}).status_code == 404


def test_a_message_only_logged_is_shown_as_having_reached_nobody(
    client_as: Callable[[str], TestClient],
    dialogue: Dialogue,
    village: Runtime,
    clock: Clock,
    tmp_path: Path,
) -> None:
    talk = Talk(dialogue, sender=JANSEN)
    talk.send("2 krentenbollen")
    talk.send("ja")
    with unit_of_work(village.sessions) as session:
        round_id = session.scalars(select(DeliveryRound.id)).one()
    close_now(village, round_id=round_id, now=clock())
    deliver(village, LogSender(path=tmp_path / "outbox.log"), clock())
    page = client_as(COORDINATOR).get("/admin/outbox").text
    assert count(page, "logged") == 3  # confirmation, the bakery's list, the courier's
    latest = page.split('id="h-latest"')[1]
    assert "Bakkerij Van Rossum" in latest
    assert "Lijst voor winkel" in latest and "Rijlijst voor koerier" in latest
    assert latest.count("Niemand bereikt.") == 3
    assert "het bericht is alleen in var/outbox.log geschreven. Het heeft niemand bereikt." in page


def test_retrying_without_the_csrf_token_is_refused(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime, clock: Clock
) -> None:
    message_id = failed_confirmation(dialogue, village, clock)
    client = client_as(COORDINATOR)
    client.get("/admin/outbox")
    for data in ({}, {"csrf_token": "guess"}):
        assert client.post(f"/admin/outbox/{message_id}/retry", data=data).status_code == 403
    assert message(village, message_id).status == OutboxStatus.FAILED.value


@pytest.mark.parametrize("email", [BAKER, COURIER])
def test_shops_and_the_courier_may_not_see_or_retry_messages(
    client_as: Callable[[str], TestClient],
    dialogue: Dialogue,
    village: Runtime,
    clock: Clock,
    email: str,
) -> None:
    message_id = failed_confirmation(dialogue, village, clock)
    client = client_as(email)
    token = csrf_of(client, client.get("/", follow_redirects=False).headers["location"])
    assert client.get("/admin/outbox").status_code == 403
    answer = client.post(f"/admin/outbox/{message_id}/retry", data={"csrf_token": token})
    assert answer.status_code == 403
    assert message(village, message_id).status == OutboxStatus.FAILED.value


def test_the_coordinator_retries_a_failed_message_in_the_browser(
    browse: Callable[..., Any], live: Live, dialogue: Dialogue, clock: Clock, tmp_path: Path
) -> None:
    message_id = failed_confirmation(dialogue, live.runtime, clock)
    with unit_of_work(live.runtime.sessions) as session:
        round_id = session.scalars(select(DeliveryRound.id)).one()
    close_now(live.runtime, round_id=round_id, now=clock())
    deliver(live.runtime, LogSender(path=tmp_path / "outbox.log"), clock())
    page = browse(COORDINATOR)
    page.goto("/admin/outbox")
    assert page.get_by_role("heading", level=1).inner_text() == "Berichten"
    assert page.get_by_text("21211 invalid 'To' phone number").is_visible()
    assert page.get_by_text("Niemand bereikt.").first.is_visible()
    page.get_by_text("Tekst tonen").first.click()
    assert page.get_by_text("bedankt voor uw bestelling").is_visible()
    shoot(page, "admin-outbox")
    page.get_by_role("button", name="Opnieuw proberen").click()
    page.wait_for_load_state()
    assert f"Bericht {message_id} staat weer klaar." in page.get_by_role("status").inner_text()
    assert page.get_by_text("Er zijn geen mislukte berichten.").is_visible()
    shoot(page, "admin-outbox-retried")
    assert message(live.runtime, message_id).status == OutboxStatus.PENDING.value
