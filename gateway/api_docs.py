"""The API docs page (/docs, Swagger UI) served without internet.

FastAPI's own page loads Swagger UI from a CDN, so on a machine with no internet it is
blank. The same files ship in the `fastapi-offline` package; we serve them from there
under /docs-static. No /redoc: Redoc fetches its logo from its CDN whatever it is given.
"""

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-static"


def add_api_docs(app: FastAPI) -> None:
    """Mount the assets and the page; create the app with `docs_url=None, redoc_url=None`."""
    folder = files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(folder)), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} — docs",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )
