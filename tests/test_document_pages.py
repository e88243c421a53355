"""Quote and invoice pages through the Flask test client: lists, forms without JavaScript,
messages beside fields and line cells, roles, refusals, tenancy, escaping, history, locales,
the public link and the PDF download.

Data is made through the JSON API (its own client, Bearer token); pages are read with a
logged-in cookie client. No app context is held open while a request runs.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from portal.accounts.models import Organization
from portal.extensions import db
from tests.conftest import assert_envelope, bearer, csrf_from, org_today
from tests.test_api_quotes import create_invoice
from tests.test_pages import (
    elements,
    field_error,
    logged_in,
    page,
    speak_english,
    text_of,
)

XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
XSS_LINE = "<script>alert(2)</script>"
XSS_LINE_ESCAPED = "&lt;script&gt;alert(2)&lt;/script&gt;"

# --- data through the API -----------------------------------------------------------------


class Api:
    """Create documents as ``member`` through /api/v1 (a client of its own, Bearer auth)."""

    def __init__(self, app, member) -> None:
        self.client = app.test_client()
        self.member = member

    def post(self, path: str, body: dict | None = None, status: int = 201) -> dict:
        response = self.client.post(f"/api/v1{path}", json=body, headers=bearer(self.member))
        return assert_envelope(response, status)["data"]

    def get(self, path: str) -> dict:
        response = self.client.get(f"/api/v1{path}", headers=bearer(self.member))
        return assert_envelope(response, 200)["data"]

    def customer(self, name: str = "Ferretería Sol") -> str:
        return self.post("/customers", {"name": name, "email": "cliente@example.com"})["id"]

    def product(self, name: str = "Tornillo", sku: str = "T-1", price: str = "2.50") -> str:
        return self.post("/products", {"name": name, "sku": sku, "price": price})["id"]

    def quote(self, customer_id: str, *, lines=None, **fields) -> dict:
        lines = lines or [{"description": "Instalación", "quantity": "1", "unitPrice": "158.23"}]
        return self.post("/quotes", {"customerId": customer_id, "lines": lines, **fields})

    def sent_quote(self, customer_id: str, **fields) -> dict:
        quote = self.quote(customer_id, **fields)
        return self.post(f"/quotes/{quote['id']}/send", status=200)

    def accepted_quote(self, customer_id: str, **fields) -> dict:
        quote = self.sent_quote(customer_id, **fields)
        return self.post(f"/quotes/{quote['id']}/accept", {"reason": "De acuerdo"}, status=200)

    def invoice(self, *, lines=None, **fields) -> dict:
        body = {
            "customerName": "Cliente Suelto",
            "invoiceDate": org_today().isoformat(),
            "lines": lines or [{"description": "Obra", "quantity": "1", "unitPrice": "158.23"}],
            **fields,
        }
        return self.post("/invoices", body)

    def issued_invoice(self, **fields) -> dict:
        invoice = self.invoice(**fields)
        return self.post(f"/invoices/{invoice['id']}/issue", status=200)


@pytest.fixture
def owner(make_user):
    return make_user(role="OWNER")


@pytest.fixture
def api(app, owner):
    return Api(app, owner)


@pytest.fixture
def browser(app, owner):
    return logged_in(app, owner)


def member_of(make_user, owner, role: str):
    return make_user(role=role, organization_id=owner.organization_id)


def set_org_locale(app, organization_id: str, locale: str) -> None:
    with app.app_context():
        db.session.execute(
            update(Organization)
            .where(Organization.public_id == organization_id)
            .values(locale=locale)
        )
        db.session.commit()


def plain(html: str) -> str:
    """Babel puts (narrow) no-break spaces in amounts; compare with plain spaces."""
    return html.replace("\u00a0", " ").replace("\u202f", " ")


def rows_in(html: str) -> list[dict]:
    return elements(html, "tr", **{"data-line-row": ""})


def numbers_listed(html: str, prefix: str) -> list[str]:
    return sorted(e["text"] for e in elements(html, "a") if e["text"].startswith(prefix + "-"))


def flashes(html: str) -> list[str]:
    return [
        " ".join(e["text"].split())
        for e in elements(html, "p")
        if "flash" in e["attrs"].get("class", "")
    ]


def post_action(client, path: str, token_from: str, data: dict | None = None):
    token = csrf_from(page(client, token_from))
    return client.post(path, data={"csrf_token": token, **(data or {})})


def action_forms(html: str) -> set[str]:
    """The last path segment of each document action form (send, issue, void, convert…)."""
    actions = [e["attrs"].get("action", "") for e in elements(html, "form", method="post")]
    return {
        action.rsplit("/", 1)[-1]
        for action in actions
        if action.startswith(("/quotes/", "/invoices/"))
    }


def links(html: str) -> set[str]:
    return {e["attrs"]["href"] for e in elements(html, "a") if "href" in e["attrs"]}


# --- 1. lists and their filters -----------------------------------------------------------


def test_quote_list_filters_by_status_and_customer(api, browser):
    sol, luna = api.customer("Ferretería Sol"), api.customer("Librería Luna")
    draft = api.quote(sol)
    sent = api.sent_quote(sol)
    accepted = api.accepted_quote(luna)
    past = org_today() - timedelta(days=60)
    expired = api.sent_quote(
        luna, issueDate=past.isoformat(), validUntil=(past + timedelta(days=10)).isoformat()
    )
    number = {q["id"]: q["quoteNumber"] for q in (draft, sent, accepted, expired)}

    html = page(browser, "/quotes/")
    assert text_of(html, "h1") == "Cotizaciones"
    assert numbers_listed(html, "COT") == sorted(number.values())
    cases = {
        "?status=DRAFT": [draft],
        "?status=SENT": [sent],  # an expired one is not "sent" any more
        "?status=EXPIRED": [expired],
        "?status=ACCEPTED": [accepted],
        f"?customer={sol}": [draft, sent],
        f"?customer={luna}&status=ACCEPTED": [accepted],
        "?status=CONVERTED": [],
    }
    for query, expected in cases.items():
        html = page(browser, "/quotes/" + query)
        assert numbers_listed(html, "COT") == sorted(number[q["id"]] for q in expected), query
    # The filter form keeps the choice; the expired quote is labelled as such.
    html = page(browser, f"/quotes/?status=EXPIRED&customer={luna}")
    chosen = [e["attrs"]["value"] for e in elements(html, "option") if "selected" in e["attrs"]]
    assert chosen == ["EXPIRED", luna]
    assert "Vencida" in html
    assert "Aún no hay nada aquí." in page(browser, "/quotes/?status=CONVERTED")


def test_invoice_list_filters_by_status_customer_and_overdue(api, browser):
    sol = api.customer("Ferretería Sol")
    long_ago = org_today() - timedelta(days=90)
    old = {"invoiceDate": long_ago.isoformat(), "dueDate": (long_ago + timedelta(30)).isoformat()}
    overdue = api.issued_invoice(customerId=sol, **old)
    late_draft = api.invoice(**old)  # a draft is never overdue
    current = api.issued_invoice()
    paid = api.issued_invoice(customerId=sol, **old)
    api.post(
        f"/invoices/{paid['id']}/payments",
        {"amount": paid["total"], "paidOn": org_today().isoformat(), "method": "CASH"},
    )
    number = {i["id"]: i["invoiceNumber"] for i in (overdue, late_draft, current, paid)}

    html = page(browser, "/invoices/")
    assert text_of(html, "h1") == "Facturas"
    assert numbers_listed(html, "INV") == sorted(number.values())
    cases = {
        "?overdue=1": [overdue],
        "?status=DRAFT": [late_draft],
        "?status=ISSUED": [overdue, current],
        "?status=PAID": [paid],
        f"?customer={sol}": [overdue, paid],
        f"?customer={sol}&overdue=1": [overdue],
        "?status=VOID": [],
    }
    for query, expected in cases.items():
        html = page(browser, "/invoices/" + query)
        assert numbers_listed(html, "INV") == sorted(number[i["id"]] for i in expected), query
    html = page(browser, "/invoices/?overdue=1")
    assert elements(html, "input", name="overdue", value="1")[0]["attrs"].get("checked") == ""
    assert "Vencida" in html  # the overdue badge (una factura)


@pytest.mark.parametrize("path", ["/quotes/", "/invoices/"])
@pytest.mark.parametrize("query", ["?status=BOGUS", "?customer=cus_nope"])
def test_an_unknown_filter_value_goes_back_to_the_whole_list(browser, path, query):
    response = browser.get(path + query)
    assert response.status_code == 302 and response.headers["Location"] == path


@pytest.mark.parametrize("path", ["/quotes/", "/invoices/"])
def test_another_organisations_customer_filters_nothing_in(app, api, browser, make_user, path):
    other = Api(app, make_user(role="OWNER"))
    theirs = other.customer("Ajeno")
    if path == "/quotes/":
        other.quote(theirs)
    else:
        other.invoice(customerId=theirs)
    response = browser.get(f"{path}?customer={theirs}")
    assert response.status_code == 302 and response.headers["Location"] == path


# --- 2. the line editor without JavaScript ------------------------------------------------


@pytest.mark.parametrize("kind", ["quotes", "invoices"])
def test_new_form_starts_with_three_blank_rows(browser, api, kind):
    api.customer()
    html = page(browser, f"/{kind}/new")
    rows = rows_in(html)
    assert len(rows) == 3
    assert [e["attrs"]["name"] for e in elements(html, "input", id="lines-2-quantity")] == [
        "lines-2-quantity"
    ]
    (button,) = elements(html, "button", name="add_line")
    assert button["attrs"]["type"] == "submit" and " ".join(button["text"].split()) == (
        "Agregar línea"
    )
    assert elements(html, "input", type="checkbox", id="lines-0-remove")


def _typed_rows(count: int) -> dict:
    data = {}
    for n in range(count):
        data[f"lines-{n}-description"] = f"Fila {n}"
        data[f"lines-{n}-quantity"] = str(n + 1)
        data[f"lines-{n}-unit_price"] = "10"
    return data


@pytest.mark.parametrize("kind", ["quotes", "invoices"])
def test_add_line_posts_back_with_one_more_row_and_keeps_what_was_typed(browser, api, kind):
    customer = api.customer()
    response = post_action(
        browser,
        f"/{kind}/new",
        f"/{kind}/new",
        {"customer_id": customer, "add_line": "1", **_typed_rows(4)},
    )
    assert response.status_code == 200  # not saved, no message: just one more row
    html = response.get_data(as_text=True)
    assert len(rows_in(html)) == 5
    for n in range(4):
        (cell,) = elements(html, "input", id=f"lines-{n}-description")
        assert cell["attrs"]["value"] == f"Fila {n}"
    assert elements(html, "input", id="lines-4-description")[0]["attrs"].get("value", "") == ""
    assert not elements(html, "p", class_="field-error")
    assert elements(html, "option", value=customer)[0]["attrs"].get("selected") == ""


def test_removed_and_blank_rows_are_dropped_when_the_quote_is_saved(app, api, browser):
    customer = api.customer()
    product = api.product("Tornillo", "T-1", "2.50")
    data = {
        "customer_id": customer,
        "lines-0-product_id": product,  # description and price from the product
        "lines-0-quantity": "4",
        "lines-1-description": "Quitada",
        "lines-1-quantity": "1",
        "lines-1-unit_price": "99",
        "lines-1-remove": "y",
        "lines-2-description": "",  # blank: ignored
        "lines-2-quantity": "",
        "lines-3-description": "Mano de obra",
        "lines-3-quantity": "2",
        "lines-3-unit_price": "15",
        "lines-4-description": "   ",  # blank with spaces: ignored too
    }
    response = post_action(browser, "/quotes/new", "/quotes/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    quote_id = response.headers["Location"].rsplit("/", 1)[-1]
    quote = api.get(f"/quotes/{quote_id}")
    assert [(ln["description"], ln["quantity"], ln["unitPrice"]) for ln in quote["lines"]] == [
        ("Tornillo", "4.000", "2.50"),
        ("Mano de obra", "2.000", "15.00"),
    ]
    assert quote["total"] == "40.00"
    html = page(browser, f"/quotes/{quote_id}")
    assert "Cotización creada" in flashes(html)
    assert "Quitada" not in html


def test_every_row_removed_or_blank_asks_for_a_line(api, browser):
    customer = api.customer()
    data = {
        "customer_id": customer,
        "lines-0-description": "Quitada",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "1",
        "lines-0-remove": "y",
    }
    response = post_action(browser, "/quotes/new", "/quotes/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert text_of(html, "p", class_="field-error", role="alert") == "Agrega al menos una línea"


# --- 3. messages beside fields and line cells ---------------------------------------------

INVOICE_MESSAGES = {
    "es": {
        "customer_name": "No debe estar vacío",
        "invoice_date": "La fecha de factura es requerida",
        "lines": "Agrega al menos una línea",
        "summary": "Corrige los campos señalados abajo.",
    },
    "en": {
        "customer_name": "must not be blank",
        "invoice_date": "invoice date is required",
        "lines": "Add at least one line",
        "summary": "Please correct the fields marked below.",
    },
}


@pytest.mark.parametrize("language", ["es", "en"])
def test_an_empty_invoice_form_shows_each_message_beside_its_field(browser, language):
    if language == "en":
        speak_english(browser)
    expected = INVOICE_MESSAGES[language]
    data = {"customer_name": "", "invoice_date": "", "lines-0-description": ""}
    response = post_action(browser, "/invoices/new", "/invoices/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert text_of(html, "div", class_="form-errors", role="alert") == expected["summary"]
    assert field_error(html, "customer_name") == expected["customer_name"]
    assert field_error(html, "invoice_date") == expected["invoice_date"]
    assert text_of(html, "p", class_="field-error", role="alert") == expected["lines"]
    assert len(rows_in(html)) == 3  # the spare rows are back


LINE_MESSAGES = {
    "es": {
        "quantity": "Debe ser un número",
        "description": "La descripción es requerida",
        "unit_price": "El precio unitario es requerido",
        "customer": "El cliente es requerido",
    },
    "en": {
        "quantity": "Must be a number",
        "description": "Description is required",
        "unit_price": "Unit price is required",
        "customer": "Customer is required",
    },
}


@pytest.mark.parametrize("language", ["es", "en"])
def test_line_problems_show_in_their_own_cells(browser, language):
    if language == "en":
        speak_english(browser)
    expected = LINE_MESSAGES[language]
    data = {
        "customer_id": "",
        "lines-0-description": "Bien",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "5",
        "lines-1-description": "Quitada",  # removed: the rows after it keep their cells
        "lines-1-quantity": "zzz",
        "lines-1-remove": "y",
        "lines-2-description": "Cantidad rara",
        "lines-2-quantity": "abc",
        "lines-2-unit_price": "5",
        "lines-3-quantity": "2",  # no description, no product, no price
    }
    response = post_action(browser, "/quotes/new", "/quotes/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_error(html, "customer_id") == expected["customer"]
    assert field_error(html, "lines-2-quantity") == expected["quantity"]
    assert field_error(html, "lines-3-description") == expected["description"]
    assert field_error(html, "lines-3-unit_price") == expected["unit_price"]
    for cell in ("lines-0-quantity", "lines-2-description", "lines-3-quantity"):
        assert not elements(html, "p", id=f"{cell}-error"), cell
    # What was typed stays, the removed row included (the person may still un-tick it).
    assert elements(html, "input", id="lines-2-quantity")[0]["attrs"]["value"] == "abc"


@pytest.mark.parametrize("kind", ["quotes", "invoices"])
def test_a_removed_row_with_a_bad_number_does_not_block_saving(api, browser, kind):
    data = {
        "customer_id": api.customer(),
        "invoice_date": org_today().isoformat(),
        "lines-0-description": "Bien",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "5",
        "lines-1-description": "Quitada",
        "lines-1-quantity": "zzz",
        "lines-1-unit_price": "-5",
        "lines-1-remove": "y",
    }
    response = post_action(browser, f"/{kind}/new", f"/{kind}/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["quotes", "invoices"])
def test_a_too_large_document_is_refused_beside_the_lines(api, browser, kind):
    data = {
        "customer_id": api.customer(),
        "invoice_date": org_today().isoformat(),
        "lines-0-description": "Enorme",
        "lines-0-quantity": "999999999",
        "lines-0-unit_price": "9999999999.99",
    }
    response = post_action(browser, f"/{kind}/new", f"/{kind}/new", data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert api.get(f"/{kind}")["items"] == []
    assert text_of(html, "p", class_="field-error", role="alert") == (
        "Los importes son demasiado grandes"
    )


def test_each_line_cell_is_labelled_with_its_row_number(browser):
    html = page(browser, "/invoices/new")
    for row in (1, 2, 3):
        for name, label in (
            ("product_id", "Producto"),
            ("description", "Descripción"),
            ("quantity", "Cantidad"),
            ("unit_price", "Precio unitario"),
        ):
            text = text_of(html, "label", for_=f"lines-{row - 1}-{name}")
            assert text == f"{label} {row}", (name, row, text)


# --- 4. roles: buttons shown and pages refused --------------------------------------------


def test_a_viewer_reads_everything_but_sees_no_action(app, make_user, owner, api):
    customer = api.customer()
    draft_quote = api.quote(customer)
    sent_quote = api.sent_quote(customer)
    accepted = api.accepted_quote(customer)
    draft_invoice = api.invoice()
    issued = api.issued_invoice()
    viewer = logged_in(app, member_of(make_user, owner, "VIEWER"))

    html = page(viewer, "/quotes/")
    assert "/quotes/new" not in links(html) and "Nueva cotización" not in html
    html = page(viewer, "/invoices/")
    assert "/invoices/new" not in links(html) and "Nueva factura" not in html
    for quote in (draft_quote, sent_quote, accepted):
        html = page(viewer, f"/quotes/{quote['id']}")
        assert action_forms(html) == set(), quote["status"]
        assert f"/quotes/{quote['id']}/edit" not in links(html)
        assert f"/quotes/{quote['id']}/pdf" in links(html)  # reading is allowed
        assert not elements(html, "textarea", name="reason")
    for invoice in (draft_invoice, issued):
        html = page(viewer, f"/invoices/{invoice['id']}")
        assert action_forms(html) == set(), invoice["status"]
        assert f"/invoices/{invoice['id']}/edit" not in links(html)
        assert not elements(html, "input", name="amount")
        assert "Registrar pago" not in html

    forbidden = {
        "/quotes/new": "get",
        f"/quotes/{draft_quote['id']}/edit": "get",
        "/invoices/new": "get",
        f"/invoices/{draft_invoice['id']}/edit": "get",
        f"/quotes/{draft_quote['id']}/send": "post",
        f"/quotes/{accepted['id']}/convert": "post",
        f"/invoices/{draft_invoice['id']}/issue": "post",
        f"/invoices/{issued['id']}/void": "post",
        f"/invoices/{issued['id']}/payments": "post",
    }
    token = csrf_from(page(viewer, "/quotes/"))
    for path, method in forbidden.items():
        if method == "get":
            response = viewer.get(path)
        else:
            response = viewer.post(path, data={"csrf_token": token, "amount": "1"})
        assert response.status_code == 403, path
        html = response.get_data(as_text=True)
        assert text_of(html, "h1") == "Sin permisos", path
    assert api.get(f"/quotes/{draft_quote['id']}")["status"] == "DRAFT"
    assert api.get(f"/invoices/{draft_invoice['id']}")["status"] == "DRAFT"
    assert api.get(f"/invoices/{issued['id']}")["amountPaid"] == "0.00"


def test_an_operator_writes_quotes_but_not_invoices(app, make_user, owner, api):
    customer = api.customer()
    draft_quote = api.quote(customer)
    accepted = api.accepted_quote(customer)
    draft_invoice = api.invoice()
    issued = api.issued_invoice()
    operator = logged_in(app, member_of(make_user, owner, "OPERATOR"))
    speak_english(operator)

    assert "/quotes/new" in links(page(operator, "/quotes/"))
    assert page(operator, "/quotes/new")
    html = page(operator, f"/quotes/{draft_quote['id']}")
    assert action_forms(html) == {"send"}
    assert f"/quotes/{draft_quote['id']}/edit" in links(html)
    html = page(operator, f"/quotes/{accepted['id']}")
    assert "convert" not in action_forms(html) and "Convert to invoice" not in html

    assert "/invoices/new" not in links(page(operator, "/invoices/"))
    for invoice in (draft_invoice, issued):
        html = page(operator, f"/invoices/{invoice['id']}")
        assert action_forms(html) == set()
        assert not elements(html, "input", name="amount")

    token = csrf_from(page(operator, "/quotes/"))
    response = operator.post(f"/quotes/{accepted['id']}/convert", data={"csrf_token": token})
    assert response.status_code == 403
    assert text_of(response.get_data(as_text=True), "h1") == (
        "Access denied — ACCOUNTANT role required"
    )
    for path in ("/invoices/new", f"/invoices/{draft_invoice['id']}/edit"):
        assert operator.get(path).status_code == 403, path
    response = operator.post(f"/invoices/{draft_invoice['id']}/issue", data={"csrf_token": token})
    assert response.status_code == 403
    assert api.get(f"/quotes/{accepted['id']}")["status"] == "ACCEPTED"
    # … while the quote's own actions work for them.
    response = operator.post(f"/quotes/{draft_quote['id']}/send", data={"csrf_token": token})
    assert response.status_code == 302
    assert api.get(f"/quotes/{draft_quote['id']}")["status"] == "SENT"


def test_an_accountant_sees_convert_issue_void_and_the_payment_form(app, make_user, owner, api):
    customer = api.customer()
    accepted = api.accepted_quote(customer)
    draft_invoice = api.invoice()
    issued = api.issued_invoice()
    accountant = logged_in(app, member_of(make_user, owner, "ACCOUNTANT"))
    # Convert, and a new public link (they write quotes too).
    assert action_forms(page(accountant, f"/quotes/{accepted['id']}")) == {"convert", "public-link"}
    html = page(accountant, f"/invoices/{draft_invoice['id']}")
    assert action_forms(html) == {"issue", "void"}
    assert f"/invoices/{draft_invoice['id']}/edit" in links(html)
    html = page(accountant, f"/invoices/{issued['id']}")
    assert action_forms(html) == {"void", "payments", "send", "reminders"}
    (amount,) = elements(html, "input", name="amount")
    assert amount["attrs"]["value"] == "158,23"  # the balance, proposed the locale's way


# --- 5. actions refused: a flash, never a 500 ---------------------------------------------


def test_refused_actions_are_flashed_on_the_document(api, browser):
    customer = api.customer()
    draft_quote = api.quote(customer)
    invoice = api.invoice()
    show = f"/invoices/{invoice['id']}"

    response = post_action(browser, f"{show}/issue", show)
    assert response.status_code == 302 and response.headers["Location"] == show
    assert "Factura emitida" in flashes(page(browser, show))
    response = post_action(browser, f"{show}/issue", show)  # twice
    assert response.status_code == 302 and response.headers["Location"] == show
    html = page(browser, show)
    assert flashes(html) == ["Solo se pueden emitir facturas en borrador"]
    assert "Emitida" in html

    response = browser.get(f"{show}/edit")  # not a draft any more
    assert response.status_code == 302 and response.headers["Location"] == show
    assert flashes(page(browser, show)) == ["Solo se pueden editar facturas en borrador"]

    response = post_action(
        browser,
        f"{show}/payments",
        show,
        {"amount": "158.23", "paid_on": org_today().isoformat(), "method": "CASH"},
    )
    assert response.status_code == 302
    assert api.get(show)["status"] == "PAID"
    response = post_action(browser, f"{show}/void", show)
    assert response.status_code == 302
    assert flashes(page(browser, show)) == ["La factura ya está pagada"]
    response = post_action(
        browser,
        f"{show}/payments",
        show,
        {"amount": "1", "paid_on": org_today().isoformat(), "method": "CASH"},
    )
    assert response.status_code == 409
    assert "La factura ya está pagada" in response.get_data(as_text=True)

    quote_show = f"/quotes/{draft_quote['id']}"
    response = post_action(browser, f"{quote_show}/convert", quote_show)
    assert response.status_code == 302 and response.headers["Location"] == quote_show
    assert flashes(page(browser, quote_show)) == [
        "Solo las cotizaciones aceptadas se pueden convertir en factura"
    ]
    post_action(browser, f"{quote_show}/send", quote_show)
    response = post_action(browser, f"{quote_show}/send", quote_show)  # sending again is fine
    assert response.status_code == 302
    assert flashes(page(browser, quote_show)) == ["Cotización enviada"]
    assert api.get(quote_show)["status"] == "SENT"
    api.post(f"{quote_show}/reject", status=200)
    response = post_action(browser, f"{quote_show}/send", quote_show)
    assert response.status_code == 302
    assert flashes(page(browser, quote_show)) == [
        "Solo se pueden enviar cotizaciones en borrador o enviadas"
    ]


def test_a_payment_above_the_balance_is_shown_beside_the_amount(api, browser):
    invoice = api.issued_invoice()
    show = f"/invoices/{invoice['id']}"
    response = post_action(
        browser,
        f"{show}/payments",
        show,
        {"amount": "200", "paid_on": org_today().isoformat(), "method": "CASH"},
    )
    assert response.status_code == 400
    html = plain(response.get_data(as_text=True))
    assert field_error(html, "amount") == "El pago no puede superar el saldo de 158,23 US$"
    response = post_action(
        browser, f"{show}/payments", show, {"amount": "", "paid_on": "", "method": "CASH"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert field_error(html, "amount") == "El importe es requerido"
    assert field_error(html, "paid_on") == "La fecha de pago es requerida"
    assert api.get(f"/invoices/{invoice['id']}")["amountPaid"] == "0.00"


# --- 6. another organisation's documents are 404 ------------------------------------------


def test_another_organisations_documents_are_not_found(app, api, browser, make_user):
    other = Api(app, make_user(role="OWNER"))
    theirs = other.customer("Ajeno")
    quote = other.accepted_quote(theirs)
    invoice = other.issued_invoice()
    token = csrf_from(page(browser, "/quotes/"))
    cases = [
        ("get", f"/quotes/{quote['id']}", "Cotización no encontrada"),
        ("get", f"/quotes/{quote['id']}/edit", "Cotización no encontrada"),
        ("get", f"/quotes/{quote['id']}/pdf", "Cotización no encontrada"),
        ("post", f"/quotes/{quote['id']}/convert", "Cotización no encontrada"),
        ("post", f"/quotes/{quote['id']}/reject", "Cotización no encontrada"),
        ("get", f"/invoices/{invoice['id']}", "Factura no encontrada"),
        ("get", f"/invoices/{invoice['id']}/edit", "Factura no encontrada"),
        ("get", f"/invoices/{invoice['id']}/pdf", "Factura no encontrada"),
        ("post", f"/invoices/{invoice['id']}/void", "Factura no encontrada"),
        ("post", f"/invoices/{invoice['id']}/payments", "Factura no encontrada"),
        ("get", "/quotes/quo_doesnotexist", "Cotización no encontrada"),
        ("get", "/invoices/inv_doesnotexist", "Factura no encontrada"),
    ]
    for method, path, message in cases:
        data = {"csrf_token": token, "amount": "1", "paid_on": org_today().isoformat()}
        response = browser.post(path, data=data) if method == "post" else browser.get(path)
        assert response.status_code == 404, path
        assert text_of(response.get_data(as_text=True), "h1") == message, path
    assert other.get(f"/quotes/{quote['id']}")["status"] == "ACCEPTED"
    assert other.get(f"/invoices/{invoice['id']}")["status"] == "ISSUED"


# --- 7. escaping --------------------------------------------------------------------------


def test_a_script_in_names_and_lines_is_shown_as_text(app, owner, api, browser):
    customer = api.customer(XSS)
    line = [{"description": XSS_LINE, "quantity": "1", "unitPrice": "3"}]
    quote = api.sent_quote(customer, lines=line, notes=XSS)
    invoice = api.invoice(customerId=customer, lines=line, notes=XSS)
    issued = api.issued_invoice(customerName=XSS, lines=line)
    pages = [
        "/quotes/",
        f"/quotes/?customer={customer}",
        f"/quotes/{quote['id']}",
        "/invoices/",
        f"/invoices/{invoice['id']}",
        f"/invoices/{invoice['id']}/edit",
        f"/invoices/{issued['id']}",
        "/quotes/new",
    ]
    for path in pages:
        html = page(browser, path)
        assert "<script>alert(" not in html, path
        assert XSS_ESCAPED in html, path
    for path in (f"/quotes/{quote['id']}", f"/invoices/{invoice['id']}"):
        assert XSS_LINE_ESCAPED in page(browser, path), path
    assert XSS_LINE_ESCAPED in page(browser, f"/invoices/{invoice['id']}/edit")
    # The public page, seen by the customer.
    public = page(app.test_client(), quote["publicUrl"].replace("http://localhost", ""))
    assert "<script>alert(" not in public
    assert XSS_ESCAPED in public and XSS_LINE_ESCAPED in public
    # A form shown again with a problem escapes what was typed.
    data = {"customer_name": XSS, "invoice_date": "", "lines-0-description": XSS_LINE}
    html = post_action(browser, "/invoices/new", "/invoices/new", data).get_data(as_text=True)
    assert "<script>alert(" not in html
    assert f'value="{XSS_ESCAPED}"' in html.replace("&#34;", '"')


# --- 8. history, amounts in the user's language -------------------------------------------


def test_the_detail_pages_show_the_history(app, make_user, owner, api, browser):
    customer = api.customer()
    accepted = api.accepted_quote(customer)
    accountant_member = member_of(make_user, owner, "ACCOUNTANT")
    accountant = Api(app, accountant_member)
    invoice = accountant.post(f"/quotes/{accepted['id']}/convert")
    accountant.post(f"/invoices/{invoice['id']}/issue", status=200)
    accountant.post(
        f"/invoices/{invoice['id']}/payments",
        {"amount": "58.23", "paidOn": org_today().isoformat(), "method": "CASH"},
    )
    accountant.post(
        f"/invoices/{invoice['id']}/payments",
        {"amount": "100.00", "paidOn": org_today().isoformat(), "method": "TRANSFER"},
    )

    def history(html: str) -> list[str]:
        (block,) = re.findall(r'<ol class="history">.*?</ol>', html, re.DOTALL)
        return [" ".join(e["text"].split()) for e in elements(block, "li")]

    html = page(browser, f"/quotes/{accepted['id']}")
    events = history(html)
    assert [e.split(" · ")[0] for e in events] == [
        "Creada",
        "Enviada",
        "Aceptada",
        "Convertida en factura",
    ]
    assert all("Owner User" in e for e in events[:3]) and "Accountant User" in events[3]
    assert "Motivo: De acuerdo" in events[2]
    assert invoice["invoiceNumber"] in events[3]
    html = page(browser, f"/invoices/{invoice['id']}")
    events = history(html)
    assert [e.split(" · ")[0] for e in events] == [
        "Creada",
        "Emitida",
        "Pago registrado",
        "Pago registrado",
        "Pagada por completo",
    ]
    assert all("Accountant User" in e for e in events)
    assert accepted["quoteNumber"] in events[0]
    assert "Pagada" in text_of(html, "h1")


@pytest.mark.parametrize(
    ("language", "amount", "label"),
    [("es", "158,23 US$", "Total"), ("en", "$158.23", "Total")],
)
def test_amounts_follow_the_language(api, browser, language, amount, label):
    if language == "en":
        speak_english(browser)
    customer = api.customer()
    quote = api.quote(customer)
    invoice = api.issued_invoice()
    for path in ("/quotes/", f"/quotes/{quote['id']}", "/invoices/", f"/invoices/{invoice['id']}"):
        html = plain(page(browser, path))
        assert amount in html, path
        other = "$158.23" if language == "es" else "158,23 US$"
        assert other not in html, path
    (totals,) = elements(plain(page(browser, f"/invoices/{invoice['id']}")), "dl", class_="totals")
    assert amount in totals["text"] and label in totals["text"]


def test_a_large_amount_has_grouping_in_each_language(api, browser):
    lines = [{"description": "Obra", "quantity": "1", "unitPrice": "1234567.5"}]
    invoice = api.invoice(lines=lines)
    assert "1.234.567,50 US$" in plain(page(browser, f"/invoices/{invoice['id']}"))
    speak_english(browser)
    assert "$1,234,567.50" in plain(page(browser, f"/invoices/{invoice['id']}"))


# --- 9. the public link -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org_locale", "browser_language", "heading", "button"),
    [("es", "en", "Cotización", "Aceptar cotización"), ("en", "es", "Quote", "Accept quote")],
)
def test_the_public_page_speaks_the_organisations_language(
    app, owner, api, org_locale, browser_language, heading, button
):
    set_org_locale(app, owner.organization_id, org_locale)
    quote = api.sent_quote(api.customer())
    visitor = app.test_client()
    html = page(
        visitor,
        quote["publicUrl"].replace("http://localhost", ""),
        headers={"Accept-Language": browser_language},
    )
    assert f'<html lang="{org_locale}">' in html
    assert text_of(html, "h1") == f"{heading} {quote['quoteNumber']}"
    assert any(" ".join(b["text"].split()) == button for b in elements(html, "button"))
    assert "Owner User" not in html and "/quotes/" not in html  # nothing of the portal


@pytest.mark.parametrize(
    ("org_locale", "action", "message", "status"),
    [
        ("es", "accept", "Gracias: la cotización fue aceptada.", "ACCEPTED"),
        ("en", "reject", "Thank you: the quote was rejected.", "REJECTED"),
    ],
)
def test_the_public_link_takes_one_answer_then_shows_it(
    app, owner, api, browser, org_locale, action, message, status
):
    set_org_locale(app, owner.organization_id, org_locale)
    quote = api.sent_quote(api.customer())
    link = quote["publicUrl"].replace("http://localhost", "")
    visitor = app.test_client()
    token = csrf_from(page(visitor, link, headers={"Accept-Language": "fr"}))
    response = visitor.post(f"{link}/{action}", data={"csrf_token": token, "reason": "Vale"})
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    assert text_of(html, "p", role="status") == message
    assert api.get(f"/quotes/{quote['id']}")["status"] == status
    after = visitor.get(link)  # the page stays and shows the answer
    assert after.status_code == 200 and "Vale" in after.get_data(as_text=True)
    assert 'name="reason"' not in after.get_data(as_text=True)
    again = visitor.post(f"{link}/accept", data={"csrf_token": token})
    assert again.status_code == 303 and again.headers["Location"].endswith(link)
    assert api.get(f"/quotes/{quote['id']}")["status"] == status
    html = page(browser, f"/quotes/{quote['id']}")
    assert "Cliente, mediante el enlace público" in html  # the history names the link
    assert "Vale" in html
    assert elements(html, "input", class_="copy-link")  # the link stays: it shows the answer


def test_the_history_names_the_public_link_in_the_readers_language(app, api, browser):
    quote = api.sent_quote(api.customer())
    link = quote["publicUrl"].replace("http://localhost", "")
    visitor = app.test_client()
    token = csrf_from(page(visitor, link, headers={"Accept-Language": "en"}))
    response = visitor.post(
        f"{link}/accept", data={"csrf_token": token}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    html = page(browser, f"/quotes/{quote['id']}")
    assert "Cliente, mediante el enlace público" in html
    assert "Customer, through the public link" not in html


def test_an_unknown_or_draft_quotes_link_is_not_found(app, api):
    draft = api.quote(api.customer())
    visitor = app.test_client()
    assert visitor.get("/q/not-a-real-token").status_code == 404
    assert visitor.get("/q/" + "x" * 100).status_code == 404
    assert draft["publicUrl"] is None


# --- 10. PDF downloads --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["quotes", "invoices"])
def test_the_pdf_link_downloads_the_document(api, browser, kind):
    if kind == "quotes":
        document = api.quote(api.customer())
        number = document["quoteNumber"]
    else:
        document = api.issued_invoice()
        number = document["invoiceNumber"]
    html = page(browser, f"/{kind}/{document['id']}")
    (link,) = [e for e in elements(html, "a") if " ".join(e["text"].split()) == "PDF"]
    response = browser.get(link["attrs"]["href"])
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data[:5] == b"%PDF-"
    assert f'filename="{number}.pdf"' in response.headers["Content-Disposition"]
    text = plain("".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages))
    assert number in text
    assert "158,23 US$" in text  # the organisation's language (es)


def test_document_lists_page_with_their_filters_kept(app, client, make_user):
    """The list pages share one filter form and pager (documents/_list.html)."""
    accountant = make_user(role="ACCOUNTANT")
    for _ in range(51):
        create_invoice(client, accountant)
    browser = logged_in(app, accountant)
    first = page(browser, "/invoices/?status=DRAFT&overdue=&q=suelto")
    following = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert following and "status=DRAFT" in following.group(1)
    assert "q=suelto" in following.group(1)  # the search text too
    second = page(browser, following.group(1).replace("&amp;", "&"))
    assert 'rel="next"' not in second
    back = re.search(r'<a href="(/invoices/\?[^"]+)">', second)
    assert back and "status=DRAFT" in back.group(1) and "q=suelto" in back.group(1)
    assert '<option value="DRAFT" selected>' in first
    for path in ("/quotes/", "/recurring-invoices/"):
        assert 'name="customer"' in page(browser, path)


def test_a_number_taken_at_insert_answers_its_conflict_and_writes_nothing(
    app, api, browser, monkeypatch
):
    """A series number is written without a savepoint (only a number the client chose may
    well be taken). Should one collide all the same (a counter set back by hand), the
    request's transaction is rolled back whole and the conflict answered: 409 to the API,
    the form again with its message on a page (which still reads the database to show it)
    — never a 500, nothing written."""
    from portal.documents import services as documents_services
    from portal.invoices.models import Invoice

    taken = api.invoice()["invoiceNumber"]
    monkeypatch.setattr(documents_services, "series_number", lambda *_args: taken)

    def invoices() -> int:
        with app.app_context():
            return len(db.session.scalars(select(Invoice.id)).all())

    before = invoices()
    body = {
        "customerName": "Otro",
        "invoiceDate": org_today().isoformat(),
        "lines": [{"description": "Servicio", "quantity": "1", "unitPrice": "10"}],
    }
    response = api.client.post("/api/v1/invoices", json=body, headers=bearer(api.member))
    assert assert_envelope(response, 409, "DUPLICATE_INVOICE_NUMBER")["data"] is None
    data = {
        "customer_name": "Otro",
        "invoice_date": org_today().isoformat(),
        "lines-0-description": "Servicio",
        "lines-0-quantity": "1",
        "lines-0-unit_price": "10",
    }
    page_answer = post_action(browser, "/invoices/new", "/invoices/new", data)
    assert page_answer.status_code == 409, page_answer.status_code
    assert "Ya existe una factura con ese número" in page_answer.get_data(as_text=True)
    assert invoices() == before
