"""Payment reminders in a real browser: the owner turns an invoice's reminders off and on
again with the card's button (no JavaScript needed), and the settings page and the invoice
page with reminders sent fit a phone (390 px) without scrolling sideways."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.invoices.models import Invoice
from portal.reminders.services import remind
from tests.conftest import PASSWORD, org_today
from tests.e2e.test_journey import log_in
from tests.test_document_pages import Api

SIZES = ({"width": 390, "height": 844}, {"width": 1366, "height": 768})


def _overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.e2e
def test_reminder_pages_fit_a_phone_and_the_switch_works(app, make_user, live_server, open_tab):
    owner = make_user(role="OWNER")
    api = Api(app, owner)
    today = org_today()
    customer = api.customer("Ferretería Sol, Suministros Industriales del Mediterráneo")
    invoice = api.issued_invoice(customerId=customer, dueDate=today.isoformat())
    unmailed = api.issued_invoice(dueDate=today.isoformat())
    week_later = today + timedelta(days=7)
    with app.app_context():
        for public_id, day in ((invoice["id"], today), (unmailed["id"], week_later)):
            invoice_id = db.session.scalar(select(Invoice.id).where(Invoice.public_id == public_id))
            assert remind(invoice_id, day) is not None
            db.session.commit()

    tab = open_tab(locale="es-ES")
    page = tab.page
    page.goto(f"{live_server.url}/login")
    log_in(page, owner.email, PASSWORD)
    paths = ("/settings/", f"/invoices/{invoice['id']}", f"/invoices/{unmailed['id']}")
    for size in SIZES:
        page.set_viewport_size(size)
        for path in paths:
            page.goto(f"{live_server.url}{path}")
            assert page.locator("#reminders").count() == 1, path
            overflow = _overflow(page)
            assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at {size['width']}"

    page.set_viewport_size(SIZES[0])
    page.goto(f"{live_server.url}/invoices/{invoice['id']}")
    card = page.locator("#reminders")
    assert "El día del vencimiento" in card.inner_text() or "On the due date" in card.inner_text()
    card.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/invoices/{invoice['id']}")
    with app.app_context():
        row = db.session.scalars(select(Invoice).where(Invoice.public_id == invoice["id"])).one()
        assert row.reminders_enabled is False
    page.locator("#reminders button[type=submit]").click()
    page.wait_for_load_state()
    with app.app_context():
        row = db.session.scalars(select(Invoice).where(Invoice.public_id == invoice["id"])).one()
        assert row.reminders_enabled is True
    assert tab.console_errors == []
