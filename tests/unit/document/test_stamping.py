"""Marks land where the UI placed them (top-left origin, y down, displayed frame), upright,
with transparency, Japanese as real embedded glyphs and never as form fields."""

import io
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader

from services.document.stamping import CheckMark, SealMark, StampError, TextMark, stamp
from services.seal.drawing import draw_seal
from services.seal.model import SealSpec, SealStyle

from .conftest import ink_pixels, make_pdf, pdftotext, red_pixels, render, reshape


def test_seal_lands_in_box_keeping_aspect_and_alpha(jp_pdf: bytes, seal_png: bytes) -> None:
    # A 120x60 box: the square seal is fitted to 60x60, centred -> x 330..390.
    out = stamp(jp_pdf, [SealMark(page=1, x=300, y=400, width=120, height=60, png=seal_png)])
    image = render(out, 1, 595)  # ~1 px per point
    assert red_pixels(image, (332, 402, 388, 428)) > 0.9 * 56 * 26  # top half: red
    # Bottom half is transparent in the PNG: must show the white page, not black.
    assert red_pixels(image, (332, 432, 388, 458)) == 0
    assert ink_pixels(image, (332, 432, 388, 458)) == 0
    total = red_pixels(image)
    assert red_pixels(image, (327, 397, 393, 463)) == total, "red outside the seal box"
    assert total < 60 * 32 * 1.2


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
@pytest.mark.parametrize("cropbox", [None, (40, 70, 560, 800)], ids=["media", "cropped"])
def test_seal_on_rotated_and_cropped_pages(
    seal_png: bytes, rotate: int, cropbox: tuple[float, ...] | None
) -> None:
    data = reshape(make_pdf(), rotate=rotate, cropbox=cropbox)
    page = PdfReader(io.BytesIO(data)).pages[0]
    box_w, box_h = float(page.cropbox.width), float(page.cropbox.height)
    display_w = box_h if rotate in (90, 270) else box_w
    x, y, side = 50.0, 80.0, 60.0
    out = stamp(data, [SealMark(1, x, y, side, side, seal_png)])
    image = render(out, 1, round(display_w))
    scale = image.width / display_w
    left, top, s = round(x * scale), round(y * scale), round(side * scale)
    # Upright: the red half is on top, as the user saw the seal when placing it.
    assert red_pixels(image, (left + 3, top + 3, left + s - 3, top + s // 2 - 3)) > 0.85 * (
        (s - 6) * (s // 2 - 6)
    )
    assert red_pixels(image, (left + 3, top + s // 2 + 3, left + s - 3, top + s - 3)) == 0
    assert red_pixels(image, (left - 4, top - 4, left + s + 4, top + s + 4)) == red_pixels(image)


def test_japanese_text_is_embedded_glyphs_not_fields(jp_pdf: bytes, tmp_path: Path) -> None:
    out = stamp(jp_pdf, [TextMark(1, 100, 300, 220, 24, "佐藤 花子　東京都渋谷区神南1-2-3")])
    reader = PdfReader(io.BytesIO(out))
    assert not reader.get_fields(), "Japanese must never go into form fields"
    assert "/AcroForm" not in reader.trailer["/Root"]
    text = pdftotext(out, tmp_path)
    assert "佐藤 花子" in text and "渋谷区神南" in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [
        f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        if "/DescendantFonts" in f.get_object()
        else f.get_object().get("/FontDescriptor", {})
        for f in fonts.values()
    ]
    assert any("/FontFile2" in d for d in embedded if d), "Japanese font must be embedded"
    image = render(out, 1, 595)
    assert ink_pixels(image, (100, 300, 320, 324)) > 50
    assert ink_pixels(image, (100, 330, 595, 842)) == 0  # nothing below the box


def test_long_text_shrinks_and_wraps_inside_box(jp_pdf: bytes, tmp_path: Path) -> None:
    long = "本契約に定めのない事項については、民法その他の法令に従い誠実に協議する。" * 3
    out = stamp(jp_pdf, [TextMark(1, 100, 300, 200, 60, long)])
    image = render(out, 1, 595)
    assert ink_pixels(image, (98, 298, 302, 362)) > 100
    assert ink_pixels(image, (0, 366, 595, 842)) == 0
    assert ink_pixels(image, (306, 290, 595, 370)) == 0
    assert "民法" in pdftotext(out, tmp_path).replace("\n", "")


def test_check_mark_drawn_only_when_checked(two_page_pdf: bytes) -> None:
    out = stamp(
        two_page_pdf,
        [CheckMark(2, 200, 200, 14, 14, True), CheckMark(2, 300, 200, 14, 14, False)],
    )
    image = render(out, 2, 595)
    assert ink_pixels(image, (199, 199, 215, 215)) > 10
    assert ink_pixels(image, (290, 190, 330, 230)) == 0
    assert ink_pixels(render(out, 1, 595), (150, 150, 400, 300)) == 0


def test_marks_on_two_pages_share_one_font(two_page_pdf: bytes, seal_png: bytes) -> None:
    out = stamp(
        two_page_pdf,
        [
            TextMark(1, 60, 200, 200, 20, "借主 佐藤"),
            TextMark(2, 60, 200, 200, 20, "保証人 鈴木"),
            SealMark(1, 300, 200, 40, 40, seal_png),
            SealMark(2, 300, 200, 40, 40, seal_png),
        ],
    )
    reader = PdfReader(io.BytesIO(out))
    assert len(reader.pages) == 2
    # One overlay document -> one embedded subset and one image for both pages.
    assert out.count(b"/FontFile2") <= 2  # the fixture's own font + ours
    assert len(out) < len(two_page_pdf) + 60_000


@pytest.mark.parametrize(
    "mark",
    [
        TextMark(3, 10, 10, 10, 10, "x"),
        TextMark(0, 10, 10, 10, 10, "x"),
        TextMark(1, 500, 10, 200, 10, "x"),
        TextMark(1, 10, 830, 10, 30, "x"),
        TextMark(1, 10, 10, 0, 10, "x"),
        TextMark(1, float("nan"), 10, 10, 10, "x"),
        SealMark(1, 10, 10, 10, 10, b"not a png"),
    ],
    ids=["page-3", "page-0", "too-wide", "too-low", "empty", "nan", "bad-png"],
)
def test_bad_marks_are_refused(two_page_pdf: bytes, mark) -> None:
    with pytest.raises(StampError):
        stamp(two_page_pdf, [mark])


def test_stamp_refuses_junk() -> None:
    with pytest.raises(StampError):
        stamp(b"%PDF-1.4 nothing", [CheckMark(1, 1, 1, 5, 5, True)])


def test_stamp_from_threads(two_page_pdf: bytes, seal_png: bytes) -> None:
    """reportlab's font state is shared: concurrent stamps must all come out right."""

    def one(n: int) -> bytes:
        return stamp(
            two_page_pdf,
            [
                TextMark(1 + n % 2, 60, 200, 200, 20, f"佐藤 {n}"),
                SealMark(1, 300, 300, 40, 40, seal_png),
            ],
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        outputs = list(pool.map(one, range(12)))
    for out in outputs:
        assert len(PdfReader(io.BytesIO(out)).pages) == 2
        assert red_pixels(render(out, 1, 300)) > 0


def _drawn_images(pdf: bytes, page: int = 1) -> list[tuple[float, float, float, float]]:
    """(width, height, left, bottom) in points of every image drawn on the page."""
    content = PdfReader(io.BytesIO(pdf)).pages[page - 1].get_contents()
    assert content is not None
    number = r"(-?[\d.]+)"
    found = re.findall(
        rf"{number} 0 0 {number} {number} {number} cm\s*/\S+ Do", content.get_data().decode()
    )
    return [(float(w), float(h), float(x), float(y)) for w, h, x, y in found]


@pytest.mark.parametrize(
    ("style", "millimetres"),
    [(SealStyle.personal_round, 15.0), (SealStyle.agent, 13.5), (SealStyle.corporate_square, 21.0)],
)
def test_seal_is_stamped_at_its_own_size_centred_in_a_larger_box_s5(
    style: SealStyle, millimetres: float
) -> None:
    spec = SealSpec("山田不動産" if style is SealStyle.corporate_square else "佐藤", style)
    png = draw_seal(spec)
    out = stamp(make_pdf(), [SealMark(1, 100, 100, 120, 100, png)])
    [(width, height, left, bottom)] = _drawn_images(out)
    points = millimetres / 25.4 * 72
    assert width == pytest.approx(points, abs=0.15) and height == pytest.approx(points, abs=0.15)
    assert width == pytest.approx(spec.size_px / 300 * 72, abs=0.01)
    assert left == pytest.approx(100 + (120 - width) / 2, abs=0.01)
    page_height = float(PdfReader(io.BytesIO(out)).pages[0].mediabox.height)
    assert bottom == pytest.approx(page_height - 100 - 100 + (100 - height) / 2, abs=0.01)


def test_seal_larger_than_its_box_is_scaled_down_to_fit_never_up_s5() -> None:
    png = draw_seal(SealSpec("山田不動産之印", SealStyle.corporate_square))  # 21 mm ≈ 59.5 pt
    out = stamp(make_pdf(), [SealMark(1, 100, 100, 40, 30, png)])
    [(width, height, left, _)] = _drawn_images(out)
    assert (width, height) == (pytest.approx(30), pytest.approx(30))
    assert left == pytest.approx(105)


def test_seal_without_a_size_on_paper_fills_its_box(seal_png: bytes) -> None:
    out = stamp(make_pdf(), [SealMark(1, 100, 100, 120, 60, seal_png)])
    [(width, height, _, _)] = _drawn_images(out)
    assert (width, height) == (pytest.approx(60), pytest.approx(60))


def test_filled_text_with_a_character_ipaex_lacks_uses_the_fallback_font(
    jp_pdf: bytes, tmp_path: Path
) -> None:
    out = stamp(jp_pdf, [TextMark(1, 100, 300, 220, 24, "𠮷田 太郎・髙橋")])
    assert "𠮷田 太郎・髙橋" in pdftotext(out, tmp_path)
    fonts = PdfReader(io.BytesIO(out)).pages[0]["/Resources"]["/Font"]
    names = {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
    assert any("ipamj" in name.lower() for name in names), names
