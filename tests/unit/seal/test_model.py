"""Which seal a party gets and what it says (S5, S17): style by kind and role, the whole
company name with 之印/印, refusals with a reason code, the cache key."""

import pytest

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.seal.model import (
    DRAWING_VERSION,
    SealSpec,
    SealStyle,
    choose_style,
    column_counts,
    grid_for,
    mm_to_pt,
    mm_to_px,
    seal_text_for,
    spec_for_party,
    square_grid,
)


@pytest.mark.parametrize(
    ("kind", "role", "style"),
    [
        ("individual", "tenant", SealStyle.personal_round),
        ("individual", None, SealStyle.personal_round),
        ("individual", "agent", SealStyle.agent),
        ("corporation", "landlord", SealStyle.corporate_square),
        ("corporation", "agent", SealStyle.corporate_square),
        ("corporation_registered", "own_company", SealStyle.corporate_round),
    ],
)
def test_s5_style_follows_the_role_for_agents_and_the_kind_otherwise(
    kind: str, role: str | None, style: SealStyle
) -> None:
    assert choose_style(kind, role) is style


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="kind"):
        choose_style("robot")


def test_s5_agent_seal_carries_the_full_name_surname_first() -> None:
    assert seal_text_for("佐々木花子", SealStyle.agent) == "佐々木 花子"
    assert seal_text_for("鈴木 一郎", SealStyle.agent) == "鈴木 一郎"
    assert seal_text_for("東", SealStyle.agent) == "東"


@pytest.mark.parametrize(
    ("company", "text"),
    [
        ("三井不動産リアルティ株式会社", "三井不動産リアルティ株式会社之印"),  # 16 = 4×4
        ("株式会社 山田不動産", "株式会社山田不動産之印"),  # 11 in 4×3
        ("株式会社山田不", "株式会社山田不之印"),  # 9 = 3×3
        ("株式会社山田不動", "株式会社山田不動印"),  # 之印 would overflow 3×3
        ("山田", "山田之印"),
        ("山田商店印", "山田商店印"),
        ("Sakura Realty Co., Ltd.", "Sakura Realty Co., Ltd."),
    ],
)
def test_s5_square_seal_keeps_the_whole_name_and_adds_the_seal_suffix(
    company: str, text: str
) -> None:
    assert seal_text_for(company, SealStyle.corporate_square) == text


def test_s5_square_grid_grows_balanced_and_uses_every_cell() -> None:
    assert [grid_for(n) for n in (4, 6, 9, 12, 16, 20, 25)] == [
        (2, 2),
        (3, 2),
        (3, 3),
        (4, 3),
        (4, 4),
        (5, 4),
        (5, 5),
    ]
    for n in range(1, 120):
        suffix, rows, cols = square_grid(n)
        total = n + len(suffix)
        assert total <= rows * cols
        counts = column_counts(total, rows, cols)
        assert sum(counts) == total and max(counts) - min(counts) <= 1


@pytest.mark.parametrize(
    ("name", "code", "code_point"),
    [
        ("", RefusalCode.seal_name_empty, None),
        ("   ", RefusalCode.seal_name_empty, None),
        ("\u3000\u3000", RefusalCode.seal_name_empty, None),
        ("・", RefusalCode.seal_name_empty, None),
        ("佐藤\x00", RefusalCode.seal_control_character, "U+0000"),
        ("佐\u200b藤", RefusalCode.seal_control_character, "U+200B"),
        ("佐藤\u202e", RefusalCode.seal_control_character, "U+202E"),
        ("佐\U000f0000", RefusalCode.seal_control_character, "U+F0000"),
        ("山田😀", RefusalCode.seal_emoji, None),
        ("山田\u2764\ufe0f", RefusalCode.seal_emoji, None),
        ("क्षत्रिय", RefusalCode.seal_missing_glyph, "U+0915"),
    ],
)
def test_s5_names_that_cannot_be_drawn_are_refused_with_a_reason(
    name: str, code: RefusalCode, code_point: str | None
) -> None:
    with pytest.raises(Refused) as caught:
        spec_for_party(name, "individual")
    assert caught.value.code is code
    assert caught.value.params.get("code_point") == code_point


def test_s5_default_sizes_in_millimetres_pixels_and_points() -> None:
    personal = spec_for_party("佐藤 一郎", "individual")
    assert (personal.size_mm, personal.size_px, personal.size_pt) == (15.0, 177, 42.52)
    corporate = spec_for_party("株式会社山田不動産", "corporation")
    assert (corporate.size_mm, corporate.size_px) == (21.0, 248)
    agent = spec_for_party("鈴木 一郎", "individual", "agent")
    assert 12 <= agent.size_mm <= 15
    assert mm_to_px(25.4) == 300 and mm_to_pt(25.4) == 72


def test_spec_refuses_absurd_sizes() -> None:
    for size in (1, 100):
        with pytest.raises(Refused) as caught:
            SealSpec("佐藤", SealStyle.personal_round, size)
        assert caught.value.code is RefusalCode.invalid_seal_text


def test_cache_key_is_stable_and_covers_every_field() -> None:
    spec = SealSpec("佐藤", SealStyle.personal_round)
    assert spec.cache_key() == SealSpec("佐藤", SealStyle.personal_round, 15.0).cache_key()
    others = {
        SealSpec("鈴木", SealStyle.personal_round).cache_key(),
        SealSpec("佐藤", SealStyle.agent).cache_key(),
        SealSpec("佐藤", SealStyle.personal_round, 12).cache_key(),
        SealSpec("佐藤", SealStyle.corporate_round, title="代表者之印").cache_key(),
    }
    assert spec.cache_key() not in others and len(others) == 4
    assert f'"drawing":{DRAWING_VERSION}' in spec.canonical()


def test_corporate_round_has_a_title_by_default() -> None:
    assert spec_for_party("株式会社山田不動産", "corporation_registered").title == "代表取締役印"


def test_s5_half_width_katakana_is_carved_full_width() -> None:
    assert seal_text_for("ｽﾐｽ ｼﾞｮﾝ", SealStyle.personal_round) == "スミス"
    assert seal_text_for("ｶﾞｰﾃﾞﾝ不動産", SealStyle.corporate_square) == "ガーデン不動産之印"
