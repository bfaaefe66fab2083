"""The courier's page: pickups, then the stops in route order; delivered and not home, once."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.dialogue import Dialogue
from bot.web import Service
from bot.wiring import Runtime
from bot.worker import close_now
from orders.models import DeliveryRound, Order, OrderStatus, OutboxMessage
from tests.bot.conftest import JANSEN, MONDAY_MORNING, Talk
from tests.bot.pages.conftest import (
    BAKER,
    COORDINATOR,
    COURIER,
    Clock,
    Live,
    csrf_of,
    shoot,
)

DE_VRIES = "+31612340002"  # Singel 42, 3984 HB
VAN_DAM = "+31612340003"  # Brinkstraat 7, 3985 SB
WHITFIELD = "+31612340004"  # Oranjelaan 5, English
CUTOFF = MONDAY_MORNING + timedelta(hours=11)  # Monday 20:00
AT_THE_DOOR = MONDAY_MORNING + timedelta(days=1, hours=1, minutes=30)  # Tuesday 10:30
TUESDAY = MONDAY_MORNING + timedelta(days=1, hours=1)  # Tuesday 10:00, the round's start
COORDINATOR_PHONE = "+31306560000"


def order(dialogue: Dialogue, phone: str, text: str) -> int:
    """A resident orders by SMS, as people do, and says yes: her order's number."""
    talk = Talk(dialogue, sender=phone)
    talk.send(text)
    placed = re.search(r"Bestelnummer: (\d+)", talk.send("ja"))
    assert placed, f"{phone} placed no order with {text!r}"
    return int(placed.group(1))


def tuesday_round(runtime: Runtime) -> int:
    with runtime.sessions() as session:
        found = session.scalar(select(DeliveryRound.id).where(DeliveryRound.starts_at == TUESDAY))
        assert found is not None
        return int(found)


def close_tuesday(runtime: Runtime, clock: Clock) -> int:
    round_id = tuesday_round(runtime)
    report = close_now(runtime, round_id=round_id, now=CUTOFF)
    assert report.closed_now
    clock.now = AT_THE_DOOR
    return round_id


def outbox(runtime: Runtime, kind: str) -> list[OutboxMessage]:
    with runtime.sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def status_of(runtime: Runtime, order_id: int) -> tuple[str, datetime | None, datetime | None]:
    with runtime.sessions() as session:
        found = session.get(Order, order_id)
        assert found is not None
        return found.status, found.delivered_at, found.not_home_at


def the_stop_forms(page: str) -> list[tuple[str, str, list[str]]]:
    """(action, round, orders) of every stop form on the page, in page order."""
    forms = re.findall(
        r'<form method="post" action="(/courier/[a-z-]+)"[^>]*>(.*?)</form>', page, re.S
    )
    return [
        (
            action,
            re.findall(r'name="round" value="(\d+)"', body)[0],
            re.findall(r'name="order" value="(\d+)"', body),
        )
        for action, body in forms
    ]


@pytest.fixture
def three_orders(dialogue: Dialogue) -> dict[str, int]:
    return {
        "jansen": order(dialogue, JANSEN, "2 krentenbollen en een stokbrood"),
        "de_vries": order(dialogue, DE_VRIES, "1 wit casinobrood en 1 rookworst"),
        "van_dam": order(dialogue, VAN_DAM, "1 vla"),
    }


def test_before_the_round_closes_there_is_nothing_to_deliver_yet(
    client_as: Callable[[str], TestClient], three_orders: dict[str, int]
) -> None:
    page = client_as(COURIER).get("/courier")
    assert page.status_code == 200
    assert "Er is nu niets te bezorgen." in page.text
    assert "Volgende ronde: di 8 dec" in page.text
    assert "Ophalen" not in page.text
    assert 'action="/courier/delivered"' not in page.text


def test_the_courier_sees_pickups_then_the_stops_in_street_order(
    client_as: Callable[[str], TestClient],
    village: Runtime,
    clock: Clock,
    three_orders: dict[str, int],
    dialogue: Dialogue,
) -> None:
    second = order(dialogue, JANSEN, "een appeltaart")  # Jansen again: still one stop
    close_tuesday(village, clock)
    page = client_as(COURIER).get("/courier").text
    pickups, stops = page.split('<h2 id="stops">')
    assert pickups.index("Ophalen") < pickups.index("Bakkerij Van Rossum")
    assert "Dorpsstraat 14" in pickups
    assert "Slagerij Hoogendoorn" in pickups and "Zuivelboerderij Gansenhoef" in pickups
    baker = pickups.split("Bakkerij Van Rossum</h3>")[1].split("</li>")[0]
    assert "3 tassen" in baker  # Jansen's two orders and De Vries's bread
    streets = re.findall(r'class="courier-address">([^<]+)<br>', stops)
    assert streets == ["Brinkstraat 7", "Julianalaan 18", "Singel 42"]
    assert 'href="tel:+31612340001"' in stops
    assert 'href="tel:+31612340002"' in stops
    forms = the_stop_forms(stops)
    delivered = [orders for action, _, orders in forms if action == "/courier/delivered"]
    assert delivered == [
        [str(three_orders["van_dam"])],
        [str(three_orders["jansen"]), str(second)],
        [str(three_orders["de_vries"])],
    ]


