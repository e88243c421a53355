"""Keeping the catalog in a real browser: an operator of a PRO organisation adds a product
(and meets the price message beside its field), finds it with the search box, edits its
price, adds a customer and imports a small CSV of products."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from babel.numbers import format_currency

from tests.conftest import PASSWORD
from tests.e2e.test_journey import flash, heading, log_in
from tests.test_catalog_pages import seed_products

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails when CI=true
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page


def money_es(amount: str) -> re.Pattern:
    """The amount as the Spanish pages show it ("1.234,50 US$"), whatever space Babel uses."""
    parts = format_currency(Decimal(amount), "USD", locale="es").split()
    return re.compile(r"^\s*" + r"\s+".join(map(re.escape, parts)) + r"\s*$")


def open_section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name=name, exact=True
    ).click()
    expect(heading(page, name)).to_be_visible()


def save(page: Page) -> None:
    page.get_by_role("button", name="Guardar", exact=True).click()


def fact(page: Page, label: str):
    """The value beside ``label`` on a detail page."""
    return page.locator("dl.facts dt", has_text=re.compile(rf"^{re.escape(label)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def body_rows(page: Page):
    return page.locator("table tbody tr")


@pytest.mark.e2e
def test_operator_keeps_the_catalog(app, make_user, live_server, open_tab, tmp_path):
    operator = make_user(role="OPERATOR")  # a PRO organisation
    seed_products(app, operator.organization_id, ["Clavo de 2 pulgadas"], price="0.35")
    tab = open_tab(locale="es-ES")
    page = tab.page
    url = live_server.url

    page.goto(f"{url}/login")
    log_in(page, operator.email, PASSWORD)
    expect(page).to_have_url(f"{url}/")

    # A new product, first with a price of 0: the message sits beside the price field.
    open_section(page, "Productos")
    page.get_by_role("link", name="Nuevo producto", exact=True).click()
    expect(heading(page, "Nuevo producto")).to_be_visible()
    page.get_by_label("Nombre", exact=True).fill("Martillo de carpintero")
    page.get_by_label("SKU", exact=True).fill("MART-16")
    page.get_by_label("Precio", exact=True).fill("0")
    page.get_by_label("Unidad", exact=True).fill("pieza")
    save(page)
    expect(page).to_have_url(f"{url}/products/new")
    expect(page.get_by_role("alert")).to_have_text("Corrige los campos señalados abajo.")
    price = page.get_by_label("Precio", exact=True)
    expect(price).to_have_attribute("aria-invalid", "true")
    expect(price).to_have_accessible_description("El precio debe ser mayor a 0")
    expect(page.locator(".field", has=price).locator(".field-error")).to_have_text(
        "El precio debe ser mayor a 0"
    )
    expect(price).to_be_focused()
    expect(page.get_by_label("Nombre", exact=True)).to_have_value("Martillo de carpintero")
    expect(page.get_by_label("Nombre", exact=True)).not_to_have_attribute("aria-invalid", "true")

    # Fixed, with a decimal comma as a Spanish speaker types it.
    price.fill("189,90")
    save(page)
    expect(page).to_have_url(re.compile(rf"^{re.escape(url)}/products/prod_[\w-]+$"))
    product_url = page.url
    expect(flash(page, "Producto creado")).to_be_visible()
    expect(heading(page, "Martillo de carpintero")).to_be_visible()
    expect(fact(page, "Precio")).to_have_text(money_es("189.90"))
    expect(fact(page, "Unidad")).to_have_text("pieza")

    # Found with the search box (case aside); the other product is not listed.
    open_section(page, "Productos")
    expect(body_rows(page)).to_have_count(2)
    page.get_by_role("searchbox", name="Buscar").fill("MARTILLO")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page).to_have_url(f"{url}/products/?q=MARTILLO")
    expect(body_rows(page)).to_have_count(1)
    expect(body_rows(page).get_by_role("cell")).to_have_text(
        ["Martillo de carpintero", "MART-16", money_es("189.90")]
    )
    page.get_by_role("link", name="Martillo de carpintero", exact=True).click()
    expect(page).to_have_url(product_url)

    # Edit its price; an operator sees no delete button.
    expect(page.get_by_role("button", name="Eliminar")).to_have_count(0)
    page.get_by_role("link", name="Editar", exact=True).click()
    expect(heading(page, "Editar: Martillo de carpintero")).to_be_visible()
    expect(page.get_by_label("Precio", exact=True)).to_have_value("189,90")  # Spanish decimal mark
    page.get_by_label("Precio", exact=True).fill("1234,5")
    save(page)
    expect(page).to_have_url(product_url)
    expect(flash(page, "Producto actualizado")).to_be_visible()
    expect(fact(page, "Precio")).to_have_text(money_es("1234.50"))  # "1.234,50 US$"

    # A customer.
    open_section(page, "Clientes")
    expect(page.get_by_text("Aún no hay nada aquí.")).to_be_visible()
    page.get_by_role("link", name="Nuevo cliente", exact=True).click()
    expect(heading(page, "Nuevo cliente")).to_be_visible()
    page.get_by_label("Nombre", exact=True).fill("Ferretería Ñandú")
    page.get_by_label("Correo electrónico", exact=True).fill("compras@nandu.example.com")
    page.get_by_label("Calle y número", exact=True).fill("Av. Siempre Viva 742\nCol. Centro")
    save(page)
    expect(page).to_have_url(re.compile(rf"^{re.escape(url)}/customers/cus_[\w-]+$"))
    expect(flash(page, "Cliente creado")).to_be_visible()
    expect(heading(page, "Ferretería Ñandú")).to_be_visible()
    expect(fact(page, "Correo electrónico")).to_have_text("compras@nandu.example.com")
    open_section(page, "Clientes")
    expect(body_rows(page).get_by_role("cell")).to_have_text(
        ["Ferretería Ñandú", "compras@nandu.example.com", "—"]
    )

    # Import two products from a CSV file.
    csv_file = tmp_path / "productos.csv"
    csv_file.write_text(
        "name,sku,price,taxRate,unit,active\n"
        "Destornillador plano,DEST-1,45.00,16,pieza,true\n"
        '"Tornillo, caja de 100",TORN-100,"89,50",16,caja,true\n',
        encoding="utf-8",
    )
    open_section(page, "Productos")
    page.get_by_role("link", name="Importar CSV", exact=True).click()
    expect(heading(page, "Importar CSV · Productos")).to_be_visible()
    page.get_by_label("Archivo CSV (UTF-8)", exact=True).set_input_files(csv_file)
    page.get_by_role("button", name="Importar", exact=True).click()
    expect(page).to_have_url(f"{url}/products/")
    expect(flash(page, "2 productos importados")).to_be_visible()
    expect(body_rows(page)).to_have_count(4)
    expect(body_rows(page).locator("td:first-child")).to_have_text(
        [
            "Clavo de 2 pulgadas",
            "Destornillador plano",
            "Martillo de carpintero",
            "Tornillo, caja de 100",
        ]
    )
    expect(body_rows(page).filter(has_text="TORN-100").get_by_role("cell").last).to_have_text(
        money_es("89.50")
    )

    screenshot = tmp_path / "products.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0

    assert tab.csp_violations() == [], tab.console_errors
    # Chromium logs the refused form's 400 as a failed load; nothing else may go wrong.
    others = [e for e in tab.console_errors if "status of 400" not in e]
    assert others == [], tab.console_errors
