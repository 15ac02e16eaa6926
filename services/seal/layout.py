"""Where each character and ring of a seal goes, in pixels of the final image (S5).

Pure geometry, so tests can check that every character of a name has a place inside
the border before any pixel is drawn. Seal carvers fill the face: characters are
flattened or narrowed to their cell, cells follow the circle, and a long name gets a
bigger grid or smaller type, never fewer characters.
"""

import math
from dataclasses import dataclass

from services.common.fonts import clusters
from services.seal.model import SealSpec, SealStyle, column_counts, grid_for, is_vertical


@dataclass(frozen=True, slots=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2


@dataclass(frozen=True, slots=True)
class Glyph:
    """One character (or a Latin word, `vertical=False`) fitted into `box`, then turned
    `angle` degrees clockwise about the box's centre."""

    text: str
    box: Box
    vertical: bool = True
    angle: float = 0.0


@dataclass(frozen=True, slots=True)
class Ring:
    radius: float
    width: float


@dataclass(frozen=True, slots=True)
class Frame:
    """A rounded square border: outer edge `half` from the centre."""

    half: float
    width: float
    corner: float


@dataclass(frozen=True, slots=True)
class Layout:
    side: int
    rings: tuple[Ring, ...]
    frames: tuple[Frame, ...]
    glyphs: tuple[Glyph, ...]
    inside: float
    """Radius (round) or half side (square) of the face the text must stay within."""


def layout(spec: SealSpec) -> Layout:
    side = spec.size_px
    if spec.style is SealStyle.corporate_square:
        return _corporate_square(spec.text, side)
    if spec.style is SealStyle.corporate_round:
        return _corporate_round(spec.text, spec.title, side)
    if spec.style is SealStyle.agent:
        return _agent(spec.text, side)
    return _personal(spec.text, side)


# --- round faces -----------------------------------------------------------------------

_MARGIN = 0.025
_SINGLE_COLUMN_HALF_WIDTH = {1: 0.71, 2: 0.6, 3: 0.48, 4: 0.42}
_COLUMNS_HALF_WIDTH = {2: 0.74, 3: 0.8}


def _half_width(cols: int, tallest: int) -> float:
    """Half the width of the text block, in text radii: one column of 1–4 characters is
    wide and flat, more columns spread towards the ring."""
    if cols == 1:
        return _SINGLE_COLUMN_HALF_WIDTH.get(tallest, 0.36)
    return _COLUMNS_HALF_WIDTH.get(cols, 0.84)


def _circle_columns(columns: list[list[str]], c: float, r: float) -> list[Glyph]:
    """Columns right to left inside a circle, all as tall as the outermost may be."""
    cols = len(columns)
    half = _half_width(cols, max(len(col) for col in columns)) * r
    gap = r * 0.04
    col_w = (2 * half - gap * (cols - 1)) / cols
    glyphs = []
    half_h = math.sqrt(max(r * r - half * half, 0)) * 0.98
    for i, col in enumerate(columns):
        right = c + half - i * (col_w + gap)
        left = right - col_w
        n = len(col)
        row_gap = r * 0.035
        cell_h = (2 * half_h - row_gap * (n - 1)) / n
        for j, ch in enumerate(col):
            glyphs.append(Glyph(ch, Box(left, c - half_h + j * (cell_h + row_gap), col_w, cell_h)))
    return glyphs


_LATIN_LINE = 10
"""Letters per line of a round seal before a long word is carried on to the next line."""


def _carried(words: list[str]) -> list[str]:
    """Each word on its line; a very long one broken into even parts, never shortened."""
    lines = []
    for word in words:
        parts = math.ceil(len(word) / _LATIN_LINE)
        step = math.ceil(len(word) / parts)
        lines.extend(word[i : i + step] for i in range(0, len(word), step))
    return lines


def _lines_in_circle(lines: list[str], c: float, r: float) -> list[Glyph]:
    """Latin words as horizontal lines, the block as wide as the circle allows."""
    n = len(lines)
    longest = max(len(line) for line in lines)
    aspect = max(1.0, min(longest * 0.55, 4.0)) / n
    h = 2 * r / math.sqrt(aspect * aspect + 1) * 0.94
    w = aspect * h
    line_h = h / n
    return [
        Glyph(line, Box(c - w / 2, c - h / 2 + i * line_h, w, line_h * 0.9), vertical=False)
        for i, line in enumerate(lines)
    ]


def _grid_columns(chars: list[str]) -> list[list[str]]:
    n = len(chars)
    if n <= 3:
        return [chars]
    rows, cols = grid_for(n)
    counts = column_counts(n, rows, cols)
    out, at = [], 0
    for k in counts:
        out.append(chars[at : at + k])
        at += k
    return out


def _personal(text: str, side: int) -> Layout:
    c = side / 2
    outer = side / 2 - side * _MARGIN
    width = side * 0.055
    r = outer - width - side * 0.03
    if is_vertical(text):
        glyphs = _circle_columns(_grid_columns(clusters(text)), c, r)
    else:
        glyphs = _lines_in_circle(_carried(text.split()), c, r)
    return Layout(side, (Ring(outer - width / 2, width),), (), tuple(glyphs), r)


def _agent(text: str, side: int) -> Layout:
    c = side / 2
    outer = side / 2 - side * _MARGIN
    width = side * 0.05
    inner_w = side * 0.018
    inner = outer - width - side * 0.025 - inner_w / 2
    r = inner - inner_w / 2 - side * 0.025
    surname, _, given = text.partition(" ")
    if not is_vertical(text):
        glyphs = _lines_in_circle([p for p in (given, surname) if p], c, r)
    elif not given:
        glyphs = _circle_columns(_grid_columns(clusters(surname)), c, r)
    else:
        glyphs = _circle_columns([clusters(surname), clusters(given)], c, r)
    rings = (Ring(outer - width / 2, width), Ring(inner, inner_w))
    return Layout(side, rings, (), tuple(glyphs), r)


_RING_MIN_SPAN = math.radians(230)


def _corporate_round(text: str, title: str, side: int) -> Layout:
    """The company name clockwise round the band, centred on the top; the title inside."""
    c = side / 2
    outer = side / 2 - side * _MARGIN
    width = side * 0.042
    inner_w = side * 0.016
    inner = side / 2 * 0.57
    band_out = outer - width - side * 0.02
    band_in = inner + inner_w / 2 + side * 0.018
    band = band_out - band_in
    rt = (band_out + band_in) / 2
    chars = clusters(text)
    weights = [0.5 if ch.isspace() else 1.0 for ch in chars]
    total = sum(weights)
    step = min(2 * math.pi * 0.86 / total, band * 1.15 / rt)
    step = max(step, _RING_MIN_SPAN / total)  # a short name is spread over the ring
    cell_w = min(band * 0.92, step * rt * 0.9)
    cell_h = min(band * 0.92, cell_w * 1.15)
    glyphs = []
    at = -step * total / 2
    for ch, weight in zip(chars, weights, strict=True):
        theta = at + step * weight / 2
        at += step * weight
        if ch.isspace():
            continue
        x, y = c + rt * math.sin(theta), c - rt * math.cos(theta)
        box = Box(x - cell_w / 2, y - cell_h / 2, cell_w, cell_h)
        glyphs.append(Glyph(ch, box, vertical=True, angle=math.degrees(theta)))
    r_title = inner - inner_w / 2 - side * 0.02
    title_chars = clusters(title)
    columns = [title_chars[i : i + 2] for i in range(0, len(title_chars), 2)]
    glyphs.extend(_circle_columns(columns, c, r_title))
    rings = (Ring(outer - width / 2, width), Ring(inner, inner_w))
    return Layout(side, rings, (), tuple(glyphs), outer - width)


# --- square face -----------------------------------------------------------------------


def _corporate_square(text: str, side: int) -> Layout:
    margin = side * _MARGIN
    width = side * 0.052
    half = side / 2 - margin
    frame = Frame(half, width, side * 0.035)
    pad = margin + width + side * 0.028
    inner = Box(pad, pad, side - 2 * pad, side - 2 * pad)
    if is_vertical(text):
        glyphs = _square_columns(clusters(text), inner)
    else:
        glyphs = _square_lines(text.split(), inner)
    return Layout(side, (), (frame,), tuple(glyphs), half - width)


def _square_columns(chars: list[str], inner: Box) -> list[Glyph]:
    """Columns from right to left, each read top to bottom; a short column has taller cells."""
    rows, cols = grid_for(len(chars))
    counts = column_counts(len(chars), rows, cols)
    gap = inner.w * 0.022
    col_w = (inner.w - gap * (len(counts) - 1)) / len(counts)
    glyphs, at = [], 0
    for col, count in enumerate(counts):
        x = inner.x + inner.w - (col + 1) * col_w - col * gap
        cell_h = (inner.h - gap * (count - 1)) / count
        for row in range(count):
            box = Box(x, inner.y + row * (cell_h + gap), col_w, cell_h)
            glyphs.append(Glyph(chars[at], box))
            at += 1
    return glyphs


def _square_lines(words: list[str], inner: Box) -> list[Glyph]:
    """A Latin company name in balanced horizontal lines, as wide as the face."""
    best: list[str] = [" ".join(words)]
    best_score = math.inf
    for count in range(1, len(words) + 1):
        lines = _wrap(words, count)
        longest = max(len(line) for line in lines) * 0.55
        score = abs(math.log(longest / count))
        if score < best_score:
            best, best_score = lines, score
    line_h = inner.h / len(best)
    return [
        Glyph(line, Box(inner.x, inner.y + i * line_h, inner.w, line_h * 0.88), vertical=False)
        for i, line in enumerate(best)
    ]


def _wrap(words: list[str], count: int) -> list[str]:
    """Split words into `count` lines of about equal length."""
    total = sum(len(w) for w in words) + len(words) - 1
    target = total / count
    lines: list[str] = []
    current = ""
    for word in words:
        if current and len(current) + 1 + len(word) > target and len(lines) < count - 1:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    lines.append(current)
    return lines
