"""A customer's page with their account statement, in a real browser at desktop and phone
width: no horizontal scroll of the page (wide tables scroll inside their own box), the
period presets work, and the PDF link answers a PDF."""

from __future__ import annotations

import os

import pytest

from tests.conftest import PASSWORD
from tests.e2e.test_journey import log_in
from tests.test_customer_statement import books

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails when CI=true
    expect = None

SCREENSHOTS = os.environ.get("PORTAL_E2E_SCREENSHOTS")  # a folder, to look at the page


def page_overflow(page) -> int:
    """How many pixels the page is wider than the window (0: no horizontal scroll), once
    the page has loaded: measured before its stylesheet applies, it is wider than it is."""
    page.wait_for_load_state("load")
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.e2e
@pytest.mark.parametrize("width", [1366, 390])
def test_statement_page_fits_the_window(app, make_user, live_server, open_tab, width):
    n = books(app.test_client(), make_user)
    tab = open_tab(locale="es-ES")
    page = tab.page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/login")
    log_in(page, n["owner"].email, PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/customers/{n['customer']}")
    expect(page.get_by_role("heading", name="Extracto de cuenta")).to_be_visible()
    expect(page.locator('[data-figure="open"]')).to_have_text("734,16\u00a0US$")
    assert page_overflow(page) == 0
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/statement-{width}.png", full_page=True)

    page.get_by_role("link", name="El mes pasado").click()
    expect(page.get_by_role("link", name="El mes pasado")).to_have_attribute("aria-current", "true")
    assert page_overflow(page) == 0

    pdf = page.get_by_role("link", name="PDF", exact=True).get_attribute("href")
    answer = page.request.get(f"{live_server.url}{pdf}")
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    assert tab.console_errors == []
