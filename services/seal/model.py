"""What a seal (印影) says and which kind it is, as plain data: no drawing, no I/O (S5, S17).

The rules live here so the text of a party's seal and the key of its image are known
before anything is drawn: individuals press a round 認印 of their surname, a licensed
agent (the `agent` role) a 取引士印 of the full name, a company its square 角印, and a
company registered as 法人・実印 its round 代表者印 with the title inside.
"""

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from services.common.fonts import UndrawableText, check_drawable, clusters
from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.seal.names import is_latin, split_name

DRAWING_VERSION = 3
"""Bump when the drawing changes its output, so cached images are drawn again."""

DPI = 300
MIN_SIZE_MM = 6.0
MAX_SIZE_MM = 60.0
DEFAULT_TITLE = "代表取締役印"

INDIVIDUAL = "individual"
CORPORATE_KINDS = frozenset({"corporation_registered", "corporation"})
AGENT_ROLE = "agent"
_HALF_WIDTH_KANA = re.compile("[\uff61-\uff9f]+")
"""ｽﾐｽ is carved as スミス: seals have no half-width type."""


class SealStyle(StrEnum):
    personal_round = "personal_round"
    """認印: the surname in a circle, read top to bottom."""
    agent = "agent"
    """取引士印: the full name in a double ring, surname in the right column."""
    corporate_square = "corporate_square"
    """角印: the company name and 之印/印 in columns, read right to left."""
    corporate_round = "corporate_round"
    """代表者印 (実印): the company name round the ring, the title inside."""

    @property
    def default_size_mm(self) -> float:
        return _DEFAULT_SIZE_MM[self]


_DEFAULT_SIZE_MM = {
    SealStyle.personal_round: 15.0,
    SealStyle.agent: 13.5,
    SealStyle.corporate_square: 21.0,
    SealStyle.corporate_round: 21.0,
}


def mm_to_px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


def mm_to_pt(mm: float) -> float:
    """PDF points (1/72 in): the size to stamp the image at."""
    return round(mm / 25.4 * 72, 3)


def choose_style(kind: str, role: str | None = None) -> SealStyle:
    """The seal a party presses: the agent role wins for a person, the kind decides the rest."""
    if kind == "corporation_registered":
        return SealStyle.corporate_round
    if kind == "corporation":
        return SealStyle.corporate_square
    if kind != INDIVIDUAL:
        raise ValueError(f"unknown party kind: {kind!r}")
    return SealStyle.agent if role == AGENT_ROLE else SealStyle.personal_round


def seal_text_for(name: str, style: SealStyle) -> str:
    """The words on the seal: surname, full name (surname, space, given name) or company."""
    _check(name)
    name = _HALF_WIDTH_KANA.sub(lambda m: unicodedata.normalize("NFKC", m.group()), name.strip())
    if style is SealStyle.personal_round:
        return split_name(name)[0]
    if style is SealStyle.agent:
        surname, given = split_name(name)
        return f"{surname} {_compact(given)}".strip()
    if style is SealStyle.corporate_square:
        return square_text(_compact(name))
    return _compact(name)


def _compact(name: str) -> str:
    """Spaces go, except between words of a Latin name (ABC Estate stays two words)."""
    words = name.split()
    if words and is_latin(name):
        return " ".join(words)
    return "".join(words)


def _check(text: str) -> None:
    """Refuse, with a reason, a text that would print wrong on a contract."""
    try:
        check_drawable(text)
    except UndrawableText as exc:
        if exc.code == "emoji":
            raise Refused(RefusalCode.seal_emoji) from exc
        if exc.code == "control_character":
            raise Refused(RefusalCode.seal_control_character, code_point=exc.code_point) from exc
        if exc.code == "missing_glyph":
            raise Refused(RefusalCode.seal_missing_glyph, code_point=exc.code_point) from exc
        raise Refused(RefusalCode.seal_name_empty) from exc


def is_vertical(text: str) -> bool:
    """Set upright in columns (kanji, kana): anything but a name in Latin letters."""
    return not is_latin(text)


def square_grid(count: int) -> tuple[str, int, int]:
    """(suffix, rows, columns) of a 角印 for a name of `count` characters.

    Seal makers end the name with 之印 or 印 and pick the smallest balanced grid that holds
    it (2×2, 3×2, 3×3, 4×3, 4×4, 5×4 …); the grid grows instead of cutting the name. When
    two more characters would overflow the grid, 印 alone is added.
    """
    rows, cols = grid_for(max(count + 1, 4))
    suffix = "之印" if rows * cols >= count + 2 else "印"
    return suffix, rows, cols


def grid_for(total: int) -> tuple[int, int]:
    """The smallest balanced grid (rows ≥ columns, at most one apart) holding `total`."""
    rows, cols = 1, 1
    while rows * cols < total:
        if rows == cols:
            rows += 1
        else:
            cols += 1
    return rows, cols


def column_counts(total: int, rows: int, cols: int) -> list[int]:
    """Characters per column, right column first: full columns, the short ones last."""
    cols = min(cols, total)
    base, extra = divmod(total, cols)
    counts = [base + (1 if i < extra else 0) for i in range(cols)]
    assert sum(counts) == total and max(counts) <= rows
    return counts


def square_text(company: str) -> str:
    """The company name with the suffix seal makers add (Latin names are left as they are)."""
    if not is_vertical(company):
        return company
    cells = clusters(company)
    if company.endswith("印"):
        return company
    suffix, _, _ = square_grid(len(cells))
    return company + suffix


@dataclass(frozen=True, slots=True)
class SealSpec:
    """Everything that decides the pixels of one seal image."""

    text: str
    style: SealStyle
    size_mm: float = 0.0
    title: str = ""
    """The inner text of a corporate round seal (代表取締役印)."""

    def __post_init__(self) -> None:
        if not isinstance(self.style, SealStyle):
            object.__setattr__(self, "style", SealStyle(self.style))
        if not self.size_mm:
            object.__setattr__(self, "size_mm", self.style.default_size_mm)
        if self.style is SealStyle.corporate_round and not self.title:
            object.__setattr__(self, "title", DEFAULT_TITLE)
        _check(self.text)
        if self.title:
            _check(self.title)
        if self.text != self.text.strip() or not MIN_SIZE_MM <= self.size_mm <= MAX_SIZE_MM:
            raise Refused(RefusalCode.invalid_seal_text)

    @property
    def size_px(self) -> int:
        return mm_to_px(self.size_mm)

    @property
    def size_pt(self) -> float:
        return mm_to_pt(self.size_mm)

    def canonical(self) -> str:
        """A stable text form of the spec; the input of `cache_key`."""
        return json.dumps(
            {
                "drawing": DRAWING_VERSION,
                "size_mm": round(self.size_mm, 2),
                "style": self.style.value,
                "text": self.text,
                "title": self.title,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )

    def cache_key(self) -> str:
        """sha256 hex of the canonical form: same spec, same drawing version, same key."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()


def spec_for_party(
    name: str,
    kind: str,
    role: str | None = None,
    size_mm: float | None = None,
    title: str | None = None,
) -> SealSpec:
    """The seal a party gets when it has not uploaded its own."""
    style = choose_style(kind, role)
    text = seal_text_for(name, style)
    if not text:
        raise Refused(RefusalCode.seal_name_empty)
    return SealSpec(text, style, size_mm or 0.0, title or "")
