"""Page images for previews and for placing field boxes, drawn by pdfium.

pdfium is a C library with global state and pypdfium2 documents it as not thread-safe:
the lead calls us from `asyncio.to_thread`, so every pdfium call in this service holds
`PDFIUM_LOCK` (inspection uses it too). Only the PNG encoding, done by Pillow on its own
copy of the bitmap, runs outside the lock, so two renders still overlap a little.
"""

import io
import threading
from collections import OrderedDict

import pypdfium2 as pdfium
from PIL import Image

PDFIUM_LOCK = threading.Lock()

MIN_WIDTH_PX = 16
MAX_WIDTH_PX = 4000
MAX_PIXELS = 24_000_000
"""A very tall page at full width would otherwise allocate gigabytes."""


class RenderError(ValueError):
    """The page cannot be rendered (bad page number, unreadable document)."""


SIZES = {"thumbnail": 200, "preview": 1000}
"""Pixel widths of the two page images: the console's list and the signer/preview page."""
OPEN_DOCUMENTS = 4
"""Recently opened documents kept parsed: the pages of one contract come one by one."""

_open: OrderedDict[str, pdfium.PdfDocument] = OrderedDict()


def render_page_png(
    data: bytes, page_number: int, width_px: int = 1000, *, key: str | None = None
) -> bytes:
    """PNG of page `page_number` (1-based), `width_px` wide, as the page is displayed.

    pdfium applies /Rotate and the CropBox, so the picture is the frame in which the UI
    places boxes and in which `stamping` reads their coordinates. With `key` (the blob
    id), the parsed document is kept for the next page of the same file.
    """
    if not MIN_WIDTH_PX <= width_px <= MAX_WIDTH_PX:
        raise RenderError(f"width_px must be within {MIN_WIDTH_PX}..{MAX_WIDTH_PX}")
    try:
        with PDFIUM_LOCK:
            image = _render_locked(data, page_number, width_px, key)
    except RenderError:
        raise
    except Exception as exc:  # pdfium refuses broken input with various errors
        raise RenderError(f"cannot render page {page_number}: {exc}") from None
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _document(data: bytes, key: str | None) -> tuple[pdfium.PdfDocument, bool]:
    """The parsed document and whether the caller must close it (not cached)."""
    if key is None:
        document = pdfium.PdfDocument(data)
        document.init_forms()  # draw interactive form fields as viewers do
        return document, True
    document = _open.get(key)
    if document is None:
        document = pdfium.PdfDocument(data)
        document.init_forms()
        _open[key] = document
        while len(_open) > OPEN_DOCUMENTS:
            _open.popitem(last=False)[1].close()
    _open.move_to_end(key)
    return document, False


def _render_locked(data: bytes, page_number: int, width_px: int, key: str | None) -> Image.Image:
    document, close = _document(data, key)
    try:
        if not 1 <= page_number <= len(document):
            raise RenderError(f"page {page_number} out of range 1..{len(document)}")
        page = document[page_number - 1]
        try:
            width_pt, height_pt = page.get_size()  # displayed size: rotation applied
            scale = width_px / width_pt
            if width_px * height_pt * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (width_pt * height_pt)) ** 0.5
            bitmap = page.render(scale=scale, may_draw_forms=True)
            try:
                # BGR to RGB: Pillow converts while it reads, so this is the one copy,
                # independent of pdfium's buffer, which is freed below.
                return bitmap.to_pil()
            finally:
                bitmap.close()
        finally:
            page.close()
    finally:
        if close:
            document.close()
