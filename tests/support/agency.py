"""An agency's system driving the public API in e2e tests and benchmarks."""

import httpx

from tests.support.pdfs import lease_pdf


def bearer(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"}


def envelope_body(document_id: str, title: str = "建物賃貸借契約書", email: str = "a@example.jp"):
    return {
        "title": title,
        "document_id": document_id,
        "parties": [{"name": "佐藤 一郎", "email": email}],
        "fields": [{"party": 0, "page": 1, "x": 100, "y": 100, "width": 50, "height": 50}],
    }


async def upload(http: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await http.post(
        "/api/v1/documents",
        headers=headers,
        files={"file": ("lease.pdf", lease_pdf(), "application/pdf")},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def asked_together(document_id: str, title: str, parties: list[dict]) -> dict:
    """An envelope sent at once whose parties are all asked together (one signing order,
    S13), each with a signature box of its own."""
    return {
        "title": title,
        "document_id": document_id,
        "parties": [{**p, "signing_order": 1} for p in parties],
        "fields": [
            {"party": i, "page": 1, "x": 100, "y": 100 + 60 * i, "width": 50, "height": 50}
            for i in range(len(parties))
        ],
        "send": True,
    }
