"""The line editor in a real browser (issue 15): rows added and removed in place, a picked
product filling its row, running totals that match what the server saves to the cent, the
same journey without JavaScript, and the form as cards on a phone."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from werkzeug.datastructures import MultiDict

from portal.documents.calc import document_totals, line_amounts
from portal.documents.lines import LineForm
from portal.fiscal.taxes import surcharge_for
from tests.conftest import PASSWORD
from tests.e2e.test_document_journey import cell, line_rows
from tests.e2e.test_journey import flash, heading, log_in
from tests.test_document_pages import Api
from tests.test_pages import elements, logged_in, page
from tests.test_tax_model import spanish

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture then skips, or fails when CI=true
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page

WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
ZERO = Decimal("0")


# --- helpers ------------------------------------------------------------------------------


def server_lines(app, rows: list[dict], *, subject: bool = False) -> list:
    """What the server makes of rows typed on a Spanish page: parsed by the form's own
    fields (the locale decides what "0,335" means), priced by calc."""
    with app.test_request_context(
        method="POST",
        content_type="application/x-www-form-urlencoded",
        headers={"Accept-Language": "es"},
    ):
        return [_server_line(row, subject) for row in rows]


def _server_line(row: dict, subject: bool):
    """A line's amounts, or ``None`` when a number cannot be read or is out of range."""
    form = LineForm(formdata=MultiDict(row))
    if not form.validate() or form.quantity.data is None or form.unit_price.data is None:
        return None
    tax = form.tax_percent.data if form.tax_percent.data is not None else ZERO
    surcharge = form.surcharge_percent.data
    if surcharge is None:
        surcharge = surcharge_for([], tax) if subject else ZERO
    return line_amounts(
        form.quantity.data, form.unit_price.data, form.discount_percent.data or ZERO, tax, surcharge
    )


def fill_row(page: Page, row: int, values: dict) -> None:
    for name, value in values.items():
        cell(page, row, name).fill(value)


def line_total(page: Page, row: int) -> str | None:
    return line_rows(page).nth(row).locator("[data-line-total]").get_attribute("data-amount")


def running(page: Page, name: str) -> str | None:
    return page.locator(f"[data-line-totals] [data-total='{name}']").get_attribute("data-amount")


def spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


def log_in_at(browser, live_server, member, **options) -> Page:
    context = browser.new_context(locale="es-ES", **options)
    tab = context.new_page()
    tab.goto(f"{live_server.url}/login")
    log_in(tab, member.email, PASSWORD)
    expect(tab).to_have_url(f"{live_server.url}/")
    return tab


@pytest.fixture
def owner(make_user):
    return make_user(role="OWNER")  # a PRO organisation, in Spanish, paying in USD


@pytest.fixture
def api(app, owner):
    return Api(app, owner)


# --- the journey with JavaScript ----------------------------------------------------------


