"""Which characters a person's or company's name may hold, so that it can be drawn on a
seal, printed in the PDF and written in a mail: the one check every service applies.

A name is refused when it is blank, holds a control or format character (a zero-width
space, a right-to-left override, a NUL), an emoji, or a character outside the scripts the
Japanese fonts we ship draw: kana, kanji, Latin letters, digits, the full-width forms and
the punctuation names use. Without per-character font coverage at hand this is a fixed
list of ranges, kept in step with the seal service's fonts.
"""

import unicodedata
from dataclasses import dataclass
from typing import Literal

NameProblemCode = Literal[
    "name_blank", "name_control_character", "name_emoji", "name_unsupported_character"
]

_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_EMOJI = (
    range(0x1F000, 0x1FB00),
    range(0x2600, 0x27C0),
    range(0x2B00, 0x2C00),
    range(0xFE00, 0xFE10),
    range(0xE0100, 0xE01F0),
)
_DRAWN = (
    range(0x0020, 0x007F),  # ASCII letters, digits, punctuation
    range(0x00C0, 0x0250),  # Latin-1 letters and Latin Extended-A/B (é, ö, ł …)
    range(0x00B7, 0x00B8),  # middle dot
    range(0x2010, 0x2027),  # dashes, quotes, ellipsis
    range(0x3000, 0x3040),  # CJK symbols and punctuation (、。々〆「」)
    range(0x3040, 0x30A0),  # hiragana
    range(0x30A0, 0x3100),  # katakana
    range(0x31F0, 0x3200),  # katakana phonetic extensions
    range(0x3400, 0x4DC0),  # CJK extension A
    range(0x4E00, 0xA000),  # CJK unified ideographs
    range(0xF900, 0xFB00),  # CJK compatibility ideographs
    range(0xFF00, 0xFFF0),  # full-width and half-width forms
    range(0x20000, 0x2FA20),  # CJK extensions B–F and compatibility supplement (𠮷)
)


@dataclass(frozen=True, slots=True)
class NameProblem:
    code: NameProblemCode
    character: str = ""
    """The offending code point as U+XXXX (never the character itself: it may not show)."""


def _point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def name_problem(name: str) -> NameProblem | None:
    """The first reason `name` cannot be a party's name, or None when it can."""
    if not name.strip():
        return NameProblem("name_blank")
    for ch in name:
        point = ord(ch)
        if unicodedata.category(ch) in _CONTROL_CATEGORIES:
            return NameProblem("name_control_character", _point(ch))
        if any(point in r for r in _EMOJI):
            return NameProblem("name_emoji", _point(ch))
        if not any(point in r for r in _DRAWN):
            return NameProblem("name_unsupported_character", _point(ch))
    return None
