"""A company's own seal image (S17): checked, cut from its white paper, made transparent.

A scanned or photographed 印影 comes on white (or grey) paper. Whatever is lighter than
ink becomes transparent, the ink keeps its own red if it is red, and black or blue ink
is tinted seal red so it reads as a seal on the contract. Synchronous and CPU-bound:
callers run it off the event loop.
"""

import io

import numpy as np
from PIL import Image, UnidentifiedImageError

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.seal.drawing import INK_RGB, encode_png

MAX_BYTES = 2 * 1024 * 1024
DEFAULT_SIZE_MM = 21.0
"""A company seal's usual size (角印), longer side, when the agency does not say."""
MIN_SIDE = 48
MAX_SIDE = 2400
OUTPUT_MAX_SIDE = 600
"""Enough for a 21 mm seal at 600 dpi; larger scans are reduced once, here."""
_FORMATS = frozenset({"PNG", "JPEG"})
_PAPER = 225
"""A channel minimum at or above this is paper."""
_INK = 110
"""A channel minimum at or below this is full ink."""


def prepare_uploaded_seal(data: bytes, size_mm: float = DEFAULT_SIZE_MM) -> tuple[bytes, int, int]:
    """(PNG bytes, width, height) of the cleaned seal; refused with a reason otherwise.

    The PNG's resolution makes its longer side `size_mm` on paper: the size it is stamped at.
    """
    if len(data) > MAX_BYTES:
        raise Refused(RefusalCode.seal_image_too_large, limit_mb=MAX_BYTES // (1024 * 1024))
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError) as exc:
        raise Refused(RefusalCode.seal_image_unsupported) from exc
    if image.format not in _FORMATS:
        raise Refused(RefusalCode.seal_image_unsupported)
    w, h = image.size
    if min(w, h) < MIN_SIDE or max(w, h) > MAX_SIDE:
        raise Refused(RefusalCode.seal_image_dimensions, min_px=MIN_SIDE, max_px=MAX_SIDE)
    try:
        rgba = np.asarray(image.convert("RGBA"), np.float32)
    except (OSError, ValueError) as exc:
        raise Refused(RefusalCode.seal_image_unsupported) from exc
    rgb, given_alpha = rgba[..., :3], rgba[..., 3] / 255.0
    darkness = np.clip((_PAPER - rgb.min(axis=2)) / (_PAPER - _INK), 0.0, 1.0)
    alpha = darkness * given_alpha
    solid = alpha > 0.8
    if solid.sum() < 0.005 * w * h:
        raise Refused(RefusalCode.seal_image_blank)
    colour = _ink_colour(rgb[solid])
    rows, cols = np.nonzero(alpha > 0.05)
    pad = max(2, round(max(w, h) * 0.02))
    top, bottom = max(rows.min() - pad, 0), min(rows.max() + pad + 1, h)
    left, right = max(cols.min() - pad, 0), min(cols.max() + pad + 1, w)
    alpha = alpha[top:bottom, left:right]
    if max(alpha.shape) > OUTPUT_MAX_SIDE:
        scale = OUTPUT_MAX_SIDE / max(alpha.shape)
        size = (max(1, round(alpha.shape[1] * scale)), max(1, round(alpha.shape[0] * scale)))
        small = Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L")
        alpha = np.asarray(small.resize(size, Image.Resampling.LANCZOS), np.float32) / 255.0
    png = encode_png(alpha, colour, dpi=max(alpha.shape) / (size_mm / 25.4))
    return png, alpha.shape[1], alpha.shape[0]


def _ink_colour(pixels: np.ndarray) -> tuple[int, int, int]:
    """The seal's own red if it is red; otherwise seal red."""
    r, g, b = (float(v) for v in np.median(pixels, axis=0))
    if r > g + 50 and r > b + 50:
        return round(r), round(g), round(b)
    return INK_RGB
