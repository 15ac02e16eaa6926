"""On `envelope.sent` the seal service draws every signing party's seal before any signer
opens a page (S5): the seals are in its store, and the signer's page finds them there."""

import asyncio

import httpx
import pytest

from services.common.store import open_store
from services.seal.model import spec_for_party
from services.seal.repository import COLLECTIONS
from tests.support.pdfs import lease_pdf

pytestmark = pytest.mark.e2e

PARTIES = [
    ("𠮷田 太郎", "individual", "tenant"),
    ("鈴木 一郎", "individual", "agent"),
    ("三井不動産リアルティ株式会社", "corporation", "landlord"),
    ("株式会社山田不動産", "corporation_registered", "other"),  # S15: no certificate option
]


async def test_s5_every_signing_partys_seal_is_drawn_when_the_envelope_is_sent(stack) -> None:
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as api:
        up = await api.post(
            "/api/v1/documents", files={"file": ("lease.pdf", lease_pdf(1), "application/pdf")}
        )
        parties = [
            {
                "name": name,
                "kind": kind,
                "role": role,
                "email": f"ahead{i}@example.jp",
                **({"recipient_name": "山田 花子"} if kind != "individual" else {}),
            }
            for i, (name, kind, role) in enumerate(PARTIES)
        ]
        fields = [
            {"party": i, "page": 1, "x": 100 + 70 * i, "y": 600, "width": 60, "height": 60}
            for i in range(len(PARTIES))
        ]
        response = await api.post(
            "/api/v1/envelopes",
            json={
                "title": "先に描く印影",
                "document_id": up.json()["id"],
                "send": True,
                "parties": parties,
                "fields": fields,
            },
        )
        assert response.status_code == 201, response.text

    keys = {spec_for_party(name, kind, role).cache_key() for name, kind, role in PARTIES}
    store = open_store(stack.env["SHOMEI_STORE"], "seal", COLLECTIONS)
    await store.open()
    try:
        found: set[str] = set()
        for _ in range(300):  # wait for the event to be handled; not a timing assertion
            async with store.unit_of_work() as uow:
                found = {k for k in keys if await uow.get("seals", k) is not None}
            if found == keys:
                break
            await asyncio.sleep(0.1)
        assert found == keys
    finally:
        await store.close()
