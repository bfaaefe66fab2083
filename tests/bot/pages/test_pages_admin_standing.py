"""The coordinator's standing orders page: every active standing order with its day, products,
price now, next delivery, this week and last weeks; paused for a resident (a date, today or
later), resumed and stopped, without a message to her; the worker then respects the pause.

Residents set their standing orders up through the real conversation (or the service, as the
dialogue does); the worker's own pass places them, as in `serve`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.round_plan import round_plan
from bot.senders import default_senders
from bot.wiring import Runtime
from bot.worker import work_once
from catalog.service import product_by_sku
from core.database import unit_of_work
from orders.models import AddressKind, DeliveryRound, OutboxMessage, Resident
from orders.residents import find_resident
from orders.standing.models import StandingOrder, StandingWeek
from orders.standing.service import (
    StandingLine,
    change_this_week,
    first_delivery,
    set_up,
    skip_this_week,
    standing_overview,
)
from tests.bot.conftest import JANSEN, Talk
from tests.bot.pages.conftest import BAKER, COORDINATOR, COURIER, Clock, Live, csrf_of, shoot

Client = Callable[[str], TestClient]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DE_VRIES = "+31612340002"


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


def resident_id(village: Runtime, phone: str) -> int:
    with village.sessions() as session:
        found = find_resident(session, kind=AddressKind.PHONE, address=phone)
        assert found is not None, phone
        return found.id


def thursday_by_message(talk: Talk) -> None:
    """Mevrouw Jansen sets up 2 wholemeal loaves and a box of 10 eggs every Thursday."""
    reply = talk.send("elke donderdag 2 volkorenbroden en een doos van 10 scharreleieren")
    assert "Uw vaste bestelling, elke donderdag:" in reply
    assert "Uw vaste bestelling staat" in talk.send("ja")


def tuesday_spelt(village: Runtime, *, phone: str = DE_VRIES) -> int:
    with unit_of_work(village.sessions) as session:
        resident = find_resident(session, kind=AddressKind.PHONE, address=phone)
        assert resident is not None
        standing = set_up(
            session,
            resident=resident,
            weekday="tue",
            lines=[StandingLine(product_by_sku(session, sku="bak-spelt"), 1)],
            plan=round_plan(village.settings),
            now=local(2026, 12, 7, 8),
        )
        return standing.id


def standing_of(village: Runtime, phone: str, weekday: str) -> StandingOrder:
    with village.sessions() as session:
        found = session.scalar(
            select(StandingOrder)
            .join(Resident)
            .where(StandingOrder.weekday == weekday)
            .where(Resident.id == resident_id(village, phone))
        )
        assert found is not None
        session.expunge(found)
        return found


def card(html: str, standing_id: int) -> str:
    """One standing order's card, as text without tags."""
    found = re.search(
        rf'<section class="card standing" id="standing-{standing_id}".*?</section>', html, re.S
    )
    assert found, f"no card for standing order {standing_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def post(client: TestClient, path: str, data: dict[str, str]) -> Any:
    token = csrf_of(client, "/admin/standing")
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def messages(village: Runtime) -> int:
    """Every message ever queued, to anyone."""
    with village.sessions() as session:
        return int(session.scalar(select(func.count(OutboxMessage.id))) or 0)


def rounds_count(village: Runtime) -> int:
    with village.sessions() as session:
        return int(session.scalar(select(func.count(DeliveryRound.id))) or 0)


@pytest.fixture
def worker(village: Runtime, tmp_path: Path) -> Callable[[datetime], None]:
    senders = default_senders(log_file=tmp_path / "outbox.log", echo=lambda _: None)

    def run(at: datetime) -> None:
        work_once(village, senders=senders, now=at)

    return run


def weeks_of(village: Runtime, standing_id: int) -> list[tuple[date, str | None, int | None]]:
    with village.sessions() as session:
        return [
            (w.delivery_round.starts_at.astimezone(AMSTERDAM).date(), w.outcome, w.order_id)
            for w in session.scalars(
                select(StandingWeek)
                .where(StandingWeek.standing_order_id == standing_id)
                .where(StandingWeek.settled_at.is_not(None))
            )
        ]


