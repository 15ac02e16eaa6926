"""Where a person's surname ends: the one rule every seal of a person is made from (S5).

A Japanese name is written surname first, with or without a space (佐藤 花子, 佐藤花子).
Without a space the split comes from the list of common surnames, longest first, so
佐々木花子 keeps 佐々木 and 勅使河原宏 keeps 勅使河原. A Western name in Latin letters puts
the family name last (John Smith) unless it is written in capitals (SMITH John) or with
a comma (Smith, John); in katakana a middle dot marks the Western order (ジョン・スミス),
while a space follows the Japanese form's order, family name first (スミス ジョン).
"""

import re
import unicodedata

from services.common.fonts import clusters
from services.seal.surname_data import SURNAMES

_LONGEST = max(len(s) for s in SURNAMES)
_SEPARATORS = re.compile(r"[\s・･]+")
_FALLBACK_LENGTH = 2
"""Most Japanese surnames have two characters; used when the list does not know one."""
_THREE_CHARACTER_GIVEN_ENDINGS = frozenset("子郎美恵香代江枝雄夫男彦助介平吉蔵太哉也")
"""林真理子, 森由美子: a one-character surname before a three-character given name is
believed only when that name ends like one; 森高千里 is 2 + 2."""


def is_kanji(cluster: str) -> bool:
    ch = cluster[0]
    if ch in "々〆ヶ":
        return True
    return unicodedata.name(ch, "").startswith("CJK ") and unicodedata.category(ch) == "Lo"


def is_latin(text: str) -> bool:
    return all(ch.isascii() or unicodedata.name(ch, "").startswith("LATIN") for ch in text)


def split_name(name: str) -> tuple[str, str]:
    """(surname, given name) of a person's name; the given name may be empty."""
    name = name.strip()
    if "," in name and is_latin(name):
        family, _, given = name.partition(",")
        return family.strip(), given.strip()
    parts = [p for p in _SEPARATORS.split(name) if p]
    if not parts:
        return "", ""
    if len(parts) > 1:
        if is_latin(name):
            capitals = [p for p in parts if len(p) > 1 and p.isupper()]
            if len(capitals) == 1:
                family = capitals[0]
                return family, " ".join(p for p in parts if p is not family)
            return parts[-1], " ".join(parts[:-1])
        if "・" in name or "･" in name:  # ジョン・スミス: given name first
            return parts[-1], " ".join(parts[:-1])
        return parts[0], " ".join(parts[1:])
    return _split_unspaced(parts[0])


def _split_unspaced(token: str) -> tuple[str, str]:
    chars = clusters(token)
    n = len(chars)
    kanji_head = 0
    while kanji_head < n and is_kanji(chars[kanji_head]):
        kanji_head += 1
    if kanji_head == 0:
        return token, ""  # all kana or Latin: no way to tell, keep the whole name
    for length in range(min(_LONGEST, n), 0, -1):
        head = "".join(chars[:length])
        rest = chars[length:]
        if head in SURNAMES and (
            length > 1 or len(rest) < 3 or rest[-1][0] in _THREE_CHARACTER_GIVEN_ENDINGS
        ):
            return head, "".join(rest)
    if kanji_head < n:  # 山田はなこ: the kanji before the kana
        return "".join(chars[:kanji_head]), "".join(chars[kanji_head:])
    cut = n if n <= _FALLBACK_LENGTH else _FALLBACK_LENGTH
    return "".join(chars[:cut]), "".join(chars[cut:])


def surname_of(name: str) -> str:
    """The surname a person expects on their 認印."""
    return split_name(name)[0]