@pytest.mark.e2e
def test_running_total_is_the_saved_total(app, api, owner, live_server, browser):
    api.customer()
    api.post("/products", {"name": "Tornillo", "sku": "TOR-1", "price": "2.50", "taxRate": "16"})
    tab = log_in_at(browser, live_server, owner, viewport=WIDE)
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.goto(f"{live_server.url}/quotes/new")
    expect(heading(tab, "Nueva cotización")).to_be_visible()
    tab.get_by_label("Cliente", exact=True).select_option(label="Ferretería Sol")
    tab.evaluate("window.__stillHere = true")

    # A product fills its row; the person only types the quantity.
    cell(tab, 0, "product_id").select_option(label="Tornillo · TOR-1")
    expect(cell(tab, 0, "description")).to_have_value("Tornillo")
    expect(cell(tab, 0, "unit_price")).to_have_value("2,50")
    expect(cell(tab, 0, "tax_percent")).to_have_value("16,00")
    cell(tab, 0, "quantity").fill("3")
    assert line_total(tab, 0) == "8.70"  # 7.50 + 16 %
    # A row that will be removed, then one typed with decimal commas.
    fill_row(tab, 1, {"description": "Borrar", "quantity": "9", "unit_price": "99"})
    fill_row(tab, 2, {"description": "Instalación", "quantity": "1,5", "unit_price": "33,35"})
    fill_row(tab, 2, {"tax_percent": "21"})
    # "Agregar línea" in place, and a line with a discount.
    tab.get_by_role("button", name="Agregar línea", exact=True).click()
    expect(line_rows(tab)).to_have_count(4)
    fill_row(tab, 3, {"description": "Cable", "quantity": "3", "unit_price": "0,335"})
    fill_row(tab, 3, {"discount_percent": "10", "tax_percent": "21"})

    tab.get_by_role("button", name="Quitar la línea 2", exact=True).click()
    expect(line_rows(tab)).to_have_count(3)
    expect(cell(tab, 1, "description")).to_have_value("Instalación")  # renumbered lines-1-…
    expect(cell(tab, 2, "description")).to_have_value("Cable")
    expect(tab.get_by_role("button", name="Quitar la línea 3", exact=True)).to_be_visible()
    assert tab.evaluate("window.__stillHere === true"), "the page was reloaded"

    expected = server_lines(
        app,
        [
            {"quantity": "3", "unit_price": "2.50", "tax_percent": "16"},
            {"quantity": "1,5", "unit_price": "33,35", "tax_percent": "21"},
            {"quantity": "3", "unit_price": "0,335", "discount_percent": "10", "tax_percent": "21"},
        ],
    )
    totals = document_totals(expected)
    assert [line_total(tab, n) for n in range(3)] == [f"{x.total}" for x in expected]
    assert running(tab, "discount") == f"{totals.discount_total}" == "0.10"
    expect(tab.locator("[data-line-totals] dd[data-if-total='discount']")).to_be_visible()
    expect(tab.locator("[data-line-totals] dd[data-if-total='surcharge']")).to_be_hidden()
    shown = running(tab, "total")
    shown_text = spaces(tab.locator("[data-line-totals] [data-total='total']").inner_text())
    assert shown == f"{totals.total}"

    tab.get_by_role("button", name="Guardar", exact=True).click()
    expect(flash(tab, "Cotización creada")).to_be_visible()
    quote = api.get("/quotes/" + tab.url.rsplit("/", 1)[1])
    assert quote["total"] == shown
    assert [line["description"] for line in quote["lines"]] == ["Tornillo", "Instalación", "Cable"]
    assert spaces(tab.locator("dl.totals dd.grand").inner_text()) == shown_text

    # Editing it again: the saved lines come back with the same running totals.
    tab.goto(tab.url + "/edit")
    expect(cell(tab, 2, "description")).to_have_value("Cable")
    assert [line_total(tab, n) for n in range(3)] == [f"{x.total}" for x in expected]
    assert running(tab, "total") == shown
    assert errors == []


# --- the journey without JavaScript -------------------------------------------------------


@pytest.mark.e2e
def test_the_editor_works_without_javascript(app, api, owner, live_server, browser):
    api.customer()
    api.post("/products", {"name": "Tornillo", "sku": "TOR-1", "price": "2.50", "taxRate": "16"})
    tab = log_in_at(browser, live_server, owner, viewport=WIDE, java_script_enabled=False)
    tab.goto(f"{live_server.url}/invoices/new")
    expect(heading(tab, "Nueva factura")).to_be_visible()
    expect(tab.locator("[data-line-totals]")).to_be_hidden()
    expect(tab.locator("[data-remove-line]").first).to_be_hidden()
    tab.get_by_label("Cliente", exact=True).select_option(label="Ferretería Sol")
    cell(tab, 0, "product_id").select_option(label="Tornillo · TOR-1")  # blank price: the product's
    cell(tab, 0, "quantity").fill("3")
    fill_row(tab, 1, {"description": "Borrar", "quantity": "9", "unit_price": "99"})
    fill_row(tab, 2, {"description": "Instalación", "quantity": "1,5", "unit_price": "33,35"})
    tab.get_by_role("button", name="Agregar línea", exact=True).click()  # a round trip
    expect(line_rows(tab)).to_have_count(4)
    expect(cell(tab, 2, "unit_price")).to_have_value("33,35")
    fill_row(tab, 3, {"description": "Cable", "quantity": "3", "unit_price": "0,335"})
    fill_row(tab, 3, {"discount_percent": "10", "tax_percent": "21"})
    tab.get_by_role("checkbox", name="Quitar la línea 2", exact=True).check()
    tab.get_by_role("button", name="Guardar", exact=True).click()
    expect(flash(tab, "Factura creada")).to_be_visible()

    invoice = api.get("/invoices/" + tab.url.rsplit("/", 1)[1])
    expected = server_lines(
        app,
        [
            {"quantity": "3", "unit_price": "2.50", "tax_percent": "16"},
            {"quantity": "1,5", "unit_price": "33,35"},
            {"quantity": "3", "unit_price": "0,335", "discount_percent": "10", "tax_percent": "21"},
        ],
    )
    assert invoice["total"] == f"{document_totals(expected).total}"
    assert [line["description"] for line in invoice["lines"]] == [
        "Tornillo",
        "Instalación",
        "Cable",
    ]