# -- the list ---------------------------------------------------------------------------------


def test_the_list_shows_who_which_day_what_it_costs_and_the_next_delivery(
    client_as: Client, village: Runtime, talk: Talk
) -> None:
    thursday_by_message(talk)
    spelt = tuesday_spelt(village)
    jansen = standing_of(village, JANSEN, "thu")
    page = client_as(COORDINATOR).get("/admin/standing")
    assert page.status_code == 200
    assert "2 vaste bestellingen, waarvan 0 gepauzeerd." in page.text
    assert f'<a href="/admin/residents/{jansen.resident_id}">Mevrouw A. Jansen</a>' in page.text
    text = card(page.text, jansen.id)
    assert "Mevrouw A. Jansen , elke donderdag" in text
    assert "2x Volkorenbrood € 6,70" in text
    assert "1x Scharreleieren (doos van 10) € 3,80" in text
    assert "bak-volkoren" not in text  # names, never SKUs
    assert "Kost nu € 10,50" in text
    assert "Volgende bezorging do 10 dec 10:00" in text
    assert "Deze week (do 10 dec 10:00) Zoals altijd." in text
    assert "Nog geen week geweest." in text
    assert "Loopt" in text and "Gepauzeerd tot en met" not in text
    # The Tuesday one: tomorrow already (cut-off tonight at 20:00).
    assert "elke dinsdag" in card(page.text, spelt)
    assert "Volgende bezorging di 8 dec 10:00" in card(page.text, spelt)


def test_the_price_is_todays_and_what_is_not_sold_is_said(
    client_as: Client, village: Runtime, talk: Talk
) -> None:
    thursday_by_message(talk)
    with unit_of_work(village.sessions) as session:
        product_by_sku(session, sku="bak-volkoren").price_cents = 350
        product_by_sku(session, sku="ei-doos10").available = False
    jansen = standing_of(village, JANSEN, "thu")
    text = card(client_as(COORDINATOR).get("/admin/standing").text, jansen.id)
    assert "2x Volkorenbrood € 7,00" in text
    assert "Scharreleieren (doos van 10) (nu niet te koop)" in text
    assert "Kost nu € 7,00" in text


def test_this_weeks_changes_and_a_skipped_week_are_shown(
    client_as: Client, village: Runtime, talk: Talk, clock: Clock
) -> None:
    thursday_by_message(talk)
    spelt = tuesday_spelt(village)
    plan = round_plan(village.settings)
    with unit_of_work(village.sessions) as session:
        thursday = session.get(StandingOrder, standing_of(village, JANSEN, "thu").id)
        tuesday = session.get(StandingOrder, spelt)
        assert thursday is not None and tuesday is not None
        change_this_week(
            session, standing=thursday, plan=plan, now=clock(),
            changes={"bak-appeltaart": 1, "ei-doos10": 0, "bak-volkoren": 3},
        )  # fmt: skip
        skip_this_week(session, standing=tuesday, plan=plan, now=clock())
    page = client_as(COORDINATOR).get("/admin/standing").text
    text = card(page, thursday.id)
    assert "Extra: 1x Appeltaart" in text
    assert "Niet deze week: Scharreleieren (doos van 10)" in text
    assert "Deze keer 3x Volkorenbrood (anders 2x)" in text
    skipped = card(page, spelt)
    assert "Deze week (di 8 dec 10:00) Overgeslagen" in skipped
    # Skipped this week: her next delivery is the Tuesday after.
    assert "Volgende bezorging di 15 dec 10:00" in skipped


def test_the_next_delivery_is_first_deliverys_and_looking_makes_no_rounds(
    client_as: Client, village: Runtime, talk: Talk, clock: Clock
) -> None:
    thursday_by_message(talk)
    spelt = tuesday_spelt(village)
    plan = round_plan(village.settings)
    with unit_of_work(village.sessions) as session:
        tuesday = session.get(StandingOrder, spelt)
        assert tuesday is not None
        skip_this_week(session, standing=tuesday, plan=plan, now=clock())
        tuesday.paused_until = date(2027, 3, 1)
    before = rounds_count(village)
    client = client_as(COORDINATOR)
    assert "Volgende bezorging di 2 mrt 10:00" in card(client.get("/admin/standing").text, spelt)
    assert rounds_count(village) == before
    with unit_of_work(village.sessions) as session:
        seen = {s.standing.id: s.next_delivery_at for s in standing_overview(
            session, plan=plan, now=clock())}  # fmt: skip
        for standing in session.scalars(select(StandingOrder)):
            expected = first_delivery(session, standing=standing, plan=plan, now=clock())
            assert seen[standing.id] == expected.starts_at


