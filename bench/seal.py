"""Benchmark: CPU ms per seal drawn (uncached) per style at the default sizes, beside a
bare Pillow baseline (one glyph in one circle, PNG) in the same run, and cached lookups/s
through the seal handlers on a real SQLite store. Figures only: nothing passes or fails.

    uv run python -m bench.seal [--n 200]

Each uncached draw uses a different name, so no seal is reused; fonts stay open between
draws as they do in the running service. "cold" clears the per-process memo of fitted
characters before every draw (no character ever drawn before); "warm" keeps it, as the
service does (株式会社 and the 代表取締役印 title recur at the same cell size).
"""

import argparse
import asyncio
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from bench.stats import percentile
from services.common.blobstore.folder import FolderBlobStore
from services.common.commands import DrawSeal
from services.common.fonts import faces, pillow_font
from services.common.store import open_store
from services.seal.drawing import _fitted_ink, draw_seal
from services.seal.handlers import SealHandlers
from services.seal.model import SealStyle, mm_to_px, spec_for_party
from services.seal.repository import COLLECTIONS

SURNAMES = "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 清水 山崎 森 池田 橋本 阿部 石川 長谷川 勅使河原 𠮷田 東 五十嵐".split()  # noqa: E501
GIVEN = "一郎 花子 翔太 陽菜 誠 美咲 大輔 結衣 健 恵".split()
COMPANIES = [
    "株式会社山田不動産",
    "三井不動産リアルティ株式会社",
    "有限会社森",
    "東日本ハウジング株式会社",
    "株式会社さくら住宅販売",
    "ABC不動産",
    "大和ハウス工業株式会社",
]
STYLES: dict[SealStyle, tuple[str, str | None]] = {
    SealStyle.personal_round: ("individual", None),
    SealStyle.agent: ("individual", "agent"),
    SealStyle.corporate_square: ("corporation", None),
    SealStyle.corporate_round: ("corporation_registered", None),
}


def names_for(style: SealStyle, n: int) -> list[str]:
    """n different names (a numbered branch makes company names unique)."""
    if style in (SealStyle.corporate_square, SealStyle.corporate_round):
        branches = "一二三四五六七八九十"
        return [
            f"{COMPANIES[i % len(COMPANIES)]}{branches[i // len(COMPANIES) % 10]}" for i in range(n)
        ]
    return [
        f"{SURNAMES[i % len(SURNAMES)]} {GIVEN[i // len(SURNAMES) % len(GIVEN)]}{i}"
        for i in range(n)
    ]


def cpu_ms(work: Callable[[], Any]) -> float:
    start = time.thread_time()
    work()
    return (time.thread_time() - start) * 1000


def baseline(size_px: int) -> bytes:
    """The least a seal can cost in Pillow: one ring, one glyph, one PNG."""
    font = pillow_font(faces()[0], round(size_px * 0.6))
    image = Image.new("RGBA", (size_px, size_px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, size_px - 4, size_px - 4), outline=(212, 53, 43, 255), width=8)
    draw.text((size_px / 2, size_px / 2), "佐", font=font, fill=(212, 53, 43, 255), anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def cached_lookups(n: int) -> float:
    """Each lookup as the runtime runs a command: one unit of work, committed."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'db'}", "seal", COLLECTIONS)
        blobs = FolderBlobStore(Path(tmp) / "blobs")
        await store.open()
        await blobs.open()
        handlers = SealHandlers(blobs)
        ask = DrawSeal(tenant_id="bench", name="佐藤 一郎")

        async def draw() -> None:
            async with store.unit_of_work() as uow:
                await handlers.draw(ask, uow)
                await uow.commit()

        await draw()
        start = time.perf_counter()
        for _ in range(n):
            await draw()
        elapsed = time.perf_counter() - start
        await store.close()
        return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.seal")
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    draw_seal(spec_for_party("佐藤 一郎", "individual"))  # open the fonts once
    print(f"uncached draws, {args.n} different names per style, CPU ms per seal")
    print(f"{'style':18} {'size':>15} {'cold p50':>9} {'p99':>7} {'warm p50':>9} {'p99':>7}")
    for px in (mm_to_px(15), mm_to_px(21)):
        times = [cpu_ms(lambda px=px: baseline(px)) for _ in range(args.n)]
        p50, p99 = percentile(times, 50), percentile(times, 99)
        print(f"{'pillow baseline':18} {f'{px} px':>15} {p50:9.2f} {p99:7.2f}")
    for style, (kind, role) in STYLES.items():
        specs = [spec_for_party(name, kind, role) for name in names_for(style, args.n)]
        cold = []
        for spec in specs:
            _fitted_ink.cache_clear()
            cold.append(cpu_ms(lambda spec=spec: draw_seal(spec)))
        warm = [cpu_ms(lambda spec=spec: draw_seal(spec)) for spec in reversed(specs)]
        label = f"{specs[0].size_mm:g} mm {specs[0].size_px} px"
        print(
            f"{style.value:18} {label:>15} {percentile(cold, 50):9.2f} {percentile(cold, 99):7.2f}"
            f" {percentile(warm, 50):9.2f} {percentile(warm, 99):7.2f}"
        )
    rate = asyncio.run(cached_lookups(args.n * 5))
    print(f"cached lookups (handler + SQLite store): {rate:,.0f}/s")


if __name__ == "__main__":
    main()
