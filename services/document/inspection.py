"""Validate an uploaded PDF before anything else touches it.

Uploads come from anyone holding an API key, so the bytes are hostile until proven
otherwise: whatever goes wrong inside pypdf or pdfium must become an `InvalidPdf` with a
code the gateway maps to a 4xx and a message a Japanese agency user can act on, never a
500. A document passes only if both engines we later use on it agree: pypdf (stamping)
and pdfium (previews); otherwise the failure would surface later, in the middle of a
signing workflow, instead of at upload.
"""

import hashlib
import io
import logging
import math
from dataclasses import dataclass

import pypdfium2 as pdfium
from pypdf import PdfReader

from .rendering import PDFIUM_LOCK

MAX_PAGE_SIDE = 14_400.0
"""PDF's own limit for a page side in points (200 inches); beyond it nothing renders."""

_MESSAGES = {
    "not_pdf": "PDFファイルではありません。PDF形式のファイルをアップロードしてください。",
    "unreadable": "PDFが破損しているか、読み取れない形式です。保存し直したPDFをお試しください。",
    "encrypted": (
        "パスワードや暗号化で保護されたPDFは使えません。"
        "保護を解除してからアップロードしてください。"
    ),
    "no_pages": "PDFにページがありません。",
    "too_many_pages": "ページ数が多すぎます。{max_pages}ページ以内のPDFにしてください。",
}


class InvalidPdf(ValueError):
    """An upload we refuse; `code` is stable for clients, `message_ja` is for people."""

    def __init__(self, code: str, message_ja: str | None = None) -> None:
        self.code = code
        self.message_ja = message_ja or _MESSAGES.get(code, _MESSAGES["unreadable"])
        super().__init__(f"{code}: {self.message_ja}")


@dataclass(frozen=True, slots=True)
class PageInfo:
    """One page: its CropBox size in points (unrotated) and its /Rotate.

    The UI sees the page as rendered, i.e. rotated: `display_width`/`display_height` are
    the sides of that picture, the frame in which field boxes are placed.
    """

    number: int
    width: float
    height: float
    rotation: int

    @property
    def display_width(self) -> float:
        return self.height if self.rotation in (90, 270) else self.width

    @property
    def display_height(self) -> float:
        return self.width if self.rotation in (90, 270) else self.height


@dataclass(frozen=True, slots=True)
class PdfInfo:
    """What the document service records about an accepted upload."""

    page_count: int
    pages: tuple[PageInfo, ...]
    sha256: str
    size: int


def inspect_pdf(data: bytes, max_pages: int) -> PdfInfo:
    """Accept or refuse `data`; raises only `InvalidPdf`. Thread-safe."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise InvalidPdf("not_pdf")
    data = bytes(data)
    # Viewers accept junk before the header within the first KiB; so do we, no further.
    if b"%PDF-" not in data[:1024]:
        raise InvalidPdf("not_pdf")
    sha256 = hashlib.sha256(data).hexdigest()
    pages = _read_with_pypdf(data, max_pages)
    _check_with_pdfium(data, len(pages))
    return PdfInfo(page_count=len(pages), pages=pages, sha256=sha256, size=len(data))


def _read_with_pypdf(data: bytes, max_pages: int) -> tuple[PageInfo, ...]:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except Exception as exc:  # hostile input: any pypdf failure means unreadable
        _log_refusal(exc)
        raise InvalidPdf("unreadable") from None
    if encrypted:
        raise InvalidPdf("encrypted")
    try:
        count = len(reader.pages)
    except Exception as exc:
        _log_refusal(exc)
        raise InvalidPdf("unreadable") from None
    if count == 0:
        raise InvalidPdf("no_pages")
    if count > max_pages:
        raise InvalidPdf("too_many_pages", _MESSAGES["too_many_pages"].format(max_pages=max_pages))
    try:
        return tuple(_page_info(reader, index) for index in range(count))
    except InvalidPdf:
        raise
    except Exception as exc:
        _log_refusal(exc)
        raise InvalidPdf("unreadable") from None


def _page_info(reader: PdfReader, index: int) -> PageInfo:
    page = reader.pages[index]
    box = page.cropbox
    width, height = float(box.width), float(box.height)
    if not all(math.isfinite(v) for v in (width, height)):
        raise InvalidPdf("unreadable")
    width, height = abs(width), abs(height)
    if not (1.0 <= width <= MAX_PAGE_SIDE and 1.0 <= height <= MAX_PAGE_SIDE):
        raise InvalidPdf("unreadable", "PDFのページサイズが不正です。")
    rotation = int(page.rotation or 0)  # pypdf resolves a /Rotate inherited from /Pages
    if rotation % 90:
        raise InvalidPdf("unreadable", "PDFのページの回転指定が不正です。")
    # Touch the content stream: a truncated file "repaired" by pypdf fails here.
    page.get_contents()
    return PageInfo(number=index + 1, width=width, height=height, rotation=rotation % 360)


def _check_with_pdfium(data: bytes, expected_pages: int) -> None:
    """pdfium renders the previews: it must open the file and see the same pages."""
    try:
        with PDFIUM_LOCK:
            document = pdfium.PdfDocument(data)
            try:
                count = len(document)
            finally:
                document.close()
    except Exception as exc:
        _log_refusal(exc)
        raise InvalidPdf("unreadable") from None
    if count != expected_pages:
        raise InvalidPdf("unreadable")


def _log_refusal(exc: BaseException) -> None:
    logging.getLogger(__name__).info("PDF refused: %s: %s", type(exc).__name__, exc)