def test_delivered_tells_the_resident_once_and_not_home_alerts_the_coordinator_once(
    client_as: Callable[[str], TestClient],
    village: Runtime,
    clock: Clock,
    three_orders: dict[str, int],
) -> None:
    round_id = str(close_tuesday(village, clock))
    courier = client_as(COURIER)
    token = csrf_of(courier, "/courier")
    jansen = str(three_orders["jansen"])
    form = {"csrf_token": token, "round": round_id, "order": jansen}
    answer = courier.post("/courier/delivered", data=form, follow_redirects=False)
    assert answer.status_code == 303
    page = courier.get(answer.headers["location"]).text
    assert "Bezorgd bij Mevrouw A. Jansen. De bewoner krijgt een bericht." in page
    [told] = outbox(village, "order_delivered")
    assert (told.channel, told.recipient) == ("sms", JANSEN)
    assert f"bestelling {jansen} is bezorgd" in told.text
    assert status_of(village, int(jansen)) == (OrderStatus.DELIVERED.value, AT_THE_DOOR, None)
    # Done stops move to the bottom, with what happened there.
    done = page.split('<h3 id="done">')[1]
    assert "Julianalaan 18" in done and "Bezorgd · di 8 dec" in done
    # The second tap (a reload, a double tap) sends nothing.
    again = courier.post("/courier/delivered", data=form)
    assert "Dit adres was al gedaan. Er is niets opnieuw verstuurd." in again.text
    assert len(outbox(village, "order_delivered")) == 1

    de_vries = str(three_orders["de_vries"])
    form = {"csrf_token": token, "round": round_id, "order": de_vries}
    page = courier.post("/courier/not-home", data=form).text
    assert "Niet thuis bij Meneer H. de Vries." in page
    [told] = outbox(village, "order_not_home")
    assert (told.channel, told.recipient) == ("sms", DE_VRIES)
    assert "niemand thuis" in told.text and "belt u" in told.text
    [alert] = outbox(village, "coordinator_not_home")
    assert (alert.channel, alert.recipient) == ("sms", COORDINATOR_PHONE)
    assert "Meneer H. de Vries, Singel 42, 3984 HB" in alert.text
    assert DE_VRIES in alert.text and de_vries in alert.text
    status, _, not_home_at = status_of(village, int(de_vries))
    assert (status, not_home_at) == (OrderStatus.NOTIFIED.value, AT_THE_DOOR)
    courier.post("/courier/not-home", data=form)
    assert len(outbox(village, "order_not_home")) == 1
    assert len(outbox(village, "coordinator_not_home")) == 1
    # "Not home" for a stop already delivered is refused kindly; nothing is sent.
    form = {"csrf_token": token, "round": round_id, "order": jansen}
    page = courier.post("/courier/not-home", data=form).text
    assert f"Bestelling {jansen} is al bezorgd." in page
    assert [m.id for m in outbox(village, "coordinator_not_home")] == [alert.id]
    # The last stop finishes the round: then there is nothing left to deliver.
    form = {"csrf_token": token, "round": round_id, "order": str(three_orders["van_dam"])}
    page = courier.post("/courier/delivered", data=form).text
    assert "Alle adressen van deze ronde zijn gedaan" in page
    assert "Er is nu niets te bezorgen." in page


def test_orders_that_cannot_be_delivered_are_refused_with_a_kind_word(
    client_as: Callable[[str], TestClient],
    village: Runtime,
    clock: Clock,
    dialogue: Dialogue,
) -> None:
    open_order = order(dialogue, JANSEN, "2 krentenbollen")
    courier = client_as(COURIER)
    token = csrf_of(courier, "/")  # the language form on every page carries it
    round_id = str(tuesday_round(village))
    form = {"csrf_token": token, "round": round_id, "order": str(open_order)}
    page = courier.post("/courier/delivered", data=form).text
    assert f"Bestelling {open_order} hoort bij een ronde die nog niet gesloten is." in page
    cancelled = order(dialogue, DE_VRIES, "1 stokbrood")
    talk = Talk(dialogue, sender=DE_VRIES)
    talk.send("annuleer bestelling")
    talk.send("ja")
    assert status_of(village, cancelled)[0] == OrderStatus.CANCELLED.value
    close_tuesday(village, clock)
    courier = client_as(COURIER)  # the next morning: logged in again
    token = csrf_of(courier, "/courier")
    form = {"csrf_token": token, "round": round_id, "order": str(cancelled)}
    page = courier.post("/courier/not-home", data=form).text
    assert f"Bestelling {cancelled} is geannuleerd." in page
    assert outbox(village, "order_not_home") == []
    assert outbox(village, "order_delivered") == []
    # A form that was tampered with: no such order, or no number at all.
    form = {"csrf_token": token, "round": round_id, "order": "999999"}
    assert courier.post("/courier/delivered", data=form).status_code == 404
    form = {"csrf_token": token, "round": round_id, "order": "twee"}
    assert courier.post("/courier/delivered", data=form).status_code == 400
    form = {"csrf_token": token, "round": round_id}
    assert courier.post("/courier/delivered", data=form).status_code == 400


