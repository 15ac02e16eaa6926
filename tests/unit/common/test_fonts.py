"""Font discovery and per-character fallback, shared by every service that draws text."""

from pathlib import Path

import pytest

from services.common.fonts import (
    UndrawableText,
    check_drawable,
    clusters,
    coverage,
    face_for,
    faces,
    faces_after,
    pillow_font,
    preload,
    runs,
)

IPAEX = "ipaexm.ttf"
IPAMJ = "ipamjm.ttf"
NOTO_SERIF = "NotoSerifCJK-Regular.ttc"


def test_ipaex_mincho_comes_first_then_ipamj_then_noto_cjk() -> None:
    names = [f.path.name for f in faces()]
    assert names[:2] == [IPAEX, IPAMJ], "a font is missing: ./run test installs them"
    assert NOTO_SERIF in names, "fonts-noto-cjk is missing: ./run test installs it"
    assert [f.is_truetype for f in faces()[:3]] == [True, True, False]


def test_a_jis_x_0213_name_character_falls_back_to_a_font_that_has_it() -> None:
    assert 0x20BB7 not in coverage(faces()[0])
    face = face_for("𠮷")
    assert face is not None and face.path.name == IPAMJ
    assert face_for("吉").path.name == IPAEX  # type: ignore[union-attr]
    assert face_for("김").path.name == NOTO_SERIF  # type: ignore[union-attr]


def test_runs_split_a_name_by_face() -> None:
    split = [(f.path.name, t) for f, t in runs("𠮷田太郎")]
    assert split == [(IPAMJ, "𠮷"), (IPAEX, "田太郎")]


def test_noto_collection_face_opens_in_pillow_by_index() -> None:
    font = pillow_font(face_for("김"), 40)  # type: ignore[arg-type]
    assert font.getname()[0] == "Noto Serif CJK JP"
    assert font.getbbox("김")[2] > 20


def test_variation_selector_stays_with_its_kanji() -> None:
    assert clusters("葛\U000e0100飾") == ["葛\U000e0100", "飾"]
    check_drawable("葛\U000e0100飾")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        (" \u3000", "empty"),
        ("a\u202eb", "control_character"),
        ("a\u200db", "control_character"),
        ("\u0301a", "control_character"),
        ("😀", "emoji"),
        ("\U0001f1ef\U0001f1f5", "emoji"),
        ("\u0f40", "missing_glyph"),
    ],
)
def test_undrawable_text_is_refused_with_a_code(text: str, code: str) -> None:
    with pytest.raises(UndrawableText) as caught:
        check_drawable(text)
    assert caught.value.code == code


def test_the_seal_font_setting_names_the_face_tried_first() -> None:
    noto = next(f for f in faces() if f.path.name == NOTO_SERIF)
    chain = faces_after(noto.path)
    assert chain[0] == noto and [f.path.name for f in chain[1:3]] == [IPAEX, IPAMJ]
    assert faces_after(Path("/nonexistent.ttf")) == faces_after(None)


def test_preload_reads_every_installed_face() -> None:
    assert preload() == len(faces()) >= 3


def test_a_truetype_only_writer_draws_jis_x_0213_names_and_refuses_what_only_noto_has() -> None:
    """What a reportlab writer (PDF text) checks before drawing: 𠮷 is in IPAmj's TrueType,
    김 only in Noto's CFF."""
    truetype = [f for f in faces() if f.is_truetype]
    check_drawable("𠮷田 髙橋 﨑", among=truetype)
    with pytest.raises(UndrawableText) as caught:
        check_drawable("김", among=truetype)
    assert (caught.value.code, caught.value.code_point) == ("missing_glyph", "U+AE40")