# -- pause, resume, stop ----------------------------------------------------------------------


def test_a_pause_is_shown_not_told_to_her_and_the_worker_places_nothing_that_week(
    client_as: Client, village: Runtime, talk: Talk, clock: Clock, worker: Any
) -> None:
    thursday_by_message(talk)
    jansen = standing_of(village, JANSEN, "thu")
    told = messages(village)
    client = client_as(COORDINATOR)
    answer = post(client, f"/admin/standing/{jansen.id}/pause", {"until": "2026-12-10"})
    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert (
        "De vaste bestelling van Mevrouw A. Jansen (elke donderdag) is gepauzeerd tot en met "
        "donderdag 10 december 2026." in page.text
    )
    text = card(page.text, jansen.id)
    assert "Gepauzeerd tot en met donderdag 10 december 2026" in text
    assert "Deze week (do 10 dec 10:00) Gepauzeerd, dus niets." in text
    assert "Volgende bezorging do 17 dec 10:00" in text
    assert "1 vaste bestelling, waarvan 1 gepauzeerd." in page.text
    assert standing_of(village, JANSEN, "thu").paused_until == date(2026, 12, 10)
    assert messages(village) == told  # the coordinator phones her

    # Thursday 10 December: paused; Thursday 17 December: placed.
    for moment in (local(2026, 12, 9, 10), local(2026, 12, 9, 20), local(2026, 12, 16, 10),
                   local(2026, 12, 16, 20)):  # fmt: skip
        worker(moment)
    weeks = weeks_of(village, jansen.id)
    assert (date(2026, 12, 10), "paused", None) in weeks
    placed = [w for w in weeks if w[1] == "placed"]
    assert [w[0] for w in placed] == [date(2026, 12, 17)]
    order_id = placed[0][2]
    clock.now = local(2026, 12, 17, 12)
    client = client_as(COORDINATOR)  # a new day, a new login
    text = card(client.get("/admin/standing").text, jansen.id)
    assert "do 10 dec 10:00: Gepauzeerd" in text
    assert f"do 17 dec 10:00: Geplaatst: bestelling {order_id}" in text
    assert "Loopt" in text and "Gepauzeerd tot en met" not in text  # the pause is over
    assert f'href="/admin/orders/{order_id}"' in client.get("/admin/standing").text


def test_a_week_that_failed_or_had_nothing_to_deliver_is_shown(
    client_as: Client, village: Runtime, clock: Clock, worker: Any
) -> None:
    spelt = tuesday_spelt(village)
    with unit_of_work(village.sessions) as session:
        resident = find_resident(session, kind=AddressKind.PHONE, address=JANSEN)
        assert resident is not None
        too_many = set_up(
            session,
            resident=resident,
            weekday="thu",
            lines=[StandingLine(product_by_sku(session, sku="bak-krentenbol"), 60)],
            plan=round_plan(village.settings),
            now=clock(),
        ).id
        product_by_sku(session, sku="bak-spelt").available = False
    # Tuesday's cut-off: no spelt bread to be had; Thursday's: 60 currant buns, over the
    # limit of 50 a line. (The worker runs before each cut-off too, as in `serve`.)
    for moment in (local(2026, 12, 7, 10), local(2026, 12, 7, 20), local(2026, 12, 9, 10),
                   local(2026, 12, 9, 20)):  # fmt: skip
        worker(moment)
    clock.now = local(2026, 12, 10, 12)
    page = client_as(COORDINATOR).get("/admin/standing").text
    assert "di 8 dec 10:00: Niets te leveren" in card(page, spelt)
    assert "do 10 dec 10:00: Mislukt, niet besteld" in card(page, too_many)
    assert "Speltbrood (nu niet te koop)" in card(page, spelt)


