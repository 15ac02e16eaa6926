"""The Japanese font and the reportlab lock shared by stamping and the audit certificate.

Japanese must be drawn as glyphs of an embedded TrueType font: the viewer of a contract
may have no Japanese font at all, and pypdf form fields turn Japanese into "??". IPAex
Mincho is a plain `.ttf` (reportlab cannot embed the CFF outlines of Noto CJK `.otf`/`.ttc`)
and is the usual face of Japanese contracts.

reportlab keeps its font registry and the per-document subsetting state of a `TTFont` in
shared objects; the lead calls our sync functions from `asyncio.to_thread`, so every
reportlab drawing holds `REPORTLAB_LOCK`. Drawing an overlay or an audit page takes
milliseconds, and pypdf's merging and writing run outside the lock.
"""

import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from services.common.settings import get_settings

JP_FONT = "IPAexMincho"
"""reportlab name of the Japanese font, usable once `ensure_japanese_font()` returned."""

_CANDIDATES = (
    Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
    Path("/usr/share/fonts/truetype/ipaexfont-mincho/ipaexm.ttf"),
    Path("/usr/share/fonts/opentype/ipaexfont/ipaexm.ttf"),
)

REPORTLAB_LOCK = threading.RLock()
_registered = False


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
    global _registered
    with REPORTLAB_LOCK:
        if not _registered:
            pdfmetrics.registerFont(TTFont(JP_FONT, str(japanese_font_path())))
            _registered = True
    return JP_FONT
