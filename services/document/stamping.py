"""Put seals, text and check marks on the contract, where the sender placed the fields.

Marks are drawn with reportlab onto overlay pages and merged with pypdf, never put into
form fields: pypdf form fields turn Japanese into "??" and a field could be edited after
the fact, a drawn glyph cannot (and the platform signature then seals it).

Coordinates are those of the UI: PDF points, origin at the top-left corner of the page
*as displayed* (CropBox, after /Rotate), y downward. The overlay is drawn in that
displayed frame and mapped into the page's user space with one matrix per rotation, so a
seal on a landscape page scanned as portrait-plus-/Rotate lands where the user saw it and
stands upright.
"""

import io
import math
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image
from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from .fonts import REPORTLAB_LOCK, draw_string, ensure_japanese_font, font_runs
from .geometry import PageGeometry

BOX_TOLERANCE = 2.0
"""Points a box may stick out of the page (UI rounding) before we refuse it."""
MIN_BOX_SIDE = 1.0
"""Points; the signing service refuses boxes below its own, larger minimum."""
MAX_TEXT_CHARS = 2000
MIN_FONT_SIZE = 4.0
MAX_FONT_SIZE = 14.0
TEXT_COLOR = (0.08, 0.08, 0.1)
MIN_SEAL_DPI, MAX_SEAL_DPI = 30.0, 2400.0
"""A resolution outside this is no size on paper (a 1 dpi PNG would be a metre wide)."""


class StampError(ValueError):
    """A mark cannot be placed: bad page, box outside the page, bad image, odd PDF."""


@dataclass(frozen=True, slots=True)
class SealMark:
    """A seal image (PNG, transparency kept), centred in the box at its own size on paper.

    The seal service writes that size into the PNG's resolution (pHYs): a 15 mm 認印 is
    stamped 42.5 pt wide in any box at least that large. A smaller box gets the seal
    scaled down to fit it, keeping its shape; an image without a resolution fills the box.
    """

    page: int
    x: float
    y: float
    width: float
    height: float
    png: bytes


@dataclass(frozen=True, slots=True)
class SealImage:
    """A decoded seal and its size on paper in points (None: unknown)."""

    reader: ImageReader
    size_pt: tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class TextMark:
    """Free text (Japanese welcome), shrunk and wrapped to fit the box."""

    page: int
    x: float
    y: float
    width: float
    height: float
    text: str


@dataclass(frozen=True, slots=True)
class CheckMark:
    """A check box: a drawn tick when `checked`, nothing otherwise."""

    page: int
    x: float
    y: float
    width: float
    height: float
    checked: bool


type Mark = SealMark | TextMark | CheckMark


def stamp(data: bytes, marks: Sequence[Mark], appendix: bytes | None = None) -> bytes:
    """Return `data` with every mark drawn on its page and the pages of `appendix` (the
    audit certificate) added, written as one incremental update: the original bytes stay
    a prefix of the result, so a signature already on the upload keeps validating.

    Thread-safe: pypdf objects are per call, reportlab drawing holds `REPORTLAB_LOCK`.
    Raises `StampError` for marks that do not fit the document.
    """
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise StampError("encrypted PDF")
        page_count = len(reader.pages)
    except StampError:
        raise
    except Exception as exc:
        raise StampError(f"unreadable PDF: {type(exc).__name__}: {exc}") from None
    if not marks and not appendix:
        return bytes(data)

    by_page: dict[int, list[Mark]] = defaultdict(list)
    for mark in marks:
        if not 1 <= mark.page <= page_count:
            raise StampError(f"page {mark.page} out of range 1..{page_count}")
        by_page[mark.page].append(mark)

    try:
        writer = PdfWriter(reader, incremental=True)
        frames = {number: page_frame(writer.pages[number - 1]) for number in by_page}
    except StampError:
        raise
    except Exception as exc:
        raise StampError(f"unreadable PDF: {type(exc).__name__}: {exc}") from None
    for number, page_marks in by_page.items():
        for mark in page_marks:
            check_box(frames[number], mark)

    numbers = sorted(by_page)
    try:
        if numbers:
            overlay = _draw_overlays([(frames[n], by_page[n]) for n in numbers])
            overlay_pages = PdfReader(io.BytesIO(overlay)).pages
            for index, number in enumerate(numbers):
                page = writer.pages[number - 1]
                matrix = Transformation(frames[number].to_user_space())
                page.merge_transformed_page(overlay_pages[index], matrix)
                page.compress_content_streams()
        if appendix:
            for extra in PdfReader(io.BytesIO(appendix)).pages:
                writer.add_page(extra)
        out = io.BytesIO()
        writer.write(out)
    except Exception as exc:  # a page pypdf can read but not rewrite (odd content)
        raise StampError(f"cannot stamp this PDF: {type(exc).__name__}: {exc}") from None
    result = out.getvalue()
    if not result.startswith(data):
        raise StampError("stamping rewrote the document instead of appending to it")
    return result