# --- phones -------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.layout
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_form_fits_a_phone_as_cards(app, api, owner, live_server, browser, javascript):
    api.customer()
    api.post("/products", {"name": "Tornillo", "sku": "TOR-1", "price": "2.50", "taxRate": "16"})
    tab = log_in_at(browser, live_server, owner, viewport=PHONE, java_script_enabled=javascript)
    for path in ("/quotes/new", "/invoices/new", "/recurring-invoices/new"):
        for width in (390, 320):
            tab.set_viewport_size({"width": width, "height": 844})
            tab.goto(live_server.url + path)
            width_now = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert width_now[0] <= width_now[1], (path, width, width_now)
            rows = line_rows(tab)
            expect(rows).to_have_count(3)
            card = rows.first.bounding_box()
            assert card["width"] <= width, (path, card)
            for name in (
                "product_id",
                "description",
                "quantity",
                "unit_price",
                "discount_percent",
                "tax_percent",
            ):
                control = cell(tab, 0, name)
                expect(control).to_be_visible()
                box = control.bounding_box()
                assert box["height"] >= 40 and box["x"] >= 0 and box["x"] + box["width"] <= width
                control.click(trial=True)
                if name != "product_id":
                    assert control.get_attribute("inputmode") == (
                        "text" if name == "description" else "decimal"
                    )
                # The label is shown above the field on a phone.
                expect(tab.locator(f"label[for='lines-0-{name}']")).to_be_visible()
            remove = rows.first.locator(
                "[data-remove-line]" if javascript else "input[type=checkbox]"
            )
            expect(remove).to_be_visible()
            remove.click(trial=True)


# --- the script's arithmetic against calc.py -----------------------------------------------

# (quantity, unit price, discount %, tax %, surcharge %) as a person types them.
LINE_CASES = [
    ("3", "0,335", "10", "21", ""),  # the price rounds half-up to 0.34 before anything
    ("0,335", "3", "10", "21", ""),
    ("1", "0.005", "", "", ""),
    ("1,5", "33,35", "", "21", ""),
    ("2,5", "19.99", "12.5", "21", ""),
    ("0.001", "0.5", "", "", ""),  # gross 0.0005 rounds to 0.00
    ("7", "1.15", "15", "10", "1,4"),
    ("0,0045", "1000", "", "4", "0.5"),  # the quantity rounds to 0.005
    ("1e2", "1_000.5", "", "4", ""),  # Python's Decimal syntax, which the server accepts
    (" 12 ", "+3.33", "33.33", "21", "5,2"),
    ("999999999.999", "9999999999.99", "100", "21", ""),  # beyond floats' 2⁵³
    ("1.000,5", "1.234,56", "", "21", ""),  # Spanish thousands: 1000.5 × 1234.56
    ("2", "1 234,5", "0,5", "10", ""),
    ("1,5", "1,234.50", "", "", ""),  # both marks: the last one is the decimal mark
    ("1", "1.234.567", "", "", ""),
    # Refused by the server, so no line total: "—"
    ("1.000", "10", "", "", ""),  # a thousand or one? a Spanish page asks
    ("2", "+3.335", "", "", ""),
    ("1.2.3", "10", "", "", ""),
    ("2", "1,23.4", "", "", ""),
    ("0", "10", "", "", ""),
    ("1", "10", "101", "", ""),
    ("abc", "10", "", "", ""),
    ("1", "nan", "", "", ""),
]


