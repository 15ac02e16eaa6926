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
