"""What every page shares: the runtime, the templates and words, the clock, the cookie rules."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from accounts.models import Role
from accounts.service import current_session
from bot.pages.auth import SESSION_COOKIE, NotLoggedIn, Operator
from bot.pages.rendering import PageWords, template_environment
from bot.wiring import Runtime
from core.database import unit_of_work, utcnow


@dataclass
class Pages:
    runtime: Runtime
    clock: Callable[[], datetime] = utcnow
    words: PageWords = field(default_factory=PageWords)
    templates: Jinja2Templates = field(init=False)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.runtime.settings.timezone)
        env = template_environment(
            Path(__file__).parent / "templates", words=self.words, zone=self.zone
        )
        self.templates = Jinja2Templates(env=env)

    @property
    def secure_cookies(self) -> bool:
        web = self.runtime.settings.web
        if web.secure_cookies == "auto":
            return (self.runtime.settings.public_url or "").startswith("https://")
        return web.secure_cookies == "always"

    @contextmanager
    def work(self) -> Iterator[Session]:
        """One unit of work for one request: committed when the page is done, else undone."""
        with unit_of_work(self.runtime.sessions) as session:
            yield session

    def operator(self, request: Request) -> Operator | None:
        """Who holds this request's session cookie, if anyone (looked up once per request)."""
        if hasattr(request.state, "operator"):
            found: Operator | None = request.state.operator
            return found
        operator = None
        token = request.cookies.get(SESSION_COOKIE, "")
        if token:
            with self.work() as session:
                held = current_session(session, token=token, now=self.clock())
                if held is not None:
                    user = held.user
                    operator = Operator(
                        user_id=user.id,
                        email=user.email,
                        role=Role(user.role),
                        language=user.language,
                        csrf_token=held.csrf_token,
                        shop_id=user.shop_id,
                        shop_name=user.shop.name if user.shop else None,
                    )
        request.state.operator = operator
        return operator

    def require(self, *roles: Role) -> Callable[[Request], Operator]:
        """A dependency: the operator, if their role may see this page; else 403 (or /login)."""

        def dependency(request: Request) -> Operator:
            operator = self.operator(request)
            if operator is None:
                raise NotLoggedIn()
            if operator.role not in roles:
                raise HTTPException(status_code=403)
            return operator

        return dependency

    def render(
        self,
        request: Request,
        template: str,
        *,
        operator: Operator | None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        language = operator.language if operator else self.words.language_of(request)
        notice = request.query_params.get("notice", "")
        return self.templates.TemplateResponse(
            request,
            template,
            {
                "operator": operator,
                "language": language,
                "village": self.runtime.settings.village,
                "coordinator": self.runtime.settings.coordinator,
                "now": self.clock(),
                "notice": notice if self.words.has(language, f"notice.{notice}") else "",
                "notice_args": dict(request.query_params),
                **context,
            },
            status_code=status_code,
        )

    def install_error_pages(self, app: FastAPI) -> None:
        @app.exception_handler(NotLoggedIn)
        async def to_login(request: Request, _: NotLoggedIn) -> Response:
            return RedirectResponse(
                "/login?" + urlencode({"next": request.url.path}), status_code=303
            )

        @app.exception_handler(StarletteHTTPException)
        async def error_page(request: Request, error: StarletteHTTPException) -> Response:
            if not _is_page(request.url.path):
                # Webhooks keep their plain JSON errors: Twilio and Telegram read no HTML.
                from fastapi.exception_handlers import http_exception_handler

                return await http_exception_handler(request, error)
            language = self.words.language_of(request)
            return self.templates.TemplateResponse(
                request,
                "error.html",
                {
                    "operator": None,
                    "language": language,
                    "village": self.runtime.settings.village,
                    "coordinator": self.runtime.settings.coordinator,
                    "status": error.status_code,
                    "notice": "",
                },
                status_code=error.status_code,
            )


PAGE_PREFIXES = ("/login", "/logout", "/admin", "/shop", "/courier", "/account")


def _is_page(path: str) -> bool:
    return path == "/" or path.startswith(PAGE_PREFIXES)


def redirect(url: str, *, notice: str | None = None, **args: object) -> RedirectResponse:
    """After a form: back to a page (303, so a reload does not post again), with a notice."""
    query = {"notice": notice, **{k: str(v) for k, v in args.items()}} if notice else {}
    return RedirectResponse(url + ("?" + urlencode(query) if query else ""), status_code=303)
