"""Issue 15.3, wording: what a Spanish reader sees is Spanish, and agrees with its document.

History values in the reader's language, decimals the locale's way and accepted back, plan and
role names, statuses in the gender of their document, no empty discount line, no balance on a
voided invoice, a 403 page that says which role and whom to ask. Each point in both languages
where the English matters too.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import update

from portal.accounts.models import User
from portal.documents.labels import (
    INVOICE_STATUS_LABELS,
    QUOTE_STATUS_LABELS,
    RECURRING_STATUS_LABELS,
    status_label,
)
from portal.documents.views import MAIL_STATUS_LABELS
from portal.extensions import db
from portal.forms import plain_decimal
from tests.conftest import bearer, org_today
from tests.test_document_pages import Api, member_of, plain, post_action
from tests.test_pages import elements, field_error, logged_in, page, speak_english, text_of
from tests.test_recurring_pages import create_profile, profile_form

SEND = {"to": "cliente@example.com"}


@pytest.fixture
def owner(make_user):
    return make_user(role="OWNER")


@pytest.fixture
def api(app, owner):
    return Api(app, owner)


@pytest.fixture
def browser(app, owner):
    return logged_in(app, owner)


def history_changes(html: str) -> list[str]:
    """Each change of the history, as a person reads it ("Método: Efectivo")."""
    return [" ".join(e["text"].split()) for e in elements(html, "span") if ": " in e["text"]]


def _within(html: str, container: dict) -> list[dict]:
    """The elements whose text is part of ``container``'s (the parser keeps no tree)."""
    return [e for e in elements(html) if e["text"] and e["text"] in container["text"]]


def facts(html: str) -> list[str]:
    """The terms of the document's facts (Cliente, Saldo…)."""
    found: list[str] = []
    for dl in elements(html, "dl", class_="facts"):
        found += [" ".join(e["text"].split()) for e in _within(html, dl) if e["tag"] == "dt"]
    return found


def pdf_text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.data))
    return plain(" ".join(p.extract_text() for p in reader.pages))


def paid_invoice(api: Api, price: str = "692.17", method: str = "CASH") -> dict:
    invoice = api.issued_invoice(
        lines=[{"description": "Obra", "quantity": "1", "unitPrice": price, "taxPercent": "0"}]
    )
    api.post(
        f"/invoices/{invoice['id']}/payments",
        {"amount": invoice["total"], "paidOn": org_today().isoformat(), "method": method},
    )
    return invoice


# --- a. history values in the reader's language ---------------------------------------------


def test_history_shows_money_methods_and_dates_the_readers_way(api, browser):
    invoice = paid_invoice(api)
    html = plain(page(browser, f"/invoices/{invoice['id']}"))
    changes = history_changes(html)
    assert "Total: 692,17 US$" in changes
    assert "Método: Efectivo" in changes
    assert "Importe: 692,17 US$" in changes
    assert "Saldo: 0,00 US$" in changes
    assert not any("CASH" in change or "692.17" in change for change in changes)

    english = plain(page(speak_english(browser), f"/invoices/{invoice['id']}"))
    assert {"Method: Cash", "Amount: $692.17", "Total: $692.17"} <= set(history_changes(english))


def test_an_edit_shows_old_and_new_dates_and_lines(app, api, browser, owner):
    today = org_today()
    invoice = api.invoice(
        dueDate=(today + timedelta(days=30)).isoformat(),
        lines=[{"description": "Obra", "quantity": "1.5", "unitPrice": "1234.5"}],
    )
    later = today + timedelta(days=45)
    response = api.client.patch(
        f"/api/v1/invoices/{invoice['id']}",
        json={
            "dueDate": later.isoformat(),
            "lines": [{"description": "Obra", "quantity": "2", "unitPrice": "1234.5"}],
        },
        headers=bearer(owner),
    )
    assert response.status_code == 200, response.get_json()
    changes = history_changes(plain(page(browser, f"/invoices/{invoice['id']}")))
    old, new = (format_date(d, "medium", locale="es") for d in (today + timedelta(30), later))
    assert f"Fecha de vencimiento: {old} → {new}" in changes
    (lines,) = [change for change in changes if change.startswith("Líneas: ")]
    assert lines == "Líneas: 1,5 × Obra @ 1.234,50 US$ +0 % → 2 × Obra @ 1.234,50 US$ +0 %"

    # The API keeps the stored values.
    history = api.get(f"/invoices/{invoice['id']}/history")["items"]
    edited = [event for event in history if event["action"] == "edited"][-1]
    assert edited["changes"]["dueDate"] == [(today + timedelta(30)).isoformat(), later.isoformat()]