@pytest.mark.e2e
@pytest.mark.layout
def test_the_script_computes_each_line_as_calc_does(app, api, owner, live_server, browser):
    api.customer()
    tab = log_in_at(browser, live_server, owner, viewport=WIDE)
    tab.goto(f"{live_server.url}/quotes/new")
    tab.get_by_label("Cliente", exact=True).select_option(label="Ferretería Sol")
    names = ("quantity", "unit_price", "discount_percent", "tax_percent", "surcharge_percent")
    offered = cell(tab, 0, "surcharge_percent").count() == 1
    for case in LINE_CASES:
        values = dict(zip(names, case, strict=True))
        if not offered:
            values.pop("surcharge_percent")
        fill_row(tab, 0, {"description": "Caso", **values})
        (expected,) = server_lines(app, [values])
        if expected is None:
            assert line_total(tab, 0) is None, case
            expect(line_rows(tab).first.locator("[data-line-total]")).to_have_text("—")
            assert running(tab, "total") == "0.00", case
            continue
        assert line_total(tab, 0) == f"{expected.total}", case
        assert running(tab, "subtotal") == f"{expected.gross}", case
        assert running(tab, "tax") == f"{expected.tax}", case
        assert running(tab, "surcharge") == f"{expected.surcharge}", case


@pytest.mark.e2e
@pytest.mark.layout
def test_the_script_sums_rounded_lines_as_calc_does(app, api, owner, live_server, browser):
    """Rounding each line, then adding, is not rounding the sums: 10 × 0.05 at 10 % tax is
    0.10 of tax (0.01 a line), not 0.05. A recargo customer and a withholding too."""
    api.post("/customers", {"name": "Tienda Recargo", "email": "t@example.com", "surcharge": True})
    tab = log_in_at(browser, live_server, owner, viewport=WIDE)
    tab.goto(f"{live_server.url}/quotes/new")
    tab.get_by_label("Cliente", exact=True).select_option(label="Tienda Recargo")
    rows = [{"quantity": "1", "unit_price": "0.05", "tax_percent": "10"} for _ in range(10)]
    rows += [
        {"quantity": "3", "unit_price": "0.15", "discount_percent": "10", "tax_percent": "21"}
        for _ in range(5)
    ]
    rows.append({"quantity": "1", "unit_price": "0.07", "tax_percent": "4"})
    for _ in range(len(rows) - 3):
        tab.get_by_role("button", name="Agregar línea", exact=True).click()
    for n, row in enumerate(rows):
        fill_row(tab, n, {"description": f"Línea {n + 1}", **row})
    tab.get_by_label(re.compile(r"^Retención \(%\)")).fill("15")

    expected = server_lines(app, rows, subject=True)
    totals = document_totals(expected, Decimal("15"))
    assert totals.tax_total == Decimal("0.10") + 5 * Decimal("0.08") + Decimal("0.00")
    assert totals.surcharge_total > 0
    assert running(tab, "subtotal") == f"{totals.subtotal}"
    assert running(tab, "discount") == f"{totals.discount_total}"
    assert running(tab, "tax") == f"{totals.tax_total}"
    assert running(tab, "surcharge") == f"{totals.surcharge_total}"
    assert running(tab, "withholding") == f"{totals.withholding_total}"
    assert running(tab, "total") == f"{totals.total}"

    tab.get_by_role("button", name="Guardar", exact=True).click()
    expect(flash(tab, "Cotización creada")).to_be_visible()
    quote = api.get("/quotes/" + tab.url.rsplit("/", 1)[1])
    assert quote["total"] == f"{totals.total}" and quote["taxTotal"] == f"{totals.tax_total}"


# --- the page's data, without a browser -----------------------------------------------------


def test_the_form_carries_what_the_script_needs(app, api, owner):
    api.post("/products", {"name": "Tornillo", "sku": "TOR-1", "price": "2.50", "taxRate": "16"})
    api.post("/customers", {"name": "Tienda Recargo", "email": "t@example.com", "surcharge": True})
    api.customer()
    html = page(logged_in(app, owner), "/quotes/new")
    (product,) = [e for e in elements(html, "option") if e["attrs"].get("data-name")][:1]
    assert product["attrs"]["data-price"] == "2.50" and product["attrs"]["data-tax"] == "16.00"
    subject = {
        e["text"].strip(): e["attrs"].get("data-surcharge") for e in elements(html, "option")
    }
    assert subject["Tienda Recargo"] == "1" and subject["Ferretería Sol"] is None
    (editor,) = elements(html, "fieldset", **{"data-lines-editor": ""})
    assert editor["attrs"]["data-currency"] == "USD"
    assert "21.00:5.20" in editor["attrs"]["data-surcharge-pairs"].split()
    assert editor["attrs"]["data-remove-label"] == "Quitar la línea {n}"
    for name in ("quantity", "unit_price", "discount_percent", "tax_percent"):
        (field,) = elements(html, "input", id=f"lines-0-{name}")
        assert field["attrs"]["inputmode"] == "decimal"


