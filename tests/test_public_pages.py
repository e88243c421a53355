"""Public pages /q/<token> and /i/<token>: what the customer sees, the PDF, and nothing else."""

from __future__ import annotations

import secrets
from html import unescape
from urllib.parse import quote as url_quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from portal.accounts.models import Organization
from portal.extensions import db
from tests.conftest import assert_envelope, bearer, csrf_from
from tests.test_api_quotes import INVOICES, QUOTES, act, create_invoice, create_quote
from tests.test_pages import logged_in, page

ES = {"Accept-Language": "es"}
EN = {"Accept-Language": "en"}
IBAN = "ES9121000418450200051332"
XSS = "<script>alert(1)</script>"


def customer(client, member, name="Cliente Uno", **fields) -> str:
    body = {"name": name, "email": "cliente@example.com", **fields}
    response = client.post("/api/v1/customers", json=body, headers=bearer(member))
    return assert_envelope(response, 201)["data"]["id"]


def path_of(url: str) -> str:
    return url.removeprefix("http://localhost")


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def sent_quote(client, member, customer_id) -> tuple[dict, str]:
    quote = create_quote(client, member, customer_id)
    sent = act(client, member, f"{QUOTES}/{quote['id']}/send")["data"]
    return sent, path_of(sent["publicUrl"])


def sent_invoice(client, member, customer_id, **fields) -> tuple[dict, str]:
    invoice = create_invoice(client, member, customerId=customer_id, **fields)
    act(client, member, f"{INVOICES}/{invoice['id']}/issue")
    sent = act(client, member, f"{INVOICES}/{invoice['id']}/send")["data"]
    return sent, path_of(sent["publicUrl"])


def set_bank(app, organization_id: str, **values) -> None:
    with app.app_context():
        db.session.execute(
            update(Organization).where(Organization.public_id == organization_id).values(**values)
        )
        db.session.commit()


def test_a_decided_quotes_link_shows_the_decision_and_its_date(app, client, make_user):
    owner = make_user()
    quote, link = sent_quote(client, owner, customer(client, owner, locale="en"))
    visitor = app.test_client()
    page_html = visitor.get(link, headers=ES)
    assert page_html.status_code == 200 and "Accept quote" in text(page_html)
    token = csrf_from(page_html.get_data(as_text=True))
    assert visitor.post(f"{link}/accept", data={"csrf_token": token}).status_code == 200
    shown = visitor.get(link, headers=ES)
    assert shown.status_code == 200
    assert "This quote was accepted on" in text(shown)
    assert "Accept quote" not in text(shown) and quote["quoteNumber"] in text(shown)
    # Converted, it still says it was accepted.
    act(client, owner, f"{QUOTES}/{quote['id']}/convert", 201)
    assert "This quote was accepted on" in text(visitor.get(link))
    pdf = visitor.get(f"{link}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")


