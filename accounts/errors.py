"""What can go wrong with an operator account."""

from __future__ import annotations

from datetime import datetime

from core.errors import DorpspleinError


class AccountError(DorpspleinError):
    """Root of the account errors."""


class UserExistsError(AccountError):
    def __init__(self, *, email: str) -> None:
        super().__init__(f"a user {email!r} exists already")
        self.email = email


class InvalidEmailError(AccountError):
    def __init__(self, *, email: str) -> None:
        super().__init__(f"{email!r} is not an e-mail address")
        self.email = email


class WeakPasswordError(AccountError):
    def __init__(self, *, minimum: int) -> None:
        super().__init__(f"a password needs at least {minimum} characters")
        self.minimum = minimum


class RoleShopError(AccountError):
    """A shop user needs a shop; the other roles must not have one."""

    def __init__(self, *, role: str, shop: str | None) -> None:
        if shop is None:
            reason = f"role {role!r} needs --shop NAME"
        else:
            reason = f"role {role!r} is not bound to a shop (got {shop!r})"
        super().__init__(reason)
        self.role = role
        self.shop = shop


class LoginThrottledError(AccountError):
    """Too many wrong passwords lately, for this address or from this client."""

    def __init__(self, *, until: datetime) -> None:
        super().__init__(f"too many failed logins; try again after {until.isoformat()}")
        self.until = until
