"""Uploads: what we accept, what we refuse and with which code, and that hostile bytes
never raise anything but `InvalidPdf` (the gateway turns that into a 4xx)."""

import hashlib
import io
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from services.document.inspection import CODES, InvalidPdf, inspect_pdf
from services.document.rendering import RenderError, render_page_png

from .conftest import make_pdf, reshape


def refusal(data: bytes, max_pages: int = 50) -> str:
    with pytest.raises(InvalidPdf) as caught:
        inspect_pdf(data, max_pages)
    assert caught.value.code in CODES, "every refusal is a known code"
    return caught.value.code


def test_accepts_two_pages(two_page_pdf: bytes) -> None:
    info = inspect_pdf(two_page_pdf, max_pages=10)
    assert info.page_count == 2
    assert info.sha256 == hashlib.sha256(two_page_pdf).hexdigest()
    assert info.size == len(two_page_pdf)
    first = info.pages[0]
    assert first.rotation == 0
    assert first.width == pytest.approx(595.28, abs=0.1)
    assert first.height == pytest.approx(841.89, abs=0.1)


def test_pages_are_reported_as_displayed_after_rotation_and_crop_s16() -> None:
    """One frame: width/height are the displayed picture's, as pdfium renders it."""
    data = reshape(make_pdf(), rotate=90, cropbox=(50, 60, 545, 782))
    page = inspect_pdf(data, 5).pages[0]
    assert page.rotation == 90
    assert page.crop_box == (50, 60, 545, 782)
    assert (page.width, page.height) == (pytest.approx(722), pytest.approx(495))
    image = Image.open(io.BytesIO(render_page_png(data, 1, width_px=722)))
    assert image.size == (722, pytest.approx(495, abs=1))


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        b"hello",
        b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
        b"<html>" + b" " * 2000 + b"%PDF-1.4",
        random.Random(1).randbytes(5000),
    ],
    ids=["empty", "text", "png", "late-header", "random"],
)
def test_not_pdf(junk: bytes) -> None:
    assert refusal(junk) == "not_pdf"


@pytest.mark.parametrize("fraction", [0.05, 0.2, 0.5])
def test_truncated_is_unreadable(fraction: float) -> None:
    data = make_pdf(2)
    assert refusal(data[: int(len(data) * fraction)]) == "unreadable"


def test_header_then_garbage_is_unreadable() -> None:
    assert refusal(b"%PDF-1.7\n" + random.Random(2).randbytes(3000)) == "unreadable"


@pytest.mark.parametrize("user_password", ["secret", ""])
def test_encrypted(user_password: str) -> None:
    """Even an empty user password (owner-restricted file) is refused: we would have
    to strip the protection to stamp it."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf())))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    assert refusal(out.getvalue()) == "encrypted"


def test_zero_pages() -> None:
    out = io.BytesIO()
    PdfWriter().write(out)
    assert refusal(out.getvalue()) == "no_pages"


def test_too_many_pages() -> None:
    with pytest.raises(InvalidPdf) as caught:
        inspect_pdf(make_pdf(3), max_pages=2)
    assert caught.value.code == "too_many_pages"
    assert caught.value.params == {"pages": 3, "max_pages": 2}


def test_mutated_bytes_never_escape_as_other_errors() -> None:
    """Flip bytes of a good file many times: accepted or `InvalidPdf`, nothing else."""
    original = make_pdf(2)
    rng = random.Random(1234)
    outcomes = set()
    for _ in range(150):
        data = bytearray(original)
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            inspect_pdf(bytes(data), 10)
            outcomes.add("ok")
        except InvalidPdf as refused:
            outcomes.add(refused.code)
    assert outcomes <= {
        "ok",
        "unreadable",
        "not_pdf",
        "no_pages",
        "encrypted",
        "too_many_pages",
        "bad_rotation",
        "page_too_large",
        "page_too_small",
        "decompression_bomb",
    }


def test_render_png_width_and_rotation() -> None:
    rotated = reshape(make_pdf(), rotate=90)
    image = Image.open(io.BytesIO(render_page_png(rotated, 1, width_px=400)))
    assert image.format == "PNG"
    assert image.width == 400
    assert image.height == pytest.approx(400 * 595.28 / 841.89, abs=2)  # landscape


def test_render_refuses_bad_page_and_junk(two_page_pdf: bytes) -> None:
    with pytest.raises(RenderError):
        render_page_png(two_page_pdf, 3)
    with pytest.raises(RenderError):
        render_page_png(two_page_pdf, 0)
    with pytest.raises(RenderError):
        render_page_png(b"%PDF-1.4 nothing", 1)


def test_render_and_inspect_from_threads(two_page_pdf: bytes) -> None:
    """The lead calls these through asyncio.to_thread: pdfium must be serialised."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        renders = list(pool.map(lambda n: render_page_png(two_page_pdf, 1 + n % 2, 300), range(12)))
        infos = list(pool.map(lambda _: inspect_pdf(two_page_pdf, 10), range(12)))
    assert len({r for r in renders}) == 2
    assert all(info.page_count == 2 for info in infos)
