"""Refusals as data: every code the services can raise has a status and a message in each
language, and reaches the caller as a problem document or a Japanese page, never a 500."""

import ast
import string
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.refusals import CATALOGUES, STATUS, GatewayCode, describe, language
from gateway.signer.link import NOT_FOUND
from services.common.answers import answer_queries
from services.common.bus import make_broker
from services.common.commands import OpenSignerLink
from services.common.messages import Refused
from services.common.queries import GetEnvelope
from services.common.refusals import RefusalCode
from services.common.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
ALL_CODES = {str(c) for c in RefusalCode} | {str(c) for c in GatewayCode}
SAMPLE_PARAMS: dict[str, dict[str, str | int]] = {
    "too_many_pages": {"max_pages": 200, "pages": 201},
    "page_too_large": {"page": 1, "width": 14400, "height": 14400, "limit": 5000},
    "page_too_small": {"page": 1, "width": 20, "height": 20, "limit": 144},
    "bad_rotation": {"page": 2},
    "field_size": {"field": 0, "min": 8, "max": 1200},
    "page_not_found": {"page": 3},
    "contact_required": {"party": 1},
    "invalid_email": {"party": 1},
    "invalid_phone": {"party": 1},
    "sms_individual_only": {"party": 1},
    "invalid_access_code": {"party": 1},
    "unknown_party": {"field": 0},
    "field_for_share_only": {"field": 0},
    "page_out_of_range": {"field": 0, "page": 3},
    "field_off_page": {"field": 0},
    "signature_box_required": {"party": 0, "party_name": "佐藤 一郎"},
    "wrong_access_code": {"attempts_left": 2},
    "envelope_invalid": {"count": 3},
    "name_blank": {"party": 0, "role": "tenant"},
    "name_control_character": {"party": 0, "role": "tenant", "character": "U+202E"},
    "name_emoji": {"party": 0, "role": "tenant", "character": "U+1F600"},
    "name_unsupported_character": {"party": 0, "role": "landlord", "character": "U+05D0"},
    "recipient_required": {"party": 2, "role": "other", "party_name": "ABC家賃保証株式会社"},
    "person_in_charge_corporation_only": {"party": 0},
    "access_code_individual_only": {"party": 0},
    "signer_change_not_allowed": {"party": 0},
    "own_company_needs_certificate": {"party": 0},
    "acquired_on_without_phone": {"party": 0},
    "envelope_closed": {"envelope_status": "cancelled"},
    "party_not_asked": {"party_name": "佐藤 一郎"},
    "rerequest_too_soon": {"party_name": "佐藤 一郎", "seconds": 120},
    "text_required": {"field_id": "f1", "label": "住所"},
    "check_required": {"field_id": "f1", "label": ""},
    "file_too_large": {"limit_mb": 20},
    "service_unavailable": {"service": "signing"},
    "seal_control_character": {"code_point": "U+202E"},
    "seal_missing_glyph": {"code_point": "U+0915"},
    "seal_image_too_large": {"limit_mb": 2},
    "seal_image_dimensions": {"min_px": 48, "max_px": 2400},
    "body_too_large": {"limit_kb": 1024},
    "invalid_event_types": {"allowed": "envelope.sent, party.signed"},
    "webhook_url_forbidden": {"reason": "private", "address": "10.0.0.5"},
}
DERIVED = {"party_number": "party", "field_number": "field", "party_label": "party"}
"""`party_label` is the role and name (「借主 佐藤 一郎」) when given, else 送信先N."""


def placeholders(template: str) -> set[str]:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return {DERIVED.get(name, name) for name in names}


IMPLIED = {"_error": {"party", "role", "party_name"}, "error": {"field"}}
"""Helpers that build a `RefusalError` and the parameters they always add."""


def _params_of(node: ast.Call) -> set[str]:
    """Keyword names, plus the keys of a literal `params={...}` of a `RefusalError`."""
    names = {k.arg for k in node.keywords if k.arg and k.arg not in ("code", "params")}
    for k in node.keywords:
        if k.arg == "params" and isinstance(k.value, ast.Dict):
            names |= {key.value for key in k.value.keys if isinstance(key, ast.Constant)}
    return names


