"""The API's front door, before any byte of a body is read: who calls, may they, how often,
how much, and have they asked this before.

In this order, as one plain ASGI middleware (Starlette's `BaseHTTPMiddleware` would cost
every request): the API key (401 at once, so an anonymous 300 MB body is never read); its
scopes (403); the rate limits of the key and the agency (429, `Retry-After`, and the
`RateLimit-*` headers on every answer); the body's size (413 on its declared length at once,
or as soon as a chunked body passes the bound); then `Idempotency-Key` on POST.
"""

import hashlib
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.idempotency import Claim, IdempotencyRecords, Outcome, request_key, valid_key
from gateway.ratelimit import Budget, RateLimiter
from gateway.refusals import GatewayCode, Problem, problem_response
from gateway.tenants import Caller, TenantDirectory
from services.common.settings import Settings

PUBLIC = frozenset({"/api/v1/documents/verify"})
"""Paths anyone may call without a key (a key, when sent, is still checked)."""
MULTIPART_OVERHEAD = 64 * 1024
KEPT_HEADERS = ("content-type", "content-language", "location")


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a body passes its bound; FastAPI lets it through as is."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(413)
        self.problem = problem


class ApiEdge:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        language = headers.get("accept-language")
        state = scope.setdefault("state", {})
        try:
            await self._serve(scope, receive, send, headers)
        except Problem as problem:
            response = problem_response(problem, language)
            extra = [*state.get("rate_headers", []), *getattr(problem, "headers", [])]
            response.raw_headers.extend(extra)
            await response(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        state = scope["app"].state
        caller = await self._caller(state.tenants, scope, headers)
        scope["state"]["caller"] = caller
        extra: list[tuple[bytes, bytes]] = []
        if caller is not None:
            budget = await self._budget(state.limiter, caller)
            extra = scope["state"]["rate_headers"] = _rate_headers(budget)
            if budget.exceeded:
                retry = str(budget.reset_seconds).encode()
                raise _WithHeaders(Problem(GatewayCode.rate_limited), [(b"retry-after", retry)])
        send = _adding(send, extra)
        receive = self._bounded(scope, receive, headers)
        key = headers.get("idempotency-key")
        if caller is None or scope["method"] != "POST" or key is None:
            await self.app(scope, receive, send)
            return
        if not valid_key(key):
            raise Problem(
                GatewayCode.invalid_input,
                errors=[{"loc": ("header", "Idempotency-Key"), "type": "idempotency_key"}],
            )
        await self._once(state.idempotency, caller, key, scope, receive, send)

    async def _caller(
        self, directory: TenantDirectory, scope: Scope, headers: Headers
    ) -> Caller | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if not token.strip() or scheme.lower() != "bearer":
            if scope["path"] in PUBLIC:
                return None
            raise Problem(GatewayCode.api_key_required)
        caller = await directory.caller(token.strip())
        if caller is None:
            raise Problem(GatewayCode.api_key_invalid)
        if not caller.key.allows(scope["method"], scope["path"]):
            raise Problem(GatewayCode.scope_missing)
        return caller

    async def _budget(self, limiter: RateLimiter, caller: Caller) -> Budget:
        per_key = self.settings.rate_limit_per_key
        if caller.key.rate_limit is not None:
            per_key = min(per_key, caller.key.rate_limit)
        return await limiter.hit(
            {
                f"key:{caller.key.key_id}": per_key,
                f"tenant:{caller.tenant.id}": self.settings.rate_limit_per_tenant,
            }
        )

    def _bounded(self, scope: Scope, receive: Receive, headers: Headers) -> Receive:
        """413 on the declared length now, or once the bytes received pass the bound."""
        if headers.get("content-type", "").startswith("multipart/form-data"):
            limit = self.settings.max_upload_bytes + MULTIPART_OVERHEAD
            mb = self.settings.max_upload_bytes // (1024 * 1024)
            problem = Problem(GatewayCode.file_too_large, limit_mb=mb)
        else:
            limit = self.settings.max_json_bytes
            problem = Problem(GatewayCode.body_too_large, limit_kb=limit // 1024)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise problem
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(problem)
            return message

        return counted

    async def _once(
        self,
        records: IdempotencyRecords,
        caller: Caller,
        key: str,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        claim = await records.claim(caller.tenant.id, key, f"POST {scope['path']}")
        if claim.outcome is Outcome.reused:
            raise Problem(GatewayCode.idempotency_key_reused)
        if claim.outcome is Outcome.busy:
            busy = Problem(GatewayCode.idempotency_in_progress)
            raise _WithHeaders(busy, [(b"retry-after", b"1")])
        digest = hashlib.sha256()
        hashing = _hashing(receive, digest)
        if claim.outcome is Outcome.replay:
            await _drain(hashing)
            if digest.hexdigest() != claim.record["body_sha256"]:
                raise Problem(GatewayCode.idempotency_key_reused)
            await _replay(claim, send)
            return
        answer = _Recorder(send)
        token = request_key.set(claim.record["id"])
        try:
            await self.app(scope, hashing, answer.send)
        except BaseException:
            await records.release(claim)
            raise
        finally:
            request_key.reset(token)
        if answer.status is None or answer.status >= 500 or answer.status == 413:
            await records.release(claim)
            return
        try:
            await _drain(hashing)
        except BodyTooLarge:
            await records.release(claim)
            return
        await records.finish(
            claim, digest.hexdigest(), answer.status, answer.kept_headers(), bytes(answer.body)
        )


class _WithHeaders(Problem):
    """A problem answered with extra headers (Retry-After, RateLimit-*)."""

    def __init__(self, problem: Problem, headers: list[tuple[bytes, bytes]]) -> None:
        super().__init__(problem.code, problem.field_errors, **problem.params)
        self.headers = headers


def _rate_headers(budget: Budget) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(budget.limit).encode()),
        (b"ratelimit-remaining", str(budget.remaining).encode()),
        (b"ratelimit-reset", str(budget.reset_seconds).encode()),
    ]


def _adding(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    if not extra:
        return send

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


def _hashing(receive: Receive, digest: Any) -> Receive:
    done = False

    async def hashed() -> Message:
        nonlocal done
        if done:
            return {"type": "http.request", "body": b"", "more_body": False}
        message = await receive()
        if message["type"] == "http.request":
            digest.update(message.get("body", b""))
            done = not message.get("more_body", False)
        return message

    return hashed


async def _drain(receive: Receive) -> None:
    """Read what the app left of the body (bounded by `receive` itself)."""
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _replay(claim: Claim, send: Send) -> None:
    status, headers, body = claim.answer()
    headers = [*headers, (b"idempotent-replayed", b"true")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class _Recorder:
    """Passes the answer through and keeps a copy of it."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")
        await self._send(message)

    def kept_headers(self) -> list[tuple[str, str]]:
        return [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, v in self.headers
            if k.decode("latin-1").lower() in KEPT_HEADERS
        ]


IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: the same key with the same body within 24 h creates nothing and "
        "answers the first answer again; with another body, 422; while the first runs, 409."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}


EDGE_STATUSES = ("400", "401", "413", "429")
"""What the edge may answer on any operation, before or beside the route."""


def describe_edge(schema: dict[str, Any]) -> dict[str, Any]:
    """Every POST of the API takes `Idempotency-Key`, and a public path's key is optional;
    the document says so."""
    for path, methods in schema.get("paths", {}).items():
        for operation in methods.values() if path.startswith("/api/") else ():
            responses = operation.get("responses", {})
            problem = responses.get("422")
            for status in EDGE_STATUSES if problem else ():
                responses.setdefault(status, problem)
        if path in PUBLIC:
            for operation in methods.values():
                security = operation.get("security", [])
                if {} not in security:
                    operation["security"] = [{}, *security]
        post = methods.get("post")
        if path.startswith("/api/") and path not in PUBLIC and post is not None:
            parameters = post.setdefault("parameters", [])
            if IDEMPOTENCY_PARAMETER not in parameters:
                parameters.append(IDEMPOTENCY_PARAMETER)
    return schema
