"""Drawn seals: transparent PNGs in red ink, deterministic, safe to draw from threads."""

import asyncio
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from services.seal.drawing import DEFAULT_FONT_PATH, draw_seal
from services.seal.model import InvalidSealText, SealSpec, SealStyle


def test_the_seal_font_is_installed():
    assert DEFAULT_FONT_PATH.is_file(), "fonts-ipaexfont-mincho is missing: ./run test installs it"


def _open(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def _red_pixels(image: Image.Image) -> int:
    return sum(
        1
        for r, g, b, a in image.get_flattened_data()
        if a > 128 and r > 150 and g < 110 and b < 110
    )


@pytest.mark.parametrize(
    ("text", "style"),
    [
        ("佐藤", SealStyle.personal_round),
        ("長谷川", SealStyle.personal_round),
        ("佐々木翔", SealStyle.personal_round),
        ("林", SealStyle.personal_round),
        ("John", SealStyle.personal_round),
        ("高橋", SealStyle.agent),
        ("株式会社山田不動産之印", SealStyle.corporate_square),
        ("ABC不動産", SealStyle.corporate_square),
    ],
)
def test_png_is_rgba_with_transparent_corners_and_red_ink(text: str, style: SealStyle) -> None:
    image = _open(draw_seal(SealSpec(text, style, 200)))
    assert image.format == "PNG"
    assert image.mode == "RGBA"
    assert image.size == (200, 200)
    for corner in [(0, 0), (199, 0), (0, 199), (199, 199)]:
        assert image.getpixel(corner)[3] == 0
    assert _red_pixels(image) > 200 * 200 * 0.05


def test_text_is_inside_the_border() -> None:
    """The centre column carries ink (the text) and nothing reaches the image edge."""
    image = _open(draw_seal(SealSpec("佐藤", SealStyle.personal_round, 240)))
    alpha = image.getchannel("A")
    centre = alpha.crop((80, 40, 160, 200))
    assert sum(1 for a in centre.get_flattened_data() if a > 128) > 80 * 160 * 0.15
    edges = [alpha.getpixel((x, 0)) for x in range(240)] + [
        alpha.getpixel((0, y)) for y in range(240)
    ]
    assert max(edges) == 0


def test_same_spec_gives_identical_bytes() -> None:
    spec = SealSpec("佐藤", SealStyle.personal_round)
    assert draw_seal(spec) == draw_seal(SealSpec("佐藤", SealStyle.personal_round))


def test_different_text_or_style_gives_a_different_image() -> None:
    base = draw_seal(SealSpec("佐藤", SealStyle.personal_round))
    assert draw_seal(SealSpec("鈴木", SealStyle.personal_round)) != base
    assert draw_seal(SealSpec("佐藤", SealStyle.agent)) != base
    a = _open(base).getchannel("A")
    b = _open(draw_seal(SealSpec("鈴木", SealStyle.personal_round))).getchannel("A")
    differing = sum(
        1
        for x, y in zip(a.get_flattened_data(), b.get_flattened_data(), strict=True)
        if abs(x - y) > 64
    )
    assert differing > 240 * 240 * 0.03


async def test_drawing_from_threads_is_deterministic() -> None:
    spec = SealSpec("渡辺", SealStyle.agent, 160)
    results = await asyncio.gather(*(asyncio.to_thread(draw_seal, spec) for _ in range(8)))
    assert len(set(results)) == 1


def test_a_character_the_font_lacks_is_refused() -> None:
    with pytest.raises(InvalidSealText, match="使用できない文字"):
        draw_seal(SealSpec("김", SealStyle.personal_round))


def test_sample_is_written_for_a_look(tmp_path: Path) -> None:
    """Writes the sample a person checks by eye (SHOMEI_SEAL_SAMPLE picks the path)."""
    target = Path(os.environ.get("SHOMEI_SEAL_SAMPLE", str(tmp_path / "seal-sample.png")))
    target.write_bytes(draw_seal(SealSpec("佐藤", SealStyle.personal_round)))
    assert _open(target.read_bytes()).size == (240, 240)
