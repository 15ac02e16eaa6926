"""Tiny PDFs and seal images made on the fly, and the platform credentials.

Fixture documents are drawn with reportlab so the tests own every byte of them: a
Japanese one-pager, a two-page contract, pages with /Rotate and an offset CropBox.
"""

import io
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.generic import RectangleObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from services.document.fonts import ensure_japanese_font
from services.document.platform_key import PlatformCredentials, ensure_platform_certificate
from services.document.rendering import render_page_png

from .service import Service, open_service


def make_pdf(pages: int = 1, *, text: str = "賃貸借契約書", size=A4) -> bytes:
    """A reportlab PDF: each page carries `text` (Japanese, embedded IPAex) at the top."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=size)
    font = ensure_japanese_font()
    for number in range(1, pages + 1):
        canvas.setFont(font, 16)
        canvas.drawString(60, size[1] - 60, f"{text} 第{number}頁")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def reshape(data: bytes, *, rotate: int = 0, cropbox: tuple[float, ...] | None = None) -> bytes:
    """Give every page a /Rotate and/or a CropBox, as scanners and some editors do."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    for page in writer.pages:
        if rotate:
            page.rotate(rotate)
        if cropbox:
            page.cropbox = RectangleObject(cropbox)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render(data: bytes, page: int, width_px: int) -> Image.Image:
    return Image.open(io.BytesIO(render_page_png(data, page, width_px))).convert("RGB")


def red_pixels(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> int:
    """Count clearly red pixels, optionally inside (left, top, right, bottom)."""
    return sum(1 for r, g, b in _pixels(image, box) if r > 150 and g < 110 and b < 110)


def ink_pixels(image: Image.Image, box: tuple[int, int, int, int] | None = None) -> int:
    """Count pixels that are clearly not white paper (anti-aliased small text included)."""
    return sum(1 for r, g, b in _pixels(image, box) if r + g + b < 600)


def _pixels(image: Image.Image, box: tuple[int, int, int, int] | None):
    raw = (image.crop(box) if box else image).convert("RGB").tobytes()
    return zip(raw[0::3], raw[1::3], raw[2::3], strict=True)


def pdftotext(data: bytes, tmp_path: Path, *, first: int = 1, last: int | None = None) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(data)
    args = ["pdftotext", "-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    run = subprocess.run([*args, str(path), "-"], capture_output=True, check=True)
    return run.stdout.decode()


@pytest.fixture(scope="session")
def jp_pdf() -> bytes:
    return make_pdf(1, text="佐藤様 賃貸借契約書")


@pytest.fixture(scope="session")
def two_page_pdf() -> bytes:
    return make_pdf(2)


@pytest.fixture(scope="session")
def seal_png() -> bytes:
    """An asymmetric seal: top half solid red, bottom half fully transparent.

    Transparent pixels are (0, 0, 0, 0): if alpha were lost they would show black, and
    the red half shows whether the seal stands upright on rotated pages.
    """
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 199, 99), fill=(210, 30, 30, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="session")
def creds(tmp_path_factory: pytest.TempPathFactory) -> PlatformCredentials:
    return ensure_platform_certificate(tmp_path_factory.mktemp("platform-key"))


@pytest.fixture
async def service(tmp_path: Path, creds: PlatformCredentials) -> AsyncIterator[Service]:
    """The document service's handlers on a real SQLite store and blob folder."""
    opened = await open_service(tmp_path, creds)
    yield opened
    await opened.runtime.store.close()


@pytest.fixture(scope="session", autouse=True)
def _poppler_and_qpdf() -> None:
    missing = [tool for tool in ("pdfsig", "pdftotext", "qpdf") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"install poppler-utils and qpdf: missing {missing}")
