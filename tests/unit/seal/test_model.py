"""The rules that turn a party's name into the text of their seal (S17)."""

import pytest

from services.seal.model import (
    DRAWING_VERSION,
    InvalidSealText,
    SealSpec,
    SealStyle,
    clusters,
    default_style_for,
    seal_text_for,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("佐藤 一郎", "佐藤"),
        ("佐藤\u3000一郎", "佐藤"),
        ("  佐藤\u3000\u3000一郎  ", "佐藤"),
        ("鈴木花子", "鈴木"),
        ("田中誠", "田中"),
        ("佐々木翔", "佐々木"),
        ("長谷川", "長谷川"),
        ("林", "林"),
        ("佐藤", "佐藤"),
        ("勅使河原 宏", "勅使河原"),
        ("John Smith", "John"),
        ("Smith", "Smith"),
        ("さとう はなこ", "さとう"),
        ("小鳥遊五郎太", "小鳥遊五"),
    ],
)
def test_individual_gets_the_surname(name: str, expected: str) -> None:
    assert seal_text_for(name, "individual") == expected


def test_individual_cap_is_four_full_width_characters() -> None:
    assert seal_text_for("あいうえおか", "individual") == "あいうえ"
    assert len(seal_text_for("Christopher Lee", "individual")) <= 10


def test_variation_selector_stays_with_its_kanji() -> None:
    katsushika = "葛\U000e0100飾"
    assert clusters(katsushika) == ["葛\U000e0100", "飾"]
    assert seal_text_for(katsushika + " 太郎", "individual") == katsushika


@pytest.mark.parametrize("kind", ["corporation_registered", "corporation"])
def test_corporation_gets_the_company_name(kind: str) -> None:
    assert seal_text_for("株式会社 山田不動産", kind) == "株式会社山田不動産"
    assert len(seal_text_for("株式会社ながいながいなまえの不動産管理", kind)) == 12


@pytest.mark.parametrize(
    "name", ["", "   ", "\u3000", "佐藤\n一郎", "佐藤\x00", "佐\u200b藤", "佐藤\u202e"]
)
def test_empty_or_control_characters_are_refused(name: str) -> None:
    with pytest.raises(InvalidSealText) as caught:
        seal_text_for(name, "individual")
    assert any("\u3040" <= ch <= "\u30ff" for ch in str(caught.value))  # Japanese message


def test_unknown_kind_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="kind"):
        seal_text_for("佐藤", "robot")


def test_default_styles() -> None:
    assert default_style_for("individual") is SealStyle.personal_round
    assert default_style_for("corporation") is SealStyle.corporate_square
    assert default_style_for("corporation_registered") is SealStyle.corporate_square


def test_cache_key_is_stable_and_covers_every_field() -> None:
    spec = SealSpec("佐藤", SealStyle.personal_round)
    assert spec.cache_key() == SealSpec("佐藤", SealStyle.personal_round, 240).cache_key()
    assert len(spec.cache_key()) == 64
    others = {
        SealSpec("鈴木", SealStyle.personal_round).cache_key(),
        SealSpec("佐藤", SealStyle.agent).cache_key(),
        SealSpec("佐藤", SealStyle.personal_round, 120).cache_key(),
    }
    assert spec.cache_key() not in others and len(others) == 3
    assert f'"drawing":{DRAWING_VERSION}' in spec.canonical()


def test_style_may_be_given_as_its_value() -> None:
    assert SealSpec("佐藤", "agent").style is SealStyle.agent  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("", SealStyle.personal_round),
        ("佐 藤", SealStyle.personal_round),
        ("佐藤\t", SealStyle.personal_round),
        ("あいうえお", SealStyle.personal_round),
        ("株式会社ながいながいなまえの不動産", SealStyle.corporate_square),
    ],
)
def test_spec_refuses_text_a_seal_cannot_hold(text: str, style: SealStyle) -> None:
    with pytest.raises(InvalidSealText):
        SealSpec(text, style)


@pytest.mark.parametrize("size", [0, 10, 5000])
def test_spec_refuses_absurd_sizes(size: int) -> None:
    with pytest.raises(ValueError):
        SealSpec("佐藤", SealStyle.personal_round, size)
