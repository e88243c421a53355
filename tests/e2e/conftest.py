"""Browser fixtures: Debian's Chromium driven by Playwright's sync API.

The browser is never downloaded (no ``playwright install``). Without Chromium or the
``playwright`` package the e2e tests are skipped with the reason shown, except on CI
(``CI=true``), where a missing browser is a failure: CI must not go green by skipping.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"e2e browser unavailable on CI: {reason}", pytrace=False)
    pytest.skip(f"e2e browser unavailable: {reason}")


def pytest_collection_modifyitems(config, items) -> None:
    """Layout tests measure pages and run the line editor's script: nothing in them depends
    on the database, so the PostgreSQL pass of CI leaves them to the SQLite pass (keeping each
    pass under its five minutes)."""
    if not os.environ.get("PORTAL_TEST_DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="layout: the same on every database; run on the SQLite pass")
    for item in items:
        if "layout" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the 'playwright' Python package is not installed")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@dataclass
class Tab:
    """A page plus what its console reported: errors are kept to assert on later."""

    page: object
    console_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [text for text in self.console_errors if "Content Security Policy" in text]


@pytest.fixture
def open_tab(browser) -> Iterator[Callable[..., Tab]]:
    """Open a page in a fresh browser context (own cookies) with the given UI locale."""
    contexts = []

    def factory(locale: str = "es-ES") -> Tab:
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
        contexts.append(context)
        tab = Tab(page=context.new_page())

        def on_console(message) -> None:
            if message.type == "error":
                tab.console_errors.append(message.text)

        tab.page.on("console", on_console)
        tab.page.on("pageerror", lambda error: tab.console_errors.append(f"pageerror: {error}"))
        return tab

    yield factory
    for context in contexts:
        context.close()
