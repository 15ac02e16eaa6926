"""Draw a seal (印影) as a transparent PNG in vermilion ink.

CPU-bound and synchronous: callers run it with `asyncio.to_thread`. It is thread-safe
because every call builds its own font object and images; only immutable constants are
shared. The output depends on the spec alone (the ink texture comes from a random
generator seeded by the spec's cache key), so the same spec gives the same bytes.

Characters are set one by one rather than with libraqm's vertical layout: each glyph
is cut to its ink and fitted into its own cell, which is how a seal carver fills the
face, and it behaves the same on every Pillow build.
"""

import io
import math
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont

from services.common.settings import get_settings
from services.seal.model import InvalidSealText, SealSpec, SealStyle, clusters, has_cjk

INK_RGB = (0xD4, 0x35, 0x2B)
"""Vermilion (朱肉)."""

DEFAULT_FONT_PATH = get_settings().seal_font

_WORK_MAX_PX = 4096
"""Supersampled canvas side is capped here; large seals get less supersampling."""
_MISSING_PROBE = "\U000f0000"
"""A private-use code point no font of ours has: it renders as the .notdef box."""


@dataclass(frozen=True, slots=True)
class _Box:
    """A cell on the canvas, in supersampled pixels."""

    x: float
    y: float
    w: float
    h: float


