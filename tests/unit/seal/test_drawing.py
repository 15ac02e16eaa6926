"""Drawn seals (S5): transparent red PNGs at their size, every character inside the border,
ink like a real seal, the same bytes for the same spec, and goldens to catch regressions.

`UPDATE_SEAL_GOLDENS=1` rewrites the goldens; look at them before committing.
"""

import asyncio
import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from services.common.fonts import clusters
from services.seal.drawing import INK_RGB, draw_seal, ink_alpha, text_mask
from services.seal.layout import layout
from services.seal.model import SealSpec, SealStyle, spec_for_party

GOLDEN = Path(__file__).parent / "golden"
SAMPLES = [
    ("personal-sato", "佐藤 一郎", "individual", None),
    ("personal-sasaki", "佐々木花子", "individual", None),
    ("personal-teshigawara", "勅使河原 宏", "individual", None),
    ("personal-higashi", "東", "individual", None),
    ("personal-yoshida-tsuchi", "𠮷田 太郎", "individual", None),
    ("personal-smith-latin", "John Smith", "individual", None),
    ("personal-smith-katakana", "スミス", "individual", None),
    ("agent-suzuki", "鈴木 一郎", "individual", "agent"),
    ("agent-sasaki", "佐々木 花子", "individual", "agent"),
    ("square-mitsui", "三井不動産リアルティ株式会社", "corporation", None),
    ("square-abc", "ABC不動産", "corporation", None),
    ("square-latin", "Sakura Realty Co., Ltd.", "corporation", None),
    ("round-yamada", "株式会社山田不動産", "corporation_registered", None),
]
LONG_COMPANIES = [
    "三井不動産リアルティ株式会社",
    "株式会社東日本ハウジングサービス管理センター",
    "一般社団法人全国賃貸住宅経営者協会連合会北海道支部",
    "株式会社ながいながいなまえの不動産管理サービスセンター東京本社営業部",
    "大和ハウス工業株式会社",
    "有限会社森",
    "Mitsubishi Estate Residence Management Co., Ltd.",
]


def _spec(name: str, kind: str, role: str | None) -> SealSpec:
    return spec_for_party(name, kind, role)


