"""Staff users, their sessions and reset links, kept in the gateway's store.

Passwords are argon2id hashes (memory-hard); session and reset tokens are stored only as
SHA-256 digests, so a copy of the store opens no session.
"""

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.console.accounts import RESET_FOR, SESSION_FOR, Role, StaffUser
from gateway.tenants import Tenant
from services.common.store import Collection, Store, UnitOfWork

COLLECTIONS = (
    Collection("staff_users", indexed=("tenant_id",), unique=("login_id", "email")),
    Collection("staff_sessions", indexed=("user_id",)),
    Collection("staff_resets", indexed=("user_id",)),
)
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password 0")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def temporary_password() -> str:
    """Letters and digits, 12 long, always both kinds: it passes the policy it replaces."""
    letters = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
    digits = "23456789"
    chars = [secrets.choice(letters), secrets.choice(digits)]
    chars += [secrets.choice(letters + digits) for _ in range(10)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


@dataclass(frozen=True)
class Session:
    user: StaffUser
    csrf: str


LoginOutcome = Literal["ok", "wrong", "locked", "inactive"]


class LoginTaken(Exception):
    """The login ID or e-mail address belongs to another staff user."""


class StaffDirectory:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def _user_by(self, uow: UnitOfWork, login: str) -> StaffUser | None:
        for key in ("login_id", "email"):
            found = await uow.find("staff_users", {key: login}, limit=1)
            if found:
                return StaffUser.model_validate(found[0])
        return None

    async def get(self, user_id: str) -> StaffUser | None:
        async with self._store.unit_of_work() as uow:
            doc = await uow.get("staff_users", user_id)
        return StaffUser.model_validate(doc) if doc else None

    async def tenant(self, tenant_id: str) -> Tenant | None:
        async with self._store.unit_of_work() as uow:
            doc = await uow.get("tenants", tenant_id)
        return Tenant.model_validate(doc) if doc else None

    async def of_tenant(self, tenant_id: str) -> list[StaffUser]:
        async with self._store.unit_of_work() as uow:
            docs = await uow.find("staff_users", {"tenant_id": tenant_id}, order_by="login_id")
        return [StaffUser.model_validate(d) for d in docs]

    async def create(
        self,
        *,
        tenant_id: str,
        login_id: str,
        email: str,
        name: str,
        roles: list[Role],
        password: str,
        must_change_password: bool = True,
    ) -> StaffUser:
        password_hash = await asyncio.to_thread(_hasher.hash, password)
        async with self._store.unit_of_work() as uow:
            if await self._user_by(uow, login_id) or await self._user_by(uow, email):
                raise LoginTaken(login_id)
            user = StaffUser(
                id=secrets.token_hex(12),
                tenant_id=tenant_id,
                login_id=login_id,
                email=email,
                name=name,
                password_hash=password_hash,
                roles=roles,
                must_change_password=must_change_password,
                created_at=_now(),
            )
            doc = user.model_dump(mode="json")
            uow.save("staff_users", doc)
            await uow.commit()
        user.version = doc["version"]
        return user

    async def ensure(self, **kwargs: object) -> None:
        """Create the user unless its login ID exists (the demo login at start-up)."""
        async with self._store.unit_of_work() as uow:
            if await self._user_by(uow, str(kwargs["login_id"])):
                return
        try:
            await self.create(**kwargs)  # type: ignore[arg-type]
        except LoginTaken:
            pass

    async def save(self, user: StaffUser) -> None:
        async with self._store.unit_of_work() as uow:
            doc = user.model_dump(mode="json")
            uow.save("staff_users", doc)
            await uow.commit()
            user.version = doc["version"]

    async def authenticate(
        self, login: str, password: str
    ) -> tuple[LoginOutcome, StaffUser | None]:
        """The same argon2 work whether or not the login exists, so timing tells nothing."""
        now = _now()
        async with self._store.unit_of_work() as uow:
            user = await self._user_by(uow, login.strip())
        if user is None:
            await asyncio.to_thread(_verify, _DUMMY_HASH, password)
            return "wrong", None
        if user.locked(now):
            return "locked", user
        right = await asyncio.to_thread(_verify, user.password_hash, password)
        if right and not user.active:
            return "inactive", user
        if right:
            user.login_succeeded()
        else:
            user.login_failed(now)
        await self.save(user)
        if not right:
            return ("locked" if user.locked(now) else "wrong"), user
        return "ok", user

    async def set_password(self, user: StaffUser, password: str, *, temporary: bool) -> None:
        user.password_hash = await asyncio.to_thread(_hasher.hash, password)
        user.must_change_password = temporary
        user.login_succeeded()
        await self.save(user)

    async def verify_password(self, user: StaffUser, password: str) -> bool:
        return await asyncio.to_thread(_verify, user.password_hash, password)

    # --- sessions ---------------------------------------------------------------------

    async def open_session(self, user: StaffUser) -> str:
        token = secrets.token_urlsafe(32)
        async with self._store.unit_of_work() as uow:
            uow.save(
                "staff_sessions",
                {
                    "id": _digest(token),
                    "version": 0,
                    "user_id": user.id,
                    "csrf": secrets.token_urlsafe(24),
                    "expires_at": (_now() + SESSION_FOR).isoformat(),
                },
            )
            await uow.commit()
        return token

    async def session(self, token: str) -> Session | None:
        async with self._store.unit_of_work() as uow:
            doc = await uow.get("staff_sessions", _digest(token))
            if doc is None or datetime.fromisoformat(doc["expires_at"]) <= _now():
                return None
            user_doc = await uow.get("staff_users", doc["user_id"])
        if user_doc is None:
            return None
        user = StaffUser.model_validate(user_doc)
        return Session(user, doc["csrf"]) if user.active else None

    async def close_session(self, token: str) -> None:
        async with self._store.unit_of_work() as uow:
            doc = await uow.get("staff_sessions", _digest(token))
            if doc is not None:
                doc["expires_at"] = _now().isoformat()
                uow.save("staff_sessions", doc)
                await uow.commit()

    # --- password reset by mail (A3) --------------------------------------------------

    async def issue_reset(self, login: str) -> tuple[StaffUser, str] | None:
        async with self._store.unit_of_work() as uow:
            user = await self._user_by(uow, login.strip())
            if user is None or not user.active:
                return None
            token = secrets.token_urlsafe(32)
            uow.save(
                "staff_resets",
                {
                    "id": _digest(token),
                    "version": 0,
                    "user_id": user.id,
                    "expires_at": (_now() + RESET_FOR).isoformat(),
                    "used": False,
                },
            )
            await uow.commit()
        return user, token

    async def reset_user(self, token: str) -> StaffUser | None:
        async with self._store.unit_of_work() as uow:
            doc = await uow.get("staff_resets", _digest(token))
            if doc is None or doc["used"] or datetime.fromisoformat(doc["expires_at"]) <= _now():
                return None
            user_doc = await uow.get("staff_users", doc["user_id"])
        return StaffUser.model_validate(user_doc) if user_doc else None

    async def redeem_reset(self, token: str, password: str) -> StaffUser | None:
        user = await self.reset_user(token)
        if user is None:
            return None
        async with self._store.unit_of_work() as uow:
            doc = await uow.get("staff_resets", _digest(token))
            if doc is None or doc["used"]:
                return None
            doc["used"] = True
            uow.save("staff_resets", doc)
            await uow.commit()
        await self.set_password(user, password, temporary=False)
        return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
