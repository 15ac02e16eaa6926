"""Headless Chromium (Debian's) on a phone-sized page, against a SQLite stack."""

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

from deploy.local.catcher import Catcher
from deploy.local.rabbit import RabbitNode
from tests.support.stack import Stack, running_stack

CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="package")
async def stack(
    tmp_path_factory: pytest.TempPathFactory, catcher: Catcher, rabbit: RabbitNode
) -> AsyncIterator[Stack]:
    var = tmp_path_factory.mktemp("browser-stack")
    async with running_stack(var, f"sqlite:///{var / 'var'}", catcher, rabbit) as stack:
        yield stack


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True, locale="ja-JP"
    )
    yield context
    await context.close()
