"""Whether a text can be a party's name: the character rules of `fonts.check_drawable`
(which the seal service applies), as the refusal codes of a name.

A name is refused when it is blank, holds a control or format character (a zero-width
space, a right-to-left override, a NUL), an emoji, or a character no installed Japanese
font draws (Hebrew, say): the seal could not be drawn, and the signer would be stuck.
"""

from dataclasses import dataclass
from typing import Literal

from services.common.fonts import UndrawableText, check_drawable

NameProblemCode = Literal[
    "name_blank", "name_control_character", "name_emoji", "name_unsupported_character"
]
_CODES: dict[str, NameProblemCode] = {
    "empty": "name_blank",
    "control_character": "name_control_character",
    "emoji": "name_emoji",
    "missing_glyph": "name_unsupported_character",
}


@dataclass(frozen=True, slots=True)
class NameProblem:
    code: NameProblemCode
    character: str = ""
    """The offending code point as U+XXXX (never the character itself: it may not show)."""


def name_problem(name: str) -> NameProblem | None:
    """The first reason `name` cannot be a party's name, or None when it can."""
    try:
        check_drawable(name.strip())
    except UndrawableText as problem:
        return NameProblem(
            _CODES.get(problem.code, "name_unsupported_character"), problem.code_point
        )
    return None
