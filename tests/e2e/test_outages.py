"""Outside services fail for a while and nothing is lost or doubled, on the real stack
(RabbitMQ, every service as a process): the time-stamp authority down while the last
party signs (finishing waits and retries, the sender sees why, the finished PDF is still
PAdES-B-T), the mail relay down for 60 s (every mail arrives once when it is back, SMS
goes on meanwhile), the SMS provider answering 503 (retried until it takes the message;
after the last attempt the failure is the sender's to see, B4).

The stack has its own catcher (its SMTP port goes down and comes back) and time-stamp
authority, and short retry delays: 1 … 60 s, eight attempts in about two minutes."""

import asyncio
import random
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from deploy.local.catcher import Catcher
from deploy.local.rabbit import RabbitNode
from services.document.pades import verify_pdf
from tests.support import signer
from tests.support.agency import asked_together, upload
from tests.support.stack import Stack, running_stack
from tests.support.tsa import LocalTsa

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

RETRY_DELAYS = "[1, 2, 4, 8, 16, 30, 60]"
SMTP_OUTAGE_SECONDS = 60
SETTLED = {"sent", "delivered", "failed", "suppressed"}


class Outside:
    """The stack with the outside world it talks to, each part switchable."""

    def __init__(self, stack: Stack, catcher: Catcher, tsa: LocalTsa) -> None:
        self.stack = stack
        self.catcher = catcher
        self.tsa = tsa

    def api(self) -> httpx.AsyncClient:
        auth = {"Authorization": f"Bearer {self.stack.api_key}"}
        return httpx.AsyncClient(base_url=self.stack.url, headers=auth, timeout=30)


@pytest.fixture(scope="module")
async def outside(
    tmp_path_factory: pytest.TempPathFactory, rabbit: RabbitNode
) -> AsyncIterator[Outside]:
    var = tmp_path_factory.mktemp("outages")
    catcher = Catcher(
        var / "catcher", smtp_port=0, http_port=0, twilio_auth=("ACshomeilocal", "local")
    )
    await catcher.start()
    tsa = LocalTsa().start()
    env = {"SHOMEI_RETRY_DELAYS": RETRY_DELAYS, "SHOMEI_TSA_URL": tsa.url}
    try:
        async with running_stack(var, f"sqlite:///{var / 'var'}", catcher, rabbit, env) as stack:
            yield Outside(stack, catcher, tsa)
    finally:
        tsa.stop()
        await catcher.stop()


async def until[T](probe: Callable[[], T | None], what: str, timeout: float = 300) -> T:
    """Poll until `probe` gives a value; the timeout only ends a hung test."""

    async def poll() -> T:
        while (value := probe()) is None:
            await asyncio.sleep(0.2)
        return value

    try:
        return await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        raise AssertionError(f"never happened: {what}") from None


async def until_api[T](
    api: httpx.AsyncClient, path: str, done: Callable[[dict], T | None], what: str
) -> T:
    last: dict = {}

    async def poll() -> T:
        nonlocal last
        while True:
            reply = await api.get(path)
            assert reply.status_code == 200, reply.text
            last = reply.json()
            if (value := done(last)) is not None:
                return value
            await asyncio.sleep(0.3)

    try:
        return await asyncio.wait_for(poll(), 300)
    except TimeoutError:
        raise AssertionError(f"never happened: {what}; last seen {last}") from None