def test_an_invoices_link_shows_how_to_pay_and_downloads_its_pdf(app, client, make_user):
    owner = make_user()
    set_bank(app, owner.organization_id, iban=IBAN, bank_details="Banco Sol, oficina 12")
    invoice, link = sent_invoice(client, owner, customer(client, owner, locale="en"))
    visitor = app.test_client()
    response = visitor.get(link)
    assert response.status_code == 200
    html = text(response)
    assert invoice["invoiceNumber"] in html and IBAN in html and "Banco Sol, oficina 12" in html
    assert "How to pay" in html and "Due date" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "/invoices/" not in html and "/dashboard" not in html  # nothing of the portal
    pdf = visitor.get(f"{link}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert pdf.headers["Cache-Control"] == "no-store"


def test_the_page_speaks_the_customers_language_else_the_organisations(app, client, make_user):
    owner = make_user()  # the organisation speaks Spanish
    _invoice, english = sent_invoice(client, owner, customer(client, owner, locale="en"))
    _other, spanish = sent_invoice(client, owner, customer(client, owner, "Otro"))
    visitor = app.test_client()
    english_page = visitor.get(english, headers=ES)
    assert '<html lang="en">' in text(english_page) and "Invoice date" in text(english_page)
    spanish_page = visitor.get(spanish, headers=EN)
    assert '<html lang="es">' in text(spanish_page) and "Fecha de factura" in text(spanish_page)


def test_a_token_opens_only_its_own_document(app, client, make_user):
    owner = make_user()
    other_org = make_user()
    quote, quote_link = sent_quote(client, owner, customer(client, owner, "Cliente Alfa"))
    invoice, invoice_link = sent_invoice(client, other_org, customer(client, other_org, "Beta"))
    visitor = app.test_client()
    quote_token = quote_link.rsplit("/", 1)[-1]
    invoice_token = invoice_link.rsplit("/", 1)[-1]
    for path in (f"/i/{quote_token}", f"/q/{invoice_token}", f"/i/{quote_token}/pdf"):
        assert visitor.get(path).status_code == 404, path
    quote_page = text(visitor.get(quote_link))
    assert "Beta" not in quote_page and invoice["invoiceNumber"] not in quote_page
    invoice_page = text(visitor.get(invoice_link))
    assert "Cliente Alfa" not in invoice_page and quote["quoteNumber"] not in invoice_page


def test_a_new_link_from_the_page_revokes_the_old(app, client, make_user):
    owner = make_user()
    quote, old = sent_quote(client, owner, customer(client, owner))
    browser = logged_in(app, owner)
    show = f"/quotes/{quote['id']}"
    token = csrf_from(page(browser, show))
    response = browser.post(f"{show}/public-link", data={"csrf_token": token})
    assert response.status_code == 302
    detail = assert_envelope(client.get(f"{QUOTES}/{quote['id']}", headers=bearer(owner)), 200)
    new = path_of(detail["data"]["publicUrl"])
    assert new != old
    visitor = app.test_client()
    missing = visitor.get(old)
    assert missing.status_code == 404
    assert "Volver al panel" not in text(missing) and "/dashboard" not in text(missing)
    assert visitor.get(f"{old}/pdf").status_code == 404
    assert visitor.get(new).status_code == 200
    viewer = logged_in(app, make_user(role="VIEWER", organization_id=owner.organization_id))
    assert 'action="/quotes/' not in page(viewer, show).split("public-link-url")[-1]
    refused = viewer.post(f"{show}/public-link", data={"csrf_token": csrf_from(page(viewer, show))})
    assert refused.status_code == 403


def test_hostile_names_are_shown_as_text(app, client, make_user):
    owner = make_user()
    set_bank(app, owner.organization_id, bank_details="<img src=x onerror=alert(3)>")
    hostile = customer(client, owner, XSS)
    lines = [{"description": "<b>x</b>", "quantity": 1, "unitPrice": 1}]
    _invoice, link = sent_invoice(
        client,
        owner,
        hostile,
        lines=lines,
        notes="<i>n</i>",
        customerName="<script>alert(1)</script>",
    )
    raw = app.test_client().get(link).get_data(as_text=True)
    for markup in ("<script>alert(1)</script>", "<b>x</b>", "<i>n</i>", "<img src=x"):
        assert markup not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


TOKENS = st.one_of(
    st.text(min_size=1, max_size=120),
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", max_size=90
    ),
)


@pytest.fixture
def unlimited_app(make_app):
    return make_app(RATELIMIT_ENABLED=False)  # many requests from one address, no 429


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(token=TOKENS)
def test_odd_tokens_never_answer_500(unlimited_app, token):
    visitor = unlimited_app.test_client()
    quoted = url_quote(token, safe="")
    for path in (f"/q/{quoted}", f"/i/{quoted}", f"/q/{quoted}/pdf", f"/i/{quoted}/pdf"):
        response = visitor.get(path)
        assert response.status_code in (400, 404, 308), (path, response.status_code)


def test_unknown_tokens_are_a_public_404(app):
    visitor = app.test_client()
    for path in (f"/q/{secrets.token_urlsafe(32)}", f"/i/{secrets.token_urlsafe(32)}"):
        response = visitor.get(path)
        assert response.status_code == 404
        html = text(response)
        assert "Recurso no encontrado" in html and "Volver al panel" not in html