def test_a_post_without_the_csrf_token_changes_nothing(
    client_as: Callable[[str], TestClient],
    village: Runtime,
    clock: Clock,
    three_orders: dict[str, int],
) -> None:
    round_id = str(close_tuesday(village, clock))
    courier = client_as(COURIER)
    jansen = str(three_orders["jansen"])
    for action in ("/courier/delivered", "/courier/not-home"):
        for token in ({}, {"csrf_token": "not-the-token"}):
            answer = courier.post(action, data={"round": round_id, "order": jansen, **token})
            assert answer.status_code == 403
    assert status_of(village, int(jansen)) == (OrderStatus.NOTIFIED.value, None, None)
    assert outbox(village, "order_delivered") == []
    assert outbox(village, "order_not_home") == []


@pytest.mark.parametrize("email", [COORDINATOR, BAKER])
def test_other_roles_may_not_see_or_use_the_courier_page(
    client_as: Callable[[str], TestClient],
    village: Runtime,
    clock: Clock,
    three_orders: dict[str, int],
    email: str,
) -> None:
    round_id = str(close_tuesday(village, clock))
    other = client_as(email)
    token = csrf_of(other, "/")
    assert other.get("/courier").status_code == 403
    form = {"csrf_token": token, "round": round_id, "order": str(three_orders["jansen"])}
    assert other.post("/courier/delivered", data=form).status_code == 403
    assert other.post("/courier/not-home", data=form).status_code == 403
    assert outbox(village, "order_delivered") == []


def test_a_visitor_is_sent_to_login(service: Service) -> None:
    answer = TestClient(service.app).get("/courier", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fcourier"


def test_the_courier_rides_the_round_on_a_phone(
    browse: Callable[..., Any], live: Live, dialogue: Dialogue
) -> None:
    page = browse(COURIER)
    page.goto("/courier")
    assert page.get_by_text("Er is nu niets te bezorgen.").is_visible()
    shoot(page, "courier-home-empty")

    jansen = order(dialogue, JANSEN, "2 krentenbollen en een stokbrood")
    de_vries = order(dialogue, DE_VRIES, "1 wit casinobrood en 1 rookworst")
    van_dam = order(dialogue, VAN_DAM, "1 vla")
    close_tuesday(live.runtime, live.clock)
    page = browse(COURIER)  # Tuesday morning: logged in afresh, landing on the round
    assert page.url.endswith("/courier")
    headings = page.locator("main h2").all_inner_texts()
    assert headings == ["Ophalen", "Bezorgen"]
    pickups = page.locator("li.courier-pickup h3").all_inner_texts()
    assert "Bakkerij Van Rossum" in pickups
    stops = page.locator("li.courier-stop h3").all_inner_texts()
    assert [s.split(" ", 1)[1] for s in stops] == [
        "Mevrouw G. van Dam-Koster", "Mevrouw A. Jansen", "Meneer H. de Vries",
    ]  # fmt: skip
    call = page.locator("li.courier-stop", has_text="Julianalaan 18").get_by_role("link")
    assert call.get_attribute("href") == "tel:+31612340001"
    shoot(page, "courier-home")

    page.locator("li.courier-stop", has_text="Julianalaan 18").get_by_role(
        "button", name="Bezorgd"
    ).click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().startswith("Bezorgd bij Mevrouw A. Jansen")
    # Delivered moves below the stops still to do.
    stops = page.locator("li.courier-stop h3").all_inner_texts()
    assert stops[-1].endswith("Mevrouw A. Jansen")
    assert status_of(live.runtime, jansen)[0] == OrderStatus.DELIVERED.value
    [told] = outbox(live.runtime, "order_delivered")
    assert told.recipient == JANSEN

    page.locator("li.courier-stop", has_text="Singel 42").get_by_role(
        "button", name="Niet thuis"
    ).click()  # the confirmation is accepted
    page.wait_for_load_state()
    assert "Niet thuis bij Meneer H. de Vries" in page.get_by_role("status").inner_text()
    assert [m.recipient for m in outbox(live.runtime, "order_not_home")] == [DE_VRIES]
    [alert] = outbox(live.runtime, "coordinator_not_home")
    assert str(de_vries) in alert.text
    done = page.locator("li.courier-stop.done")
    assert done.count() == 2
    assert (
        page.locator("li.courier-stop", has_text="Singel 42")
        .get_by_role("button", name="Toch bezorgd")
        .is_visible()
    )
    assert status_of(live.runtime, van_dam)[0] == OrderStatus.NOTIFIED.value
    shoot(page, "courier-home-done")
