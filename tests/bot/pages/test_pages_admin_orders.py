"""The coordinator's orders (/admin/orders): the list with its filters, one order in full, and
cancelling for a resident who phones (she is told), only before her round's cut-off."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.dialogue import Dialogue
from bot.wiring import Runtime
from bot.worker import close_now
from core.database import unit_of_work
from orders.models import DeliveryRound, Order, OrderStatus, OutboxMessage
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

DE_VRIES = "+31612340002"


def order(dialogue: Dialogue, basket: str, *, sender: str = JANSEN) -> int:
    resident = Talk(dialogue, sender=sender)
    resident.send(basket)
    placed = re.search(r"Bestelnummer: (\d+)", resident.send("ja"))
    assert placed, "the order was not placed"
    return int(placed.group(1))


def status_of(runtime: Runtime, order_id: int) -> str:
    with unit_of_work(runtime.sessions) as session:
        found = session.get(Order, order_id)
        assert found is not None
        return found.status


def cancellations(runtime: Runtime) -> list[tuple[str, str | None, str]]:
    with unit_of_work(runtime.sessions) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "order_cancelled"))
        return [(m.recipient, m.recipient_name, m.text) for m in rows]


def listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/admin/orders/(\d+)">', page)]


def test_the_list_shows_the_newest_order_first_with_resident_delivery_status_and_total(
    client_as: Callable[[str], TestClient], dialogue: Dialogue
) -> None:
    first = order(dialogue, "2 krentenbollen")
    second = order(dialogue, "een wit casinobrood", sender=DE_VRIES)
    page = client_as(COORDINATOR).get("/admin/orders").text
    assert listed(page)[:2] == [second, first]
    row = page[page.index(f"/admin/orders/{second}") :].split("</tr>")[0]
    assert "Meneer H. de Vries" in row
    assert "di 8 dec 10:00" in row
    assert "Geplaatst" in row
    assert "€ 2,95" in row
    assert "Bezorgd" in page  # the demo village's earlier orders


def test_the_list_filters_by_round_and_by_status(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime
) -> None:
    tuesday = order(dialogue, "2 krentenbollen")
    # Fish does not come on Tuesday: that bag rides with Thursday's round.
    with_fish = order(dialogue, "2 krentenbollen en een lekkerbekje", sender=DE_VRIES)
    with unit_of_work(village.sessions) as session:
        rounds = list(session.scalars(select(DeliveryRound.id).order_by(DeliveryRound.starts_at)))
    client = client_as(COORDINATOR)
    assert listed(client.get(f"/admin/orders?round={rounds[0]}").text) == [with_fish, tuesday]
    assert listed(client.get(f"/admin/orders?round={rounds[1]}").text) == [with_fish]
    placed = listed(client.get("/admin/orders?status=placed").text)
    assert placed == [with_fish, tuesday]
    delivered = client.get("/admin/orders?status=delivered").text
    assert tuesday not in listed(delivered) and len(listed(delivered)) > 0
    # A filter that means nothing shows everything instead of an error.
    everything = client.get("/admin/orders?status=whatever&round=x")
    assert everything.status_code == 200
    assert listed(everything.text)[:2] == [with_fish, tuesday]


def test_an_order_shows_its_bags_per_shop_each_with_its_own_delivery_and_the_resident(
    client_as: Callable[[str], TestClient], dialogue: Dialogue
) -> None:
    order_id = order(dialogue, "2 krentenbollen, een lekkerbekje en 200 gram belegen kaas")
    page = client_as(COORDINATOR).get(f"/admin/orders/{order_id}").text
    assert f"<h1>Bestelling {order_id}</h1>" in page
    assert "Mevrouw A. Jansen" in page
    assert "Julianalaan 18" in page and "3981 CK" in page
    assert JANSEN in page
    assert "Geplaatst" in page
    bakery = page.split("Bakkerij Van Rossum</h2>")[1].split("</section>")[0]
    assert "Komt mee met de ronde van di 8 dec 10:00." in bakery
    assert "Krentenbol" in bakery and "2x" in bakery and "€ 0,90" in bakery and "€ 1,80" in bakery
    cheese = page.split("Kaashuis Rijnzicht</h2>")[1].split("</section>")[0]
    assert "200 g" in cheese and "per kg" in cheese and "€ 3,38" in cheese
    fish = page.split("Vishandel Van der Wal</h2>")[1].split("</section>")[0]
    assert "Komt mee met de ronde van do 10 dec 10:00." in fish
    assert "Annuleren namens bewoner" in page


def test_an_unknown_order_is_not_found(client_as: Callable[[str], TestClient]) -> None:
    client = client_as(COORDINATOR)
    assert client.get("/admin/orders/9999").status_code == 404
    token = csrf_of(client, "/admin")
    assert client.post("/admin/orders/9999/cancel", data={"csrf_token": token}).status_code == 404


def test_cancelling_for_the_resident_tells_her(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime
) -> None:
    order_id = order(dialogue, "2 krentenbollen")
    client = client_as(COORDINATOR)
    answer = client.post(
        f"/admin/orders/{order_id}/cancel",
        data={"csrf_token": csrf_of(client, f"/admin/orders/{order_id}")},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert f"Bestelling {order_id} is geannuleerd. De bewoner krijgt een bericht." in page
    assert "Geannuleerd" in page
    assert "Annuleren namens bewoner" not in page
    assert status_of(village, order_id) == OrderStatus.CANCELLED.value
    [(recipient, name, text)] = cancellations(village)
    assert (recipient, name) == (JANSEN, "Mevrouw A. Jansen")
    assert "dinsdag 8 december" in text


def test_cancelling_twice_says_it_was_cancelled_and_tells_her_once(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime
) -> None:
    order_id = order(dialogue, "2 krentenbollen")
    client = client_as(COORDINATOR)
    token = csrf_of(client, f"/admin/orders/{order_id}")
    client.post(f"/admin/orders/{order_id}/cancel", data={"csrf_token": token})
    page = client.post(f"/admin/orders/{order_id}/cancel", data={"csrf_token": token}).text
    assert f"Bestelling {order_id} was al geannuleerd. Er is niets veranderd." in page
    assert len(cancellations(village)) == 1


def test_after_the_cut_off_cancelling_is_refused_and_nothing_changes(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime, clock: Clock
) -> None:
    order_id = order(dialogue, "2 krentenbollen")
    clock.advance(hours=11)  # Monday 20:00: the cut-off
    client = client_as(COORDINATOR)
    shown = client.get(f"/admin/orders/{order_id}").text
    assert "Annuleren namens bewoner" not in shown
    assert "Annuleren kan niet meer." in shown
    token = csrf_of(client, "/admin")
    page = client.post(f"/admin/orders/{order_id}/cancel", data={"csrf_token": token}).text
    assert "kan niet meer worden geannuleerd: de ronde sloot ma 7 dec 20:00" in page
    assert status_of(village, order_id) == OrderStatus.PLACED.value
    assert cancellations(village) == []


def test_after_the_round_was_closed_early_cancelling_is_refused(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime, clock: Clock
) -> None:
    order_id = order(dialogue, "2 krentenbollen")
    with unit_of_work(village.sessions) as session:
        round_id = session.get(Order, order_id).round_id  # type: ignore[union-attr]
    assert round_id is not None
    close_now(village, round_id=round_id, now=clock())
    client = client_as(COORDINATOR)
    token = csrf_of(client, f"/admin/orders/{order_id}")
    page = client.post(f"/admin/orders/{order_id}/cancel", data={"csrf_token": token}).text
    assert "kan niet meer worden geannuleerd" in page
    assert status_of(village, order_id) == OrderStatus.NOTIFIED.value
    assert cancellations(village) == []


def test_a_delivered_order_cannot_be_cancelled(
    client_as: Callable[[str], TestClient], village: Runtime
) -> None:
    with unit_of_work(village.sessions) as session:
        earlier = session.scalars(
            select(Order.id).where(Order.status == OrderStatus.DELIVERED.value)
        ).first()
    assert earlier is not None
    client = client_as(COORDINATOR)
    shown = client.get(f"/admin/orders/{earlier}").text
    assert "Bezorgd" in shown and "Annuleren namens bewoner" not in shown
    token = csrf_of(client, "/admin")
    page = client.post(f"/admin/orders/{earlier}/cancel", data={"csrf_token": token}).text
    assert f"Bestelling {earlier} is al bezorgd." in page
    assert status_of(village, earlier) == OrderStatus.DELIVERED.value


def test_cancelling_without_the_csrf_token_is_refused(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime
) -> None:
    order_id = order(dialogue, "2 krentenbollen")
    client = client_as(COORDINATOR)
    client.get("/admin/orders")
    for data in ({}, {"csrf_token": "guess"}):
        assert client.post(f"/admin/orders/{order_id}/cancel", data=data).status_code == 403
    assert status_of(village, order_id) == OrderStatus.PLACED.value
    assert cancellations(village) == []


@pytest.mark.parametrize("email", [BAKER, COURIER])
def test_shops_and_the_courier_may_not_see_or_cancel_orders(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime, email: str
) -> None:
    order_id = order(dialogue, "2 krentenbollen")
    client = client_as(email)
    token = csrf_of(client, client.get("/", follow_redirects=False).headers["location"])
    assert client.get("/admin/orders").status_code == 403
    assert client.get(f"/admin/orders/{order_id}").status_code == 403
    answer = client.post(f"/admin/orders/{order_id}/cancel", data={"csrf_token": token})
    assert answer.status_code == 403
    assert status_of(village, order_id) == OrderStatus.PLACED.value


def test_the_coordinator_cancels_for_a_resident_in_the_browser(
    browse: Callable[..., Any], live: Live, dialogue: Dialogue
) -> None:
    order_id = order(dialogue, "2 krentenbollen en 200 gram belegen kaas")
    page = browse(COORDINATOR)
    page.goto("/admin/orders")
    assert page.get_by_role("heading", level=1).inner_text() == "Bestellingen"
    page.get_by_label("Status").select_option("placed")
    page.get_by_role("button", name="Tonen").click()
    page.wait_for_load_state()
    shoot(page, "admin-orders")
    page.get_by_role("link", name=f"Bestelling {order_id}").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Kaashuis Rijnzicht").is_visible()
    shoot(page, "admin-order")
    page.get_by_role("button", name="Annuleren namens bewoner").click()
    page.wait_for_load_state()
    assert "is geannuleerd" in page.get_by_role("status").inner_text()
    shoot(page, "admin-order-cancelled")
    [(recipient, _, _)] = cancellations(live.runtime)
    assert recipient == JANSEN
