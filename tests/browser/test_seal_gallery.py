"""The dev seal gallery in a real browser (S5): every style over varied names is drawn by
the running seal service, and names that cannot be drawn show their reason code.

`SEAL_GALLERY_SHOT=<path>` keeps the screenshot for a person to look at."""

import os
from pathlib import Path

import pytest
from playwright.async_api import Browser

pytestmark = pytest.mark.e2e


async def test_s5_gallery_shows_every_style_and_the_refusals(stack, browser: Browser, tmp_path):
    context = await browser.new_context(viewport={"width": 1100, "height": 900}, locale="ja-JP")
    page = await context.new_page()
    response = await page.goto(f"{stack.url}/dev/seals")
    assert response is not None and response.status == 200
    await page.wait_for_function(
        "[...document.querySelectorAll('.seal-sample img')]"
        ".every(i => i.complete && i.naturalWidth)"
    )
    sizes = await page.eval_on_selector_all(
        ".seal-sample img", "els => els.map(e => [e.alt, e.naturalWidth])"
    )
    assert len(sizes) >= 25
    alts = {alt for alt, _ in sizes}
    assert {"𠮷田", "佐々木", "長谷川", "勅使河原", "東", "Smith", "スミス"} <= alts
    assert "三井不動産リアルティ株式会社之印" in alts
    assert "鈴木 一郎" in alts  # the agent seal keeps the full name
    assert {w for _, w in sizes} == {159, 177, 248}
    codes = await page.eval_on_selector_all(".seal-refused", "els => els.map(e => e.dataset.code)")
    assert sorted(codes) == sorted(
        [
            "seal_emoji",
            "seal_control_character",
            "seal_missing_glyph",
            "seal_name_empty",
            "seal_control_character",
        ]
    )
    shot = Path(os.environ.get("SEAL_GALLERY_SHOT", str(tmp_path / "gallery.png")))
    await page.screenshot(path=str(shot), full_page=True)
    missing = await page.request.get(f"{stack.url}/dev/seals/image/{'0' * 64}")
    assert missing.status == 404
    await context.close()