def raised_in_services() -> dict[str, list[set[str]]]:
    """Each `Refused(RefusalCode.x, **params)` in the services, and each problem of a list
    (`RefusalError(code=RefusalCode.x, …)` or its helpers): code → params of each site."""
    sites: dict[str, list[set[str]]] = {}
    for path in (ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None)
            where = f"{path}:{node.lineno}"
            if name == "RefusalError" or name in IMPLIED:
                code = next((k.value for k in node.keywords if k.arg == "code"), None)
                code = code or (node.args[0] if node.args else None)
                if (
                    isinstance(code, ast.Attribute)
                    and getattr(code.value, "id", "") == "RefusalCode"
                ):
                    sites.setdefault(code.attr, []).append(
                        _params_of(node) | IMPLIED.get(name, set())
                    )
                continue
            if name != "Refused":
                continue
            first = node.args[0]
            assert not isinstance(first, ast.Constant), f"{where}: a literal, not a RefusalCode"
            if not isinstance(first, ast.Attribute):  # a PDF's code: checked by its own test
                continue
            assert getattr(first.value, "id", "") == "RefusalCode", where
            sites.setdefault(first.attr, []).append({k.arg for k in node.keywords if k.arg})
    return sites


def test_every_code_has_a_status_and_a_message_in_every_language_with_the_same_values():
    assert set(STATUS) == ALL_CODES
    shapes = {lang: placeholders_by_code(c) for lang, c in CATALOGUES.items()}
    for lang, catalogue in CATALOGUES.items():
        assert set(catalogue.MESSAGES) == ALL_CODES, lang
        assert set(catalogue.TITLES) >= set(STATUS.values()), lang
        assert set(catalogue.FIELD_MESSAGES) == set(CATALOGUES["ja"].FIELD_MESSAGES), lang
        assert shapes[lang] == shapes["ja"], lang


def placeholders_by_code(catalogue) -> dict[str, set[str]]:
    return {code: placeholders(text) for code, text in catalogue.MESSAGES.items()}


def test_every_code_the_services_raise_is_in_the_catalogue_with_the_values_it_needs():
    sites = raised_in_services()
    assert len(sites) > 30
    for code, params_of_each_site in sites.items():
        assert code in RefusalCode.__members__, code
        needed = placeholders(CATALOGUES["ja"].MESSAGES[code])
        for params in params_of_each_site:
            assert needed <= params, (code, needed, params)
        assert STATUS[code] < 500, code


def test_pdf_inspection_codes_are_refusal_codes():
    from services.document.inspection import CODES

    assert set(CODES) <= set(RefusalCode.__members__)


@pytest.mark.parametrize("code", sorted(ALL_CODES))
def test_every_message_fills_all_its_values(code):
    for lang in CATALOGUES:
        text = describe(code, SAMPLE_PARAMS.get(code, {}), lang)
        assert text and "{" not in text and "}" not in text, (lang, text)


def test_an_empty_label_falls_back_to_the_word_for_the_field():
    assert (
        describe("check_required", {"label": ""}, "ja") == "「チェック欄」にチェックしてください。"
    )
    assert describe("text_required", {"label": "住所"}, "ja") == "「住所」を入力してください。"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "ja"),
        ("", "ja"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("ja,en;q=0.8", "ja"),
        ("fr-FR,en;q=0.5", "en"),
        ("en;q=0.2,ja;q=0.9", "ja"),
        ("de", "ja"),
    ],
)
def test_the_language_is_the_caller_s_preferred_one_japanese_by_default(header, expected):
    assert language(header) == expected


