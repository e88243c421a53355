"""The report pages in a real browser: every figure fits a phone (390 px) and a laptop
(1366 px) without the page scrolling sideways — wide tables scroll inside their frame."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.e2e.test_journey import log_in
from tests.test_reports import RANGE, build_books

PAGES = ("/reports/", "/reports/aging", f"/reports/quotes?{RANGE}", f"/reports/sales?{RANGE}")
PAGES += (f"/reports/taxes?{RANGE}",)


@pytest.mark.e2e
@pytest.mark.layout
def test_report_pages_never_scroll_sideways(app, make_user, live_server, open_tab):
    books = build_books(app.test_client(), make_user)
    tab = open_tab(locale="es-ES")
    page = tab.page
    page.goto(f"{live_server.url}/login")
    log_in(page, books.owner.email, PASSWORD)
    for width, height in ((390, 844), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        for path in PAGES:
            page.goto(f"{live_server.url}{path}")
            assert page.locator("h1").count() == 1, path
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at {width} px"
    assert tab.console_errors == []
