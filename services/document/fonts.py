"""The Japanese fonts and the reportlab lock shared by stamping and the audit certificate.

Japanese must be drawn as glyphs of an embedded TrueType font: the viewer of a contract
may have no Japanese font at all, and pypdf form fields turn Japanese into "??". IPAex
Mincho is a plain `.ttf` (reportlab cannot embed the CFF outlines of Noto CJK `.otf`/`.ttc`)
and is the usual face of Japanese contracts. A character it lacks (𠮷 of 𠮷田, other
JIS X 0213 name characters) is drawn, character by character, with the next embeddable
face of the shared fallback order (`services.common.fonts`: IPAmj Mincho), so a name that
draws on a seal also prints in the PDF. Fallback faces are registered on first need: IPAmj
is 46 MB and most contracts never need it.

reportlab keeps its font registry and the per-document subsetting state of a `TTFont` in
shared objects; the lead calls our sync functions from `asyncio.to_thread`, so every
reportlab drawing holds `REPORTLAB_LOCK`. Drawing an overlay or an audit page takes
milliseconds, and pypdf's merging and writing run outside the lock.
"""

import threading
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from services.common import fonts
from services.common.settings import get_settings

JP_FONT = "IPAexMincho"
"""reportlab name of the Japanese font, usable once `ensure_japanese_font()` returned."""

_CANDIDATES = (
    Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
    Path("/usr/share/fonts/truetype/ipaexfont-mincho/ipaexm.ttf"),
    Path("/usr/share/fonts/opentype/ipaexfont/ipaexm.ttf"),
)

REPORTLAB_LOCK = threading.RLock()
_registered: dict[str, str] = {}
"""Font file name -> reportlab name, for every face registered so far."""


def japanese_font_path() -> Path:
    """Where IPAex Mincho is; `SHOMEI_JP_FONT` overrides (a `.ttf`, not a `.ttc`/`.otf`)."""
    override = get_settings().jp_font
    if override:
        return override
    for candidate in _CANDIDATES:
        if candidate.is_file():
            return candidate
    raise RuntimeError(
        "IPAex Mincho not found: install the Debian package fonts-ipaexfont-mincho "
        "or set SHOMEI_JP_FONT to a TrueType (.ttf) Japanese font"
    )


def ensure_japanese_font() -> str:
    """Register the Japanese font with reportlab once per process; returns its name."""
    with REPORTLAB_LOCK:
        if JP_FONT not in _registered.values():
            path = japanese_font_path()
            pdfmetrics.registerFont(_ttfont(JP_FONT, path))
            _registered[path.name] = JP_FONT
    return JP_FONT


def _ttfont(name: str, path: Path) -> TTFont:
    """A reportlab font whose tables are copied out of the file once, not per document:
    reportlab's subsetter slices the whole `glyf` table for every PDF it writes, 40 MB for
    IPAmj (≈ 30 ms a contract)."""
    font = TTFont(name, str(path))
    font.face.get_table = cache(font.face.get_table)
    return font


@cache
def _chain() -> tuple[fonts.Face, ...]:
    """The primary face, then every other embeddable face in the shared fallback order."""
    primary = fonts.Face(japanese_font_path())
    rest = [f for f in fonts.faces() if f.is_truetype and f.path.name != primary.path.name]
    return (primary, *rest)


def _font_name(face: fonts.Face) -> str:
    """reportlab name of `face`, registered now if it is not yet; under `REPORTLAB_LOCK`."""
    name = _registered.get(face.path.name)
    if name is None:
        name = f"Shomei-{face.path.stem}"
        pdfmetrics.registerFont(_ttfont(name, face.path))
        _registered[face.path.name] = name
    return name


def preload() -> None:
    """The primary font and every face's coverage, read at start, not by the first contract."""
    ensure_japanese_font()
    for face in _chain():
        fonts.coverage(face)


def font_runs(text: str) -> list[tuple[str, str]]:
    """(reportlab font, chunk) runs of `text`: the primary font wherever it has the glyph.

    A character no embeddable face has stays in the primary font (it prints as a box);
    callers that can refuse such text check it with `fonts.check_drawable` first.
    """
    ensure_japanese_font()
    chain = _chain()
    primary = chain[0]
    if all(ord(ch) in fonts.coverage(primary) or ch.isspace() for ch in text):
        return [(JP_FONT, text)] if text else []
    with REPORTLAB_LOCK:
        return [(_font_name(face), chunk) for face, chunk in fonts.runs(text, among=chain)]


def needs_fallback(text: str) -> bool:
    return any(name != JP_FONT for name, _ in font_runs(text))


def string_width(text: str, size: float) -> float:
    return sum(pdfmetrics.stringWidth(chunk, name, size) for name, chunk in font_runs(text))


def markup(text: str) -> str:
    """`text` escaped for a reportlab Paragraph, fallback runs in their own `<font>`."""
    return "".join(
        escape(chunk) if name == JP_FONT else f'<font face="{name}">{escape(chunk)}</font>'
        for name, chunk in font_runs(text)
    )


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode map with characters past U+FFFF (𠮷) as UTF-16 surrogate
    pairs, as the PDF format asks: reportlab 5.1 writes them as five hex digits, and a
    reader (pdftotext, search, copy) then gets U+20BB instead of 𠮷."""
    head, _, _ = _original_cmap(fontname, subset).partition("beginbfchar")
    lines = [f"<{i:02X}> <{_utf16(v)}>" for i, v in enumerate(subset)]
    tail = ["endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join([head + "beginbfchar", *lines, *tail])


def _utf16(code: int) -> str:
    return chr(code).encode("utf-16-be").hex().upper()


_original_cmap = ttfonts.makeToUnicodeCMap
ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def draw_string(canvas: Canvas, x: float, y: float, text: str, size: float) -> None:
    """`text` at (x, y), each run in the font that has its glyphs; under `REPORTLAB_LOCK`."""
    for name, chunk in font_runs(text):
        canvas.setFont(name, size)
        canvas.drawString(x, y, chunk)
        x += pdfmetrics.stringWidth(chunk, name, size)
