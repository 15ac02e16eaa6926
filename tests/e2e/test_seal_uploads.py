"""A company's own seal through the API (S17): upload, read back, stamp; every bad upload
gets a clear machine-readable error, never a 500."""

import io

import httpx
import pytest
from PIL import Image, ImageDraw

pytestmark = pytest.mark.e2e


def _scan(fmt: str = "PNG", size: tuple[int, int] = (320, 320)) -> bytes:
    w, h = size
    image = Image.new("RGB", size, (250, 250, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((w // 8, h // 8, w - w // 8, h - h // 8), outline=(200, 30, 40), width=3)
    draw.rectangle((w * 0.45, h * 0.3, w * 0.55, h * 0.7), fill=(200, 30, 40))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def _api(stack) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {stack.api_key}"}
    return httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30)


async def test_s17_a_seal_image_is_uploaded_cleaned_and_read_back(stack) -> None:
    async with _api(stack) as api:
        response = await api.post(
            "/api/v1/seals",
            files={"file": ("seal.jpg", _scan("JPEG"), "image/jpeg")},
            data={"label": "代表者印", "size_mm": "18"},
        )
        assert response.status_code == 201, response.text
        seal = response.json()
        assert seal["seal_id"] and seal["label"] == "代表者印" and seal["size_mm"] == 18
        assert "blob_id" not in seal and seal["width_pt"] > 0
        again = await api.get(f"/api/v1/seals/{seal['seal_id']}")
        assert again.json() == seal
        image = await api.get(f"/api/v1/seals/{seal['seal_id']}/image")
        assert image.headers["content-type"] == "image/png"
        png = Image.open(io.BytesIO(image.content)).convert("RGBA")
        assert png.getpixel((0, 0))[3] == 0  # the paper is gone


@pytest.mark.parametrize(
    ("files", "data", "status", "code"),
    [
        ({"file": ("seal.gif", b"GIF89a....", "image/gif")}, {}, 422, "seal_image_unsupported"),
        ({"file": ("seal.txt", "印鑑".encode(), "text/plain")}, {}, 422, "seal_image_unsupported"),
        ({"file": ("seal.png", b"", "image/png")}, {}, 422, "empty_file"),
        (
            {"file": ("big.png", b"\x89PNG" + b"0" * 2_200_000, "image/png")},
            {},
            413,
            "file_too_large",
        ),
        (
            {"file": ("tiny.png", _scan(size=(20, 20)), "image/png")},
            {},
            422,
            "seal_image_dimensions",
        ),
        ({"file": ("seal.png", _scan(), "image/png")}, {"size_mm": "500"}, 422, "invalid_input"),
        ({}, {"label": "no file"}, 422, "invalid_input"),
    ],
)
async def test_s17_bad_uploads_are_refused_clearly(stack, files, data, status, code) -> None:
    async with _api(stack) as api:
        response = await api.post("/api/v1/seals", files=files or None, data=data)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


async def test_s17_an_unknown_seal_is_404_and_the_api_needs_a_key(stack) -> None:
    async with _api(stack) as api:
        missing = await api.get("/api/v1/seals/nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "seal_not_found")
    async with httpx.AsyncClient(base_url=stack.url) as anonymous:
        response = await anonymous.post(
            "/api/v1/seals", files={"file": ("seal.png", _scan(), "image/png")}
        )
    assert response.status_code == 401
