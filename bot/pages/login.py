"""/login, /logout and the language switch; `/` sends each role to its own page."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from accounts.errors import LoginThrottledError
from accounts.models import Role, User
from accounts.service import SESSION_LIFETIME, close_session, log_in, open_session
from bot.pages.auth import (
    HOME,
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Operator,
    checked_form,
    login_token_holds,
    new_login_token,
)
from bot.pages.context import Pages, redirect
from bot.pages.rendering import LANGUAGES


def _safe_next(target: str | None, role: Role) -> str:
    """Only a page of this app that this role may open; never another site ("//evil")."""
    home = HOME[role]
    if not target or not target.startswith(home) or target.startswith("//"):
        return home
    return target


def routes(pages: Pages) -> APIRouter:
    router = APIRouter()
    anyone = pages.require(Role.COORDINATOR, Role.SHOP, Role.COURIER)

    @router.get("/")
    def root(request: Request) -> Response:
        operator = pages.operator(request)
        return RedirectResponse(operator.home if operator else "/login", status_code=303)

    def login_page(request: Request, *, error: str = "", status_code: int = 200) -> Response:
        token = new_login_token()
        response = pages.render(
            request,
            "login.html",
            operator=None,
            status_code=status_code,
            login_token=token,
            error=error,
            next=request.query_params.get("next", ""),
        )
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=pages.secure_cookies,
            max_age=3600,
        )
        return response

    @router.get("/login")
    def login_form(request: Request) -> Response:
        operator = pages.operator(request)
        if operator is not None:
            return RedirectResponse(operator.home, status_code=303)
        return login_page(request)

    @router.post("/login")
    async def login_post(request: Request) -> Response:
        form = await request.form()
        if not login_token_holds(request, form.get("login_token")):
            # An old tab or a forged form: a fresh form, nothing checked.
            return login_page(request, error="login.expired", status_code=400)
        email = str(form.get("email", ""))
        password = str(form.get("password", ""))
        client = request.client.host if request.client else "?"
        target = str(form.get("next", ""))
        return await _log_in(request, email=email, password=password, client=client, target=target)

    async def _log_in(
        request: Request, *, email: str, password: str, client: str, target: str
    ) -> Response:
        def attempt() -> tuple[Role | None, str, int, str]:
            try:
                with pages.work() as session:
                    user = log_in(
                        session, email=email, password=password, client=client, now=pages.clock()
                    )
                    if user is None:
                        return None, "login.failed", 401, ""
                    opened = open_session(session, user=user, now=pages.clock())
                    return Role(user.role), "", 200, opened.token
            except LoginThrottledError:
                return None, "login.throttled", 429, ""

        role, error, status, token = await run_in_threadpool(attempt)
        if role is None:
            return login_page(request, error=error, status_code=status)
        response = RedirectResponse(_safe_next(target, role), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=pages.secure_cookies,
            max_age=int(SESSION_LIFETIME.total_seconds()),
        )
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @router.post("/logout")
    async def logout(request: Request, operator: Annotated[Operator, Depends(anyone)]) -> Response:
        await checked_form(request, operator)
        with pages.work() as session:
            close_session(session, token=request.cookies.get(SESSION_COOKIE, ""))
        response = redirect("/login", notice="logged_out")
        response.delete_cookie(SESSION_COOKIE)
        return response

    @router.post("/account/language")
    async def language(
        request: Request, operator: Annotated[Operator, Depends(anyone)]
    ) -> Response:
        form = await checked_form(request, operator)
        wanted = str(form.get("language", ""))
        if wanted in LANGUAGES:
            with pages.work() as session:
                user = session.get(User, operator.user_id)
                if user is not None:
                    user.language = wanted
        back = str(form.get("back", ""))
        return redirect(back if back.startswith(operator.home) else operator.home)

    return router
