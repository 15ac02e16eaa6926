"""The gateway: the only HTTP edge — public API, signer pages, dev inbox."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway import callbacks, dev, seal_gallery, verify
from gateway.api import downloads, listing, messages, seals
from gateway.api import keys as api_keys
from gateway.api import pages as page_api
from gateway.api import routes as api
from gateway.api import verify as verify_api
from gateway.api import webhooks as api_webhooks
from gateway.api.common import problems_as_problem_json
from gateway.api.edge import ApiEdge, BodyTooLarge, describe_edge
from gateway.api_docs import add_api_docs
from gateway.backends import Backends
from gateway.console import setup as console
from gateway.idempotency import COLLECTIONS as IDEMPOTENCY_COLLECTIONS
from gateway.idempotency import IdempotencyRecords
from gateway.ratelimit import COLLECTIONS as RATE_COLLECTIONS
from gateway.ratelimit import RateLimiter
from gateway.refusals import GatewayCode, Problem, problem_response
from gateway.signer import routes as signer
from gateway.staff import COLLECTIONS as STAFF_COLLECTIONS
from gateway.sweep import Sweeper
from gateway.tenants import COLLECTIONS, DEMO_TENANT_ID, Tenant, TenantDirectory
from services.common import telemetry
from services.common.blobs import open_blob_store
from services.common.rpc import QueryClient
from services.common.settings import Settings, get_settings
from services.common.store import open_store

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


async def _connect(client: QueryClient, attempts: int = 30) -> None:
    for attempt in range(attempts):
        try:
            await client.connect()
            return
        except (ConnectionError, OSError):
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(1)


HTTP_CODES = {
    400: GatewayCode.bad_request,
    404: GatewayCode.not_found,
    405: GatewayCode.method_not_allowed,
    500: GatewayCode.server_error,
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    telemetry.setup("gateway", settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(
            settings.store,
            "gateway",
            (*COLLECTIONS, *STAFF_COLLECTIONS, *IDEMPOTENCY_COLLECTIONS, *RATE_COLLECTIONS),
        )
        blobs = open_blob_store(settings)
        queries = QueryClient(settings.amqp_url, settings.query_timeout)
        await store.open()
        await blobs.open()
        await _connect(queries)
        app.state.tenants = TenantDirectory(store)
        app.state.limiter = RateLimiter(store, settings.rate_limit_window_seconds)
        app.state.idempotency = IdempotencyRecords(
            store, settings.idempotency_hours, settings.idempotency_lock_seconds
        )
        app.state.backends = Backends(queries, blobs)
        sweeper = Sweeper(store, settings.edge_sweep_seconds)
        sweeper.start()
        if settings.demo_api_key:
            await app.state.tenants.ensure(
                Tenant(
                    id=DEMO_TENANT_ID,
                    name="デモ不動産",
                    contact_email="staff@demo.example",
                    plan_limit=100,
                ),
                settings.demo_api_key,
            )
        await console.start(app, store, settings)
        log.info("gateway ready on %s", settings.public_url)
        yield
        await sweeper.stop()
        await console.stop(app)
        await queries.close()
        await blobs.close()
        await store.close()

    app = FastAPI(
        title="Shomei API",
        version="1",
        description=(
            "Electronic contracts for real-estate agencies (署名依頼).\n\n"
            "Signature boxes are placed in PDF points on the page as displayed (after its "
            "rotation): origin at the top-left corner, y growing downward.\n\n"
            "Errors are RFC 9457 `application/problem+json` documents with a stable `code`, "
            "its `params` and, for field problems, `errors` with JSON pointers into the body; "
            "`detail` is in the caller's language (`Accept-Language: en` for English, "
            "Japanese otherwise). Unknown fields in a request body are refused."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    add_api_docs(app)
    app.state.settings = settings
    plain_openapi = app.openapi
    app.openapi = lambda: describe_edge(problems_as_problem_json(plain_openapi()))  # type: ignore[method-assign]
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(downloads.router)
    app.include_router(seals.router)
    app.include_router(messages.router)
    app.include_router(callbacks.router)
    app.include_router(listing.router)
    app.include_router(api_webhooks.router)
    app.include_router(api_keys.router)
    app.include_router(signer.router)
    app.include_router(dev.router)
    app.include_router(verify_api.router)
    app.include_router(page_api.router)
    app.include_router(verify.router)
    app.include_router(seal_gallery.router)
    console.install(app)

    # The edge wraps the routes directly (a body refused mid-stream is its 413); the span
    # middleware goes outside it.
    app.add_middleware(ApiEdge, settings=settings)
    app.middleware("http")(telemetry.http_span)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(Problem)
    async def refused(request: Request, exc: Problem) -> Response:
        return _problem(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        return _problem(request, Problem(GatewayCode.invalid_input, errors=list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if isinstance(exc, BodyTooLarge):
            return _problem(request, exc.problem)
        code = HTTP_CODES.get(exc.status_code)
        if code is None:
            return await http_exception_handler(request, exc)
        response = _problem(request, Problem(code))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        return _problem(request, Problem(GatewayCode.server_error))

    def _problem(request: Request, problem: Problem) -> Response:
        """RFC 9457 on the API, in the caller's language; a Japanese page elsewhere."""
        if not request.url.path.startswith("/api/"):
            return _error_page(request, problem.status, problem.message("ja"))
        return problem_response(problem, request.headers.get("accept-language"))

    def _error_page(request: Request, status: int, message: str) -> HTMLResponse:
        return app.state.templates.TemplateResponse(
            request, "error.html", {"message": message}, status_code=status
        )

    return app
