"""The dashboard of the demo organisation in a real browser: figures and three charts, in
Spanish and English, at desktop and phone widths, without horizontal scroll or CSP errors."""

from __future__ import annotations

import pytest

from portal.cli import DEMO_PASSWORD
from portal.demo import create_demo_organization
from portal.demo.replay import create_demo_activity
from portal.extensions import db
from tests.conftest import TEST_TIME_ZONE

pytestmark = pytest.mark.e2e

WIDTHS = (1366, 390)


@pytest.fixture
def demo(app):
    with app.app_context():
        organization = create_demo_organization(TEST_TIME_ZONE)
        db.session.flush()
        create_demo_activity(organization, size=0.5)
        db.session.commit()
    return "owner@demo.example.com"


@pytest.mark.parametrize(
    ("locale", "heading", "figure"),
    [("es-ES", "Panel", "Facturado"), ("en-US", "Dashboard", "Invoiced")],
)
def test_the_dashboard_reads_at_desktop_and_phone_width(
    demo, live_server, open_tab, tmp_path, locale, heading, figure
):
    tab = open_tab(locale=locale)
    page = tab.page
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", demo)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/?period=last_12_months")
        assert page.locator("h1").first.inner_text() == heading
        assert page.get_by_role("heading", name=figure, exact=True).count() >= 1
        assert page.locator("figure.chart svg").count() == 3
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{locale} at {width}px: the page is {scroll}px wide"
        page.screenshot(path=str(tmp_path / f"dashboard-{locale}-{width}.png"), full_page=True)
    assert tab.csp_violations() == [] and tab.console_errors == []
