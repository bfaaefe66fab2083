"""The coordinator's rounds overview (/admin): the coming rounds with their orders, bags and
euros per shop, and closing a round early, which sends the shops and the courier their lists."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.dialogue import Dialogue
from bot.wiring import Runtime
from core.database import unit_of_work
from orders.models import DeliveryRound, Order, OrderStatus, OutboxMessage
from orders.placing import set_status
from orders.rounds import ROUND_CLOSED, ROUND_OPEN
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


def order(dialogue: Dialogue, basket: str, *, sender: str = JANSEN, **talk: Any) -> None:
    resident = Talk(dialogue, sender=sender, **talk)
    resident.send(basket)
    assert "Bestelnummer" in resident.send("ja")


def tuesday_round(runtime: Runtime) -> int:
    with unit_of_work(runtime.sessions) as session:
        found = session.scalars(select(DeliveryRound).order_by(DeliveryRound.starts_at)).first()
        assert found is not None
        return found.id


def outbox(runtime: Runtime) -> list[tuple[str, str | None]]:
    with unit_of_work(runtime.sessions) as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [(m.kind, m.recipient_name) for m in rows]


def shop_row(page: str, shop: str) -> tuple[str, str]:
    found = re.search(
        rf'<th scope="row">{shop}</th>\s*<td class="num">(\d+)</td>\s*<td class="num">([^<]+)</td>',
        page,
    )
    assert found, f"no row for {shop}"
    return found.group(1), found.group(2)


def card(page: str, round_id: int) -> str:
    found = re.search(rf'aria-labelledby="round-{round_id}">(.*?)</section>', page, re.S)
    assert found, f"no card for round {round_id}"
    return found.group(1)


def test_the_coming_round_shows_its_orders_and_bags_and_euros_per_shop(
    client_as: Callable[[str], TestClient], dialogue: Dialogue
) -> None:
    order(dialogue, "2 krentenbollen en 200 gram belegen kaas")
    order(dialogue, "een wit casinobrood", sender=DE_VRIES)
    page = client_as(COORDINATOR).get("/admin").text
    assert "di 8 dec 10:00" in page
    assert "Open voor bestellingen" in page
    assert "Sluit ma 7 dec 20:00 (nog 11 u 0 min)." in page
    assert "Bestellingen: 2" in page
    assert shop_row(page, "Bakkerij Van Rossum") == ("2", "€ 4,75")
    assert shop_row(page, "Kaashuis Rijnzicht") == ("1", "€ 3,38")
    assert shop_row(page, "Totaal") == ("3", "€ 8,13")
    assert "Ronde nu sluiten" in page


def test_a_cancelled_order_is_not_counted(
    client_as: Callable[[str], TestClient], dialogue: Dialogue
) -> None:
    order(dialogue, "2 krentenbollen")
    order(dialogue, "een wit casinobrood", sender=DE_VRIES)
    de_vries = Talk(dialogue, sender=DE_VRIES)
    de_vries.send("annuleer mijn bestelling")
    assert "geannuleerd" in de_vries.send("ja")
    page = client_as(COORDINATOR).get("/admin").text
    assert "Bestellingen: 1" in page
    assert shop_row(page, "Bakkerij Van Rossum") == ("1", "€ 1,80")


def test_the_next_round_is_shown_before_anyone_orders(
    client_as: Callable[[str], TestClient],
) -> None:
    page = client_as(COORDINATOR).get("/admin").text
    assert "di 8 dec 10:00" in page
    assert "Nog geen bestellingen voor deze ronde." in page
    assert "Ronde nu sluiten" in page


def test_closing_a_round_early_sends_each_shop_and_the_courier_their_list(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime
) -> None:
    order(dialogue, "2 krentenbollen en 200 gram belegen kaas")
    order(dialogue, "een wit casinobrood", sender=DE_VRIES)
    client = client_as(COORDINATOR)
    round_id = tuesday_round(village)
    answer = client.post(
        f"/admin/rounds/{round_id}/close",
        data={"csrf_token": csrf_of(client, "/admin")},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "De ronde van di 8 dec 10:00 is gesloten." in page
    assert "Bestellingen doorgegeven: 2." in page
    assert "Winkels met een lijst (2): Bakkerij Van Rossum, Kaashuis Rijnzicht." in page
    tuesday = card(page, round_id)
    assert "Gesloten" in tuesday
    assert "Ronde nu sluiten" not in tuesday
    assert "Ronde nu sluiten" in page  # the Thursday round is next
    made = [(kind, name) for kind, name in outbox(village) if kind.endswith("_round")]
    shops = sorted(name or "" for kind, name in made if kind == "shop_round")
    assert shops == ["Bakkerij Van Rossum", "Kaashuis Rijnzicht"]
    assert [kind for kind, _ in made].count("courier_round") == 1
    with unit_of_work(village.sessions) as session:
        assert session.get(DeliveryRound, round_id).status == ROUND_CLOSED  # type: ignore[union-attr]
        statuses = set(session.scalars(select(Order.status).where(Order.round_id == round_id)))
    assert statuses == {OrderStatus.NOTIFIED.value}


def test_closing_a_closed_round_again_says_so_and_sends_nothing(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime
) -> None:
    order(dialogue, "2 krentenbollen")
    client = client_as(COORDINATOR)
    round_id = tuesday_round(village)
    token = csrf_of(client, "/admin")
    client.post(f"/admin/rounds/{round_id}/close", data={"csrf_token": token})
    before = outbox(village)
    page = client.post(f"/admin/rounds/{round_id}/close", data={"csrf_token": token}).text
    assert "was al gesloten. Er is niets opnieuw verstuurd." in page
    assert outbox(village) == before


def test_closing_a_round_without_orders_tells_nobody(
    client_as: Callable[[str], TestClient], village: Runtime
) -> None:
    client = client_as(COORDINATOR)
    token = csrf_of(client, "/admin")
    round_id = tuesday_round(village)
    before = outbox(village)
    page = client.post(f"/admin/rounds/{round_id}/close", data={"csrf_token": token}).text
    assert "Er waren geen bestellingen, dus niemand kreeg een lijst." in page
    assert outbox(village) == before


def test_an_unknown_round_is_not_found(client_as: Callable[[str], TestClient]) -> None:
    client = client_as(COORDINATOR)
    token = csrf_of(client, "/admin")
    assert client.post("/admin/rounds/9999/close", data={"csrf_token": token}).status_code == 404


def test_closing_without_the_csrf_token_is_refused(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime
) -> None:
    order(dialogue, "2 krentenbollen")
    client = client_as(COORDINATOR)
    client.get("/admin")
    round_id = tuesday_round(village)
    for data in ({}, {"csrf_token": "guess"}):
        assert client.post(f"/admin/rounds/{round_id}/close", data=data).status_code == 403
    with unit_of_work(village.sessions) as session:
        assert session.get(DeliveryRound, round_id).status == ROUND_OPEN  # type: ignore[union-attr]
    assert [kind for kind, _ in outbox(village) if kind.endswith("_round")] == []


@pytest.mark.parametrize("email", [BAKER, COURIER])
def test_shops_and_the_courier_may_not_see_or_close_rounds(
    client_as: Callable[[str], TestClient], village: Runtime, email: str
) -> None:
    coordinator = client_as(COORDINATOR)
    coordinator.get("/admin")  # makes the next round
    round_id = tuesday_round(village)
    client = client_as(email)
    token = csrf_of(client, client.get("/", follow_redirects=False).headers["location"])
    assert client.get("/admin").status_code == 403
    answer = client.post(f"/admin/rounds/{round_id}/close", data={"csrf_token": token})
    assert answer.status_code == 403
    with unit_of_work(village.sessions) as session:
        assert session.get(DeliveryRound, round_id).status == ROUND_OPEN  # type: ignore[union-attr]


def test_a_closed_round_stays_in_view_until_its_orders_are_delivered(
    client_as: Callable[[str], TestClient], dialogue: Dialogue, village: Runtime, clock: Clock
) -> None:
    order(dialogue, "2 krentenbollen")
    client = client_as(COORDINATOR)
    round_id = tuesday_round(village)
    client.post(f"/admin/rounds/{round_id}/close", data={"csrf_token": csrf_of(client, "/admin")})
    clock.advance(days=2)  # Wednesday: the Tuesday round is past, its order not delivered
    client = client_as(COORDINATOR)  # a session lasts 12 hours
    page = client.get("/admin").text
    assert "di 8 dec 10:00" in page
    assert "bezorgd: 0 van 1" in page
    with unit_of_work(village.sessions) as session:
        placed = session.scalars(select(Order).where(Order.round_id == round_id)).one()
        set_status(session, order=placed, status=OrderStatus.DELIVERED, now=clock())
    assert "di 8 dec 10:00" not in client.get("/admin").text


def test_a_visitor_is_sent_to_login(service: Any) -> None:
    answer = TestClient(service.app).get("/admin", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def test_the_coordinator_closes_a_round_in_the_browser(
    browse: Callable[..., Any], live: Live, dialogue: Dialogue
) -> None:
    order(dialogue, "2 krentenbollen en 200 gram belegen kaas")
    page = browse(COORDINATOR)
    page.goto("/admin")
    assert page.get_by_role("heading", level=1).inner_text() == "De komende rondes"
    assert page.get_by_text("Bestellingen: 1").is_visible()
    shoot(page, "admin-rounds")
    page.get_by_role("button", name="Ronde nu sluiten").click()
    page.wait_for_load_state()
    notice = page.get_by_role("status").inner_text()
    assert "Bestellingen doorgegeven: 1." in notice
    assert "Bakkerij Van Rossum, Kaashuis Rijnzicht" in notice
    shoot(page, "admin-rounds-closed")
    kinds = sorted(kind for kind, _ in outbox(live.runtime) if kind.endswith("_round"))
    assert kinds == ["courier_round", "shop_round", "shop_round"]
    page.get_by_role("link", name="Berichten").click()
    page.wait_for_load_state()
    assert page.get_by_text("Lijst voor winkel").first.is_visible()
    assert page.get_by_text("Rijlijst voor koerier").first.is_visible()
