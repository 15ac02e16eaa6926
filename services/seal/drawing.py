"""Draw a seal (印影) as a transparent PNG in vermilion ink, at its final size (S5).

CPU-bound and synchronous: callers run it with `asyncio.to_thread`. Borders are drawn
as anti-aliased distance fields with numpy and each character is rendered once at about
its final size, so a seal costs a few milliseconds instead of supersampling a large
canvas. Fonts are per thread (`pillow_font`), everything else is local to the call.

The hand-pressed look is noise seeded by the spec's key: ragged edges where the ink
thins, uneven pressure across the face, a few worn specks. Same spec, same bytes.
"""

import io
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from services.common.fonts import clusters, face_for, pillow_font
from services.seal.layout import Box, Frame, Glyph, Layout, layout
from services.seal.model import DPI, SealSpec

INK_RGB = (0xD4, 0x35, 0x2B)
"""Vermilion (朱肉)."""

_WEIGHT = 0.022
"""Extra stroke, in ems: Mincho is thinner than the carved lines of a seal."""
_MAX_SQUEEZE = 1.7
"""How far a character may be flattened or narrowed to fill its cell."""
_ROTATED_IN_COLUMNS = frozenset("ー－―—〜～…‥()（）「」『』【】〈〉")
_TURN_SCALE = 1.5
_SMALL_KANA = frozenset("ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ")


def draw_seal(spec: SealSpec) -> bytes:
    """Render `spec` to PNG bytes (RGBA, transparent outside the ink)."""
    return encode_png(ink_alpha(spec))


def ink_alpha(spec: SealSpec) -> np.ndarray:
    """The seal's ink as an alpha array (0..1), before colouring."""
    plan = layout(spec)
    rng = np.random.default_rng(int(spec.cache_key()[:16], 16))
    mask = text_mask(plan)
    if plan.rings or plan.frames:
        mask = np.maximum(mask, _borders(plan, rng))
    return _ink(mask, rng)


def text_mask(plan: Layout) -> np.ndarray:
    """The characters alone, before borders and ink texture (tests check where they land)."""
    mask = np.zeros((plan.side, plan.side), np.float32)
    for glyph in plan.glyphs:
        _stamp(mask, glyph)
    return mask


def encode_png(
    alpha: np.ndarray, colour: tuple[int, int, int] = INK_RGB, dpi: float = DPI
) -> bytes:
    """A palette PNG: one ink colour at 256 levels of alpha (tRNS), a quarter of the bytes
    of RGBA and several times faster to compress; every reader expands it to RGBA.

    Its resolution (pHYs) is the seal's: pixels / dpi is its size on paper, which the
    document service stamps it at (S5, S17)."""
    levels = np.round(alpha * 255).astype(np.uint8)
    image = Image.frombytes("P", (levels.shape[1], levels.shape[0]), levels.tobytes())
    image.putpalette(list(colour) * 256)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=3, transparency=_ALPHA_LEVELS, dpi=(dpi, dpi))
    return out.getvalue()


_ALPHA_LEVELS = bytes(range(256))


# --- borders ---------------------------------------------------------------------------


def _borders(plan: Layout, rng: np.random.Generator) -> np.ndarray:
    side = plan.side
    axis = np.arange(side, dtype=np.float32) + 0.5 - side / 2
    wobble = _smooth_noise(rng, side, 9) * max(0.35, side * 0.0022)
    out = np.zeros((side, side), np.float32)
    if plan.rings:
        dist = np.hypot(axis[None, :], axis[:, None])
        for ring in plan.rings:
            out = np.maximum(out, _band(dist - ring.radius + wobble, ring.width))
    for frame in plan.frames:
        out = np.maximum(out, _band(_rounded_square(axis, frame) + wobble, frame.width))
    return out


def _band(signed: np.ndarray, width: float) -> np.ndarray:
    """Coverage of a line of `width` centred on signed == 0, anti-aliased over a pixel."""
    return np.clip(width / 2 + 0.5 - np.abs(signed), 0.0, 1.0)


def _rounded_square(axis: np.ndarray, frame: Frame) -> np.ndarray:
    """Signed distance to the centre line of the frame's band."""
    centre_half = frame.half - frame.width / 2
    corner = max(frame.corner - frame.width / 2, 0.5)
    qx = np.abs(axis)[None, :] - (centre_half - corner)
    qy = np.abs(axis)[:, None] - (centre_half - corner)
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    inside = np.minimum(np.maximum(qx, qy), 0)
    return outside + inside - corner


# --- characters ------------------------------------------------------------------------


def _stamp(mask: np.ndarray, glyph: Glyph) -> None:
    if glyph.angle:  # turned at 1.5× the size, then reduced: small turned type stays crisp
        b = glyph.box
        big = Glyph(glyph.text, Box(0, 0, b.w * _TURN_SCALE, b.h * _TURN_SCALE), glyph.vertical)
        img = _fitted(big).rotate(-glyph.angle, resample=Image.Resampling.BICUBIC, expand=True)
        size = (round(img.width / _TURN_SCALE), round(img.height / _TURN_SCALE))
        img = img.resize(size, Image.Resampling.BOX)
    else:
        img = _fitted(glyph)
    cx, cy = glyph.box.centre
    x0 = round(cx - img.width / 2)
    y0 = round(cy - img.height / 2)
    if glyph.text in _SMALL_KANA and not glyph.angle:  # vertical small kana sit top right
        x0 = round(glyph.box.x + glyph.box.w - img.width)
        y0 = round(glyph.box.y)
    _add(mask, np.asarray(img, np.float32) / 255.0, x0, y0)