async def create(api: httpx.AsyncClient, title: str, parties: list[dict]) -> str:
    created = await api.post(
        "/api/v1/envelopes", json=asked_together(await upload(api, {}), title, parties)
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


def tag() -> str:
    return f"{random.randrange(10**8):08d}"


def e164(mobile: str) -> str:
    return "+81" + mobile[1:]


async def test_finishing_waits_for_the_time_stamp_authority_and_the_sender_sees_why_b2(
    outside: Outside,
) -> None:
    to = f"tsa-{tag()}@example.jp"
    async with outside.api() as api:
        envelope_id = await create(
            api, "タイムスタンプ局の障害", [{"name": "佐藤 一郎", "email": to}]
        )
        mail = await until(lambda: next(iter(outside.catcher.inbox.find(to=to)), None), "link")
        link = re.search(r"https?://\S+/s/[A-Za-z0-9_\-]+", mail["body"])
        assert link, mail["body"]
        outside.tsa.stop()  # connections refused from now on
        try:
            async with httpx.AsyncClient(timeout=30) as browser:
                signed = await signer.sign(browser, link.group(0), {})
            assert signed.status_code == 303, signed.text
            held = await until_api(
                api,
                f"/api/v1/envelopes/{envelope_id}",
                lambda e: e if e["finishing_failure"] else None,
                "the sender sees that finishing waits for the time-stamp authority",
            )
        finally:
            outside.tsa.start()  # back on the same port
        assert held["status"] == "signed" and not held["finished"]
        assert held["finishing_failure"]["code"] == "timestamp_unavailable"
        assert held["finishing_failure"]["retrying"] is True
        assert "タイムスタンプ局" in held["finishing_failure"]["message"]
        done = await until_api(
            api,
            f"/api/v1/envelopes/{envelope_id}",
            lambda e: e if e["status"] == "completed" else None,
            "completed once the authority answers again",
        )
        pdf = await api.get(f"/api/v1/envelopes/{envelope_id}/download")
    assert done["finishing_failure"] is None
    root = (outside.stack.var_dir / "platform" / "root-ca.cert.pem").read_bytes()
    result = await verify_pdf(pdf.content, [root, outside.tsa.root_cert])
    assert result.ok and result.timestamped, "PAdES-B-T after the outage, never B-B"


async def test_a_60_s_mail_relay_outage_loses_and_doubles_nothing_and_sms_goes_on_b4(
    outside: Outside,
) -> None:
    """Three mails and three SMS asked together while the relay is down: one SMS number
    goes through at once, one meets 503 twice first, one meets 503 on every attempt."""
    mails = [f"relay-{i}-{tag()}@example.jp" for i in range(3)]
    steady, flaky, dead = (f"090{random.randrange(10**8):08d}" for _ in range(3))
    outside.catcher.sms_unavailable_for[e164(flaky)] = 2
    outside.catcher.sms_unavailable_for[e164(dead)] = 10**6
    inbox = outside.catcher.inbox
    parties = [{"name": "佐藤 一郎", "email": to} for to in mails] + [
        {"name": "鈴木 花子", "phone": number} for number in (steady, flaky, dead)
    ]
    title = f"メールサーバ障害 {tag()}"
    await outside.catcher.smtp_down()
    down = asyncio.get_running_loop().time()
    try:
        async with outside.api() as api:
            envelope_id = await create(api, title, parties)
            await until(
                lambda: inbox.find(to=e164(steady), channel="sms") or None,
                "an SMS delivered while the mail relay is down",
            )
            assert all(inbox.find(to=to) == [] for to in mails)
            left = SMTP_OUTAGE_SECONDS - (asyncio.get_running_loop().time() - down)
            await asyncio.sleep(max(0.0, left))  # the outage lasts its 60 s
    finally:
        await outside.catcher.smtp_up()
    path = f"/api/v1/envelopes/{envelope_id}/messages"
    async with outside.api() as api:
        body = await until_api(
            api,
            path,
            lambda b: (
                b
                if len(b["messages"]) == 7  # six requests and the sender's failure notice
                and all(m["status"] in SETTLED for m in b["messages"])
                else None
            ),
            "every message settled after the outage",
        )
    by_to = {m["to"]: m for m in body["messages"] if m["kind"] == "signature_request"}
    for to in mails:
        assert by_to[to]["status"] == "sent"
        arrived = inbox.find(to=to, channel="email")
        assert len(arrived) == 1, f"{to} got {len(arrived)} mails"
    assert by_to[e164(steady)]["status"] in ("sent", "delivered")
    assert by_to[e164(flaky)]["status"] in ("sent", "delivered")
    assert len(inbox.find(to=e164(steady), channel="sms")) == 1
    assert len(inbox.find(to=e164(flaky), channel="sms")) == 1
    assert outside.catcher.sms_unavailable_for[e164(flaky)] == 0, "503 twice, then taken"
    assert by_to[e164(dead)]["status"] == "failed"
    assert "8回" in by_to[e164(dead)]["reason"] and inbox.find(to=e164(dead)) == []
    [notice] = [m for m in body["messages"] if m["kind"] == "delivery_failed"]
    assert notice["status"] == "sent"
    told = [m for m in inbox.find(to=notice["to"], channel="email") if title in m["subject"]]
    assert len(told) == 1, "the sender is told once"
    ids = Counter(m["message_id"] for m in inbox.find(channel="email"))
    assert all(count == 1 for count in ids.values()), "no Message-ID twice"