def page_frame(page: PageObject) -> PageGeometry:
    """The displayed frame of a pypdf page (CropBox after /Rotate)."""
    box = page.cropbox
    xs = sorted((float(box.left), float(box.right)))
    ys = sorted((float(box.bottom), float(box.top)))
    rotation = int(page.rotation or 0)
    if rotation % 90:
        raise StampError(f"page rotation {rotation} is not a multiple of 90")
    return PageGeometry.of_box((xs[0], ys[0], xs[1], ys[1]), rotation)


def check_box(frame: PageGeometry, mark: Mark) -> None:
    values = (mark.x, mark.y, mark.width, mark.height)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        raise StampError(f"non-numeric box on page {mark.page}")
    if mark.width < MIN_BOX_SIDE or mark.height < MIN_BOX_SIDE:
        raise StampError(f"box smaller than {MIN_BOX_SIDE} pt on page {mark.page}")
    if (
        mark.x < -BOX_TOLERANCE
        or mark.y < -BOX_TOLERANCE
        or mark.x + mark.width > frame.width + BOX_TOLERANCE
        or mark.y + mark.height > frame.height + BOX_TOLERANCE
    ):
        raise StampError(
            f"box ({mark.x}, {mark.y}, {mark.width}x{mark.height}) outside page "
            f"{mark.page} ({frame.width:.1f}x{frame.height:.1f})"
        )


def _draw_overlays(pages: list[tuple[PageGeometry, list[Mark]]]) -> bytes:
    """One reportlab document with one page per marked page, so the font subset and
    repeated seal images are embedded once for the whole contract."""
    images = {
        mark.png: _load_png(mark.png)
        for _, marks in pages
        for mark in marks
        if isinstance(mark, SealMark)
    }
    out = io.BytesIO()
    with REPORTLAB_LOCK:
        ensure_japanese_font()
        canvas = Canvas(out, pageCompression=1)
        canvas.setCreator("Shomei")
        for frame, marks in pages:
            width, height = frame.width, frame.height
            canvas.setPageSize((width, height))
            for mark in marks:
                bottom = height - mark.y - mark.height  # top-left/y-down -> PDF y-up
                match mark:
                    case SealMark():
                        _draw_seal(canvas, images[mark.png], mark, bottom)
                    case TextMark():
                        _draw_text(canvas, mark, bottom)
                    case CheckMark():
                        _draw_check(canvas, mark, bottom)
            canvas.showPage()
        canvas.save()
    return out.getvalue()


