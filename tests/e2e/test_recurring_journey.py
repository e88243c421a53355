"""A recurring invoice in a real browser: the owner writes a monthly profile for a customer
starting today that issues and sends by itself, sees the next dates, the scheduler makes
today's invoice and the worker e-mails it (to the outbox folder, with its PDF), and the
profile's page lists the invoice, which opens."""

from __future__ import annotations

import email
import re
from email.policy import default as default_policy
from typing import TYPE_CHECKING

import pytest
from babel.dates import format_date

from portal.extensions import db
from portal.jobs.worker import run_once
from portal.scheduled import run_scheduled
from tests.conftest import PASSWORD, assert_envelope, bearer, org_today
from tests.e2e.test_document_journey import badge, cell, fact, line_rows
from tests.e2e.test_journey import flash, log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails when CI=true
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page

CUSTOMER = "Ferretería Sol"
CUSTOMER_EMAIL = "compras@ferreteria.example"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def outbox(tmp_path):
    return tmp_path / "outbox"


@pytest.fixture
def app(make_app, outbox):
    """No SMTP server: the worker writes each e-mail into ``outbox`` as an .eml file."""
    return make_app(SMTP_URL=None, MAIL_OUTBOX_DIR=str(outbox))


def next_dates(page: Page):
    return page.locator("section[aria-labelledby=next-runs] time")


def made_invoices(page: Page):
    return page.locator("section[aria-labelledby=made-invoices] tbody tr")


def no_horizontal_scroll(page: Page, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"at {width}px the page is {scroll}px wide"


@pytest.mark.e2e
def test_a_monthly_profile_issues_and_emails_todays_invoice(
    app, make_user, live_server, open_tab, outbox, tmp_path
):
    owner = make_user(role="OWNER")  # a PRO organisation, in Spanish, paying in USD
    assert_envelope(
        app.test_client().post(
            "/api/v1/customers",
            json={"name": CUSTOMER, "email": CUSTOMER_EMAIL},
            headers=bearer(owner),
        ),
        201,
    )
    today = org_today()

    tab = open_tab(locale="es-ES")
    page = tab.page
    url = live_server.url
    page.goto(f"{url}/login")
    log_in(page, owner.email, PASSWORD)
    expect(page).to_have_url(f"{url}/")

    # The list is empty and offers a new profile; the menu leads there.
    page.locator("nav.mainnav a[href='/recurring-invoices/']").click()
    expect(page).to_have_url(f"{url}/recurring-invoices/")
    expect(page.locator("nav.mainnav a[aria-current=page]")).to_have_attribute(
        "href", "/recurring-invoices/"
    )
    expect(page.locator("table")).to_have_count(0)
    page.locator("a.button[href='/recurring-invoices/new']").click()
    expect(page).to_have_url(f"{url}/recurring-invoices/new")

    # The form: the customer, monthly from today, issue and send by itself, one line.
    page.get_by_label("Cliente", exact=True).select_option(label=CUSTOMER)
    page.get_by_label("Frecuencia", exact=True).select_option("MONTHLY")
    expect(page.get_by_label("Cada", exact=True)).to_have_value("1")
    expect(page.get_by_label("Fecha de inicio", exact=True)).to_have_value(today.isoformat())
    page.get_by_label("Emitir automáticamente", exact=True).check()
    page.get_by_label("Enviar automáticamente", exact=True).check()
    expect(line_rows(page)).to_have_count(3)
    cell(page, 0, "description").fill("Mantenimiento mensual")
    cell(page, 0, "quantity").fill("1")
    cell(page, 0, "unit_price").fill("120")
    page.get_by_role("button", name="Guardar", exact=True).click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(url)}/recurring-invoices/rec_[0-9a-f]+$"))
    profile_url = page.url
    expect(flash(page, "Factura recurrente creada")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("REC-0001")
    expect(badge(page)).to_have_text("Activa")
    expect(fact(page, "Cliente")).to_have_text(CUSTOMER)
    expect(fact(page, "Emitir automáticamente")).to_have_text("Sí")
    expect(fact(page, "Enviar automáticamente")).to_have_text("Sí")
    expect(next_dates(page)).to_have_count(5)
    expect(next_dates(page).first).to_have_attribute("datetime", today.isoformat())
    expect(next_dates(page).first).to_have_text(format_date(today, "long", locale="es"))
    expect(made_invoices(page)).to_have_count(0)
    no_horizontal_scroll(page, DESKTOP["width"])

    # The scheduler makes today's invoice (issued, its e-mail queued); the worker sends it.
    with app.app_context():
        run = run_scheduled()
        db.session.commit()
    assert (run.invoices, run.issued, run.sent, run.failures) == (1, 1, 1, 0), run
    assert run_once(app) >= 1

    [written] = list(outbox.glob("*.eml"))
    message = email.message_from_bytes(written.read_bytes(), policy=default_policy)
    assert message["To"] == CUSTOMER_EMAIL
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content().startswith(b"%PDF")

    # The profile's page lists the invoice; the next date moved on a month.
    page.reload()
    expect(made_invoices(page)).to_have_count(1)
    row = made_invoices(page).first
    expect(row.locator(".badge")).to_have_text("Emitida")  # sent: invoices stay ISSUED
    expect(row).to_contain_text(format_date(today, locale="es"))
    expect(next_dates(page)).to_have_count(5)
    assert next_dates(page).first.get_attribute("datetime") > today.isoformat()
    expect(fact(page, "Invoices made").or_(fact(page, "Facturas generadas"))).to_have_text("1")

    # One phone-width look at the profile: nothing wider than the screen.
    page.set_viewport_size(PHONE)
    page.reload()
    no_horizontal_scroll(page, PHONE["width"])
    screenshot = tmp_path / "recurring-profile-390.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0
    page.set_viewport_size(DESKTOP)

    # The invoice opens: today's, for the customer.
    number = row.locator("a").inner_text()
    row.locator("a").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(url)}/invoices/inv_[0-9a-f]+$"))
    expect(page.locator("h1")).to_contain_text(number)
    expect(fact(page, "Cliente")).to_have_text(CUSTOMER)
    expect(fact(page, "Fecha de factura")).to_have_text(format_date(today, "long", locale="es"))
    page.goto(profile_url)
    expect(page.locator("ol.history li")).to_have_count(1)

    assert tab.csp_violations() == [], tab.console_errors
