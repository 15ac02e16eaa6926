"""Refusals as a caller reads them: an HTTP status per code, and a message in their language.

Services refuse with a code and parameters; the gateway adds its own codes (keys, uploads,
unanswered services). One catalogue per language (`ja`, `en`), in the same shape, words
every code; the API answers RFC 9457 problem documents, the signer pages show the Japanese
message.
"""

import string
from collections.abc import Mapping
from enum import StrEnum
from types import ModuleType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from starlette.responses import JSONResponse

from gateway.refusals import en, ja
from services.common.messages import RefusalError
from services.common.refusals import RefusalCode

Language = Literal["ja", "en"]
CATALOGUES: dict[Language, ModuleType] = {"ja": ja, "en": en}
PROBLEM_TYPE = "urn:shomei:problem:"


class GatewayCode(StrEnum):
    api_key_required = "api_key_required"
    api_key_invalid = "api_key_invalid"
    file_too_large = "file_too_large"
    """params: limit_mb."""
    empty_file = "empty_file"
    blob_not_found = "blob_not_found"
    service_unavailable = "service_unavailable"
    """params: service."""
    invalid_input = "invalid_input"
    not_found = "not_found"
    method_not_allowed = "method_not_allowed"
    callback_not_signed = "callback_not_signed"
    callback_invalid = "callback_invalid"
    scope_missing = "scope_missing"
    rate_limited = "rate_limited"
    body_too_large = "body_too_large"
    """params: limit_kb."""
    idempotency_key_reused = "idempotency_key_reused"
    idempotency_in_progress = "idempotency_in_progress"
    bad_request = "bad_request"
    server_error = "server_error"
    api_key_not_found = "api_key_not_found"


Code = RefusalCode | GatewayCode