@pytest.mark.e2e
def test_named_taxes_and_recargo_in_a_spanish_organisation(app, api, owner, live_server, browser):
    """A tax chosen from the list gives its rate (a rate the product filled in gives way), the
    recargo follows the customer's and the rate's pairing; EUR as the pages write it."""
    spanish(app, owner)
    api.post("/customers", {"name": "Tienda Recargo", "email": "t@example.com", "surcharge": True})
    api.post("/products", {"name": "Lámpara", "sku": "LAM-1", "price": "12.35", "taxRate": "21"})
    tab = log_in_at(browser, live_server, owner, viewport=WIDE)
    tab.goto(f"{live_server.url}/quotes/new")
    tab.get_by_label("Cliente", exact=True).select_option(label="Tienda Recargo")
    cell(tab, 0, "product_id").select_option(label="Lámpara · LAM-1")
    expect(cell(tab, 0, "tax_percent")).to_have_value("21,00")
    cell(tab, 0, "quantity").fill("2")
    cell(tab, 0, "tax_name").select_option(label="IVA 10 %")
    expect(cell(tab, 0, "tax_percent")).to_have_value("")
    fill_row(tab, 1, {"description": "Exento", "quantity": "1", "unit_price": "100"})
    cell(tab, 1, "tax_name").select_option(label="Exento")
    fill_row(tab, 2, {"description": "Obra", "quantity": "1", "unit_price": "1.234,56"})
    fill_row(tab, 2, {"surcharge_percent": "0"})
    cell(tab, 2, "tax_name").select_option(label="IVA 21 %")
    tab.get_by_label(re.compile(r"^Retención \(%\)")).fill("15")
    # 2 × 12.35 = 24.70: 10 % = 2.47, recargo 1.4 % = 0.35; 100 exempt; 1234.56: 21 % = 259.26
    assert [line_total(tab, n) for n in range(3)] == ["27.52", "100.00", "1493.82"]
    assert running(tab, "surcharge") == "0.35"
    assert running(tab, "withholding") == "203.89"  # 15 % of 1359.26
    shown = running(tab, "total")
    shown_text = spaces(tab.locator("[data-line-totals] [data-total='total']").inner_text())
    assert shown_text == "1.417,45 €"

    tab.get_by_role("button", name="Guardar", exact=True).click()
    expect(flash(tab, "Cotización creada")).to_be_visible()
    quote = api.get("/quotes/" + tab.url.rsplit("/", 1)[1])
    assert (quote["total"], quote["surchargeTotal"]) == (shown, "0.35") == ("1417.45", "0.35")
    assert spaces(tab.locator("dl.totals dd.grand").inner_text()) == shown_text
    tab.goto(tab.url + "/edit")  # the recargo the customer gives comes back blank, and counts
    expect(cell(tab, 0, "surcharge_percent")).to_have_value("")
    assert (running(tab, "surcharge"), running(tab, "total")) == ("0.35", shown)


@pytest.mark.e2e
@pytest.mark.layout
def test_no_width_scrolls_sideways(app, api, owner, live_server, browser):
    """From 320 to 1920 px neither the page nor the rows' frame scrolls sideways, with the
    widest rows there are (a Spanish organisation: a named tax and a recargo column)."""
    spanish(app, owner)
    api.customer()
    api.post(
        "/products",
        {
            "name": "Tornillo hexagonal galvanizado de acero",
            "sku": "TOR-1",
            "price": "1234.50",
            "taxRate": "21",
        },
    )
    tab = log_in_at(browser, live_server, owner, viewport=WIDE)
    tab.goto(f"{live_server.url}/invoices/new")
    cell(tab, 0, "product_id").select_option(
        label="Tornillo hexagonal galvanizado de acero · TOR-1"
    )
    cell(tab, 0, "quantity").fill("9999")
    for width in (320, 360, 390, 480, 600, 768, 900, 1024, 1079, 1080, 1280, 1366, 1920):
        tab.set_viewport_size({"width": width, "height": 900})
        page_width, inner, frame, frame_client = tab.evaluate(
            """() => {
              const frame = document.querySelector('.line-rows-wrap');
              return [document.documentElement.scrollWidth, window.innerWidth,
                      frame.scrollWidth, frame.clientWidth];
            }"""
        )
        assert page_width <= inner, (width, page_width)
        assert frame <= frame_client, (width, frame, frame_client)
