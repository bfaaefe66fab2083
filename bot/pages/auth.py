"""Who is asking: the session cookie, the role a page needs, and the CSRF check on forms.

Every form carries the session's synchroniser token (`csrf_token`); a POST without the right
one is refused (403) before anything is read or changed. The login form, which comes before
any session, carries a token that must match a cookie set with the form (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

from accounts.models import Role

SESSION_COOKIE = "dorpsplein_session"
LOGIN_COOKIE = "dorpsplein_login"
HOME = {Role.COORDINATOR: "/admin", Role.SHOP: "/shop", Role.COURIER: "/courier"}


class NotLoggedIn(Exception):
    """Raised by a page for a visitor without a session: the app answers with /login."""


@dataclass(frozen=True)
class Operator:
    """The logged-in user, as the pages need them (no database object outlives a request)."""

    user_id: int
    email: str
    role: Role
    language: str
    csrf_token: str
    shop_id: int | None = None
    shop_name: str | None = None

    @property
    def home(self) -> str:
        return HOME[self.role]


async def checked_form(request: Request, operator: Operator) -> FormData:
    """The posted form, once its CSRF token is the session's."""
    form = await request.form()
    given = form.get("csrf_token")
    if not isinstance(given, str) or not hmac.compare_digest(
        given.encode(), operator.csrf_token.encode()
    ):
        raise HTTPException(status_code=403)
    return form


def new_login_token() -> str:
    return secrets.token_urlsafe(24)


def login_token_holds(request: Request, given: object) -> bool:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    return (
        isinstance(given, str)
        and bool(cookie)
        and hmac.compare_digest(given.encode(), cookie.encode())
    )