STATUS: dict[str, int] = {
    RefusalCode.invalid_request: 502,
    RefusalCode.internal_error: 502,
    RefusalCode.busy: 503,
    RefusalCode.upload_not_found: 404,
    RefusalCode.not_pdf: 422,
    RefusalCode.unreadable: 422,
    RefusalCode.encrypted: 422,
    RefusalCode.no_pages: 422,
    RefusalCode.too_many_pages: 422,
    RefusalCode.page_too_large: 422,
    RefusalCode.page_too_small: 422,
    RefusalCode.bad_rotation: 422,
    RefusalCode.decompression_bomb: 422,
    RefusalCode.javascript: 422,
    RefusalCode.embedded_files: 422,
    RefusalCode.document_not_found: 404,
    RefusalCode.page_not_found: 404,
    RefusalCode.not_finished: 409,
    RefusalCode.already_finished: 409,
    RefusalCode.title_required: 422,
    RefusalCode.parties_required: 422,
    RefusalCode.signer_required: 422,
    RefusalCode.envelope_invalid: 422,
    RefusalCode.contact_required: 422,
    RefusalCode.name_blank: 422,
    RefusalCode.name_control_character: 422,
    RefusalCode.name_emoji: 422,
    RefusalCode.name_unsupported_character: 422,
    RefusalCode.recipient_required: 422,
    RefusalCode.person_in_charge_corporation_only: 422,
    RefusalCode.access_code_individual_only: 422,
    RefusalCode.signer_change_not_allowed: 422,
    RefusalCode.own_company_needs_certificate: 422,
    RefusalCode.acquired_on_without_phone: 422,
    RefusalCode.invalid_email: 422,
    RefusalCode.invalid_phone: 422,
    RefusalCode.sms_individual_only: 422,
    RefusalCode.invalid_access_code: 422,
    RefusalCode.unknown_party: 422,
    RefusalCode.field_for_share_only: 422,
    RefusalCode.page_out_of_range: 422,
    RefusalCode.field_off_page: 422,
    RefusalCode.field_size: 422,
    RefusalCode.signature_box_required: 422,
    RefusalCode.envelope_not_found: 404,
    RefusalCode.invalid_cursor: 422,
    RefusalCode.already_sent: 409,
    RefusalCode.not_signed: 409,
    RefusalCode.envelope_closed: 409,
    RefusalCode.party_not_asked: 409,
    RefusalCode.rerequest_too_soon: 429,
    RefusalCode.link_invalid: 404,
    RefusalCode.party_not_found: 404,
    RefusalCode.no_access_code: 409,
    RefusalCode.wrong_access_code: 403,
    RefusalCode.party_locked: 423,
    RefusalCode.party_declined: 409,
    RefusalCode.party_replaced: 410,
    RefusalCode.consent_not_applicable: 409,
    RefusalCode.consent_already_answered: 409,
    RefusalCode.id_document_not_asked: 422,
    RefusalCode.id_documents_missing: 409,
    RefusalCode.access_code_required: 403,
    RefusalCode.already_signed: 409,
    RefusalCode.not_your_turn: 409,
    RefusalCode.text_required: 422,
    RefusalCode.check_required: 422,
    RefusalCode.invalid_seal_text: 422,
    RefusalCode.seal_name_empty: 422,
    RefusalCode.seal_control_character: 422,
    RefusalCode.seal_emoji: 422,
    RefusalCode.seal_missing_glyph: 422,
    RefusalCode.seal_not_found: 404,
    RefusalCode.seal_image_unsupported: 422,
    RefusalCode.seal_image_too_large: 413,
    RefusalCode.seal_image_dimensions: 422,
    RefusalCode.seal_image_blank: 422,
    GatewayCode.api_key_required: 401,
    GatewayCode.api_key_invalid: 401,
    GatewayCode.file_too_large: 413,
    GatewayCode.empty_file: 422,
    GatewayCode.blob_not_found: 404,
    GatewayCode.service_unavailable: 503,
    GatewayCode.invalid_input: 422,
    GatewayCode.not_found: 404,
    GatewayCode.method_not_allowed: 405,
    GatewayCode.callback_not_signed: 403,
    GatewayCode.callback_invalid: 400,
    GatewayCode.scope_missing: 403,
    GatewayCode.rate_limited: 429,
    GatewayCode.body_too_large: 413,
    GatewayCode.idempotency_key_reused: 422,
    GatewayCode.idempotency_in_progress: 409,
    GatewayCode.bad_request: 400,
    GatewayCode.server_error: 500,
    GatewayCode.api_key_not_found: 404,
    RefusalCode.webhook_not_found: 404,
    RefusalCode.delivery_not_found: 404,
    RefusalCode.invalid_webhook_url: 422,
    RefusalCode.webhook_url_forbidden: 422,
    RefusalCode.invalid_event_types: 422,
}


class FieldProblem(BaseModel):
    """One field's problem (RFC 9457 extension member `errors`)."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    pointer: str
    """JSON Pointer (RFC 6901) into the request body, e.g. `/parties/1/email`."""
    code: str
    """Stable, machine-readable reason."""
    detail: str
    """The problem, in the caller's language."""


class ProblemDetails(BaseModel):
    """An error, as RFC 9457 `application/problem+json`."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    type: str
    """`urn:shomei:problem:<code>`: the same for every occurrence of the problem."""
    title: str
    """Short summary of the status, in the caller's language."""
    status: int
    """The HTTP status code."""
    detail: str
    """What went wrong and what to do, in the caller's language (Accept-Language; Japanese
    unless English is asked for)."""
    code: str
    """Stable, machine-readable reason; branch on this, not on the text."""
    params: dict[str, str | int] = {}
    """The values in the message: party and field indexes (from 0), limits, tries left …"""
    errors: list[FieldProblem] = []
    """The fields at fault, when there are any."""


