"""``/api/docs`` in a real browser, logged out: it fits a phone (390 px) and a laptop
(1366 px) without scrolling sideways — long paths and patterns wrap, tables scroll inside
their frame — and the browser reports no error."""

from __future__ import annotations

import pytest


@pytest.mark.e2e
@pytest.mark.layout
@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_the_api_docs_page_never_scrolls_sideways(live_server, open_tab, locale):
    tab = open_tab(locale=locale)
    page = tab.page
    for width, height in ((390, 844), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/api/docs")
        assert page.locator("h1").count() == 1
        assert page.locator("article.api-op").count() > 50
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"/api/docs scrolls sideways by {overflow} px at {width} px"
    assert tab.console_errors == []