def test_today_and_a_date_typed_in_dutch_are_taken(
    client_as: Client, village: Runtime, talk: Talk
) -> None:
    thursday_by_message(talk)
    jansen = standing_of(village, JANSEN, "thu")
    client = client_as(COORDINATOR)
    assert (
        post(client, f"/admin/standing/{jansen.id}/pause", {"until": "2026-12-07"}).status_code
        == 303
    )
    assert standing_of(village, JANSEN, "thu").paused_until == date(2026, 12, 7)
    assert (
        post(client, f"/admin/standing/{jansen.id}/pause", {"until": "2-1-2027"}).status_code == 303
    )
    assert standing_of(village, JANSEN, "thu").paused_until == date(2027, 1, 2)


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("2026-12-06", "zondag 6 december 2026 is al voorbij. Kies vandaag of een latere dag."),
        ("", "Vul een datum in."),
        ("morgen", "“morgen” is geen datum. Bijvoorbeeld 20-12-2026."),
        ("31-02-2027", "“31-02-2027” is geen datum."),
    ],
)
def test_a_past_or_wrong_date_is_refused_beside_its_field(
    client_as: Client, village: Runtime, talk: Talk, typed: str, said: str
) -> None:
    thursday_by_message(talk)
    jansen = standing_of(village, JANSEN, "thu")
    answer = post(client_as(COORDINATOR), f"/admin/standing/{jansen.id}/pause", {"until": typed})
    assert answer.status_code == 400
    error = re.search(rf'<p class="error" id="until-error-{jansen.id}">([^<]*)</p>', answer.text)
    assert error is not None and said in error.group(1)
    assert f'aria-describedby="until-hint-{jansen.id} until-error-{jansen.id}"' in answer.text
    assert f'value="{typed}"' in answer.text  # what she typed is kept
    assert standing_of(village, JANSEN, "thu").paused_until is None


def test_a_paused_standing_order_goes_on_again(
    client_as: Client, village: Runtime, talk: Talk
) -> None:
    thursday_by_message(talk)
    jansen = standing_of(village, JANSEN, "thu")
    client = client_as(COORDINATOR)
    post(client, f"/admin/standing/{jansen.id}/pause", {"until": "2026-12-20"})
    told = messages(village)
    answer = post(client, f"/admin/standing/{jansen.id}/resume", {})
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "De vaste bestelling van Mevrouw A. Jansen (elke donderdag) gaat weer door." in page
    assert standing_of(village, JANSEN, "thu").paused_until is None
    text = card(page, jansen.id)
    assert "Loopt" in text and "Volgende bezorging do 10 dec 10:00" in text
    assert messages(village) == told


def test_stopping_asks_to_be_sure_then_stops_and_the_worker_places_nothing(
    client_as: Client, village: Runtime, talk: Talk, worker: Any
) -> None:
    thursday_by_message(talk)
    jansen = standing_of(village, JANSEN, "thu")
    client = client_as(COORDINATOR)
    answer = post(client, f"/admin/standing/{jansen.id}/stop", {})
    assert "Er is niets gestopt." in client.get(answer.headers["location"]).text
    assert standing_of(village, JANSEN, "thu").active
    answer = post(client, f"/admin/standing/{jansen.id}/stop", {"sure": "yes"})
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "De vaste bestelling van Mevrouw A. Jansen (elke donderdag) is gestopt." in page
    assert f'id="standing-{jansen.id}"' not in page
    assert "Er zijn nog geen vaste bestellingen." in page
    assert not standing_of(village, JANSEN, "thu").active
    worker(local(2026, 12, 9, 20))
    assert weeks_of(village, jansen.id) == []
    # A stopped one can no longer be paused or stopped.
    for action in ("pause", "resume", "stop"):
        gone = post(client, f"/admin/standing/{jansen.id}/{action}", {"until": "2026-12-20"})
        assert gone.status_code == 404, action


