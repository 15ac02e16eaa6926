"""Staff accounts as rules, without I/O: roles, the password policy, the lock after failures."""

import re
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

Role = Literal["admin", "send", "download"]
"""admin: manages staff, API keys and webhooks; send: may send requests (契約を締結);
download: may download finished contracts (D5)."""
ROLES: tuple[Role, ...] = ("admin", "send", "download")

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
SESSION_FOR = timedelta(hours=8)
RESET_FOR = timedelta(hours=1)
LOGIN_ID = re.compile(r"^[A-Za-z0-9._@+-]{3,254}$")


class StaffUser(BaseModel):
    """A person at an agency who signs in to the console."""

    id: str
    tenant_id: str
    login_id: str
    email: str
    name: str
    password_hash: str
    roles: list[Role] = Field(default_factory=list)
    must_change_password: bool = True
    """A temporary password was issued (A1, A3 by an admin): the next login must change it."""
    active: bool = True
    failed_attempts: int = 0
    locked_until: datetime | None = None
    created_at: datetime
    version: int = 0

    def may(self, role: Role) -> bool:
        return self.active and role in self.roles

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def login_failed(self, now: datetime) -> None:
        """Five wrong passwords in a row lock the account for a quarter of an hour."""
        self.failed_attempts += 1
        if self.failed_attempts >= MAX_FAILURES:
            self.locked_until = now + LOCK_FOR
            self.failed_attempts = 0

    def login_succeeded(self) -> None:
        self.failed_attempts = 0
        self.locked_until = None


PasswordProblem = Literal[
    "password_too_short", "password_needs_letters_and_digits", "password_too_long"
]


def password_problem(password: str) -> PasswordProblem | None:
    """The guide's rule (A2): letters and digits combined, 8 characters or more."""
    if len(password) < 8:
        return "password_too_short"
    if len(password) > 128:
        return "password_too_long"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"[0-9]", password):
        return "password_needs_letters_and_digits"
    return None
