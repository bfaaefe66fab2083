"""Adding and removing operator accounts, logging in and out.

Passwords are hashed with argon2 (argon2-cffi, its recommended parameters). Sessions live in
the database rather than in a signed cookie, so that logging out, or removing a user, ends
every browser of theirs at once, and every server process sees the same sessions.

Guessing is slowed down per address and per client: after `MAX_FAILURES_PER_EMAIL` wrong
passwords for one address (or `MAX_FAILURES_PER_CLIENT` from one client) within
`FAILURE_WINDOW`, logins are refused until the oldest of those failures is that old. The
counts are in the database too, shared by every process.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from accounts.errors import (
    InvalidEmailError,
    LoginThrottledError,
    RoleShopError,
    UserExistsError,
    WeakPasswordError,
)
from accounts.models import LoginFailure, Role, User, WebSession
from catalog.service import shop_by_name
from core.errors import NotFoundError

MIN_PASSWORD_LENGTH = 10
SESSION_LIFETIME = timedelta(hours=12)
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()


@cache
def _nobody() -> str:
    """Verified against when the address is unknown, so that a wrong address takes as long
    as a wrong password and does not tell which addresses have an account."""
    return _hasher.hash(secrets.token_urlsafe(16))


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidEmailError(email=email)
    return email


def add_user(
    session: Session,
    *,
    email: str,
    role: Role,
    password: str | None = None,
    password_hash: str | None = None,
    shop: str | None = None,
    language: str = "nl",
) -> User:
    """A new user, with a password or (the demo's accounts) an argon2 hash made before."""
    email = normalise_email(email)
    if (role is Role.SHOP) != (shop is not None):
        raise RoleShopError(role=role.value, shop=shop)
    if password_hash is None:
        password_hash = hash_password(password or "")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise UserExistsError(email=email)
    shop_id = None
    if shop is not None:
        found = shop_by_name(session, name=shop)
        if found is None:
            raise NotFoundError(kind="shop", key=shop)
        shop_id = found.id
    user = User(
        email=email,
        role=role.value,
        shop_id=shop_id,
        password_hash=password_hash,
        language=language,
    )
    session.add(user)
    session.flush()
    return user


def hash_password(password: str) -> str:
    _check_password(password)
    return _hasher.hash(password)


def set_password(session: Session, *, user: User, password: str) -> None:
    """A new password; every session of the user ends."""
    _check_password(password)
    user.password_hash = _hasher.hash(password)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(minimum=MIN_PASSWORD_LENGTH)


def list_users(session: Session) -> Sequence[User]:
    query = select(User).options(selectinload(User.shop)).order_by(User.role, User.email)
    return session.scalars(query).all()


def user_by_email(session: Session, *, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFoundError(kind="user", key=email)
    return user


def remove_user(session: Session, *, email: str) -> None:
    """The user and every session of theirs: a removed user is logged out everywhere."""
    user = user_by_email(session, email=email)
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))
    session.delete(user)
    session.flush()


def log_in(
    session: Session, *, email: str, password: str, client: str, now: datetime
) -> User | None:
    """The user with this address and password; None (and the failure counted) when wrong.

    Not an exception: the failure must be committed with the caller's unit of work. Too many
    failures lately raise LoginThrottledError before the password is even looked at.
    """
    email = email.strip().lower()[:254]
    client = client[:64]
    _check_throttle(session, email=email, client=client, now=now)
    user = session.scalar(select(User).where(User.email == email))
    if not _verify(user.password_hash if user else _nobody(), password) or user is None:
        session.add(LoginFailure(email=email, client=client, at=now))
        session.flush()
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_throttle(session: Session, *, email: str, client: str, now: datetime) -> None:
    since = now - FAILURE_WINDOW
    session.execute(delete(LoginFailure).where(LoginFailure.at < since))
    for column, value, limit in (
        (LoginFailure.email, email, MAX_FAILURES_PER_EMAIL),
        (LoginFailure.client, client, MAX_FAILURES_PER_CLIENT),
    ):
        recent = select(LoginFailure.at).where(column == value, LoginFailure.at >= since)
        count = session.scalar(select(func.count()).select_from(recent.subquery())) or 0
        if count >= limit:
            # Refused until enough of the failures have aged out of the window.
            times = session.scalars(recent.order_by(LoginFailure.at.desc())).all()
            raise LoginThrottledError(until=times[limit - 1] + FAILURE_WINDOW)


@dataclass(frozen=True)
class OpenedSession:
    token: str  # goes in the cookie, never stored
    csrf_token: str
    expires_at: datetime


def open_session(session: Session, *, user: User, now: datetime) -> OpenedSession:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + SESSION_LIFETIME
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    session.add(WebSession(id=_digest(token), user_id=user.id, csrf_token=csrf, expires_at=expires))
    session.flush()
    return OpenedSession(token=token, csrf_token=csrf, expires_at=expires)


def current_session(session: Session, *, token: str, now: datetime) -> WebSession | None:
    if not token or len(token) > 100:
        return None
    query = (
        select(WebSession)
        .options(selectinload(WebSession.user).selectinload(User.shop))
        .where(WebSession.id == _digest(token), WebSession.expires_at > now)
    )
    return session.scalar(query)


def close_session(session: Session, *, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.id == _digest(token)))


def _digest(token: str) -> str:
    # A stolen copy of the table does not give working cookies.
    return hashlib.sha256(token.encode()).hexdigest()