def _add(mask: np.ndarray, ink: np.ndarray, x0: int, y0: int) -> None:
    h, w = ink.shape
    top, left = max(y0, 0), max(x0, 0)
    bottom, right = min(y0 + h, mask.shape[0]), min(x0 + w, mask.shape[1])
    if bottom <= top or right <= left:
        return
    region = mask[top:bottom, left:right]
    np.maximum(region, ink[top - y0 : bottom - y0, left - x0 : right - x0], out=region)


def _fitted(glyph: Glyph) -> Image.Image:
    return _fitted_ink(glyph.text, round(glyph.box.w, 3), round(glyph.box.h, 3), glyph.vertical)


@lru_cache(maxsize=4096)
def _fitted_ink(text: str, w: float, h: float, vertical: bool) -> Image.Image:
    """The character's ink, rendered once near its final size and fitted to a w×h box.

    Kept per process (callers never change the image): 株式会社 and the title of a round
    corporate seal recur in seal after seal at the same cell size.
    """
    box = Box(0, 0, w, h)
    if vertical:
        em = max(8, round(max(box.w, box.h) * 1.02))
    else:
        em = max(8, round(box.h * 1.25))
    ink = _render(text, em)
    glyph = Glyph(text, box, vertical)
    if glyph.vertical and glyph.text in _ROTATED_IN_COLUMNS:
        ink = ink.transpose(Image.Transpose.ROTATE_270)
    iw, ih = ink.size
    if glyph.vertical:
        # 一 and ー stay thin: measure against at least 70 % of the em box.
        iw_eff, ih_eff = max(iw, em * 0.7), max(ih, em * 0.7)
    else:
        iw_eff, ih_eff = iw, ih
    sx, sy = box.w / iw_eff, box.h / ih_eff
    if sx > sy * _MAX_SQUEEZE:
        sx = sy * _MAX_SQUEEZE
    elif sy > sx * _MAX_SQUEEZE:
        sy = sx * _MAX_SQUEEZE
    if glyph.text in _SMALL_KANA:
        sx, sy = sx * 0.72, sy * 0.72
    size = (max(1, round(iw * sx)), max(1, round(ih * sy)))
    if size == ink.size:
        return ink
    return ink.resize(size, Image.Resampling.BILINEAR, reducing_gap=None)


def _render(text: str, em: int) -> Image.Image:
    """White ink on black, cropped to the ink, each character in the first face that has it."""
    weight = max(0.4, em * _WEIGHT)
    parts = clusters(text)
    canvas = Image.new("L", (round(em * (len(parts) + 1)), round(em * 1.6)), 0)
    draw = ImageDraw.Draw(canvas)
    x = em * 0.5
    for i, cluster in enumerate(parts):
        face = face_for(cluster)
        if face is None:  # the spec checked every character: only a space gets here
            x += em * 0.3
            continue
        font = pillow_font(face, em)
        draw.text(
            (x, em * 1.2),
            cluster,
            font=font,
            fill=255,
            anchor="ls",
            stroke_width=weight,
            stroke_fill=255,
        )
        if i + 1 < len(parts):
            x += font.getlength(cluster)
    bbox = canvas.getbbox()
    if bbox is None:
        return Image.new("L", (1, 1), 0)
    return canvas.crop(bbox)


# --- ink -------------------------------------------------------------------------------


def _smooth_noise(rng: np.random.Generator, side: int, cells: int) -> np.ndarray:
    """Noise in [-1, 1] varying over about side/cells pixels."""
    coarse = rng.integers(0, 256, (cells, cells), dtype=np.uint8)
    field = Image.fromarray(coarse, "L").resize((side, side), Image.Resampling.BICUBIC)
    return np.asarray(field, np.float32) / 127.5 - 1.0


def _ink(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    side = mask.shape[0]
    grain = _smooth_noise(rng, side, max(8, side // 3))
    # Edges: the grain moves the half-ink line by up to about a third of a pixel, and the
    # contrast re-sharpens it, so the outline comes out slightly ragged.
    edge = mask * (1.0 - mask) * 4.0
    alpha = np.clip((mask - 0.5) * 1.3 + 0.5 + grain * 0.35 * edge, 0.0, 1.0)
    pressure = 0.93 + 0.09 * _smooth_noise(rng, side, 4)
    tilt = rng.uniform(-0.06, 0.06, 2)
    axis = np.linspace(-1, 1, side, dtype=np.float32)
    pressure = pressure + tilt[0] * axis[None, :] + tilt[1] * axis[:, None]
    alpha *= np.clip(pressure, 0.7, 1.0)
    _specks(alpha, rng)
    return alpha


def _specks(alpha: np.ndarray, rng: np.random.Generator) -> None:
    """A few spots where the paper took no ink."""
    side = alpha.shape[0]
    spots = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(spots)
    for _ in range(int(rng.integers(4, 8))):
        cx, cy = rng.uniform(0, side, 2)
        rx, ry = rng.uniform(0.004, 0.012, 2) * side
        draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=int(rng.integers(90, 200)))
    alpha *= 1.0 - np.asarray(spots, np.float32) / 255.0
