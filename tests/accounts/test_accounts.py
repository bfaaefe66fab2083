"""Operator accounts: who may log in, how passwords are kept, how guessing is slowed down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from accounts.errors import (
    InvalidEmailError,
    LoginThrottledError,
    RoleShopError,
    UserExistsError,
    WeakPasswordError,
)
from accounts.models import Role, User, WebSession
from accounts.service import (
    MAX_FAILURES_PER_CLIENT,
    MAX_FAILURES_PER_EMAIL,
    SESSION_LIFETIME,
    add_user,
    close_session,
    current_session,
    log_in,
    open_session,
    remove_user,
    set_password,
)
from catalog.models import Shop
from core.database import unit_of_work
from core.errors import NotFoundError

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
PASSWORD = "lange-zin-als-wachtwoord"


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Session:
    with unit_of_work(sessions) as session:
        session.add(Shop(name="Bakkerij Van Rossum"))
        session.flush()
        yield session  # type: ignore[misc]


def test_a_password_is_stored_only_as_an_argon2_hash(session: Session) -> None:
    user = add_user(session, email=" Els@Bunnik.example ", role=Role.COORDINATOR, password=PASSWORD)
    assert user.email == "els@bunnik.example"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_logging_in_ignores_case_and_spaces_in_the_address(session: Session) -> None:
    add_user(session, email="els@bunnik.example", role=Role.COURIER, password=PASSWORD)
    user = log_in(session, email="ELS@bunnik.example ", password=PASSWORD, client="1", now=NOW)
    assert user is not None
    assert user.last_login_at == NOW


@pytest.mark.parametrize(
    ("role", "shop", "error"),
    [
        (Role.SHOP, None, RoleShopError),
        (Role.COORDINATOR, "Bakkerij Van Rossum", RoleShopError),
        (Role.SHOP, "Slagerij die niet bestaat", NotFoundError),
    ],
)
def test_a_shop_user_needs_a_shop_and_only_a_shop_user_has_one(
    session: Session, role: Role, shop: str | None, error: type[Exception]
) -> None:
    with pytest.raises(error):
        add_user(session, email="a@b.example", role=role, password=PASSWORD, shop=shop)


def test_a_shop_user_is_bound_to_the_shop_whatever_the_case(session: Session) -> None:
    user = add_user(
        session, email="a@b.example", role=Role.SHOP, password=PASSWORD, shop="bakkerij van rossum"
    )
    assert user.shop is not None and user.shop.name == "Bakkerij Van Rossum"


def test_short_passwords_bad_addresses_and_twins_are_refused(session: Session) -> None:
    with pytest.raises(WeakPasswordError):
        add_user(session, email="a@b.example", role=Role.COURIER, password="kort")
    with pytest.raises(InvalidEmailError):
        add_user(session, email="geen-adres", role=Role.COURIER, password=PASSWORD)
    add_user(session, email="a@b.example", role=Role.COURIER, password=PASSWORD)
    with pytest.raises(UserExistsError):
        add_user(session, email="A@B.example", role=Role.COORDINATOR, password=PASSWORD)


def test_a_wrong_password_or_unknown_address_gives_nobody(session: Session) -> None:
    add_user(session, email="a@b.example", role=Role.COURIER, password=PASSWORD)
    assert log_in(session, email="a@b.example", password="verkeerd!!", client="1", now=NOW) is None
    assert log_in(session, email="x@b.example", password=PASSWORD, client="1", now=NOW) is None


def test_after_five_failures_even_the_right_password_waits_until_they_age(
    session: Session,
) -> None:
    add_user(session, email="a@b.example", role=Role.COURIER, password=PASSWORD)
    for minute in range(MAX_FAILURES_PER_EMAIL):
        at = NOW + timedelta(minutes=minute)
        log_in(session, email="a@b.example", password="verkeerd!!", client="1", now=at)
    with pytest.raises(LoginThrottledError) as raised:
        log_in(session, email="a@b.example", password=PASSWORD, client="2", now=NOW)
    # The first failure ages out of the window at 08:15.
    assert raised.value.until == NOW + timedelta(minutes=15)
    later = NOW + timedelta(minutes=15, seconds=1)
    assert log_in(session, email="a@b.example", password=PASSWORD, client="2", now=later)


def test_one_client_trying_many_addresses_is_slowed_down_too(session: Session) -> None:
    add_user(session, email="a@b.example", role=Role.COURIER, password=PASSWORD)
    for number in range(MAX_FAILURES_PER_CLIENT):
        log_in(session, email=f"n{number}@b.example", password="x" * 10, client="9", now=NOW)
    with pytest.raises(LoginThrottledError):
        log_in(session, email="a@b.example", password=PASSWORD, client="9", now=NOW)
    assert log_in(session, email="a@b.example", password=PASSWORD, client="8", now=NOW)


def test_a_session_token_is_stored_hashed_and_expires(session: Session) -> None:
    user = add_user(session, email="a@b.example", role=Role.COURIER, password=PASSWORD)
    opened = open_session(session, user=user, now=NOW)
    stored = session.scalars(select(WebSession.id)).all()
    assert opened.token not in stored
    assert current_session(session, token=opened.token, now=NOW) is not None
    assert current_session(session, token=opened.token + "x", now=NOW) is None
    assert current_session(session, token=opened.token, now=NOW + SESSION_LIFETIME) is None


def test_logging_out_a_new_password_and_removal_end_sessions(session: Session) -> None:
    user = add_user(session, email="a@b.example", role=Role.COURIER, password=PASSWORD)
    first = open_session(session, user=user, now=NOW)
    second = open_session(session, user=user, now=NOW)
    close_session(session, token=first.token)
    assert current_session(session, token=first.token, now=NOW) is None
    assert current_session(session, token=second.token, now=NOW) is not None
    set_password(session, user=user, password="een-ander-wachtwoord")
    assert current_session(session, token=second.token, now=NOW) is None
    third = open_session(session, user=user, now=NOW)
    remove_user(session, email="A@b.example")
    assert current_session(session, token=third.token, now=NOW) is None
    assert session.scalars(select(User)).all() == []
