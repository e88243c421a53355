"""PDFs of quotes and invoices: a real PDF, in the organisation's language and number format."""

import io
from datetime import date

import pypdf
from babel.dates import format_date

from tests.conftest import assert_envelope, bearer
from tests.test_api_quotes import (
    EN,
    INVOICES,
    QUOTES,
    THIS_YEAR,
    act,
    create_invoice,
    create_quote,
    mixed_lines,
    new_customer,
    new_product,
)

ORG_NAME = "Ferretería Núñez"


def pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    return reader.pages[0].extract_text()


def setup_org(client, make_user, locale="es"):
    owner = make_user(role="OWNER")
    settings = {"name": ORG_NAME, "locale": locale}
    response = client.patch("/api/v1/organization", json=settings, headers=bearer(owner))
    assert assert_envelope(response, 200)["data"]["locale"] == locale
    return owner


def test_quote_pdf_in_spanish(client, make_user):
    owner = setup_org(client, make_user)
    product = new_product(client, owner)
    quote = create_quote(
        client, owner, new_customer(client, owner, "Cliente Uno"), mixed_lines(product)
    )
    response = client.get(f"{QUOTES}/{quote['id']}/pdf", headers=bearer(owner, **EN))
    assert quote["quoteNumber"] in response.headers["Content-Disposition"]
    text = pdf_text(response)
    assert quote["quoteNumber"] == f"COT-{THIS_YEAR}-0001" and quote["quoteNumber"] in text
    assert ORG_NAME in text and "Cliente Uno" in text
    assert "163,06" in text and "170,87" in text and "15,75" in text  # total, subtotal, taxes
    assert "163.06" not in text
    for words in ("Cotización", "Cliente", "Válida hasta", "Subtotal", "Impuestos", "Borrador"):
        assert words in text
    for english in ("Quote", "Valid until", "Taxes", "Draft"):
        assert english not in text


def test_quote_pdf_in_english(client, make_user):
    owner = setup_org(client, make_user, "en")
    product = new_product(client, owner)
    quote = create_quote(client, owner, new_customer(client, owner), mixed_lines(product))
    act(client, owner, f"{QUOTES}/{quote['id']}/send")
    text = pdf_text(client.get(f"{QUOTES}/{quote['id']}/pdf", headers=bearer(owner)))
    assert quote["quoteNumber"] in text and ORG_NAME in text
    assert "$163.06" in text
    for words in ("Quote", "Customer", "Valid until", "Subtotal", "Taxes", "Sent"):
        assert words in text
    for spanish in ("Cotización", "Válida hasta", "Impuestos", "Enviada"):
        assert spanish not in text


def test_invoice_pdf_in_spanish_with_balance(client, make_user):
    owner = setup_org(client, make_user)
    product = new_product(client, owner)
    invoice = create_invoice(
        client,
        owner,
        mixed_lines(product),
        customerName="Juan Pérez",
        invoiceDate=f"{THIS_YEAR}-03-01",
    )
    url = f"{INVOICES}/{invoice['id']}"
    act(client, owner, f"{url}/issue")
    body = {"amount": "100", "paidOn": f"{THIS_YEAR}-03-02", "method": "CASH"}
    act(client, owner, f"{url}/payments", 201, json=body)
    response = client.get(f"{url}/pdf", headers=bearer(owner, **EN))
    assert invoice["invoiceNumber"] in response.headers["Content-Disposition"]
    text = pdf_text(response)
    assert invoice["invoiceNumber"] == f"INV-{THIS_YEAR}-0001" and invoice["invoiceNumber"] in text
    assert ORG_NAME in text and "Juan Pérez" in text
    assert "163,06" in text and "63,06" in text  # total and balance
    for words in ("Factura", "Fecha de factura", "Saldo", "Pagada parcialmente", "marzo"):
        assert words in text
    for english in ("Invoice", "Balance", "March"):
        assert english not in text


def test_invoice_pdf_in_english(client, make_user):
    owner = setup_org(client, make_user, "en")
    invoice = create_invoice(
        client,
        owner,
        [
            {
                "description": "Consulting",
                "quantity": "1.5",
                "unitPrice": "105.49",
                "taxPercent": "16",
            }
        ],
        invoiceDate=f"{THIS_YEAR}-03-01",
    )
    # 1.5 × 105.49 = 158.235 → 158.24; tax 25.3184 → 25.32; total 183.56.
    assert invoice["total"] == "183.56"
    text = pdf_text(client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=bearer(owner)))
    assert invoice["invoiceNumber"] in text and ORG_NAME in text
    assert "$183.56" in text and "$158.24" in text
    for words in ("Invoice", "Invoice date", "Due date", "Subtotal", "Taxes", "Draft", "March"):
        assert words in text
    assert "Balance" not in text  # nothing paid: the total is what is due
    for spanish in ("Factura", "Saldo", "Borrador", "marzo"):
        assert spanish not in text


def test_voided_invoice_pdf_keeps_its_number(client, make_user):
    owner = setup_org(client, make_user)
    invoice = create_invoice(client, owner)
    act(client, owner, f"{INVOICES}/{invoice['id']}/void")
    text = pdf_text(client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=bearer(owner)))
    assert invoice["invoiceNumber"] in text and "100,00" in text


def test_voided_invoice_pdf_says_anulada(client, make_user):
    owner = setup_org(client, make_user)
    invoice = create_invoice(client, owner)
    act(client, owner, f"{INVOICES}/{invoice['id']}/void")
    text = pdf_text(client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=bearer(owner)))
    assert "Estado Anulada" in " ".join(text.split())
    due = format_date(date.fromisoformat(invoice["dueDate"]), "long", locale="es")
    assert text.count(due) == 1  # among the dates only: a void invoice asks for no payment
