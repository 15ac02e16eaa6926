"""What the console's busiest staff pages cost on the whole SQLite stack, signed in as the
demo admin: the envelope detail (the envelope and its 送信状況 asked of two services at
once), API連携 (keys from the gateway, webhooks from their service), one ID photo streamed,
and the document list. Sequential requests, p50 and p99.

uv run python -m bench.console [--rounds 200]
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import httpx

from bench.stats import p50_p99
from deploy.local.catcher import Catcher
from gateway.console.demo import DEMO_LOGIN, demo_password
from tests.e2e.test_contract_flow import signer_link, wait_for_mail
from tests.support import signer
from tests.support.console import signed_in
from tests.support.pdfs import lease_pdf
from tests.support.rabbit import async_rabbit_node
from tests.support.stack import Stack


async def envelope_with_photo(stack: Stack, catcher: Catcher) -> tuple[str, str]:
    """A sent envelope whose party attached a licence photo: its detail and photo paths."""
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=60) as api:
        up = await api.post(
            "/api/v1/documents", files={"file": ("b.pdf", lease_pdf(1), "application/pdf")}
        )
        made = await api.post(
            "/api/v1/envelopes",
            json={
                "title": "計測用の契約書",
                "document_id": up.json()["id"],
                "send": True,
                "parties": [
                    {
                        "name": "佐藤 一郎",
                        "email": "bench@example.jp",
                        "required_documents": ["passport"],
                    }
                ],
                "fields": [{"party": 0, "page": 1, "x": 99, "y": 99, "width": 60, "height": 60}],
            },
        )
        envelope = made.json()
    [mail] = await wait_for_mail(catcher.inbox, "bench@example.jp")
    link = signer_link(mail)
    photo = signer.jpeg(2_000_000)
    async with httpx.AsyncClient(timeout=60) as phone:
        files = {"img_passport_page": ("p.jpg", photo, "image/jpeg")}
        attached = await signer.post(phone, link, "identity", {}, files=files)
        assert attached.status_code == 303, attached.text
    detail = f"/console/documents/{envelope['id']}"
    party = envelope["parties"][0]["id"]
    return detail, f"{detail}/identity/{party}/passport/page"


async def run(rounds: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="shomei-bench-console-"))
    catcher = Catcher(work / "catcher", smtp_port=0, http_port=0)
    await catcher.start()
    async with async_rabbit_node(work / "rabbit") as amqp_url:
        stack = Stack(work / "var", amqp_url, catcher.smtp_port, f"sqlite:///{work / 'var'}")
        await stack.start()
        try:
            detail, photo = await envelope_with_photo(stack, catcher)
            http, _ = await signed_in(stack.url, DEMO_LOGIN, demo_password(stack.api_key))
            pages = {
                "envelope detail": detail,
                "API連携": "/console/admin/integrations",
                "ID photo (2 MB)": photo,
                "document list": "/console/documents",
            }
            timings: dict[str, list[float]] = {name: [] for name in pages}
            for _ in range(rounds):
                for name, path in pages.items():
                    started = time.perf_counter()
                    (await http.get(path)).raise_for_status()
                    timings[name].append(time.perf_counter() - started)
            await http.aclose()
            print(f"console pages, {rounds} sequential GETs each:")
            for name, values in timings.items():
                print(f"  {name:16s} {p50_p99(values)}")
        finally:
            await stack.stop()
    await catcher.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
