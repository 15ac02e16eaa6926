"""The API docs page works on a machine without internet: Swagger UI's files come from
the gateway itself, and the operations render in a real Chromium that may reach nothing
but the gateway."""

from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import Browser, Route

from tests.support.stack import Stack


async def test_api_docs_render_every_operation_with_no_network(
    browser: Browser, stack: Stack, tmp_path: Path
) -> None:
    gateway = urlsplit(stack.url).netloc
    refused: list[str] = []

    async def only_the_gateway(route: Route) -> None:
        if urlsplit(route.request.url).netloc == gateway:
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    try:
        await context.route("**/*", only_the_gateway)
        page = await context.new_page()
        await page.goto(f"{stack.url}/docs")
        operations = page.locator(".opblock-summary-path")
        await operations.first.wait_for(timeout=30_000)
        paths = set(await operations.all_inner_texts())
        assert {"/api/v1/documents", "/api/v1/envelopes"} <= {p.strip() for p in paths}
        assert await page.locator(".info .title").inner_text() != ""
        await page.locator(".opblock-summary-path", has_text="/api/v1/envelopes").first.click()
        await page.locator(".responses-wrapper .response").first.wait_for(timeout=30_000)
        await page.screenshot(path=str(tmp_path / "docs.png"))
        print(f"screenshot of /docs: {tmp_path / 'docs.png'}")
    finally:
        await context.close()
    assert refused == []
