"""The operators' pages: an app on the demo village, logged-in clients, and a real browser.

HTTP-level tests use Starlette's TestClient. Browser tests run Debian's Chromium through
Playwright against the app served by uvicorn in a thread, launched with the system browser's
path so nothing is downloaded. Without a `chromium` on PATH the browser tests skip, unless
DORPSPLEIN_REQUIRE_BROWSER is set (as .ci/run does): then they fail.

Every browser test may call `shoot(page, name)`: a screenshot at phone width (360 px) and at
desktop width (1280 px), written to var/screenshots/ (see the README) for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.pages.context import Pages
from bot.secrets import Secrets
from bot.web import Service, bound_socket, build_server
from bot.wiring import Runtime
from nlu import Parser
from tests.bot.conftest import MONDAY_MORNING

ROOT = Path(__file__).resolve().parents[3]
SCREENSHOTS = ROOT / "var" / "screenshots"
PASSWORD = "demo-wachtwoord"  # bot/demo/users.yml
COORDINATOR = "coordinator@bunnik.example"
BAKER = "bakker@bunnik.example"  # shop: Bakkerij Van Rossum
CHEESE = "kaas@bunnik.example"  # shop: Kaashuis Rijnzicht
COURIER = "koerier@bunnik.example"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


class Clock:
    """The pages' clock, which a test moves (the dialogue takes its `now` per message)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_MORNING)


@pytest.fixture
def service(village: Runtime, parser: Parser, clock: Clock) -> Iterator[Service]:
    service = Service(village, secrets=Secrets(), parser=parser, pages=Pages(village, clock=clock))
    yield service
    service.close()


def login_token(client: TestClient | httpx.Client) -> str:
    page = client.get("/login")
    found = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post(
        "/login",
        data={"login_token": login_token(client), "email": email, "password": password},
        follow_redirects=False,
    )


def csrf_of(client: TestClient, path: str) -> str:
    """The CSRF token the forms of a page carry."""
    page = client.get(path)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, f"no form on {path}: {page.status_code}"
    return found.group(1)


@pytest.fixture
def client_as(service: Service) -> Iterator[Callable[[str], TestClient]]:
    """A logged-in TestClient for one of the demo users."""
    clients: list[TestClient] = []

    def make(email: str) -> TestClient:
        client = TestClient(service.app, base_url="http://testserver")
        answer = log_in(client, email)
        assert answer.status_code == 303, answer.text
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@dataclass
class Live:
    url: str
    runtime: Runtime
    service: Service
    clock: Clock


@pytest.fixture
def live(village: Runtime, parser: Parser, clock: Clock) -> Iterator[Live]:
    """The whole app served on a loopback port (worker not started: tests look at the outbox)."""
    sock = bound_socket("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    service = Service(village, secrets=Secrets(), parser=parser, pages=Pages(village, clock=clock))
    service.worker.start = lambda: None  # type: ignore[method-assign]
    server = build_server(service.app, host="127.0.0.1", port=0, log_level="warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    with httpx.Client(timeout=10) as probe:
        while True:
            try:
                if probe.get(url + "/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.02)
    yield Live(url, village, service, clock)
    server.should_exit = True
    thread.join(timeout=10)
    service.close()
    sock.close()


BROWSER_FLAGS = [
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("DORPSPLEIN_REQUIRE_BROWSER"):
            pytest.fail("no chromium on PATH, and DORPSPLEIN_REQUIRE_BROWSER is set")
        pytest.skip("no chromium on PATH (Debian: apt install chromium)")
    from playwright.sync_api import sync_playwright

    flags = list(BROWSER_FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        flags.append("--no-sandbox")  # Chromium refuses to run its sandbox as root
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=flags)
        yield launched
        launched.close()


@pytest.fixture
def browse(browser: Any, live: Live) -> Iterator[Callable[..., Any]]:
    """`browse(email)`: a new page, logged in as that user (None: not logged in), phone width
    unless `viewport=DESKTOP`. Confirmation dialogs are accepted."""
    contexts: list[Any] = []

    def open_page(email: str | None, *, viewport: dict[str, int] = PHONE) -> Any:
        context = browser.new_context(base_url=live.url, viewport=viewport, locale="nl-NL")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: dialog.accept())
        if email is not None:
            page.goto("/login")
            page.get_by_label("E-mailadres").fill(email)
            page.get_by_label("Wachtwoord").fill(PASSWORD)
            page.get_by_role("button", name="Inloggen").click()
            page.wait_for_load_state()
        return page

    yield open_page
    for context in contexts:
        context.close()


def shoot(page: Any, name: str) -> None:
    """Screenshots of the page as it is, at phone and at desktop width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    if before:
        page.set_viewport_size(before)
