"""From quote to paid invoice in a real browser: the owner writes a quote with two lines
(adding a row with JavaScript), sends it, the customer accepts it through the public link in
a browser of their own, the owner converts it, issues the invoice, records the payment of the
whole balance and downloads the PDF."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from babel.numbers import format_currency

from tests.conftest import PASSWORD, assert_envelope, bearer, org_today
from tests.e2e.test_journey import flash, heading, log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails when CI=true
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page


def money_es(amount: str) -> re.Pattern:
    """The amount as the Spanish pages show it ("1.234,50 US$"), whatever space Babel uses."""
    parts = format_currency(Decimal(amount), "USD", locale="es").split()
    return re.compile(r"\s+".join(map(re.escape, parts)))


def badge(page: Page):
    return page.locator("h1 .badge").first


def fact(page: Page, label: str):
    """The value beside ``label`` on a detail page."""
    return page.locator("dl.facts dt", has_text=re.compile(rf"^{re.escape(label)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def line_rows(page: Page):
    return page.locator("tr[data-line-row]")


def cell(page: Page, row: int, name: str):
    # By id: the cells' hidden labels number the column, not the row (see the page tests).
    return page.locator(f"#lines-{row}-{name}")


@pytest.mark.e2e
def test_quote_to_paid_invoice_in_the_browser(app, make_user, live_server, open_tab, tmp_path):
    owner = make_user(role="OWNER")  # a PRO organisation, in Spanish, paying in USD
    api = app.test_client()
    assert_envelope(
        api.post(
            "/api/v1/customers",
            json={"name": "Ferretería Sol", "email": "compras@ferreteria.example"},
            headers=bearer(owner),
        ),
        201,
    )
    assert_envelope(
        api.post(
            "/api/v1/products",
            json={"name": "Tornillo", "sku": "TOR-1", "price": "2.50", "taxRate": "16"},
            headers=bearer(owner),
        ),
        201,
    )
    year = org_today().year
    quote_number, invoice_number = f"COT-{year}-0001", f"INV-{year}-0001"
    # 4 × 2.50 + 16 % tax = 11.60; 1 × 120.00 = 120.00; total 131.60
    total = "131.60"

    tab = open_tab(locale="es-ES")
    page = tab.page
    url = live_server.url
    page.goto(f"{url}/login")
    log_in(page, owner.email, PASSWORD)
    expect(page).to_have_url(f"{url}/")

    # A new quote: the customer, a product line and a written one.
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name="Cotizaciones", exact=True
    ).click()
    expect(heading(page, "Cotizaciones")).to_be_visible()
    page.get_by_role("link", name="Nueva cotización", exact=True).click()
    expect(heading(page, "Nueva cotización")).to_be_visible()
    page.get_by_label("Cliente", exact=True).select_option(label="Ferretería Sol")
    expect(line_rows(page)).to_have_count(3)
    cell(page, 0, "product_id").select_option(label="Tornillo · TOR-1")
    cell(page, 0, "quantity").fill("4")
    cell(page, 1, "description").fill("Instalación")
    cell(page, 1, "quantity").fill("1")
    cell(page, 1, "unit_price").fill("120")

    # "Agregar línea" adds a row in place (JavaScript): no round trip, nothing typed is lost.
    page.evaluate("window.__stillHere = true")
    page.get_by_role("button", name="Agregar línea", exact=True).click()
    expect(line_rows(page)).to_have_count(4)
    assert page.evaluate("window.__stillHere === true"), "the page was reloaded"
    expect(cell(page, 3, "product_id")).to_be_focused()
    expect(cell(page, 3, "quantity")).to_have_value("")
    expect(cell(page, 1, "description")).to_have_value("Instalación")
    page.get_by_role("button", name="Guardar", exact=True).click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(url)}/quotes/quo_[0-9a-f]+$"))
    quote_url = page.url
    expect(flash(page, "Cotización creada")).to_be_visible()
    expect(heading(page, f"Cotización {quote_number} Borrador")).to_be_visible()
    lines = page.locator("table.lines tbody tr")
    expect(lines).to_have_count(2)
    expect(lines.nth(0).locator("td").first).to_have_text("Tornillo")
    expect(lines.nth(1).locator("td").first).to_have_text("Instalación")
    expect(page.locator("dl.totals dd.grand")).to_have_text(money_es(total))

    # Send it (to the customer's address, prefilled): the page now shows the link.
    expect(page.get_by_label("Para", exact=True)).to_have_value("compras@ferreteria.example")
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(flash(page, "Cotización enviada")).to_be_visible()
    expect(badge(page)).to_have_text("Enviada")
    link = page.get_by_role("textbox", name="Enlace para el cliente").input_value()
    assert link.startswith(f"{url}/q/"), link

    # The customer, in a browser of their own (no session), reads and accepts it.
    customer_tab = open_tab(locale="en-US")  # the page speaks the organisation's Spanish
    visitor = customer_tab.page
    visitor.goto(link)
    expect(heading(visitor, f"Cotización {quote_number}")).to_be_visible()
    expect(visitor.get_by_text("Ferretería Sol")).to_be_visible()
    expect(visitor.get_by_role("button", name="Cerrar sesión")).to_have_count(0)
    visitor.get_by_label("Motivo (opcional)", exact=True).fill("Precio justo, adelante")
    visitor.get_by_role("button", name="Aceptar cotización", exact=True).click()
    expect(visitor.get_by_role("status")).to_have_text("Gracias: la cotización fue aceptada.")
    visitor.goto(link)  # one answer only: the page now shows it
    expect(visitor.get_by_role("button", name="Aceptar cotización")).to_have_count(0)
    expect(visitor.locator("h1")).to_have_text(re.compile("Cotización"))

    # Back to the owner: accepted, with the reason; convert it into an invoice.
    page.goto(quote_url)
    expect(badge(page)).to_have_text("Aceptada")
    expect(fact(page, "Motivo")).to_have_text("Precio justo, adelante")
    answer = page.locator("ol.history li").nth(2)  # in the owner's language, not the visitor's
    expect(answer).to_contain_text("Cliente, mediante el enlace público")
    expect(answer).to_contain_text("Precio justo, adelante")
    page.get_by_role("button", name="Convertir en factura", exact=True).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(url)}/invoices/inv_[0-9a-f]+$"))
    invoice_url = page.url
    expect(flash(page, "Factura creada")).to_be_visible()
    expect(heading(page, f"Factura {invoice_number} Borrador")).to_be_visible()
    expect(fact(page, "Saldo")).to_have_text(money_es(total))

    # Issue it and record a payment of the whole balance (the form proposes it).
    page.get_by_role("button", name="Emitir", exact=True).click()
    expect(flash(page, "Factura emitida")).to_be_visible()
    expect(badge(page)).to_have_text("Emitida")
    amount = page.get_by_label("Importe", exact=True)
    expect(amount).to_have_value(total.replace(".", ","))  # the Spanish decimal mark
    page.get_by_label("Método", exact=True).select_option("TRANSFER")
    page.get_by_label("Referencia", exact=True).fill("TRF-0042")
    page.get_by_role("button", name="Registrar pago", exact=True).click()
    expect(page).to_have_url(invoice_url)
    expect(flash(page, "Pago registrado")).to_be_visible()
    expect(badge(page)).to_have_text("Pagada")
    expect(fact(page, "Saldo")).to_have_text(money_es("0.00"))
    expect(page.get_by_role("button", name="Registrar pago")).to_have_count(0)
    expect(page.get_by_role("button", name="Anular")).to_have_count(0)
    payments = page.locator("section.card", has=page.get_by_role("heading", name="Pagos"))
    expect(payments.locator("tbody tr")).to_have_count(1)
    expect(payments.locator("tbody tr")).to_contain_text("TRF-0042")
    expect(page.locator("ol.history li")).to_have_count(4)

    screenshot = tmp_path / "invoice-paid.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0
    if os.environ.get("PORTAL_E2E_SCREENSHOT"):
        screenshot.replace(os.environ["PORTAL_E2E_SCREENSHOT"])

    # The PDF link answers a PDF (fetched with the page's own cookies).
    href = page.get_by_role("link", name="PDF", exact=True).get_attribute("href")
    response = page.context.request.get(url + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"
    assert f'filename="{invoice_number}.pdf"' in response.headers["content-disposition"]

    assert tab.csp_violations() == [], tab.console_errors
    assert customer_tab.csp_violations() == [], customer_tab.console_errors