def draw_seal(spec: SealSpec, font_path: Path | None = None) -> bytes:
    """Render `spec` to PNG bytes (RGBA, transparent outside the ink)."""
    font_file = str(font_path or DEFAULT_FONT_PATH)
    scale = max(1, min(4, _WORK_MAX_PX // spec.size_px))
    side = spec.size_px * scale
    mask = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(mask)

    if spec.style is SealStyle.corporate_square:
        inner = _draw_square_border(draw, side)
        cells = _square_cells(len(clusters(spec.text)), inner)
    else:
        radius = _draw_round_border(draw, side, spec.style)
        cells = _round_cells(spec.text, side / 2, radius)

    em = max(96, min(1024, int(side * 0.5)))
    font = ImageFont.truetype(font_file, em)
    _refuse_missing_glyphs(font, spec.text)
    if cells is None:  # a Latin name on a round seal: one horizontal line
        radius = _round_text_radius(side, spec.style)
        _stamp_glyph(
            mask,
            font,
            spec.text,
            _latin_line_box(font, spec.text, side / 2, radius),
            vertical=False,
        )
    else:
        for glyph, cell in zip(clusters(spec.text), cells, strict=True):
            _stamp_glyph(mask, font, glyph, cell, vertical=True)

    mask = _ink_texture(mask, spec)
    mask = mask.resize((spec.size_px, spec.size_px), Image.Resampling.LANCZOS)
    image = Image.new("RGBA", mask.size, (*INK_RGB, 0))
    image.putalpha(mask)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


# --- borders ---------------------------------------------------------------------------


def _draw_round_border(draw: ImageDraw.ImageDraw, side: int, style: SealStyle) -> float:
    """Outer ring (and the inner ring of an agent seal); returns the text radius."""
    c = side / 2
    outer = side / 2 - side * 0.025
    width = round(side * 0.055)
    draw.ellipse((c - outer, c - outer, c + outer, c + outer), outline=255, width=width)
    if style is SealStyle.agent:
        ring = outer - width - side * 0.03
        draw.ellipse(
            (c - ring, c - ring, c + ring, c + ring), outline=255, width=round(side * 0.02)
        )
    return _round_text_radius(side, style)


def _round_text_radius(side: int, style: SealStyle) -> float:
    outer = side / 2 - side * 0.025
    if style is SealStyle.agent:
        return outer - side * (0.055 + 0.03 + 0.02 + 0.03)
    return outer - side * (0.055 + 0.025)


def _draw_square_border(draw: ImageDraw.ImageDraw, side: int) -> _Box:
    """A rounded square frame; returns the box left for the text."""
    margin = side * 0.03
    width = round(side * 0.06)
    draw.rounded_rectangle(
        (margin, margin, side - margin, side - margin),
        radius=side * 0.07,
        outline=255,
        width=width,
    )
    pad = margin + width + side * 0.035
    return _Box(pad, pad, side - 2 * pad, side - 2 * pad)


# --- layout ----------------------------------------------------------------------------

# Column width of a round seal's vertical text, as a fraction of the text radius:
# two characters sit wide; three and four are narrowed so the column stays round.
_ROUND_COLUMN_WIDTH = {2: 1.06, 3: 0.92, 4: 0.8}


def _round_cells(text: str, c: float, r: float) -> list[_Box] | None:
    """Cells stacked top to bottom inside the circle; None for a Latin name."""
    if not has_cjk(text):
        return None
    n = len(clusters(text))
    if n == 1:
        s = r * math.sqrt(2) * 0.97
        return [_Box(c - s / 2, c - s / 2, s, s)]
    w = r * _ROUND_COLUMN_WIDTH[n]
    half_h = math.sqrt(r * r - (w / 2) ** 2)
    gap = half_h * 0.04
    h = (2 * half_h - gap * (n - 1)) / n
    return [_Box(c - w / 2, c - half_h + i * (h + gap), w, h) for i in range(n)]


def _square_cells(n: int, inner: _Box) -> list[_Box]:
    """Columns from right to left, each read top to bottom, filling the full height."""
    rows = math.ceil(math.sqrt(n))
    cols = math.ceil(n / rows)
    per_col = [n // cols + (1 if i < n % cols else 0) for i in range(cols)]
    gap = inner.w * 0.025
    col_w = (inner.w - gap * (cols - 1)) / cols
    cells: list[_Box] = []
    for col, count in enumerate(per_col):
        x = inner.x + inner.w - (col + 1) * col_w - col * gap
        cell_h = (inner.h - gap * (count - 1)) / count
        for row in range(count):
            cells.append(_Box(x, inner.y + row * (cell_h + gap), col_w, cell_h))
    return cells


def _latin_line_box(font: ImageFont.FreeTypeFont, text: str, c: float, r: float) -> _Box:
    """The widest box of the text's proportions that fits in the circle."""
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    aspect = max(0.5, (right - left) / max(1, bottom - top))
    if aspect > 2.4:  # narrow long names a little rather than shrink them to nothing
        aspect = max(2.4, aspect * 0.7)
    h = min(r * 0.9, 2 * r / math.sqrt(aspect * aspect + 1) * 0.97)
    w = aspect * h
    return _Box(c - w / 2, c - h / 2, w, h)


# --- glyphs ----------------------------------------------------------------------------


def _refuse_missing_glyphs(font: ImageFont.FreeTypeFont, text: str) -> None:
    """A character the font lacks would print a box (豆腐) on a contract: refuse it."""
    probe = font.getmask(_MISSING_PROBE)
    probe_bytes = bytes(probe)
    for cluster in clusters(text):
        base = cluster[0]
        mask = font.getmask(base)
        if mask.size == probe.size and bytes(mask) == probe_bytes:
            raise InvalidSealText(f"「{base}」は印影に使用できない文字です。")


def _glyph_image(font: ImageFont.FreeTypeFont, glyph: str, vertical: bool) -> Image.Image:
    """The glyph in white on black, cut to its ink (never below 80% of the em box)."""
    em = font.size
    weight = max(1, round(em * 0.026))  # a little bolder than Mincho, like carved lines
    if vertical:
        canvas = Image.new("L", (em * 2, em * 2), 0)
        ImageDraw.Draw(canvas).text(
            (em, em),
            glyph,
            font=font,
            fill=255,
            anchor="mm",
            stroke_width=weight,
            stroke_fill=255,
        )
    else:
        left, top, right, bottom = font.getbbox(glyph, anchor="ls", stroke_width=weight)
        canvas = Image.new("L", (right - left + 4 * weight, bottom - top + 4 * weight), 0)
        ImageDraw.Draw(canvas).text(
            (2 * weight - left, 2 * weight - top),
            glyph,
            font=font,
            fill=255,
            anchor="ls",
            stroke_width=weight,
            stroke_fill=255,
        )
    bbox = canvas.getbbox()
    if bbox is None:
        return canvas.crop((0, 0, 1, 1))
    if not vertical:
        return canvas.crop(bbox)
    minimum = em * 0.8
    x0, x1 = _widen(bbox[0], bbox[2], minimum)
    y0, y1 = _widen(bbox[1], bbox[3], minimum)
    return canvas.crop((round(x0), round(y0), round(x1), round(y1)))


def _widen(lo: int, hi: int, minimum: float) -> tuple[float, float]:
    """Grow [lo, hi] around its centre to at least `minimum`, so 一 stays a thin line."""
    if hi - lo >= minimum:
        return float(lo), float(hi)
    mid = (lo + hi) / 2
    return mid - minimum / 2, mid + minimum / 2


def _stamp_glyph(
    mask: Image.Image, font: ImageFont.FreeTypeFont, glyph: str, cell: _Box, vertical: bool
) -> None:
    """Fit the glyph into its cell (squeezing within limits) and add it to the ink."""
    img = _glyph_image(font, glyph, vertical)
    w, h = cell.w, cell.h
    if vertical:  # keep a glyph from being pulled out of shape in odd cells
        if h > w * 1.7:
            h = w * 1.7
        elif w > h * 1.8:
            w = h * 1.8
    x = cell.x + (cell.w - w) / 2
    y = cell.y + (cell.h - h) / 2
    size = (max(1, round(w)), max(1, round(h)))
    fitted = img.resize(size, Image.Resampling.LANCZOS)
    region = (round(x), round(y), round(x) + size[0], round(y) + size[1])
    mask.paste(ImageChops.lighter(mask.crop(region), fitted), region)


# --- ink -------------------------------------------------------------------------------


def _ink_texture(mask: Image.Image, spec: SealSpec) -> Image.Image:
    """Uneven pressure and a few worn specks, as a real stamp leaves; deterministic."""
    rng = random.Random(int(spec.cache_key()[:16], 16))
    side = mask.size[0]
    grid = 6
    field = Image.new("L", (grid, grid))
    field.putdata([rng.randint(196, 255) for _ in range(grid * grid)])
    field = field.resize((side, side), Image.Resampling.BICUBIC)
    specks = Image.new("L", (side, side), 255)
    draw = ImageDraw.Draw(specks)
    for _ in range(rng.randint(14, 22)):
        cx, cy = rng.uniform(0, side), rng.uniform(0, side)
        rx, ry = rng.uniform(0.003, 0.009) * side, rng.uniform(0.002, 0.007) * side
        draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=rng.randint(0, 90))
    grain = Image.new("L", (side // 8, side // 8))
    grain.putdata([rng.randint(165, 255) for _ in range(grain.size[0] * grain.size[1])])
    grain = grain.resize((side, side), Image.Resampling.BILINEAR)
    # The grain only bites where the ink thins out (the anti-aliased edges), and the
    # curve re-sharpens them: edges come out slightly ragged, solid areas stay solid.
    rough = ImageChops.multiply(mask, grain).point(_EDGE_CURVE)
    return ImageChops.multiply(ImageChops.multiply(rough, field), specks)


_EDGE_CURVE = [max(0, min(255, round((v - 80) * 2.2))) for v in range(256)]


@lru_cache(maxsize=1)
def font_available(font_path: Path = DEFAULT_FONT_PATH) -> bool:
    """Whether the seal font is installed (for a clear startup check)."""
    return font_path.is_file()
