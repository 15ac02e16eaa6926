"""Which installed font draws which character, and whether a text can be drawn at all.

One place for the fonts every service draws Japanese with (seal images, PDF texts,
page overlays), so a name accepted in one place draws everywhere: IPAex Mincho first
(the usual face of Japanese contracts, a plain `.ttf` that reportlab can embed), then,
per character, IPAmj Mincho (`fonts-ipamj-mincho`: the characters of Japanese family
registers, also a `.ttf`) and Noto Serif/Sans CJK JP (`fonts-noto-cjk`). IPAex lacks some
JIS X 0213 name characters such as 𠮷 (U+20BB7); IPAmj and Noto have them.

Noto CJK ships as `.ttc` collections: Pillow opens one face of it with
`ImageFont.truetype(path, size, index=n)`, and the coverage below reads the same face.
reportlab and pyHanko cannot embed those CFF faces: a PDF writer passes the faces it can
embed (`Face.is_truetype`) as `among=` to `check_drawable` and `runs`, and so refuses
what it cannot draw instead of printing a box.

`SHOMEI_SEAL_FONT` names the face tried first (IPAex Mincho by default).
"""

import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from services.common.settings import get_settings

_SEARCH: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf", 0),
    ("/usr/share/fonts/truetype/ipaexfont-mincho/ipaexm.ttf", 0),
    ("/usr/share/fonts/truetype/ipamj/ipamjm.ttf", 0),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 0),
)
"""Index 0 of Debian's Noto CJK collections is the JP face (Japanese glyph shapes)."""

_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_COMBINING_CATEGORIES = frozenset({"Mn", "Mc", "Me"})
_EMOJI_RANGES = (
    range(0x1F000, 0x1FB00),  # mahjong … flags, pictographs, symbols extended-A
    range(0x2600, 0x27C0),  # miscellaneous symbols, dingbats
    range(0x2B00, 0x2C00),  # arrows and stars shown as emoji (⭐ ⭕)
    range(0x3297, 0x3298),
    range(0x3299, 0x329A),
    range(0x303D, 0x303E),
)
_EMOJI_PRESENTATION = "\ufe0f"


@dataclass(frozen=True, slots=True)
class Face:
    """One face of one font file (a `.ttc` holds several; `index` picks one)."""

    path: Path
    index: int = 0

    @property
    def is_truetype(self) -> bool:
        """A `.ttf` with glyf outlines: what reportlab and pyHanko can embed."""
        return self.path.suffix.lower() == ".ttf"


class UndrawableText(ValueError):
    """A text no font of ours can draw truthfully. `code` is machine-readable (each caller
    maps it to its own refusal); `character` is the offending one, if there is one."""

    def __init__(self, code: str, character: str | None = None) -> None:
        where = f" U+{ord(character):04X}" if character else ""
        super().__init__(f"{code}{where}")
        self.code = code
        self.character = character

    @property
    def code_point(self) -> str:
        """U+XXXX of the offending character, or empty."""
        return f"U+{ord(self.character):04X}" if self.character else ""


def faces() -> tuple[Face, ...]:
    """The installed faces in fallback order, `SHOMEI_SEAL_FONT` first; empty if none is."""
    return faces_after(get_settings().seal_font)


@lru_cache(maxsize=4)
def faces_after(first: Path | None) -> tuple[Face, ...]:
    """`first` (a font file, face 0), then the installed faces of the search, each once."""
    candidates = [(first, 0)] if first else []
    candidates += [(Path(path), index) for path, index in _SEARCH]
    seen: set[str] = set()
    out = []
    for path, index in candidates:
        if path.is_file() and path.name not in seen:
            seen.add(path.name)
            out.append(Face(path, index))
    return tuple(out)


@lru_cache(maxsize=8)
def coverage(face: Face) -> frozenset[int]:
    """Code points the face maps to a glyph (its best cmap)."""
    from fontTools.ttLib import TTCollection, TTFont

    if face.path.suffix.lower() in (".ttc", ".otc"):
        font = TTCollection(str(face.path), lazy=True).fonts[face.index]
    else:
        font = TTFont(str(face.path), lazy=True)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def preload() -> int:
    """Read every face's coverage now (a start-up cost, not the first signer's); returns
    how many faces there are, 0 meaning no Japanese font is installed."""
    return sum(1 for face in faces() if coverage(face))


def face_for(char: str, among: Iterable[Face] | None = None) -> Face | None:
    """The first face (in fallback order) with a glyph for the cluster's base character."""
    code = ord(char[0])
    for face in faces() if among is None else among:
        if code in coverage(face):
            return face
    return None


def clusters(text: str) -> list[str]:
    """User-perceived characters: a base with its combining marks and variation selectors.

    Keeps an ideographic variation selector (葛 + U+E0100) with its kanji, so a name with
    a variant glyph counts, checks and draws as one character.
    """
    out: list[str] = []
    for ch in text:
        if out and unicodedata.category(ch) in _COMBINING_CATEGORIES:
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _is_emoji(ch: str) -> bool:
    code = ord(ch)
    return ch == _EMOJI_PRESENTATION or any(code in r for r in _EMOJI_RANGES)


def check_drawable(text: str, among: Iterable[Face] | None = None) -> None:
    """Refuse a text that would print wrong: empty, controls, emoji, or a missing glyph.

    Codes: `empty`, `control_character` (controls, zero-width and bidi format characters,
    private use, unassigned), `emoji`, `missing_glyph` (no installed face has it: it would
    print as a box, 豆腐). Spaces are allowed inside; what a caller does with them is its
    own rule.
    """
    if not text or text.isspace():
        raise UndrawableText("empty")
    pool = tuple(faces() if among is None else among)
    for cluster in clusters(text):
        for ch in cluster:
            if _is_emoji(ch):
                raise UndrawableText("emoji", ch)
            if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES:
                raise UndrawableText("control_character", ch)
        base = cluster[0]
        if unicodedata.category(base) in _COMBINING_CATEGORIES:
            raise UndrawableText("control_character", base)
        if base.isspace():
            continue
        if face_for(base, pool) is None:
            raise UndrawableText("missing_glyph", base)


def runs(text: str, among: Iterable[Face] | None = None) -> list[tuple[Face, str]]:
    """Split a drawable text into runs of one face each, for writers without fallback."""
    pool = tuple(faces() if among is None else among)
    out: list[tuple[Face, str]] = []
    for cluster in clusters(text):
        face = face_for(cluster, pool) or (out[-1][0] if out else pool[0])
        if out and out[-1][0] == face:
            out[-1] = (face, out[-1][1] + cluster)
        else:
            out.append((face, cluster))
    return out


_local = threading.local()


def pillow_font(face: Face, size: float) -> ImageFont.FreeTypeFont:
    """A Pillow font of this face and size, cached per thread (FreeType faces are not
    safe to share between threads)."""
    cache: dict[tuple[Face, float], ImageFont.FreeTypeFont] | None = getattr(_local, "fonts", None)
    if cache is None:
        cache = _local.fonts = {}
    key = (face, size)
    font = cache.get(key)
    if font is None:
        if len(cache) > 256:
            cache.clear()
        font = ImageFont.truetype(str(face.path), size, index=face.index)
        cache[key] = font
    return font
