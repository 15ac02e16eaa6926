"""Staff accounts (A1–A4): the password rule, the lock after repeated failures, argon2id
hashes, sessions and single-use reset links, on the real SQLite store."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.console.accounts import MAX_FAILURES, StaffUser, password_problem
from gateway.console.demo import demo_password
from gateway.console.web import AttemptLimiter
from gateway.staff import COLLECTIONS, LoginTaken, StaffDirectory, temporary_password
from services.common.store import open_store


@pytest.fixture
async def staff(tmp_path: Path) -> AsyncIterator[StaffDirectory]:
    store = open_store(f"sqlite:///{tmp_path}", "gateway", COLLECTIONS)
    await store.open()
    yield StaffDirectory(store)
    await store.close()


async def make(staff: StaffDirectory, login: str = "sato", **kw: object) -> StaffUser:
    return await staff.create(
        tenant_id="t1",
        login_id=login,
        email=f"{login}@example.jp",
        name="佐藤 一郎",
        roles=kw.pop("roles", ["send"]),  # type: ignore[arg-type]
        password=str(kw.pop("password", "Initial2026")),
    )


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("abc123", "password_too_short"),
        ("abcdefgh", "password_needs_letters_and_digits"),
        ("12345678", "password_needs_letters_and_digits"),
        ("abcd1234", None),
        ("Pass word 2026!", None),
        ("a1" * 65, "password_too_long"),
    ],
)
def test_a_new_password_needs_letters_and_digits_8_or_more_A2(password: str, problem: str | None):
    assert password_problem(password) == problem


def test_temporary_and_demo_passwords_pass_the_rule_they_replace_A1():
    for _ in range(50):
        assert password_problem(temporary_password()) is None
    assert password_problem(demo_password("shm_demo_x")) is None


async def test_passwords_are_stored_as_argon2id_and_login_works_by_id_or_email_A1(staff):
    user = await make(staff)
    assert user.password_hash.startswith("$argon2id$")
    assert "Initial2026" not in user.password_hash
    assert (await staff.authenticate("sato", "Initial2026"))[0] == "ok"
    assert (await staff.authenticate("sato@example.jp", "Initial2026"))[0] == "ok"
    assert (await staff.authenticate("nobody", "Initial2026"))[0] == "wrong"
    with pytest.raises(LoginTaken):
        await make(staff)


async def test_repeated_failures_lock_the_account_even_for_the_right_password(staff):
    await make(staff)
    outcomes = [(await staff.authenticate("sato", "wrong1234"))[0] for _ in range(MAX_FAILURES)]
    assert outcomes[:-1] == ["wrong"] * (MAX_FAILURES - 1)
    assert outcomes[-1] == "locked"
    assert (await staff.authenticate("sato", "Initial2026"))[0] == "locked"


def test_the_lock_ends_after_its_time():
    user = StaffUser(
        id="u",
        tenant_id="t",
        login_id="l",
        email="e@x.jp",
        name="n",
        password_hash="h",
        created_at=datetime.now(UTC),
    )
    now = datetime.now(UTC)
    for _ in range(MAX_FAILURES):
        user.login_failed(now)
    assert user.locked(now)
    assert not user.locked(now + timedelta(minutes=16))


async def test_a_session_carries_its_csrf_token_and_ends_at_logout(staff):
    user = await make(staff)
    token = await staff.open_session(user)
    session = await staff.session(token)
    assert session and session.user.id == user.id and len(session.csrf) > 20
    await staff.close_session(token)
    assert await staff.session(token) is None
    assert await staff.session("made-up") is None


async def test_a_disabled_user_has_no_session(staff):
    user = await make(staff)
    token = await staff.open_session(user)
    user.active = False
    await staff.save(user)
    assert await staff.session(token) is None
    assert (await staff.authenticate("sato", "Initial2026"))[0] == "inactive"


async def test_a_reset_link_works_once_and_sets_a_lasting_password_A3(staff):
    await make(staff)
    issued = await staff.issue_reset("sato@example.jp")
    assert issued is not None
    _, token = issued
    assert await staff.redeem_reset(token, "Renewed2026") is not None
    assert await staff.redeem_reset(token, "Again20261") is None
    outcome, user = await staff.authenticate("sato", "Renewed2026")
    assert outcome == "ok" and user and not user.must_change_password
    assert await staff.issue_reset("unknown") is None


def test_roles_decide_who_may_send_and_download_A4():
    user = StaffUser(
        id="u",
        tenant_id="t",
        login_id="l",
        email="e@x.jp",
        name="n",
        password_hash="h",
        roles=["send"],
        created_at=datetime.now(UTC),
    )
    assert user.may("send") and not user.may("download") and not user.may("admin")


def test_an_address_with_too_many_failed_sign_ins_is_refused_for_a_while():
    limiter = AttemptLimiter(limit=3, window=60)
    for _ in range(3):
        assert not limiter.blocked("10.0.0.1")
        limiter.failed("10.0.0.1")
    assert limiter.blocked("10.0.0.1")
    assert not limiter.blocked("10.0.0.2")
    limiter.window = 0
    assert not limiter.blocked("10.0.0.1")