@pytest.fixture
async def refusing_gateway(amqp_url, tmp_path):
    """The real gateway, and a signing service on the real broker that refuses every ask
    with the code it is asked about."""
    settings = Settings(
        amqp_url=amqp_url, var_dir=tmp_path, store=f"sqlite:///{tmp_path}", demo_api_key="k" * 20
    )
    broker = make_broker(settings, "signing")

    def refuse(code: str) -> Refused:
        return Refused(RefusalCode(code), **SAMPLE_PARAMS.get(code, {}))

    async def get(q: GetEnvelope):
        raise refuse(q.envelope_id)

    async def open_link(q: OpenSignerLink):
        raise refuse(q.token)

    answer_queries(broker, "signing", {GetEnvelope: get, OpenSignerLink: open_link})
    app = create_app(settings)
    async with broker, app.router.lifespan_context(app):
        await broker.start()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            yield client


async def test_each_refusal_reaches_the_api_as_a_problem_and_the_pages_in_japanese(
    refusing_gateway,
):
    auth = {"Authorization": "Bearer " + "k" * 20}
    for code in RefusalCode:
        for lang, words in (("ja", "ja"), ("en-GB", "en")):
            response = await refusing_gateway.get(
                f"/api/v1/envelopes/{code}", headers={**auth, "Accept-Language": lang}
            )
            assert response.status_code == STATUS[code] != 500, code
            assert response.headers["content-type"] == "application/problem+json"
            problem = response.json()
            assert problem["code"] == code and problem["status"] == STATUS[code]
            assert problem["type"].endswith(code) and problem["title"]
            assert problem["detail"] == describe(code, SAMPLE_PARAMS.get(code, {}), words)
        page = await refusing_gateway.get(f"/s/{code}")
        assert page.status_code == STATUS[code], code
        assert page.headers["content-type"].startswith("text/html")
        shown = RefusalCode.link_invalid if code in NOT_FOUND else code
        assert describe(shown, SAMPLE_PARAMS.get(shown, {}), "ja") in page.text


async def test_a_field_refusal_points_at_the_party_in_the_body(refusing_gateway):
    response = await refusing_gateway.get(
        "/api/v1/envelopes/invalid_email", headers={"Authorization": "Bearer " + "k" * 20}
    )
    assert response.json()["errors"] == [
        {
            "pointer": "/parties/1",
            "code": "invalid_email",
            "detail": "送信先2：メールアドレスの形式が正しくありません",
        }
    ]


async def test_gateway_refusals_are_problems_in_the_caller_s_language(refusing_gateway):
    anonymous = await refusing_gateway.get("/api/v1/envelopes/x")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "api_key_required"
    assert anonymous.json()["detail"].startswith("APIキー")
    wrong = await refusing_gateway.get(
        "/api/v1/envelopes/x", headers={"Authorization": "Bearer nope", "Accept-Language": "en"}
    )
    assert wrong.json()["code"] == "api_key_invalid"
    assert wrong.json()["detail"] == "The API key is not valid."
    missing = await refusing_gateway.get(
        "/api/v1/nothing-here", headers={"Authorization": "Bearer " + "k" * 20}
    )
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


async def test_invalid_input_lists_each_field_with_a_pointer(refusing_gateway):
    auth = {"Authorization": "Bearer " + "k" * 20}
    body = {
        "title": "契約",
        "document_id": "d",
        "parties": [{"name": "佐藤", "email": "a@example.jp", "nickname": "x"}],
        "fields": [{"party": 0, "page": 0, "x": 1, "y": 1, "width": 5, "height": 5}],
        "colour": "red",
    }
    response = await refusing_gateway.post("/api/v1/envelopes", json=body, headers=auth)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid_input"
    assert response.headers["content-type"] == "application/problem+json"
    errors = {e["pointer"]: e for e in problem["errors"]}
    assert errors["/colour"]["code"] == "extra_forbidden"
    assert errors["/parties/0/nickname"]["code"] == "extra_forbidden"
    assert errors["/fields/0/page"]["detail"] == "1以上の値にしてください。"
    english = await refusing_gateway.post(
        "/api/v1/envelopes", json=body, headers={**auth, "Accept-Language": "en"}
    )
    assert {e["detail"] for e in english.json()["errors"]} >= {"Must be at least 1."}
