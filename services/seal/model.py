"""What a seal (印影) says and how it looks, as plain data: no drawing, no I/O.

The rules live here so the signing service can show a signer the text of their seal
before anything is drawn, and so the cache key of a drawn seal is known up front.
"""

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

DRAWING_VERSION = 1
"""Bump when `drawing.py` changes its output, so cached images are redrawn."""

MIN_SIZE_PX = 48
MAX_SIZE_PX = 2048

ROUND_MAX_CJK = 4
"""A round seal stacks its characters in one column; more than 4 would be unreadable."""
ROUND_MAX_LATIN = 10
SQUARE_MAX = 12
"""A corporate square seal (角印) holds the company name in up to 4 columns of 3."""

INDIVIDUAL = "individual"
CORPORATE_KINDS = frozenset({"corporation_registered", "corporation"})

# Common three-character surnames: a name written without a space that starts with one
# of these keeps all three, where the plain rule ("first two of 3–4") would cut it.
_THREE_CHAR_SURNAMES = frozenset(
    {
        "佐々木",
        "長谷川",
        "五十嵐",
        "久保田",
        "佐久間",
        "小野寺",
        "大久保",
        "小笠原",
        "宇都宮",
        "長谷部",
        "東海林",
        "早乙女",
        "大和田",
        "阿久津",
        "小野田",
    }
)

# Categories a seal text must not contain: controls, format characters (zero-width,
# bidi overrides), surrogates, private use, and line/paragraph separators.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_COMBINING_CATEGORIES = frozenset({"Mn", "Mc", "Me"})


class InvalidSealText(ValueError):
    """The text cannot be made into a seal; the message is shown to the user as is."""


class SealStyle(StrEnum):
    """The three kinds of seal a contract carries."""

    personal_round = "personal_round"
    """個人の丸印: the surname in a circle."""
    corporate_square = "corporate_square"
    """法人の角印: the company name in a rounded square, in columns."""
    agent = "agent"
    """取引士印: a round seal with an inner ring around the name."""

    @property
    def is_round(self) -> bool:
        return self is not SealStyle.corporate_square


def clusters(text: str) -> list[str]:
    """Split into user-perceived characters: a base with its combining marks.

    Keeps ideographic variation selectors (e.g. 葛 + U+E0100) with their kanji, so a
    name with a variant glyph counts and is drawn as one character.
    """
    out: list[str] = []
    for ch in text:
        if out and unicodedata.category(ch) in _COMBINING_CATEGORIES:
            out[-1] += ch
        else:
            out.append(ch)
    return out


def is_cjk(cluster: str) -> bool:
    """A full-width character (kanji, kana, full-width letters): set upright, vertically."""
    return unicodedata.east_asian_width(cluster[0]) in ("W", "F")


def has_cjk(text: str) -> bool:
    return any(is_cjk(c) for c in clusters(text))


def _check_characters(text: str) -> None:
    if not text or text.isspace():
        raise InvalidSealText("印影にする名前が空です。")
    for ch in text:
        if unicodedata.category(ch) in _FORBIDDEN_CATEGORIES:
            raise InvalidSealText(
                "印影にする名前に使用できない文字（制御文字など）が含まれています。"
            )
    if unicodedata.category(text[0]) in _COMBINING_CATEGORIES:
        raise InvalidSealText("印影にする名前の先頭に結合文字は使用できません。")


def max_clusters(style: SealStyle, text: str) -> int:
    """How many characters a seal of this style can hold for this script."""
    if style is SealStyle.corporate_square:
        return SQUARE_MAX
    return ROUND_MAX_CJK if has_cjk(text) else ROUND_MAX_LATIN


@dataclass(frozen=True, slots=True)
class SealSpec:
    """Everything that decides the pixels of one seal image."""

    text: str
    style: SealStyle
    size_px: int = 240

    def __post_init__(self) -> None:
        if not isinstance(self.style, SealStyle):
            object.__setattr__(self, "style", SealStyle(self.style))
        _check_characters(self.text)
        if self.text != self.text.strip() or any(ch.isspace() for ch in self.text):
            raise InvalidSealText("印影の文字に空白は使用できません。")
        limit = max_clusters(self.style, self.text)
        if len(clusters(self.text)) > limit:
            raise InvalidSealText(f"印影の文字数が多すぎます（{limit}文字まで）。")
        if not MIN_SIZE_PX <= self.size_px <= MAX_SIZE_PX:
            raise ValueError(f"size_px must be within {MIN_SIZE_PX}..{MAX_SIZE_PX}")

    def canonical(self) -> str:
        """A stable text form of the spec; the input of `cache_key`."""
        return json.dumps(
            {
                "drawing": DRAWING_VERSION,
                "size": self.size_px,
                "style": self.style.value,
                "text": self.text,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )

    def cache_key(self) -> str:
        """sha256 hex of the canonical form: same spec, same drawing version, same key."""
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()


def _surname(name: str) -> str:
    parts = name.split()  # any Unicode whitespace, including U+3000
    chars = clusters(parts[0])
    if len(parts) == 1:
        if 3 <= len(chars) <= 4 and all(is_cjk(c) for c in chars):
            head3 = "".join(chars[:3])
            chars = chars[:3] if head3 in _THREE_CHAR_SURNAMES else chars[:2]
    limit = ROUND_MAX_CJK if any(is_cjk(c) for c in chars) else ROUND_MAX_LATIN
    return "".join(chars[:limit])


def seal_text_for(name: str, kind: str) -> str:
    """The text of the seal made for a party (S17).

    Individuals (`individual`) get their surname: the part before the first space
    (ASCII or U+3000); without a space, the first two characters of a 3–4 character
    kanji name (鈴木花子 → 鈴木), otherwise the whole name, capped at 4 full-width
    characters (10 Latin letters: a cut Latin name cannot be read). Corporations
    (`corporation_registered`, `corporation`) get the company name without spaces,
    capped at 12 characters for the square seal.
    """
    if not isinstance(name, str):
        raise InvalidSealText("印影にする名前が正しくありません。")
    _check_characters(name)
    name = name.strip()
    if kind == INDIVIDUAL:
        return _surname(name)
    if kind in CORPORATE_KINDS:
        compact = "".join(name.split())
        return "".join(clusters(compact)[:SQUARE_MAX])
    raise ValueError(f"unknown party kind: {kind!r}")


def default_style_for(kind: str) -> SealStyle:
    """Individuals press a round seal, corporations a square one."""
    if kind == INDIVIDUAL:
        return SealStyle.personal_round
    if kind in CORPORATE_KINDS:
        return SealStyle.corporate_square
    raise ValueError(f"unknown party kind: {kind!r}")
