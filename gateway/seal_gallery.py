"""The dev seal gallery: every seal style over a varied set of real names, drawn by the
seal service, so people can judge the 印影 by eye (S5). Refused names show their reason."""

import asyncio
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from gateway.backends import Backends
from gateway.refusals import GatewayCode, Problem
from services.common.commands import DrawSeal
from services.common.values import PartyKind, PartyRole

router = APIRouter(prefix="/dev", include_in_schema=False)
GALLERY_TENANT = "dev-gallery"
PX_PER_MM = 6
"""Shown at about 1.6× life size on a desktop screen (96 CSS px per inch)."""


@dataclass(frozen=True)
class Sample:
    name: str
    kind: PartyKind = "individual"
    role: PartyRole | None = None


SECTIONS: tuple[tuple[str, str, tuple[Sample, ...]], ...] = (
    (
        "認印（個人・丸印）",
        "姓だけを縦書きで。1〜4文字で面を埋めます。",
        tuple(
            Sample(n)
            for n in (
                "佐藤 一郎",
                "𠮷田 太郎",
                "佐々木花子",
                "長谷川 健",
                "勅使河原宏",
                "東",
                "林真理子",
                "髙橋 一生",
                "渡邊 恵",
                "小鳥遊 五郎",
                "John Smith",
                "スミス",
                "ジョン・ウィリアムズ",
            )
        ),
    ),
    (
        "取引士印（宅地建物取引士）",
        "役割が「担当者（取引士）」の人。氏名を二行で、二重の枠に。",
        tuple(
            Sample(n, role="agent")
            for n in ("鈴木 一郎", "佐々木 花子", "𠮷田 太郎", "東 聡", "John Smith")
        ),
    ),
    (
        "角印（法人）",
        "会社名の全文に「之印」「印」を加え、右の列から縦に読みます。名前は切りません。",
        tuple(
            Sample(n, kind="corporation")
            for n in (
                "三井不動産リアルティ株式会社",
                "株式会社山田不動産",
                "有限会社森",
                "ABC不動産",
                "住友不動産販売株式会社",
                "株式会社東日本ハウジングサービス管理センター",
                "Sakura Realty Co., Ltd.",
            )
        ),
    ),
    (
        "代表者印（法人・実印）",
        "外周に会社名、内側に役職名。",
        tuple(
            Sample(n, kind="corporation_registered")
            for n in (
                "三井不動産リアルティ株式会社",
                "株式会社山田不動産",
                "有限会社森",
                "株式会社東日本ハウジングサービス管理センター",
            )
        ),
    ),
    (
        "使えない名前（理由つきで断ります）",
        "書体にない文字、制御文字、絵文字、空白だけの名前。",
        tuple(Sample(n) for n in ("山田😀", "佐\u202e藤", "क्षत्रिय", "\u3000 ", "佐\u200b藤")),
    ),
)


def _backends(request: Request) -> Backends:
    return request.app.state.backends


def _visible(name: str) -> str:
    """A refused name as a person can read it: invisible or undrawable characters as U+XXXX."""
    out = []
    for ch in name:
        plain = (ch.isascii() and ch.isprintable()) or "\u3000" <= ch <= "\u9fff"
        out.append(ch if plain and ch != "\u3000" else f"<U+{ord(ch):04X}>")
    return "".join(out)


def _shown(request: Request) -> set[str]:
    state = request.app.state
    if getattr(state, "gallery_blobs", None) is None:
        state.gallery_blobs = set()
    return state.gallery_blobs


async def _draw(request: Request, sample: Sample) -> dict[str, Any]:
    query = DrawSeal(
        tenant_id=GALLERY_TENANT, name=sample.name, party_kind=sample.kind, role=sample.role
    )
    try:
        seal = await _backends(request).ask("seal", query)
    except Problem as exc:
        return {"name": _visible(sample.name), "error": exc.message("ja"), "code": exc.code}
    _shown(request).add(seal.blob_id)
    return {"name": sample.name, "seal": seal, "width": seal.size_mm * PX_PER_MM}


@router.get("/seals", response_class=HTMLResponse)
async def gallery(request: Request) -> HTMLResponse:
    sections = []
    for title, hint, samples in SECTIONS:
        drawn = await asyncio.gather(*(_draw(request, s) for s in samples))
        sections.append({"title": title, "hint": hint, "samples": drawn})
    return request.app.state.templates.TemplateResponse(
        request, "dev/seals.html", {"sections": sections}
    )


@router.get("/seals/image/{blob_id}")
async def gallery_image(request: Request, blob_id: str) -> StreamingResponse:
    """Only images this page drew: the dev page is not a door to every blob."""
    if blob_id not in _shown(request):
        raise Problem(GatewayCode.not_found)
    return StreamingResponse(await _backends(request).open_blob(blob_id), media_type="image/png")