def test_a_recurring_invoices_history_names_frequencies_and_yes_or_no(api, browser):
    profile_id = create_profile(browser, api.customer())
    edit = f"/recurring-invoices/{profile_id}/edit"
    data = profile_form(api.customer("Librería Luna"), frequency="QUARTERLY", auto_issue="y")
    assert post_action(browser, edit, edit, data).status_code == 302
    changes = history_changes(page(browser, f"/recurring-invoices/{profile_id}"))
    assert "Frecuencia: Mensual → Trimestral" in changes
    assert "Emitir automáticamente: No → Sí" in changes
    history = api.get(f"/recurring-invoices/{profile_id}/history")["items"]
    assert history[-1]["changes"]["frequency"] == ["MONTHLY", "QUARTERLY"]


def test_the_api_history_keeps_raw_values(api):
    invoice = paid_invoice(api)
    history = api.get(f"/invoices/{invoice['id']}/history")["items"]
    (payment,) = [event for event in history if "method" in (event["changes"] or {})]
    assert payment["changes"]["method"] == "CASH"
    assert payment["changes"]["amount"] == "692.17"


# --- b. decimals the locale's way, and accepted back ----------------------------------------


def test_the_payment_form_proposes_the_balance_with_the_locales_mark(api, browser):
    invoice = api.issued_invoice(
        lines=[{"description": "Obra", "quantity": "1", "unitPrice": "692.17", "taxPercent": "0"}]
    )
    show = f"/invoices/{invoice['id']}"
    (amount,) = elements(page(browser, show), "input", name="amount")
    assert amount["attrs"]["value"] == "692,17"
    (amount,) = elements(
        page(browser, show, headers={"Accept-Language": "en"}), "input", name="amount"
    )
    assert amount["attrs"]["value"] == "692.17"

    response = post_action(
        browser,
        f"{show}/payments",
        show,
        {"amount": "692,17", "paid_on": org_today().isoformat(), "method": "CASH"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert api.get(show)["status"] == "PAID"


def pay_on_the_page(api, browser, typed: str, locale: str):
    """A payment typed into an issued invoice's page in ``locale``: (its page, the answer)."""
    invoice = api.issued_invoice(
        lines=[{"description": "Obra", "quantity": "1", "unitPrice": "5000", "taxPercent": "0"}]
    )
    show = f"/invoices/{invoice['id']}"
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    response = post_action(
        browser,
        f"{show}/payments",
        show,
        {"amount": typed, "paid_on": org_today().isoformat(), "method": "CASH"},
    )
    return show, response


@pytest.mark.parametrize(
    ("typed", "locale", "recorded"),
    [
        ("1.234,56", "es", "1234.56"),
        ("1234,56", "es", "1234.56"),
        ("1 234,56", "es", "1234.56"),
        ("692.17", "en", "692.17"),
        ("1,234.56", "en", "1234.56"),
        ("1,234", "en", "1234.00"),
    ],
)
def test_typed_amounts_are_read_the_locales_way(app, api, browser, typed, locale, recorded):
    show, response = pay_on_the_page(api, browser, typed, locale)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert api.get(show)["amountPaid"] == recorded


@pytest.mark.parametrize(
    ("typed", "locale", "refused"),
    [
        ("1.500", "es", "Escribe 1500 para miles o 1,500 para decimales"),
        ("12.345", "es", "Escribe 12345 para miles o 12,345 para decimales"),
        ("1.5", "es", None),  # not three digits: a decimal point, whatever the language
        ("1.500", "en", None),
    ],
)
def test_a_lone_dot_before_three_digits_is_refused_on_a_spanish_page(
    app, api, browser, typed, locale, refused
):
    """'1.500' is a thousand and a half to a Spanish reader and 1.5 to Decimal: the page
    asks which, instead of recording a payment a thousand times too small."""
    show, response = pay_on_the_page(api, browser, typed, locale)
    if refused is None:
        assert response.status_code == 302, response.get_data(as_text=True)
        return
    assert response.status_code == 400
    assert field_error(response.get_data(as_text=True), "amount") == refused
    assert api.get(show)["amountPaid"] == "0.00"


def test_the_api_reads_a_lone_dot_as_the_decimal_point_in_any_language(app, api, owner):
    invoice = api.issued_invoice(
        lines=[{"description": "Obra", "quantity": "1", "unitPrice": "5000", "taxPercent": "0"}]
    )
    body = {"amount": "1.500", "paidOn": org_today().isoformat(), "method": "CASH"}
    paid = app.test_client().post(
        f"/api/v1/invoices/{invoice['id']}/payments",
        json=body,
        headers=bearer(owner, **{"Accept-Language": "es"}),
    )
    assert paid.status_code == 201, paid.get_data(as_text=True)
    assert api.get(f"/invoices/{invoice['id']}")["amountPaid"] == "1.50"


def test_plain_decimal_refuses_what_it_cannot_read(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert plain_decimal("1.2,3") == "1.2,3"
        assert plain_decimal("1,2,3") == "1,2,3"
        assert plain_decimal("692.17") == "692.17"  # the API's form, in any language
        assert plain_decimal("1,234") == "1.234"  # a Spanish decimal comma


# --- c. plan names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "names"),
    [("es", ["Gratis", "Pro", "Empresa"]), ("en", ["Free", "Pro", "Enterprise"])],
)
def test_plan_names_in_the_readers_language(app, make_user, locale, names):
    owner = make_user(plan="FREE")
    client = logged_in(app, owner)
    html = page(client, "/settings/billing", headers={"Accept-Language": locale})
    options = [
        e["text"]
        for e in elements(html, "option")
        if e["attrs"].get("value") in ("FREE", "PRO", "ENTERPRISE")
    ]
    assert options[:3] == names


# --- d. statuses agree with their document ------------------------------------------------


def test_every_status_is_feminine_in_spanish(app):
    with app.test_request_context(), force_locale("es"):
        for labels in (INVOICE_STATUS_LABELS, QUOTE_STATUS_LABELS, RECURRING_STATUS_LABELS):
            for status, label in labels.items():
                first = str(label).split()[0]
                assert first == "Borrador" or first.endswith("a"), (status, str(label))
        assert status_label("EXPIRED", "quote") == "Vencida"
        assert status_label("VOID", "invoice") == "Anulada"
    with app.test_request_context(), force_locale("en"):
        assert status_label("PARTIALLY_PAID", "invoice") == "Partially paid"


def test_an_emails_status_is_masculine_in_spanish(app):
    with app.test_request_context(), force_locale("es"):
        assert {key: str(label) for key, label in MAIL_STATUS_LABELS.items()} == {
            "QUEUED": "En cola",
            "SENT": "Enviado",  # un correo
            "FAILED": "Fallido",
        }


def test_an_overdue_invoice_is_vencida(api, browser):
    long_ago = org_today() - timedelta(days=90)
    overdue = api.issued_invoice(
        invoiceDate=long_ago.isoformat(), dueDate=(long_ago + timedelta(30)).isoformat()
    )
    html = page(browser, f"/invoices/{overdue['id']}")
    assert text_of(html, "span", class_="badge badge-overdue") == "Vencida"
    assert text_of(html, "span", class_="badge badge-ISSUED") == "Emitida"
    english = page(speak_english(browser), f"/invoices/{overdue['id']}")
    assert text_of(english, "span", class_="badge badge-overdue") == "Overdue"


def test_quote_badges_on_their_pages(api, browser):
    customer = api.customer()
    accepted = api.accepted_quote(customer)
    html = page(browser, f"/quotes/{accepted['id']}")
    assert text_of(html, "span", class_="badge badge-ACCEPTED") == "Aceptada"
    listed = page(browser, "/quotes/")
    assert [e["text"] for e in elements(listed, "span", class_="badge badge-ACCEPTED")] == [
        "Aceptada"
    ]


def test_the_invoice_pdf_names_its_status_in_the_feminine(api, browser):
    invoice = api.issued_invoice()
    api.post(f"/invoices/{invoice['id']}/void", status=200)
    assert "Anulada" in pdf_text(browser, f"/invoices/{invoice['id']}/pdf")


# --- e. role names -------------------------------------------------------------------------


def test_role_names_are_neutral_in_spanish(app, make_user, owner, browser):
    for role in ("ADMIN", "ACCOUNTANT", "OPERATOR", "VIEWER"):
        member_of(make_user, owner, role)
    html = page(browser, "/team/")
    cells = {" ".join(e["text"].split()) for e in elements(html, "td")}
    assert {
        "Propietario/a",
        "Administrador/a",
        "Contador/a",
        "Operador/a",
        "Lector/a",
    } <= cells
    english = page(speak_english(browser), "/team/")
    cells = {" ".join(e["text"].split()) for e in elements(english, "td")}
    assert {"Owner", "Administrator", "Accountant", "Operator", "Viewer"} <= cells


# --- f. no discount line without a discount -------------------------------------------------


def test_totals_name_discounts_only_when_there_are_some(app, api, browser, owner):
    plain_one = api.issued_invoice()
    discounted = api.issued_invoice(
        lines=[
            {"description": "Obra", "quantity": "1", "unitPrice": "100", "discountPercent": "10"}
        ]
    )
    without = page(browser, f"/invoices/{plain_one['id']}")
    assert "Descuentos" not in without and "Base imponible" not in text_of(
        without, "dl", class_="totals"
    )
    with_discount = plain(page(browser, f"/invoices/{discounted['id']}"))
    assert "Descuentos" in text_of(with_discount, "dl", class_="totals")
    assert "−10,00 US$" in text_of(with_discount, "dl", class_="totals")

    sent = api.post(f"/invoices/{plain_one['id']}/send", SEND, status=200)
    public = app.test_client().get(sent["publicUrl"].removeprefix("http://localhost"))
    assert public.status_code == 200
    assert "Descuentos" not in public.get_data(as_text=True)
    assert "Descuentos" not in pdf_text(browser, f"/invoices/{plain_one['id']}/pdf")
    assert "Descuentos" in pdf_text(browser, f"/invoices/{discounted['id']}/pdf")


# --- g. a voided invoice owes nothing -----------------------------------------------------


def test_a_voided_invoice_shows_no_balance(app, api, browser):
    invoice = api.issued_invoice()
    sent = api.post(f"/invoices/{invoice['id']}/send", SEND, status=200)
    api.post(f"/invoices/{invoice['id']}/void", status=200)
    html = page(browser, f"/invoices/{invoice['id']}")
    assert "Saldo" not in facts(html)
    assert not elements(html, "input", name="amount")

    public = app.test_client().get(sent["publicUrl"].removeprefix("http://localhost"))
    text = public.get_data(as_text=True)
    assert "Saldo" not in text and "anulada" in text
    assert "Saldo" not in pdf_text(browser, f"/invoices/{invoice['id']}/pdf")

    # An open one does show it.
    open_one = api.issued_invoice()
    assert "Saldo" in facts(page(browser, f"/invoices/{open_one['id']}"))


# --- h. the 403 page names the role and whom to ask ----------------------------------------


def test_the_403_page_names_the_role_and_the_owners(app, make_user, owner, api):
    second = member_of(make_user, owner, "OWNER")
    with app.app_context():
        db.session.execute(update(User).where(User.public_id == owner.id).values(name="Ana Ruiz"))
        db.session.execute(update(User).where(User.public_id == second.id).values(name="Beto Díaz"))
        db.session.commit()
    operator = logged_in(app, member_of(make_user, owner, "OPERATOR"))
    html = page(operator, "/invoices/new", status=403)
    paragraphs = [" ".join(e["text"].split()) for e in elements(html, "p")]
    assert "Para esto necesitas el rol Contador/a o uno superior." in paragraphs
    assert (
        "Pide el cambio de rol a Ana Ruiz y Beto Díaz, propietarios/as de tu organización."
        in paragraphs
    )
    english = page(speak_english(operator), "/invoices/new", status=403)
    paragraphs = [" ".join(e["text"].split()) for e in elements(english, "p")]
    assert "To do this you need the Accountant role or a higher one." in paragraphs
    assert (
        "Ask Ana Ruiz and Beto Díaz, the owners of your organisation, to change your role."
        in paragraphs
    )


def test_one_owner_is_named_alone_and_the_api_keeps_the_spec_message(app, make_user, owner):
    viewer = member_of(make_user, owner, "VIEWER")
    html = page(logged_in(app, viewer), "/quotes/new", status=403)
    paragraphs = [" ".join(e["text"].split()) for e in elements(html, "p")]
    assert "Para esto necesitas el rol Operador/a o uno superior." in paragraphs
    assert "Pide el cambio de rol a Owner User, propietario/a de tu organización." in paragraphs

    client = app.test_client()
    for language, message in (
        ("es", "Sin permisos"),
        ("en", "Access denied — OPERATOR role required"),
    ):
        body = client.post(
            "/api/v1/quotes", json={}, headers=bearer(viewer, **{"Accept-Language": language})
        ).get_json()
        assert (body["code"], body["message"], body["error"]) == ("FORBIDDEN", message, message)


def test_history_amounts_use_the_documents_currency(app, api, browser, owner):
    invoice = paid_invoice(api, price="10")
    changes = history_changes(plain(page(browser, f"/invoices/{invoice['id']}")))
    assert "Importe: 10,00 US$" in changes
    assert Decimal(api.get(f"/invoices/{invoice['id']}")["total"]) == Decimal("10.00")


# --- the invoice list and the customer statement -------------------------------------------


def test_the_invoice_list_says_vencida_and_shows_no_balance_for_a_void_invoice(api, browser):
    long_ago = org_today() - timedelta(days=90)
    api.issued_invoice(
        invoiceDate=long_ago.isoformat(), dueDate=(long_ago + timedelta(30)).isoformat()
    )
    void = api.issued_invoice()
    api.post(f"/invoices/{void['id']}/void", status=200)
    html = plain(page(browser, "/invoices/"))
    assert [e["text"] for e in elements(html, "span", class_="badge badge-overdue")] == ["Vencida"]
    (row,) = [e for e in elements(html, "tr") if void["invoiceNumber"] in e["text"]]
    assert row["text"].count("158,23 US$") == 1  # its total, and no balance


def test_the_customer_statement_says_vencida(api, browser):
    customer = api.customer()
    long_ago = org_today() - timedelta(days=90)
    api.issued_invoice(
        customerId=customer,
        invoiceDate=long_ago.isoformat(),
        dueDate=(long_ago + timedelta(30)).isoformat(),
    )
    html = page(browser, f"/customers/{customer}")
    assert [e["text"] for e in elements(html, "span", class_="badge badge-overdue")] == ["Vencida"]
