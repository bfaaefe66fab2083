"""The shop's own page: prices and availability live for the bot, the round list, bags marked
ready, the one-page printout, and nothing of another shop."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.dialogue import Dialogue
from bot.round_plan import round_plan
from bot.wiring import Runtime
from bot.worker import close_now
from catalog.service import product_by_sku
from core.database import unit_of_work
from orders.models import OrderPart, OrderStatus
from orders.placing import list_orders, order_by_id, place_order
from orders.residents import add_resident
from orders.rounds import next_round
from orders.split import WantedLine
from tests.bot.conftest import JANSEN, MONDAY_MORNING, Talk
from tests.bot.pages.conftest import (
    BAKER,
    CHEESE,
    COORDINATOR,
    COURIER,
    DESKTOP,
    Clock,
    Live,
    csrf_of,
    shoot,
)

Client = Callable[[str], TestClient]
DE_VRIES = "+31612340002"
AFTER_CUTOFF_HOURS = 11.5  # Monday 20:30: Tuesday's round has closed


def order(runtime: Runtime, name: str, lines: list[tuple[str, int]], n: int = 0) -> int:
    """An order placed as the bot places it, by a resident made for the test."""
    with unit_of_work(runtime.sessions) as session:
        resident = add_resident(
            session, name=name, street=f"Dorpsstraat {n + 1}", postcode="3981 AB",
            phone=f"+3161299{n:04d}", area=runtime.settings.delivery_area,
        )  # fmt: skip
        return place_order(
            session,
            resident=resident,
            lines=[WantedLine(product_by_sku(session, sku=sku), q) for sku, q in lines],
            plan=round_plan(runtime.settings),
            now=MONDAY_MORNING,
        ).id


def close_tuesday(runtime: Runtime, clock: Clock) -> None:
    with unit_of_work(runtime.sessions) as session:
        tuesday = next_round(session, plan=round_plan(runtime.settings), now=MONDAY_MORNING).id
    clock.advance(hours=AFTER_CUTOFF_HOURS)
    close_now(runtime, round_id=tuesday, now=clock())


def bag_of(runtime: Runtime, order_id: int, shop: str) -> OrderPart:
    with runtime.sessions() as session:
        part = next(p for p in order_by_id(session, order_id=order_id).parts if p.shop.name == shop)
        session.expunge(part)
        return part


def product(runtime: Runtime, sku: str) -> tuple[int, bool]:
    with runtime.sessions() as session:
        found = product_by_sku(session, sku=sku)
        return found.price_cents, found.available


def post(client: TestClient, path: str, data: dict[str, str], *, token_from: str = "/shop") -> Any:
    token = csrf_of(client, token_from)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


# -- products ------------------------------------------------------------------------------


def test_the_shop_sees_only_its_own_products_with_price_and_availability(
    client_as: Client,
) -> None:
    page = client_as(BAKER).get("/shop")
    assert page.status_code == 200
    assert "Bakkerij Van Rossum" in page.text
    assert "Krentenbol" in page.text
    assert 'value="0,90"' in page.text
    assert "Belegen" not in page.text  # the cheese shop's
    assert "Rundergehakt" not in page.text  # the butcher's
    cheese = client_as(CHEESE).get("/shop")
    assert "Krentenbol" not in cheese.text


@pytest.mark.parametrize(
    ("given", "cents"), [("1,05", 105), ("1.10", 110), (" 2 ", 200), ("€ 0,95", 95)]
)
def test_a_new_price_is_saved_at_once(
    client_as: Client, village: Runtime, given: str, cents: int
) -> None:
    client = client_as(BAKER)
    answer = post(client, "/shop/products/bak-krentenbol/price", {"price": given})
    assert answer.status_code == 303
    assert product(village, "bak-krentenbol") == (cents, True)
    shown = client.get(answer.headers["location"])
    assert "De prijs van Krentenbol is nu" in shown.text
    assert f'value="{cents // 100},{cents % 100:02d}"' in shown.text


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("0", "meer dan 0"),
        ("0,00", "meer dan 0"),
        ("-1", "Vul een bedrag"),
        ("1,955", "hoogstens twee cijfers"),
        ("1e3", "Vul een bedrag"),
        ("gratis", "Vul een bedrag"),
        ("", "Vul een bedrag"),
        ("1.234,50", "Vul een bedrag"),
    ],
)
def test_a_wrong_price_is_refused_with_the_reason_next_to_it(
    client_as: Client, village: Runtime, given: str, says: str
) -> None:
    client = client_as(BAKER)
    answer = post(client, "/shop/products/bak-krentenbol/price", {"price": given})
    assert answer.status_code == 400
    assert says in answer.text
    assert 'aria-invalid="true"' in answer.text
    assert product(village, "bak-krentenbol") == (90, True)


def test_availability_is_switched_off_and_on(client_as: Client, village: Runtime) -> None:
    client = client_as(BAKER)
    answer = post(client, "/shop/products/bak-krentenbol/available", {"available": "0"})
    assert answer.status_code == 303
    assert product(village, "bak-krentenbol") == (90, False)
    assert "Krentenbol is uit de verkoop" in client.get(answer.headers["location"]).text
    post(client, "/shop/products/bak-krentenbol/available", {"available": "1"})
    assert product(village, "bak-krentenbol") == (90, True)


def test_another_shops_product_is_not_found_and_stays_as_it_was(
    client_as: Client, village: Runtime
) -> None:
    cheese = client_as(CHEESE)
    for path, data in [
        ("/shop/products/bak-krentenbol/price", {"price": "0,10"}),
        ("/shop/products/bak-krentenbol/available", {"available": "0"}),
        ("/shop/products/no-such-thing/available", {"available": "0"}),
    ]:
        assert post(cheese, path, data).status_code == 404, path
    assert product(village, "bak-krentenbol") == (90, True)


def test_a_form_without_the_session_token_changes_nothing(
    client_as: Client, village: Runtime
) -> None:
    client = client_as(BAKER)
    for data in ({"price": "0,10"}, {"price": "0,10", "csrf_token": "forged"}):
        answer = client.post("/shop/products/bak-krentenbol/price", data=data)
        assert answer.status_code == 403
    answer = client.post("/shop/products/bak-krentenbol/available", data={"available": "0"})
    assert answer.status_code == 403
    assert product(village, "bak-krentenbol") == (90, True)


@pytest.mark.parametrize("email", [COORDINATOR, COURIER])
def test_the_coordinator_and_the_courier_may_not_use_the_shop_page(
    client_as: Client, email: str, village: Runtime
) -> None:
    client = client_as(email)
    for path in ("/shop", "/shop/list", "/shop/print"):
        assert client.get(path).status_code == 403, path
    token = csrf_of(client, "/admin" if email == COORDINATOR else "/courier")
    answer = client.post(
        "/shop/products/bak-krentenbol/available", data={"csrf_token": token, "available": "0"}
    )
    assert answer.status_code == 403
    assert product(village, "bak-krentenbol") == (90, True)


def test_a_visitor_is_sent_to_login(service: Any) -> None:
    client = TestClient(service.app)
    for path in ("/shop", "/shop/list", "/shop/print"):
        assert client.get(path, follow_redirects=False).headers["location"].startswith("/login")


# -- the list and its bags -----------------------------------------------------------------


def test_while_the_round_is_open_the_list_is_provisional_without_ready_buttons(
    client_as: Client, village: Runtime
) -> None:
    first = order(village, "Mevrouw Eén", [("bak-krentenbol", 4), ("kaa-belegen", 200)])
    order(village, "Meneer Twee", [("bak-krentenbol", 2), ("bak-roomboterkoekjes", 1500)], 1)
    order(village, "Mevrouw Drie", [("kaa-oud", 300)], 2)
    page = client_as(BAKER).get("/shop/list")
    assert page.status_code == 200
    assert "Voorlopig: bestellingen kunnen nog tot ma 7 dec 20:00 binnenkomen" in page.text
    assert re.search(r"<td>Krentenbol</td><td class=\"num\">6x</td>", page.text)
    assert "1,5 kg" in page.text
    assert f"Bestelling {first} · Mevrouw Eén" in page.text
    assert "Meneer Twee" in page.text and "Dorpsstraat 2" in page.text
    assert "Mevrouw Drie" not in page.text  # only cheese
    assert "Belegen" not in page.text
    assert "0 van 2 tassen klaar" in page.text
    assert "/ready" not in page.text
    home = client_as(BAKER).get("/shop")
    assert "Tassen: 2." in home.text and "Voorlopig" in home.text


def test_after_closing_a_bag_is_marked_ready_and_taken_back(
    client_as: Client, village: Runtime, clock: Clock
) -> None:
    order_id = order(village, "Mevrouw Eén", [("bak-krentenbol", 4)])
    bag = bag_of(village, order_id, "Bakkerij Van Rossum").id
    client = client_as(BAKER)
    # Before the cut-off the bag cannot be marked yet: residents may still change it.
    early = post(client, f"/shop/bags/{bag}/ready", {}, token_from="/shop/list")
    assert early.status_code == 303 and "shop_bag_round_open" in early.headers["location"]
    assert bag_of(village, order_id, "Bakkerij Van Rossum").ready_at is None

    close_tuesday(village, clock)
    page = client.get("/shop/list")
    assert "Voorlopig" not in page.text
    assert f'action="/shop/bags/{bag}/ready"' in page.text
    answer = post(client, f"/shop/bags/{bag}/ready", {}, token_from="/shop/list")
    assert answer.status_code == 303
    assert answer.headers["location"].endswith(f"#bag-{bag}")
    assert bag_of(village, order_id, "Bakkerij Van Rossum").ready_at == clock()
    with village.sessions() as session:
        assert order_by_id(session, order_id=order_id).status == OrderStatus.READY.value
    page = client.get(answer.headers["location"])
    assert f"Bestelling {order_id} staat klaar" in page.text
    assert "Klaar ✓" in page.text and "1 van 1 tassen klaar" in page.text

    back = post(client, f"/shop/bags/{bag}/not-ready", {}, token_from="/shop/list")
    assert back.status_code == 303
    assert bag_of(village, order_id, "Bakkerij Van Rossum").ready_at is None
    assert "Klaar ✓" not in client.get("/shop/list").text


def test_another_shops_bag_a_cancelled_bag_and_a_forged_form_change_nothing(
    client_as: Client, village: Runtime, clock: Clock, dialogue: Dialogue
) -> None:
    both = order(village, "Mevrouw Eén", [("bak-krentenbol", 4), ("kaa-belegen", 200)])
    talk = Talk(dialogue, sender=JANSEN)
    talk.send("1 volkorenbrood")
    talk.send("ja")
    talk.send("annuleer")
    talk.send("ja")
    with village.sessions() as session:
        cancelled = [
            o.id for o in list_orders(session, status=OrderStatus.CANCELLED)
        ]  # fmt: skip
    assert cancelled, "the resident's order was cancelled"
    close_tuesday(village, clock)
    baker_bag = bag_of(village, both, "Bakkerij Van Rossum").id
    cancelled_bag = bag_of(village, cancelled[0], "Bakkerij Van Rossum").id

    cheese = client_as(CHEESE)
    assert post(cheese, f"/shop/bags/{baker_bag}/ready", {}).status_code == 404
    assert post(cheese, f"/shop/bags/{baker_bag}/not-ready", {}).status_code == 404
    assert "Krentenbol" not in cheese.get("/shop/list").text
    assert "Krentenbol" not in cheese.get("/shop/print").text

    baker = client_as(BAKER)
    assert post(baker, f"/shop/bags/{cancelled_bag}/ready", {}).status_code == 404
    assert f"Bestelling {cancelled[0]}" not in baker.get("/shop/list").text
    assert baker.post(f"/shop/bags/{baker_bag}/ready", data={}).status_code == 403
    assert post(baker, "/shop/bags/999999/ready", {}).status_code == 404
    assert bag_of(village, both, "Bakkerij Van Rossum").ready_at is None
    assert bag_of(village, cancelled[0], "Bakkerij Van Rossum").ready_at is None


def test_a_delivered_round_gives_way_to_the_next_one(
    client_as: Client, village: Runtime, clock: Clock
) -> None:
    order_id = order(village, "Mevrouw Eén", [("bak-krentenbol", 4)])
    close_tuesday(village, clock)
    client = client_as(BAKER)
    assert "dinsdag 8 december" in client.get("/shop/list").text
    with unit_of_work(village.sessions) as session:
        found = order_by_id(session, order_id=order_id)
        found.status = OrderStatus.DELIVERED.value
        found.delivered_at = clock()
    page = client.get("/shop/list")
    assert "donderdag 10 december" in page.text
    assert "Voorlopig: bestellingen kunnen nog tot wo 9 dec 20:00 binnenkomen" in page.text


# -- the printout --------------------------------------------------------------------------

BREAKFASTS = [
    [("bak-krentenbol", 6), ("bak-volkoren", 1)],
    [("bak-wit", 1), ("bak-croissant", 4), ("bak-roomboterkoekjes", 250)],
    [("bak-meergranen", 1), ("bak-appelpunt", 2)],
    [("bak-bolletjes-wit", 2), ("bak-beschuit", 1), ("bak-gevulde-koek", 3)],
    [("bak-spelt", 1), ("bak-kruidnoten", 500), ("bak-tompoes", 2), ("bak-krentenbol", 4)],
    [("bak-stokbrood", 2), ("bak-kaasbroodje", 2), ("bak-saucijzenbroodje", 2)],
]


def round_of_twelve(runtime: Runtime) -> list[int]:
    return [
        order(runtime, f"Bewoner {n + 1:02d} van het dorp", BREAKFASTS[n % len(BREAKFASTS)], n)
        for n in range(12)
    ]


def test_the_printout_has_the_list_and_no_navigation(client_as: Client, village: Runtime) -> None:
    orders = round_of_twelve(village)
    page = client_as(BAKER).get("/shop/print")
    assert page.status_code == 200
    assert "<nav" not in page.text and "Uitloggen" not in page.text
    assert "Afdrukken" in page.text and "@media print" in page.text
    assert "Krentenbol" in page.text and "Bewoner 12 van het dorp" in page.text
    assert all(f"<td>{order_id}</td>" in page.text for order_id in orders)
    assert "Voorlopig" in page.text


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


# -- in the browser ------------------------------------------------------------------------


def test_the_baker_takes_a_product_off_sale_and_the_bot_no_longer_sells_it(
    browse: Callable[..., Any], live: Live, dialogue: Dialogue
) -> None:
    page = browse(BAKER)
    assert page.url.endswith("/shop")
    shoot(page, "shop-home")
    row = page.locator("#product-bak-krentenbol")
    row.get_by_role("button", name="Uit de verkoop").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text().startswith("Krentenbol is uit de verkoop")
    assert row.get_by_text("Niet te koop").is_visible()

    talk = Talk(dialogue, sender=DE_VRIES)
    reply = talk.send("4 krentenbollen")
    assert "Krentenbol" in reply and "niet" in reply
    assert "€" not in reply  # nothing was quoted
    reply = talk.send("1 volkorenbrood")
    assert "Volkorenbrood" in reply and "Krentenbol" not in reply
    talk.send("ja")
    with live.runtime.sessions() as session:
        placed = list_orders(session, status=OrderStatus.PLACED)
        skus = [line.sku for o in placed for p in o.parts for line in p.lines]
    assert skus == ["bak-volkoren"]


def test_the_baker_changes_a_price_and_the_bot_quotes_it(
    browse: Callable[..., Any], live: Live, dialogue: Dialogue
) -> None:
    page = browse(BAKER)
    field = page.get_by_label("Volkorenbrood")
    field.fill("3,60")
    page.locator("#product-bak-volkoren").get_by_role("button", name="Prijs opslaan").click()
    page.wait_for_load_state()
    assert "De prijs van Volkorenbrood is nu € 3,60" in page.get_by_role("status").inner_text()
    assert page.get_by_label("Volkorenbrood").input_value() == "3,60"
    # A wrong price is told next to the field, and nothing changes.
    page.get_by_label("Volkorenbrood").fill("3,605")
    page.locator("#product-bak-volkoren").get_by_role("button", name="Prijs opslaan").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().startswith("Een prijs heeft hoogstens twee")

    reply = Talk(dialogue, sender=DE_VRIES).send("2 volkorenbrood")
    assert "2x Volkorenbrood: € 7,20" in reply
    assert product(live.runtime, "bak-volkoren") == (360, True)


def test_the_baker_marks_a_bag_ready_on_the_list(
    browse: Callable[..., Any], live: Live, dialogue: Dialogue
) -> None:
    talk = Talk(dialogue, sender=JANSEN)
    assert "Volkorenbrood" in talk.send("6 krentenbollen en 1 volkorenbrood")
    talk.send("ja")
    round_of_twelve(live.runtime)
    page = browse(BAKER)
    page.goto("/shop/list")
    assert "Voorlopig" in page.locator("#provisional").inner_text()
    shoot(page, "shop-list-provisional")

    close_tuesday(live.runtime, live.clock)
    with live.runtime.sessions() as session:
        jansen = next(
            o
            for o in list_orders(session, status=OrderStatus.NOTIFIED)
            if o.resident.name == "Mevrouw A. Jansen"
        )
        bag = jansen.parts[0].id
    page.goto("/shop/list")
    card = page.locator(f"#bag-{bag}")
    assert "Mevrouw A. Jansen" in card.inner_text()
    assert "6x Krentenbol" in card.inner_text()
    card.get_by_role("button", name="Klaar", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == f"Bestelling {jansen.id} staat klaar."
    card = page.locator(f"#bag-{bag}")
    assert "Klaar ✓" in card.inner_text()
    assert "1 van 13 tassen klaar" in page.content()
    shoot(page, "shop-list")
    with live.runtime.sessions() as session:
        part = session.get(OrderPart, bag)
        assert part is not None and isinstance(part.ready_at, datetime)

    card.get_by_role("button", name="Toch niet klaar").click()
    page.wait_for_load_state()
    assert "Klaar ✓" not in page.locator(f"#bag-{bag}").inner_text()
    with live.runtime.sessions() as session:
        part = session.get(OrderPart, bag)
        assert part is not None and part.ready_at is None


def test_the_printout_of_a_round_of_twelve_bags_fits_one_a4_page(
    browse: Callable[..., Any], live: Live
) -> None:
    round_of_twelve(live.runtime)
    close_tuesday(live.runtime, live.clock)
    page = browse(BAKER, viewport=DESKTOP)
    page.goto("/shop/print")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bakkerij Van Rossum")
    assert page.locator("tbody tr").count() == 12
    shoot(page, "shop-print")
    page.emulate_media(media="print")
    assert not page.get_by_text("Afdrukken: druk op Ctrl+P").is_visible()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert pdf_pages(pdf) == 1