# -- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("email", [BAKER, COURIER])
def test_shops_and_the_courier_may_not_see_or_change_standing_orders(
    client_as: Client, village: Runtime, talk: Talk, email: str
) -> None:
    thursday_by_message(talk)
    jansen = standing_of(village, JANSEN, "thu")
    client = client_as(email)
    assert client.get("/admin/standing").status_code == 403
    token = csrf_of(client, "/shop" if email == BAKER else "/courier")
    for action in ("pause", "resume", "stop"):
        answer = client.post(
            f"/admin/standing/{jansen.id}/{action}",
            data={"csrf_token": token, "until": "2026-12-20", "sure": "yes"},
        )
        assert answer.status_code == 403, action
    after = standing_of(village, JANSEN, "thu")
    assert after.active and after.paused_until is None


def test_a_form_without_the_right_token_is_refused_and_changes_nothing(
    client_as: Client, village: Runtime, talk: Talk
) -> None:
    thursday_by_message(talk)
    jansen = standing_of(village, JANSEN, "thu")
    client = client_as(COORDINATOR)
    for action in ("pause", "resume", "stop"):
        path = f"/admin/standing/{jansen.id}/{action}"
        data = {"until": "2026-12-20", "sure": "yes"}
        assert client.post(path, data=data).status_code == 403, action
        assert client.post(path, data={**data, "csrf_token": "wrong"}).status_code == 403
    after = standing_of(village, JANSEN, "thu")
    assert after.active and after.paused_until is None


def test_an_unknown_standing_order_is_404(client_as: Client, village: Runtime) -> None:
    client = client_as(COORDINATOR)
    for action in ("pause", "resume", "stop"):
        answer = post(client, f"/admin/standing/999999/{action}", {"until": "2026-12-20"})
        assert answer.status_code == 404, action


def test_the_page_reads_in_english_for_an_english_coordinator(
    client_as: Client, village: Runtime, talk: Talk
) -> None:
    thursday_by_message(talk)
    client = client_as(COORDINATOR)
    token = csrf_of(client, "/admin/standing")
    client.post(
        "/account/language", data={"csrf_token": token, "language": "en", "back": "/admin/standing"}
    )
    page = client.get("/admin/standing").text
    assert "every Thursday" in page and "Next delivery" in page
    assert "Thu 10 Dec 10:00" in page
    assert "elke donderdag" not in page


# -- in a browser ------------------------------------------------------------------------------


def test_the_coordinator_pauses_resumes_and_stops_in_a_browser(
    browse: Callable[..., Any], live: Live, dialogue: Any
) -> None:
    thursday_by_message(Talk(dialogue))
    spelt = tuesday_spelt(live.runtime)
    page = browse(COORDINATOR)
    page.goto("/admin/residents")
    page.get_by_role("link", name="Vaste bestellingen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Vaste bestellingen"
    spelt_card = page.locator(f"#standing-{spelt}")
    # A day gone by is refused beside the field.
    spelt_card.get_by_label("Pauzeren tot en met").fill("2026-12-01")
    spelt_card.get_by_role("button", name="Pauzeren").click()
    page.wait_for_load_state()
    assert "is al voorbij" in page.locator(f"#until-error-{spelt}").inner_text()
    # In hospital until 20 December.
    spelt_card.get_by_label("Pauzeren tot en met").fill("2026-12-20")
    spelt_card.get_by_role("button", name="Pauzeren").click()
    page.wait_for_load_state()
    assert "is gepauzeerd tot en met zondag 20 december 2026" in (
        page.get_by_role("status").first.inner_text()
    )
    assert "Volgende bezorging\ndi 22 dec 10:00" in spelt_card.inner_text()
    shoot(page, "admin-standing")

    spelt_card.get_by_role("button", name="Weer laten doorgaan").click()
    page.wait_for_load_state()
    assert "gaat weer door" in page.get_by_role("status").first.inner_text()
    assert "Volgende bezorging\ndi 8 dec 10:00" in spelt_card.inner_text()

    spelt_card.get_by_label("Ja, stop de vaste bestelling van").check()
    spelt_card.get_by_role("button", name="Stoppen").click()
    page.wait_for_load_state()
    assert "is gestopt" in page.get_by_role("status").first.inner_text()
    assert page.locator(f"#standing-{spelt}").count() == 0
    assert page.locator(".card.standing").count() == 1
