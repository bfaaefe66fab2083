"""Logging in and out, roles landing on their own page, CSRF and guessing slowed down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.web import Service
from tests.bot.pages.conftest import (
    BAKER,
    COORDINATOR,
    COURIER,
    Live,
    csrf_of,
    log_in,
    shoot,
)


@pytest.mark.parametrize(
    ("email", "home", "others"),
    [
        (COORDINATOR, "/admin", ["/shop", "/courier"]),
        (BAKER, "/shop", ["/admin", "/courier", "/admin/orders"]),
        (COURIER, "/courier", ["/admin", "/shop"]),
    ],
)
def test_each_role_lands_on_its_own_page_and_no_other(
    service: Service, email: str, home: str, others: list[str]
) -> None:
    client = TestClient(service.app)
    answer = log_in(client, email)
    assert answer.status_code == 303
    assert answer.headers["location"] == home
    assert client.get("/", follow_redirects=False).headers["location"] == home
    assert client.get(home).status_code == 200
    for other in others:
        assert client.get(other).status_code == 403, other


def test_the_session_cookie_is_httponly_and_samesite_lax(service: Service) -> None:
    client = TestClient(service.app)
    answer = log_in(client, COORDINATOR)
    cookie = next(
        value for name, value in answer.headers.multi_items()
        if name == "set-cookie" and value.startswith("dorpsplein_session=")
    )  # fmt: skip
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on a laptop; see the next test for https


def test_behind_https_the_cookie_is_secure(village: Any, parser: Any, clock: Any) -> None:
    from bot.pages.context import Pages
    from bot.secrets import Secrets

    settings = village.settings.model_copy(update={"public_url": "https://dorpsplein.example"})
    runtime = type(village)(settings=settings, engine=village.engine, sessions=village.sessions)
    service = Service(runtime, secrets=Secrets(), parser=parser, pages=Pages(runtime, clock=clock))
    answer = log_in(TestClient(service.app), COORDINATOR)
    assert "Secure" in answer.headers["set-cookie"]
    service.close()


def test_a_visitor_is_sent_to_login_and_comes_back_after(service: Service) -> None:
    client = TestClient(service.app)
    answer = client.get("/admin/orders", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fadmin%2Forders"
    page = client.get(answer.headers["location"])
    token = page.text.split('name="login_token" value="')[1].split('"')[0]
    back = client.post(
        "/login",
        data={"login_token": token, "email": COORDINATOR, "password": "demo-wachtwoord",
              "next": "/admin/orders"},
        follow_redirects=False,
    )  # fmt: skip
    assert back.headers["location"] == "/admin/orders"


def test_next_never_leads_to_another_site(service: Service) -> None:
    client = TestClient(service.app)
    token = client.get("/login").text.split('name="login_token" value="')[1].split('"')[0]
    answer = client.post(
        "/login",
        data={"login_token": token, "email": COORDINATOR, "password": "demo-wachtwoord",
              "next": "//evil.example/admin"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.headers["location"] == "/admin"


def test_a_wrong_password_is_told_without_saying_which_part_was_wrong(service: Service) -> None:
    client = TestClient(service.app)
    wrong_password = log_in(client, COORDINATOR, "not-the-password")
    unknown = log_in(client, "nobody@bunnik.example", "not-the-password")
    assert wrong_password.status_code == unknown.status_code == 401
    assert "klopt niet" in wrong_password.text
    assert "klopt niet" in unknown.text
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_guessing_is_stopped_after_five_wrong_passwords_even_with_the_right_one(
    service: Service,
) -> None:
    client = TestClient(service.app)
    for _ in range(5):
        assert log_in(client, COORDINATOR, "wrong-password").status_code == 401
    refused = log_in(client, COORDINATOR)
    assert refused.status_code == 429
    assert "kwartier" in refused.text


def test_a_quarter_of_an_hour_later_the_right_password_works_again(
    service: Service, clock: Any
) -> None:
    client = TestClient(service.app)
    for _ in range(5):
        log_in(client, COORDINATOR, "wrong-password")
    clock.advance(minutes=16)
    assert log_in(client, COORDINATOR).status_code == 303


def test_a_login_form_without_its_token_checks_nothing(service: Service) -> None:
    client = TestClient(service.app)
    answer = client.post(
        "/login",
        data={"login_token": "forged", "email": COORDINATOR, "password": "demo-wachtwoord"},
        follow_redirects=False,
    )
    assert answer.status_code == 400
    assert "dorpsplein_session" not in answer.headers.get("set-cookie", "")


def test_a_form_without_the_sessions_csrf_token_is_refused(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as(COORDINATOR)
    assert client.post("/logout", data={}).status_code == 403
    assert client.post("/logout", data={"csrf_token": "guess"}).status_code == 403
    assert client.get("/admin").status_code == 200  # still logged in


def test_logging_out_ends_the_session_on_the_server(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as(COORDINATOR)
    cookie = client.cookies.get("dorpsplein_session")
    token = csrf_of(client, "/admin")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 200
    # The old cookie, replayed, opens nothing any more.
    stale = TestClient(client.app, cookies={"dorpsplein_session": cookie or ""})
    assert stale.get("/admin", follow_redirects=False).status_code == 303


def test_the_language_switch_turns_the_pages_english_for_that_user_only(
    client_as: Callable[[str], TestClient],
) -> None:
    client = client_as(COORDINATOR)
    token = csrf_of(client, "/admin")
    client.post("/account/language", data={"csrf_token": token, "language": "en"})
    assert "The coming rounds" in client.get("/admin").text
    other = client_as(COORDINATOR)
    assert "The coming rounds" in other.get("/admin").text  # the user's, on every browser
    assert "Inloggen" in TestClient(client.app).get("/login").text  # a visitor: Dutch


def test_an_unknown_page_is_a_kind_404(client_as: Callable[[str], TestClient]) -> None:
    answer = client_as(COORDINATOR).get("/admin/nothing-here")
    assert answer.status_code == 404
    assert "Deze pagina bestaat niet" in answer.text


def test_webhook_errors_stay_plain_for_twilio_and_telegram(service: Service) -> None:
    answer = TestClient(service.app).get("/twilio/sms")
    assert answer.status_code in (404, 405)
    assert "<html" not in answer.text


def test_logging_in_in_a_browser_by_keyboard(browse: Callable[..., Any], live: Live) -> None:
    page = browse(None)
    page.goto("/admin")
    assert page.url.endswith("/login?next=%2Fadmin")
    shoot(page, "login")
    page.keyboard.press("Tab")  # the skip link comes first
    page.get_by_label("E-mailadres").fill(COORDINATOR)
    page.keyboard.press("Tab")
    page.keyboard.type("demo-wachtwoord")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin")
    assert page.get_by_role("heading", level=1).inner_text() == "De komende rondes"
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/login?notice=logged_out")
    assert "U bent uitgelogd" in page.content()
