"""The surname a person expects on their 認印, from a full name with or without a space (S5)."""

from pathlib import Path

import pytest

from services.seal.names import split_name, surname_of

NAMES = [
    tuple(line.split("\t"))
    for line in (Path(__file__).parent / "names.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]


def test_the_list_covers_at_least_200_real_names_of_every_surname_length() -> None:
    assert len(NAMES) >= 200
    assert {len(surname) for surname, _ in NAMES} >= {1, 2, 3, 4}


@pytest.mark.parametrize(("surname", "given"), NAMES, ids=[s + g for s, g in NAMES])
def test_s5_surname_with_and_without_a_space(surname: str, given: str) -> None:
    assert surname_of(f"{surname} {given}") == surname
    assert surname_of(f"{surname}\u3000{given}") == surname
    assert surname_of(f"  {surname}{given} ") == surname


@pytest.mark.parametrize(
    ("name", "surname", "given"),
    [
        ("佐々木花子", "佐々木", "花子"),
        ("東", "東", ""),
        ("長谷川", "長谷川", ""),
        ("勅使河原宏", "勅使河原", "宏"),
        ("森高千里", "森高", "千里"),  # a 1-character surname is not believed before 高千里
        ("田中誠", "田中", "誠"),
        ("山田はなこ", "山田", "はなこ"),
        ("葛\U000e0100飾 太郎", "葛\U000e0100飾", "太郎"),
    ],
)
def test_s5_split_of_japanese_names(name: str, surname: str, given: str) -> None:
    assert split_name(name) == (surname, given)


@pytest.mark.parametrize(
    ("name", "surname"),
    [
        ("John Smith", "Smith"),
        ("SMITH John", "SMITH"),
        ("Smith, John", "Smith"),
        ("Smith", "Smith"),
        ("ジョン・スミス", "スミス"),
        ("スミス ジョン", "スミス"),
        ("スミス", "スミス"),
        ("さとうはなこ", "さとうはなこ"),  # kana without a space: no guess, the whole name
    ],
)
def test_s5_western_and_kana_names_put_the_family_name_where_it_is_written(
    name: str, surname: str
) -> None:
    assert surname_of(name) == surname