class Problem(Exception):
    """A refusal on its way to the caller: code, parameters and the fields at fault."""

    def __init__(
        self,
        code: Code,
        errors: list[dict[str, Any]] | None = None,
        refusals: list[RefusalError] | None = None,
        **params: str | int,
    ) -> None:
        super().__init__(str(code))
        self.code = code
        self.params = params
        self.field_errors = errors or []
        """Pydantic-style errors (`loc`, `type`, `ctx`), for invalid input."""
        self.refusals = refusals or []
        """A service's problems answered at once, each with its party or field."""

    @property
    def status(self) -> int:
        return STATUS[self.code]

    def message(self, language: Language = "ja") -> str:
        return describe(self.code, self.params, language)

    def details(self, language: Language) -> ProblemDetails:
        catalogue = CATALOGUES[language]
        return ProblemDetails(
            type=PROBLEM_TYPE + self.code,
            title=catalogue.TITLES[self.status],
            status=self.status,
            detail=self.message(language),
            code=self.code,
            params=self.params,
            errors=self._errors(language),
        )

    def _errors(self, language: Language) -> list[FieldProblem]:
        problems = [_field_problem(e, language) for e in self.field_errors]
        problems += [_refusal_problem(e, language) for e in self.refusals]
        for key, collection in (("party", "parties"), ("field", "fields")):
            if isinstance(self.params.get(key), int):
                problems.append(
                    FieldProblem(
                        pointer=f"/{collection}/{self.params[key]}",
                        code=self.code,
                        detail=self.message(language),
                    )
                )
        return problems


def problem_response(problem: Problem, accept_language: str | None) -> JSONResponse:
    """RFC 9457 `application/problem+json`, in the caller's language."""
    lang = language(accept_language)
    return JSONResponse(
        problem.details(lang).model_dump(mode="json"),
        status_code=problem.status,
        media_type="application/problem+json",
        headers={"Content-Language": lang},
    )


def language(accept_language: str | None) -> Language:
    """English only when the caller prefers it to Japanese; Japanese otherwise."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower().split("-")[0]))
    for _, _, tag in sorted(ranked):
        if tag in CATALOGUES:
            return tag  # type: ignore[return-value]
    return "ja"


class _Formatter(string.Formatter):
    """`{label:or 入力欄}` falls back to the text after "or " when the value is empty."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith("or "):
            return str(value) if value not in ("", None) else format_spec[3:]
        return super().format_field(value, format_spec)


_FORMAT = _Formatter()


def describe(code: str, params: Mapping[str, str | int], language: Language = "ja") -> str:
    catalogue = CATALOGUES[language]
    values: dict[str, Any] = dict(params)
    for key in ("party", "field"):
        if isinstance(values.get(key), int):
            values[f"{key}_number"] = values[key] + 1
    role = catalogue.ROLES.get(str(values.get("role")))
    if role:
        values["party_label"] = " ".join(filter(None, (role, str(values.get("party_name", "")))))
    elif "party_number" in values:
        values["party_label"] = catalogue.PARTY.format(**values)
    try:
        return _FORMAT.vformat(CATALOGUES[language].MESSAGES[code], (), values)
    except (KeyError, IndexError, ValueError):
        return CATALOGUES[language].MESSAGES.get(code, code)


def _refusal_problem(error: RefusalError, language: Language) -> FieldProblem:
    """`/parties/1/email` or `/fields/3`: where in the request body the problem lies."""
    parts: list[str] = []
    if error.party is not None:
        parts = ["parties", str(error.party)]
    elif error.field is not None:
        parts = ["fields", str(error.field)]
    if error.input:
        parts.append(error.input)
    params: dict[str, str | int] = dict(error.params)
    for key in ("party", "field"):
        if getattr(error, key) is not None:
            params[key] = getattr(error, key)
    return FieldProblem(
        pointer="/" + "/".join(parts),
        code=error.code,
        detail=describe(error.code, params, language),
    )


def _field_problem(error: Mapping[str, Any], language: Language) -> FieldProblem:
    catalogue = CATALOGUES[language]
    loc = [str(part) for part in error.get("loc", ())]
    if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
        loc = loc[1:]
    kind = str(error.get("type", ""))
    template = catalogue.FIELD_MESSAGES.get(kind, catalogue.FIELD_FALLBACK)
    try:
        detail = template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        detail = catalogue.FIELD_FALLBACK
    return FieldProblem(
        pointer="/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in loc),
        code=kind,
        detail=detail,
    )
