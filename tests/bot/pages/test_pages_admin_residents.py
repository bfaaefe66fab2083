"""The coordinator's residents pages: find, add, change, pause, export, forget, her conversation.

A paused resident is refused by the bot kindly and nothing is ordered; made active again she
orders as before. Everything a resident does here, she does through the real conversation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.wiring import Runtime
from bot.worker import close_now
from conversations.models import InboundMessage
from core.database import unit_of_work
from orders.models import AddressKind, Order, OrderStatus, Resident
from orders.placing import list_orders, set_status
from orders.residents import find_resident
from tests.bot.conftest import JANSEN, Talk
from tests.bot.pages.conftest import BAKER, COORDINATOR, COURIER, Clock, Live, csrf_of, shoot

Client = Callable[[str], TestClient]
DE_VRIES = "+31612340002"
NEW = {
    "name": "Mevrouw T. Testers",
    "phone": "06 2345 6789",
    "street": "Dorpsstraat 5",
    "postcode": "3981 AB",
    "language": "nl",
}


def resident_of(runtime: Runtime, phone: str) -> Resident | None:
    with unit_of_work(runtime.sessions) as session:
        found = find_resident(session, kind=AddressKind.PHONE, address=phone)
        if found is not None:
            session.expunge(found)
        return found


def id_of(runtime: Runtime, phone: str) -> int:
    found = resident_of(runtime, phone)
    assert found is not None, phone
    return found.id


def residents_count(runtime: Runtime) -> int:
    with unit_of_work(runtime.sessions) as session:
        return int(session.scalar(select(func.count(Resident.id))) or 0)


def orders_of(runtime: Runtime, resident_id: int) -> list[tuple[int, str]]:
    with unit_of_work(runtime.sessions) as session:
        return [(o.id, o.status) for o in list_orders(session) if o.resident_id == resident_id]


def post(client: TestClient, path: str, data: dict[str, str], *, page: str = "") -> Any:
    token = csrf_of(client, page or path)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def field_error(html: str, field: str) -> str:
    """The error shown beside a field, as a person reads it."""
    found = re.search(rf'<p class="error" id="e-{field}">([^<]*)</p>', html)
    return found.group(1) if found else ""


def value_of(html: str, field: str) -> str:
    found = re.search(rf'id="f-{field}" name="{field}" type="\w+" value="([^"]*)"', html)
    assert found, field
    return found.group(1)


def order_krentenbollen(talk: Talk) -> str:
    talk.send("2 krentenbollen")
    return talk.send("ja")


# -- the list, the search, adding --------------------------------------------------------------


def test_the_list_shows_every_resident_with_address_phone_language_and_status(
    client_as: Client,
) -> None:
    page = client_as(COORDINATOR).get("/admin/residents")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert "Mevrouw A. Jansen" in page.text
    assert "Julianalaan 18" in page.text and "3981 CK" in page.text
    assert "06 12340001" in page.text  # her number as people write it here
    assert "Meneer H. de Vries" in page.text
    assert "Gekoppeld" in page.text  # de Vries has Telegram
    assert "Actief" in page.text and "Nederlands" in page.text


@pytest.mark.parametrize(
    ("query", "found", "not_found"),
    [
        ("jansen", "Mevrouw A. Jansen", "Meneer H. de Vries"),
        ("SINGEL", "Meneer H. de Vries", "Mevrouw A. Jansen"),
        ("06 1234 0002", "Meneer H. de Vries", "Mevrouw A. Jansen"),
        ("+31612340001", "Mevrouw A. Jansen", "Meneer H. de Vries"),
    ],
)
def test_the_search_finds_by_name_street_or_phone(
    client_as: Client, query: str, found: str, not_found: str
) -> None:
    page = client_as(COORDINATOR).get("/admin/residents", params={"q": query})
    assert page.status_code == 200
    assert found in page.text
    assert not_found not in page.text
    assert "1 gevonden" in page.text
    assert f'value="{query}"' in page.text  # the search box keeps what was typed


def test_a_bad_postcode_is_shown_beside_its_field_and_nothing_is_written(
    client_as: Client, village: Runtime
) -> None:
    client = client_as(COORDINATOR)
    before = residents_count(village)
    answer = post(client, "/admin/residents", {**NEW, "postcode": "1011 AB"})
    assert answer.status_code == 400
    assert "Wij bezorgen niet in 1011 AB" in field_error(answer.text, "postcode")
    assert value_of(answer.text, "name") == NEW["name"]
    assert value_of(answer.text, "street") == NEW["street"]
    assert value_of(answer.text, "postcode") == "1011 AB"
    assert residents_count(village) == before
    assert resident_of(village, "+31623456789") is None

    answer = post(client, "/admin/residents", NEW)
    assert answer.status_code == 303
    new_id = id_of(village, "+31623456789")
    assert answer.headers["location"].startswith(f"/admin/residents/{new_id}?notice=resident_added")
    page = client.get(answer.headers["location"])
    assert "Mevrouw T. Testers is toegevoegd." in page.text
    assert residents_count(village) == before + 1
    resident = resident_of(village, "+31623456789")
    assert resident is not None
    assert (resident.street, resident.postcode) == ("Dorpsstraat 5", "3981 AB")
    assert resident.active


def test_every_wrong_field_is_told_at_once(client_as: Client, village: Runtime) -> None:
    before = residents_count(village)
    answer = post(
        client_as(COORDINATOR),
        "/admin/residents",
        {"name": "", "phone": "12", "street": "Dorpsstraat 5", "postcode": "abc", "language": "nl"},
    )
    assert answer.status_code == 400
    assert field_error(answer.text, "name") == "Vul een naam in."
    assert "geen geldig telefoonnummer" in field_error(answer.text, "phone")
    assert "geen postcode" in field_error(answer.text, "postcode")
    assert field_error(answer.text, "street") == ""
    assert 'aria-invalid="true"' in answer.text
    assert residents_count(village) == before


def test_a_phone_already_registered_is_refused_with_whose_it_is(
    client_as: Client, village: Runtime
) -> None:
    before = residents_count(village)
    answer = post(client_as(COORDINATOR), "/admin/residents", {**NEW, "phone": "06-12340001"})
    assert answer.status_code == 400
    assert field_error(answer.text, "phone") == "Dit nummer hoort al bij Mevrouw A. Jansen."
    assert residents_count(village) == before


# -- her page: change, pause -------------------------------------------------------------------


def test_her_details_are_changed_and_a_wrong_change_changes_nothing(
    client_as: Client, village: Runtime
) -> None:
    client = client_as(COORDINATOR)
    jansen = id_of(village, JANSEN)
    path = f"/admin/residents/{jansen}"
    page = client.get(path)
    assert page.status_code == 200
    assert value_of(page.text, "street") == "Julianalaan 18"

    wrong = {"name": "Mevrouw A. Jansen", "phone": JANSEN, "street": "Singel 1",
             "postcode": "9999 ZZ", "language": "en"}  # fmt: skip
    answer = post(client, path, wrong)
    assert answer.status_code == 400
    assert "Wij bezorgen niet in 9999 ZZ" in field_error(answer.text, "postcode")
    assert value_of(answer.text, "street") == "Singel 1"
    kept = resident_of(village, JANSEN)
    assert kept is not None and kept.street == "Julianalaan 18" and kept.language == "nl"

    answer = post(client, path, {**wrong, "postcode": "3984hb", "phone": "06 1111 2222"})
    assert answer.status_code == 303
    assert resident_of(village, JANSEN) is None  # her old number leads nowhere now
    changed = resident_of(village, "+31611112222")
    assert changed is not None
    assert (changed.id, changed.street, changed.postcode, changed.language) == (
        jansen, "Singel 1", "3984 HB", "en"
    )  # fmt: skip
    assert "De gegevens zijn opgeslagen." in client.get(answer.headers["location"]).text


def test_a_number_of_another_resident_is_not_taken_by_an_edit(
    client_as: Client, village: Runtime
) -> None:
    jansen = id_of(village, JANSEN)
    answer = post(
        client_as(COORDINATOR),
        f"/admin/residents/{jansen}",
        {"name": "Mevrouw A. Jansen", "phone": DE_VRIES, "street": "Julianalaan 18",
         "postcode": "3981 CK", "language": "nl"},
    )  # fmt: skip
    assert answer.status_code == 400
    assert field_error(answer.text, "phone") == "Dit nummer hoort al bij Meneer H. de Vries."
    assert id_of(village, JANSEN) == jansen


def test_a_paused_resident_is_told_kindly_and_nothing_is_ordered_until_active_again(
    client_as: Client, village: Runtime, talk: Talk
) -> None:
    client = client_as(COORDINATOR)
    jansen = id_of(village, JANSEN)
    path = f"/admin/residents/{jansen}"
    answer = post(client, f"{path}/deactivate", {}, page=path)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert "Mevrouw A. Jansen is gepauzeerd." in page.text
    assert "Gepauzeerd" in client.get("/admin/residents").text
    before = orders_of(village, jansen)

    coordinator = village.settings.coordinator
    reply = talk.send("2 krentenbollen")
    assert "staat nu stil" in reply
    assert coordinator.name in reply and coordinator.phone in reply
    assert "krentenbol" not in reply.lower()
    assert "staat nu stil" in talk.send("ja")
    assert orders_of(village, jansen) == before

    answer = post(client, f"{path}/reactivate", {}, page=path)
    assert answer.status_code == 303
    assert "weer actief" in client.get(answer.headers["location"]).text
    placed = order_krentenbollen(talk)
    assert "staat nu stil" not in placed
    after = orders_of(village, jansen)
    assert len(after) == len(before) + 1
    assert after[-1][1] == OrderStatus.PLACED.value


def test_a_paused_caller_hears_the_same_kind_words(
    client_as: Client, village: Runtime, dialogue: Any
) -> None:
    client = client_as(COORDINATOR)
    jansen = id_of(village, JANSEN)
    post(client, f"/admin/residents/{jansen}/deactivate", {}, page=f"/admin/residents/{jansen}")
    before = orders_of(village, jansen)
    caller = Talk(dialogue, channel="voice")
    for said in ("het gewone", "ja"):
        replies = caller.replies(said)
        assert len(replies) == 1
        assert replies[0].spoken is not None and "staat nu stil" in replies[0].spoken
    assert orders_of(village, jansen) == before


# -- her data: export and forget ---------------------------------------------------------------


def test_her_data_downloads_as_json_with_her_name_and_orders(
    client_as: Client, village: Runtime, talk: Talk
) -> None:
    order_krentenbollen(talk)
    jansen = id_of(village, JANSEN)
    answer = client_as(COORDINATOR).get(f"/admin/residents/{jansen}/export")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert f"bewoner-{jansen}-" in answer.headers["content-disposition"]
    data = json.loads(answer.content)
    assert data["resident"]["name"] == "Mevrouw A. Jansen"
    assert data["phone"] == JANSEN
    placed = [o for o in data["orders"] if o["status"] == "placed"]
    assert len(placed) == 1
    names = [line["name"].lower() for part in placed[0]["parts"] for line in part["lines"]]
    assert any("krentenbol" in name for name in names)
    assert any(m["text"] == "2 krentenbollen" for m in data["messages"])


def test_forgetting_waits_for_orders_under_way_and_then_removes_her(
    client_as: Client, village: Runtime, talk: Talk, clock: Clock
) -> None:
    order_krentenbollen(talk)
    client = client_as(COORDINATOR)
    jansen = id_of(village, JANSEN)
    path = f"/admin/residents/{jansen}"

    answer = post(client, f"{path}/forget", {}, page=path)  # not ticked
    assert answer.status_code == 303
    assert "Er is niets gewist" in client.get(answer.headers["location"]).text
    assert resident_of(village, JANSEN) is not None

    answer = post(client, f"{path}/forget", {"sure": "yes"}, page=path)
    assert answer.status_code == 303
    (order_id, _), *_ = [o for o in orders_of(village, jansen) if o[1] == "placed"]
    page = client.get(answer.headers["location"])
    assert f"bestelling {order_id} is nog onderweg" in page.text
    assert resident_of(village, JANSEN) is not None

    with unit_of_work(village.sessions) as session:
        order = session.get(Order, order_id)
        assert order is not None and order.round_id is not None
        round_id = order.round_id
    close_now(village, round_id=round_id, now=clock())  # her name goes on the shops' lists
    with unit_of_work(village.sessions) as session:
        order = session.get(Order, order_id)
        assert order is not None
        set_status(session, order=order, status=OrderStatus.DELIVERED, now=clock())
    answer = post(client, f"{path}/forget", {"sure": "yes"}, page=path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/admin/residents?notice=resident_forgotten")
    page = client.get(answer.headers["location"])
    assert "De bewoner is gewist." in page.text
    assert "Mevrouw A. Jansen" not in page.text
    assert "(vergeten)" not in page.text
    assert resident_of(village, JANSEN) is None
    assert client.get(path).status_code == 404
    with unit_of_work(village.sessions) as session:
        assert session.get(Order, order_id) is not None  # kept for the shops, anonymous
        assert not session.scalars(
            select(InboundMessage).where(InboundMessage.sender == JANSEN)
        ).all()


# -- her conversation --------------------------------------------------------------------------


def test_her_conversation_shows_what_she_sent_and_what_is_open(
    client_as: Client, village: Runtime, dialogue: Any
) -> None:
    talk = Talk(dialogue, sender=DE_VRIES)
    first = talk.send("2 krentenbollen")
    asked = talk.send("en melk")  # which milk? the question stays open
    assert "Welke bedoelt u?" in asked
    page = client_as(COORDINATOR).get(f"/admin/residents/{id_of(village, DE_VRIES)}/conversation")
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    shown = page.text.replace("&#34;", '"').replace("&#39;", "'")
    assert "2 krentenbollen" in shown and "en melk" in shown
    assert first.splitlines()[0] in shown and 'U schreef "melk"' in shown
    assert shown.index("2 krentenbollen") < shown.index("en melk")  # newest last
    assert "SMS" in shown
    assert "In haar mandje" in shown and "2x Krentenbol" in shown
    assert "De bot wacht op antwoord" in shown
    assert "Welke “melk” zij bedoelt: Volle melk 1 liter, Karnemelk 1 liter" in shown


def test_only_her_last_thirty_messages_are_shown(
    client_as: Client, village: Runtime, talk: Talk
) -> None:
    for n in range(33):
        talk.send(f"bericht {n:02d}")
    page = client_as(COORDINATOR).get(f"/admin/residents/{id_of(village, JANSEN)}/conversation")
    assert "bericht 02" not in page.text
    assert "bericht 03" in page.text and "bericht 32" in page.text


# -- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [BAKER, COURIER])
def test_shops_and_the_courier_may_not_see_or_change_residents(
    client_as: Client, village: Runtime, email: str
) -> None:
    client = client_as(email)
    jansen = id_of(village, JANSEN)
    mine = f"/admin/residents/{jansen}"
    for path in ("/admin/residents", mine, f"{mine}/export", f"{mine}/conversation"):
        assert client.get(path).status_code == 403, path
    token = csrf_of(client, "/shop" if email == BAKER else "/courier")
    for path in ("/admin/residents", mine, f"{mine}/deactivate", f"{mine}/forget"):
        answer = client.post(path, data={"csrf_token": token, **NEW, "sure": "yes"})
        assert answer.status_code == 403, path
    resident = resident_of(village, JANSEN)
    assert resident is not None and resident.active and resident.street == "Julianalaan 18"


def test_a_form_without_the_right_token_is_refused_and_changes_nothing(
    client_as: Client, village: Runtime
) -> None:
    client = client_as(COORDINATOR)
    jansen = id_of(village, JANSEN)
    before = residents_count(village)
    for path, data in (
        ("/admin/residents", NEW),
        (f"/admin/residents/{jansen}", {**NEW, "phone": JANSEN}),
        (f"/admin/residents/{jansen}/deactivate", {}),
        (f"/admin/residents/{jansen}/forget", {"sure": "yes"}),
    ):
        assert client.post(path, data=data).status_code == 403, path
        assert client.post(path, data={**data, "csrf_token": "wrong"}).status_code == 403, path
    resident = resident_of(village, JANSEN)
    assert resident is not None and resident.active and resident.name == "Mevrouw A. Jansen"
    assert residents_count(village) == before


def test_an_unknown_resident_is_404(client_as: Client) -> None:
    client = client_as(COORDINATOR)
    for path in ("/admin/residents/999999", "/admin/residents/999999/export",
                 "/admin/residents/999999/conversation"):  # fmt: skip
        assert client.get(path).status_code == 404, path


def test_the_pages_read_in_english_for_an_english_coordinator(
    client_as: Client, village: Runtime
) -> None:
    client = client_as(COORDINATOR)
    post(client, "/account/language", {"language": "en", "back": "/admin/residents"},
         page="/admin/residents")  # fmt: skip
    page = client.get("/admin/residents")
    assert "New resident" in page.text and "Nieuwe bewoner" not in page.text
    detail = client.get(f"/admin/residents/{id_of(village, JANSEN)}")
    assert "Change details" in detail.text


# -- in a browser ------------------------------------------------------------------------------


def test_the_coordinator_adds_changes_and_pauses_a_resident_in_a_browser(
    browse: Callable[..., Any], live: Live, dialogue: Any
) -> None:
    page = browse(COORDINATOR)
    page.goto("/admin/residents")
    shoot(page, "admin-residents")
    page.get_by_label("Naam", exact=True).fill(NEW["name"])
    page.get_by_label("Telefoonnummer").fill(NEW["phone"])
    page.get_by_label("Straat en huisnummer").fill(NEW["street"])
    page.get_by_label("Postcode").fill("1011 AB")
    page.get_by_role("button", name="Bewoner toevoegen").click()
    page.wait_for_load_state()
    assert "Wij bezorgen niet in 1011 AB" in page.locator("#e-postcode").inner_text()
    assert page.get_by_label("Naam", exact=True).input_value() == NEW["name"]
    shoot(page, "admin-residents-error")

    page.get_by_label("Postcode").fill("3985 sb")
    page.get_by_role("button", name="Bewoner toevoegen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == NEW["name"]
    assert "is toegevoegd" in page.get_by_role("status").first.inner_text()

    page.get_by_label("Straat en huisnummer").fill("Dorpsstraat 7")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert "opgeslagen" in page.get_by_role("status").first.inner_text()
    assert "Dorpsstraat 7, 3985 SB" in page.inner_text("main")

    page.get_by_role("button", name="Pauzeren").click()
    page.wait_for_load_state()
    assert "gepauzeerd" in page.get_by_role("status").first.inner_text()
    shoot(page, "admin-resident")

    talk = Talk(dialogue, sender="+31623456789")
    assert "staat nu stil" in talk.send("2 krentenbollen")
    page.get_by_role("link", name="Haar laatste berichten met de bot").click()
    page.wait_for_load_state()
    assert "2 krentenbollen" in page.inner_text("main")
    assert "staat nu stil" in page.inner_text("main")
    shoot(page, "admin-resident-conversation")

    page.get_by_role("link", name=f"Terug naar {NEW['name']}").click()
    page.get_by_role("button", name="Weer actief maken").click()
    page.wait_for_load_state()
    assert "weer actief" in page.get_by_role("status").first.inner_text()

    page.get_by_label(f"Ja, wis {NEW['name']} voorgoed.").check()
    page.get_by_role("button", name="Gegevens wissen").click()
    page.wait_for_load_state()
    assert "De bewoner is gewist." in page.get_by_role("status").first.inner_text()
    assert NEW["name"] not in page.inner_text("main")


def test_her_data_downloads_in_a_browser(browse: Callable[..., Any], live: Live) -> None:
    page = browse(COORDINATOR)
    page.goto("/admin/residents?q=jansen")
    page.get_by_role("link", name="Mevrouw A. Jansen").click()
    page.wait_for_load_state()
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Gegevens downloaden (JSON)").click()
    download = waiting.value
    assert download.suggested_filename.endswith(".json")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["resident"]["name"] == "Mevrouw A. Jansen"
    assert data["orders"]
