"""A company's own seal image (S17): PNG or JPEG of bounded size, cut from white paper."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from services.common.messages import Refused
from services.common.refusals import RefusalCode
from services.seal.drawing import INK_RGB
from services.seal.uploads import MAX_BYTES, prepare_uploaded_seal


def _scan(fmt: str = "PNG", ink=(205, 35, 45), size=(400, 400), paper=(252, 251, 247)) -> bytes:
    image = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((w * 0.2, h * 0.2, w * 0.8, h * 0.8), outline=ink, width=max(2, w // 25))
    draw.line((w * 0.5, h * 0.25, w * 0.5, h * 0.75), fill=ink, width=max(2, w // 30))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def _rgba(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def test_s17_white_paper_becomes_transparent_and_red_ink_keeps_its_colour() -> None:
    png, w, h = prepare_uploaded_seal(_scan())
    rgba = _rgba(png)
    assert rgba.shape[:2] == (h, w) and w < 400  # cut to the seal
    assert rgba[0, 0, 3] == 0
    solid = rgba[rgba[..., 3] > 200]
    assert len(solid) > 100
    assert tuple(int(v) for v in np.median(solid[:, :3], axis=0)) == (205, 35, 45)


def test_s17_black_ink_of_a_jpeg_scan_is_tinted_seal_red() -> None:
    png, _, _ = prepare_uploaded_seal(_scan("JPEG", ink=(20, 20, 25)))
    solid = _rgba(png)
    solid = solid[solid[..., 3] > 200]
    assert (solid[:, :3] == INK_RGB).all()


def test_s17_a_large_scan_is_reduced_once() -> None:
    _, w, h = prepare_uploaded_seal(_scan(size=(2000, 2000)))
    assert max(w, h) <= 600


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", RefusalCode.seal_image_unsupported),
        (b"GIF89a not really", RefusalCode.seal_image_unsupported),
        (b"x" * (MAX_BYTES + 1), RefusalCode.seal_image_too_large),
    ],
)
def test_s17_bad_files_are_refused_with_a_reason(data: bytes, code: RefusalCode) -> None:
    with pytest.raises(Refused) as caught:
        prepare_uploaded_seal(data)
    assert caught.value.code is code


def test_s17_other_formats_and_sizes_and_blank_paper_are_refused() -> None:
    gif = io.BytesIO()
    Image.new("RGB", (100, 100), "red").save(gif, format="GIF")
    cases = [
        (gif.getvalue(), RefusalCode.seal_image_unsupported),
        (_scan(size=(30, 30)), RefusalCode.seal_image_dimensions),
        (_scan(size=(3000, 100)), RefusalCode.seal_image_dimensions),
        (_scan(ink=(252, 251, 247)), RefusalCode.seal_image_blank),
    ]
    for data, code in cases:
        with pytest.raises(Refused) as caught:
            prepare_uploaded_seal(data)
        assert caught.value.code is code


@pytest.mark.parametrize("size_mm", [18.0, 21.0, 42.0])
def test_s17_the_cleaned_png_says_its_size_on_paper_for_stamping(size_mm: float) -> None:
    png, w, h = prepare_uploaded_seal(_scan(size=(500, 300)), size_mm)
    dpi_x, dpi_y = Image.open(io.BytesIO(png)).info["dpi"]
    assert dpi_x == pytest.approx(dpi_y)
    assert max(w, h) / dpi_x * 25.4 == pytest.approx(size_mm, abs=0.01)