def _load_png(png: bytes) -> SealImage:
    try:
        with Image.open(io.BytesIO(png)) as image:
            if image.format != "PNG":
                raise StampError(f"seal image is {image.format}, not PNG")
            if image.width * image.height > 16_000_000:
                raise StampError("seal image too large")
            rgba = image.convert("RGBA")
            dpi = image.info.get("dpi")
    except StampError:
        raise
    except Exception as exc:
        raise StampError(f"bad seal image: {exc}") from None
    size = None
    if dpi and all(isinstance(d, int | float) and MIN_SEAL_DPI <= d <= MAX_SEAL_DPI for d in dpi):
        size = (rgba.width / dpi[0] * 72, rgba.height / dpi[1] * 72)
    return SealImage(ImageReader(rgba), size)


def seal_size(image: SealImage, width: float, height: float) -> tuple[float, float]:
    """Points a seal is drawn at in a `width` × `height` box: its own size on paper, scaled
    down (never up) when the box is smaller; without a known size, as large as the box."""
    if image.size_pt is None:
        natural = image.reader.getSize()
        scale = min(width / natural[0], height / natural[1])
    else:
        natural = image.size_pt
        scale = min(1.0, width / natural[0], height / natural[1])
    return natural[0] * scale, natural[1] * scale


def _draw_seal(canvas: Canvas, image: SealImage, mark: SealMark, bottom: float) -> None:
    draw_w, draw_h = seal_size(image, mark.width, mark.height)
    canvas.drawImage(
        image.reader,
        mark.x + (mark.width - draw_w) / 2,
        bottom + (mark.height - draw_h) / 2,
        draw_w,
        draw_h,
        mask="auto",
    )


def _draw_text(canvas: Canvas, mark: TextMark, bottom: float) -> None:
    text = _clean_text(mark.text)
    if not text:
        return
    size, lines = _fit_text(text, mark.width, mark.height)
    leading = size * 1.2
    block = leading * (len(lines) - 1) + size
    # Centre the block vertically; the baseline sits ~0.12 em above the glyph bottom.
    baseline = bottom + (mark.height + block) / 2 - size * 0.88
    canvas.setFillColorRGB(*TEXT_COLOR)
    for line in lines:
        draw_string(canvas, mark.x + size * 0.1, baseline, line, size)
        baseline -= leading


def _clean_text(text: str) -> str:
    text = unicodedata.normalize("NFC", str(text))[:MAX_TEXT_CHARS]
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C").strip()


def _fit_text(text: str, width: float, height: float) -> tuple[float, list[str]]:
    """Largest size (≤ 14 pt) whose character-wrapped lines fit the box.

    Japanese has no spaces, so lines break between any two characters; at the minimum
    size the text is wrapped anyway and may overflow the box at the bottom.
    """
    usable = max(width - 1.0, 1.0)
    size = min(MAX_FONT_SIZE, height / 1.2)
    while True:
        lines = _wrap(text, size, usable - size * 0.2)
        if size <= MIN_FONT_SIZE or size * 1.2 * len(lines) <= height:
            return max(size, MIN_FONT_SIZE), lines
        size = max(size * 0.9, MIN_FONT_SIZE)


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Lines of at most `width`, each character measured in the font that draws it."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for name, chunk in font_runs(paragraph):
            for ch in chunk:
                advance = stringWidth(ch, name, size)
                if line and used + advance > width:
                    lines.append(line)
                    line, used = "", 0.0
                line += ch
                used += advance
        lines.append(line)
    return lines


def _draw_check(canvas: Canvas, mark: CheckMark, bottom: float) -> None:
    if not mark.checked:
        return
    side = min(mark.width, mark.height)
    left = mark.x + (mark.width - side) / 2
    low = bottom + (mark.height - side) / 2
    canvas.setStrokeColorRGB(*TEXT_COLOR)
    canvas.setLineWidth(max(side * 0.12, 0.8))
    canvas.setLineCap(1)
    canvas.setLineJoin(1)
    path = canvas.beginPath()
    path.moveTo(left + side * 0.18, low + side * 0.52)
    path.lineTo(left + side * 0.42, low + side * 0.24)
    path.lineTo(left + side * 0.84, low + side * 0.80)
    canvas.drawPath(path, stroke=1, fill=0)
