"""The coordinator's shops: each shop's round-list channel, address and delivery days, and
one shop's settings form, which refuses a channel without a matching address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.wiring import Runtime
from catalog.models import Shop
from tests.bot.pages.conftest import BAKER, CHEESE, COORDINATOR, COURIER, csrf_of, shoot

Client = Callable[[str], TestClient]
BAKERY = "Bakkerij Van Rossum"


def shop(village: Runtime, name: str = BAKERY) -> Shop:
    with village.sessions() as session:
        found = session.scalars(select(Shop).where(Shop.name == name)).one()
        session.expunge(found)
        return found


def form(token: str, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "csrf_token": token,
        "kind": "bakker",
        "street": "Dorpsstraat 14",
        "postcode": "3981 EB",
        "channel": "sms",
        "address": "+31612340101",
        "days": ["tue", "sat"],
    }
    base.update(changes)
    return base


def test_the_shops_page_lists_every_shop_with_its_channel_and_days(
    client_as: Client, village: Runtime
) -> None:
    client = client_as(COORDINATOR)
    page = client.get("/admin/shops")
    assert page.status_code == 200
    bakery = shop(village)
    assert f'href="/admin/shops/{bakery.id}"' in page.text
    for name in (BAKERY, "Slagerij Hoogendoorn", "Kaashuis Rijnzicht"):
        assert name in page.text
    assert "Sms: +31612340101" in page.text
    assert "Dorpsstraat 14, 3981 EB" in page.text
    bakery_row = page.text.split(f'id="shop-{bakery.id}"')[1].split("</tr>")[0]
    assert "Elke ronde" in bakery_row
    eggs = shop(village, "Eierboerderij Het Kippenhof")
    assert "di, za" in page.text.split(f'id="shop-{eggs.id}"')[1].split("</tr>")[0]


def test_a_shops_channel_address_and_days_are_saved(client_as: Client, village: Runtime) -> None:
    client = client_as(COORDINATOR)
    bakery = shop(village)
    edit = client.get(f"/admin/shops/{bakery.id}")
    assert edit.status_code == 200
    assert 'value="+31612340101"' in edit.text
    token = csrf_of(client, f"/admin/shops/{bakery.id}")
    answer = client.post(
        f"/admin/shops/{bakery.id}",
        data=form(token, channel="whatsapp", address="06 12340199", days=["tue", "thu"],
                  postcode="3981eb"),
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    saved = shop(village)
    assert (saved.notify_channel, saved.notify_address) == ("whatsapp", "+31612340199")
    assert saved.weekdays == ("tue", "thu")
    assert saved.postcode == "3981 EB"
    page = client.get(answer.headers["location"])
    assert "De instellingen van Bakkerij Van Rossum zijn opgeslagen." in page.text
    assert "WhatsApp: +31612340199" in page.text
    assert "di, do" in page.text
    client.post(
        f"/admin/shops/{bakery.id}",
        data=form(token, channel="email", address="bakker@example.nl", days=[]),
    )
    again = shop(village)
    assert (again.notify_channel, again.notify_address, again.weekdays) == (
        "email",
        "bakker@example.nl",
        (),
    )
    client.post(f"/admin/shops/{bakery.id}", data=form(token, channel="log", address=""))
    assert (shop(village).notify_channel, shop(village).notify_address) == ("log", None)


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"channel": "sms", "address": ""}, "Voor sms is een telefoonnummer nodig."),
        ({"channel": "whatsapp", "address": "12"}, "Dit is geen geldig telefoonnummer."),
        ({"channel": "email", "address": "bakker"}, "Dit is geen geldig e-mailadres."),
        ({"channel": "telegram", "address": "@bakker"}, "Een Telegram-chat is een nummer"),
        ({"channel": "pigeon"}, "Kies hoe de rondelijst verstuurd wordt."),
        ({"postcode": "Bunnik"}, "Dit is geen postcode."),
        ({"street": "x" * 121}, "Dit is te lang."),
    ],
)
def test_a_bad_setting_is_named_and_nothing_is_saved(
    client_as: Client, village: Runtime, changes: dict[str, str], said: str
) -> None:
    client = client_as(COORDINATOR)
    bakery = shop(village)
    token = csrf_of(client, f"/admin/shops/{bakery.id}")
    answer = client.post(
        f"/admin/shops/{bakery.id}", data=form(token, days=["mon"], kind="banket", **changes)
    )
    assert answer.status_code == 400
    assert said in answer.text
    assert 'value="banket"' in answer.text  # what was typed stays
    kept = shop(village)
    assert (kept.notify_channel, kept.notify_address, kept.weekdays, kept.kind) == (
        bakery.notify_channel,
        bakery.notify_address,
        bakery.weekdays,
        bakery.kind,
    )


def test_an_unknown_shop_is_not_found(client_as: Client) -> None:
    client = client_as(COORDINATOR)
    assert client.get("/admin/shops/9999").status_code == 404
    token = csrf_of(client, "/admin/shops")  # the language switch carries it
    assert client.post("/admin/shops/9999", data=form(token)).status_code == 404


def test_a_form_without_the_csrf_token_is_refused(client_as: Client, village: Runtime) -> None:
    client = client_as(COORDINATOR)
    bakery = shop(village)
    answer = client.post(f"/admin/shops/{bakery.id}", data=form("forged", channel="log"))
    assert answer.status_code == 403
    assert shop(village).notify_channel == bakery.notify_channel


@pytest.mark.parametrize("email", [BAKER, CHEESE, COURIER])
def test_shop_and_courier_users_may_not_see_the_shops(
    client_as: Client, village: Runtime, email: str
) -> None:
    client = client_as(email)
    bakery = shop(village)
    token = csrf_of(client, "/courier" if email == COURIER else "/shop")
    assert client.get("/admin/shops").status_code == 403
    assert client.get(f"/admin/shops/{bakery.id}").status_code == 403
    answer = client.post(f"/admin/shops/{bakery.id}", data=form(token, channel="log"))
    assert answer.status_code == 403
    assert shop(village).notify_channel == bakery.notify_channel


def test_in_the_browser_a_shops_channel_and_days_are_changed(
    browse: Callable[..., Any], village: Runtime
) -> None:
    page = browse(COORDINATOR)
    page.goto("/admin/shops")
    page.get_by_role("heading", name="Winkels", level=1).wait_for()
    shoot(page, "admin-shops")
    page.get_by_role("link", name=f"Instellingen van {BAKERY} wijzigen").click()
    page.get_by_role("heading", name=f"{BAKERY} instellen").wait_for()
    shoot(page, "admin-shop-edit")
    page.get_by_label("Stuur de rondelijst via").select_option("telegram")
    page.get_by_label("Telefoonnummer, Telegram-chat of e-mailadres").fill("")
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_text("Voor Telegram is een chatnummer nodig.").wait_for()
    shoot(page, "admin-shop-edit-error")
    assert shop(village).notify_channel == "sms"
    page.get_by_label("Telefoonnummer, Telegram-chat of e-mailadres").fill("123456789")
    for day in ("di", "do"):
        page.get_by_label(day, exact=True).check()
    page.get_by_label("za", exact=True).uncheck()
    page.get_by_role("button", name="Opslaan").click()
    page.get_by_role("status").filter(has_text="zijn opgeslagen").wait_for()
    saved = shop(village)
    assert (saved.notify_channel, saved.notify_address) == ("telegram", "123456789")
    assert saved.weekdays == ("tue", "thu")
    row = page.locator(f"#shop-{saved.id}")
    assert "Telegram: 123456789" in row.inner_text()
    assert "di, do" in row.inner_text()