def _alpha(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    return np.asarray(image, np.float32)[..., 3] / 255.0


def _face(spec: SealSpec) -> tuple[np.ndarray, np.ndarray]:
    """(inside the border, outside the border) masks of the spec's image."""
    plan = layout(spec)
    axis = np.arange(plan.side) + 0.5 - plan.side / 2
    x, y = axis[None, :], axis[:, None]
    if spec.style is SealStyle.corporate_square:
        distance = np.maximum(np.abs(x), np.abs(y))
    else:
        distance = np.hypot(x, y)
    return distance <= plan.inside, distance > plan.inside


@pytest.mark.parametrize(("stem", "name", "kind", "role"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_s5_seal_matches_its_golden_within_a_small_tolerance(
    stem: str, name: str, kind: str, role: str | None
) -> None:
    png = draw_seal(_spec(name, kind, role))
    path = GOLDEN / f"{stem}.png"
    if os.environ.get("UPDATE_SEAL_GOLDENS") == "1":
        path.write_bytes(png)
    assert path.is_file(), f"no golden {path.name}: run with UPDATE_SEAL_GOLDENS=1"
    got, want = _alpha(png), _alpha(path.read_bytes())
    assert got.shape == want.shape
    differing = np.abs(got - want) > 0.25
    assert differing.mean() < 0.005, f"{differing.sum()} pixels differ from the golden"


@pytest.mark.parametrize(("stem", "name", "kind", "role"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_s5_transparent_red_png_of_the_size_asked(
    stem: str, name: str, kind: str, role: str | None
) -> None:
    spec = _spec(name, kind, role)
    image = Image.open(io.BytesIO(draw_seal(spec)))
    assert image.format == "PNG"
    assert image.size == (spec.size_px, spec.size_px)
    rgba = np.asarray(image.convert("RGBA"))
    assert rgba[0, 0, 3] == 0 and rgba[-1, -1, 3] == 0
    inked = rgba[rgba[..., 3] > 128][:, :3]
    assert (inked == INK_RGB).all()


@pytest.mark.parametrize(("stem", "name", "kind", "role"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_s5_ink_covers_the_face_like_a_real_seal(
    stem: str, name: str, kind: str, role: str | None
) -> None:
    spec = _spec(name, kind, role)
    inside, _ = _face(spec)
    coverage = float(ink_alpha(spec)[inside].mean())
    assert 0.10 <= coverage <= 0.50, f"{stem}: {coverage:.2f} of the face is ink"


@pytest.mark.parametrize(("stem", "name", "kind", "role"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_s5_every_character_stays_inside_the_border(
    stem: str, name: str, kind: str, role: str | None
) -> None:
    spec = _spec(name, kind, role)
    _, outside = _face(spec)
    assert float(text_mask(layout(spec))[outside].max(initial=0.0)) < 0.05


@pytest.mark.parametrize("company", LONG_COMPANIES)
@pytest.mark.parametrize("kind", ["corporation", "corporation_registered"])
def test_s5_a_company_name_is_never_cut(company: str, kind: str) -> None:
    spec = _spec(company, kind, None)
    plan = layout(spec)
    ring_and_title = [g.text for g in plan.glyphs]
    laid_out = "".join(ring_and_title).replace(" ", "")
    assert "".join(company.split()) in laid_out
    _, outside = _face(spec)
    mask = text_mask(plan)
    assert float(mask[outside].max(initial=0.0)) < 0.05
    for glyph in plan.glyphs:  # each character has ink of its own
        single = type(plan)(plan.side, (), (), (glyph,), plan.inside)
        assert text_mask(single).max() > 0.5, glyph.text


def test_s5_square_seal_reads_right_to_left_top_to_bottom() -> None:
    plan = layout(_spec("株式会社山田不動産", "corporation", None))
    text = [g.text for g in plan.glyphs]
    assert "".join(text) == "株式会社山田不動産之印"
    first, second = plan.glyphs[0].box, plan.glyphs[1].box
    assert second.y > first.y and abs(second.x - first.x) < 1  # down the right column
    assert plan.glyphs[-1].box.x < first.x  # ends in the left column


def test_s5_round_seal_of_four_characters_fills_two_columns_from_the_right() -> None:
    plan = layout(_spec("勅使河原 宏", "individual", None))
    assert [g.text for g in plan.glyphs] == clusters("勅使河原")
    assert plan.glyphs[0].box.x > plan.glyphs[2].box.x


def test_s5_same_spec_gives_identical_bytes_and_another_gives_other_pixels() -> None:
    spec = SealSpec("佐藤", SealStyle.personal_round)
    assert draw_seal(spec) == draw_seal(SealSpec("佐藤", SealStyle.personal_round))
    a = _alpha(draw_seal(spec))
    b = _alpha(draw_seal(SealSpec("鈴木", SealStyle.personal_round)))
    assert (np.abs(a - b) > 0.25).mean() > 0.03


async def test_drawing_from_threads_is_deterministic() -> None:
    spec = _spec("𠮷田 太郎", "individual", "agent")
    results = await asyncio.gather(*(asyncio.to_thread(draw_seal, spec) for _ in range(8)))
    assert len(set(results)) == 1


def test_s5_a_name_outside_ipaex_draws_from_the_fallback_font_not_as_a_box() -> None:
    """𠮷 (U+20BB7) comes from Noto CJK: its ink overlaps 吉's far more than a box (口) does."""

    def ink(text: str) -> np.ndarray:
        return text_mask(layout(SealSpec(text, SealStyle.personal_round))) > 0.5

    def overlap(a: np.ndarray, b: np.ndarray) -> float:
        return float((a & b).sum() / (a | b).sum())

    tsuchi = ink("𠮷")
    assert overlap(tsuchi, ink("吉")) > 0.45
    assert overlap(tsuchi, ink("口")) < 0.3


def test_s5_size_in_millimetres_sets_the_pixels_at_300_dpi() -> None:
    png = draw_seal(SealSpec("佐藤", SealStyle.personal_round, 12))
    assert Image.open(io.BytesIO(png)).size == (142, 142)


@pytest.mark.parametrize("kind", ["corporation", "corporation_registered"])
def test_s5_every_length_of_company_name_is_laid_out_whole_inside_the_border(kind: str) -> None:
    source = "東日本不動産管理サービス株式会社横浜営業所第二課" * 3
    for n in range(1, 61, 2):
        company = source[:n]
        spec = _spec(company, kind, None)
        plan = layout(spec)
        ring = "".join(g.text for g in plan.glyphs)
        assert ring.startswith(company), n
        _, outside = _face(spec)
        assert float(text_mask(plan)[outside].max(initial=0.0)) < 0.05, n


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("Hubert Wolfeschlegelsteinhausenbergerdorff", None),
        ("ウォルフェシュレーゲルシュタインハウゼン", None),
        ("アレクサンドル・ウィリアムズ", "agent"),
        ("勅使河原 三郎左衛門", "agent"),
        ("Maria de la Cruz Fernandez", "agent"),
    ],
)
def test_s5_a_long_personal_name_is_never_cut(name: str, role: str | None) -> None:
    spec = _spec(name, "individual", role)
    plan = layout(spec)
    laid_out = "".join(g.text for g in plan.glyphs)
    assert all(word in laid_out for word in spec.text.split())
    _, outside = _face(spec)
    assert float(text_mask(plan)[outside].max(initial=0.0)) < 0.05


def test_drawn_png_carries_300_dpi_so_it_stamps_at_its_size_in_mm_s5() -> None:
    spec = SealSpec("佐藤", SealStyle.personal_round)
    image = Image.open(io.BytesIO(draw_seal(spec)))
    assert image.info["dpi"] == (pytest.approx(300, abs=0.01), pytest.approx(300, abs=0.01))
    assert image.width / 300 * 25.4 == pytest.approx(15.0, abs=0.1)
