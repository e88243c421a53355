"""The professional PDF (issue 11): parties, breakdown, totals, pages, font — read back with pypdf.

Documents are made through the API; the organisation's fiscal profile and the customer's
fiscal fields are written straight to the database (their API is another change). Labels are
checked in English, figures in both languages.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.catalog.models import Customer
from portal.documents.calc import document_totals, line_amounts
from portal.documents.pdf import render_invoice
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceLine
from portal.periods import Period
from portal.statements.ledger import INVOICE, PAYMENT, Balances, Movement, Position
from portal.statements.pdf import render_statement
from portal.statements.services import Statement
from tests.conftest import assert_envelope, bearer
from tests.test_api_quotes import (
    INVOICES,
    QUOTES,
    THIS_YEAR,
    TODAY,
    act,
    create_invoice,
    create_quote,
)

ISSUER = {
    "name": "Ferretería Núñez",
    "legal_name": "Ferretería Núñez Łódź S.L.",
    "tax_id": "B12345674",
    "street": "Calle Mayor 1, 2º",
    "postal_code": "28013",
    "city": "Madrid",
    "region": "Comunidad de Madrid",
    "country": "ES",
    "iban": "ES9121000418450200051332",
    "bank_details": "CaixaBank, oficina 0418",
    "invoice_footer": "Registro Mercantil de Madrid, tomo 1234, folio 56, hoja M-7890",
}
CUSTOMER = {
    "tax_id": "A58818501",
    "address": "Avinguda Diagonal 100",
    "postal_code": "08019",
    "city": "Barcelona",
    "region": "Cataluña",
    "country": "ES",
}
IBAN_PRINTED = "ES91 2100 0418 4502 0005 1332"
MINUS = "\u2212"
LINE_HEADERS = ("Description", "Quantity", "Unit price", "Discount", "Tax", "Amount")


# --- helpers --------------------------------------------------------------------------------


def pages_of(response) -> list[str]:
    """The text of each page, whitespace collapsed to single spaces."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    return [" ".join(page.extract_text().split()) for page in reader_of(response).pages]


def reader_of(response) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(response.data))


def fiscal_org(app, member, locale="en", **fields):
    """An organisation with its fiscal profile, in ``locale``, in euros."""
    with app.app_context():
        organization = db.session.scalars(
            select(Organization).where(Organization.public_id == member.organization_id)
        ).one()
        for name, value in {**ISSUER, "locale": locale, "currency": "EUR", **fields}.items():
            setattr(organization, name, value)
        db.session.commit()


CUSTOMER_NAME = "Distribuciones Ébano S.A."


def fiscal_customer(client, app, member, name=CUSTOMER_NAME, **fields) -> str:
    response = client.post(
        "/api/v1/customers",
        json={"name": name, "email": "cliente@example.com"},
        headers=bearer(member),
    )
    public_id = assert_envelope(response, 201)["data"]["id"]
    with app.app_context():
        customer = db.session.scalars(select(Customer).where(Customer.public_id == public_id)).one()
        for field, value in {**CUSTOMER, **fields}.items():
            setattr(customer, field, value)
        db.session.commit()
    return public_id


def png_logo(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (240, 80), (29, 78, 137)).save(buffer, fmt)
    return buffer.getvalue()


def whole_words(text: str, label: str) -> bool:
    """Every word of ``label`` is in ``text`` whole (not cut by a line break)."""
    return all(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) for word in label.split())


# --- the tax model on paper -----------------------------------------------------------------

# | line | gross | discount | net | tax | recargo |
# | 2 × 150.00, 21 % | 300.00 | 0.00 | 300.00 | 63.00 | — |
# | 10 × 12.35, −10 %, 21 % + RE 5.2 % | 123.50 | 12.35 | 111.15 | 23.3415 → 23.34 | 5.7798 → 5.78 |
# | 3 × 45.90, 10 % | 137.70 | 0.00 | 137.70 | 13.77 | — |
# subtotal 561.20 − discounts 12.35 = base 548.85; taxes 100.11; recargo 5.78;
# IRPF 15 % of 548.85 = 82.3275 → 82.33; total 548.85 + 100.11 + 5.78 − 82.33 = 572.41.
TAXED_LINES = [
    {"description": "Consultoría", "quantity": "2", "unitPrice": "150.00", "taxPercent": "21"},
    {
        "description": "Material de oficina",
        "quantity": "10",
        "unitPrice": "12.35",
        "discountPercent": "10",
        "taxPercent": "21",
        "surchargePercent": "5.2",
    },
    {"description": "Libros técnicos", "quantity": "3", "unitPrice": "45.90", "taxPercent": "10"},
]
TAXED_TOTALS = {
    "subtotal": "561.20",
    "discountTotal": "12.35",
    "taxTotal": "100.11",
    "surchargeTotal": "5.78",
    "withholdingTotal": "82.33",
    "total": "572.41",
}


@pytest.fixture
def owner(app, make_user):
    return make_user(role="OWNER")


def test_breakdown_recargo_and_irpf_to_the_cent_in_english(client, app, owner):
    fiscal_org(app, owner, logo=png_logo())
    customer = fiscal_customer(client, app, owner)
    quote = create_quote(client, owner, customer, TAXED_LINES, withholdingPercent="15")
    act(client, owner, f"{QUOTES}/{quote['id']}/send")
    act(client, owner, f"{QUOTES}/{quote['id']}/accept")
    invoice = act(client, owner, f"{QUOTES}/{quote['id']}/convert", 201)["data"]
    assert {key: invoice[key] for key in TAXED_TOTALS} == TAXED_TOTALS
    act(client, owner, f"{INVOICES}/{invoice['id']}/issue")

    response = client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=bearer(owner))
    (text,) = pages_of(response)
    assert invoice["invoiceNumber"] in text and "Invoice" in text
    # Issuer: legal name, trade name, tax id, address; customer likewise.
    assert "Ferretería Núñez Łódź S.L. Ferretería Núñez NIF: B12345674 Calle Mayor 1, 2º" in text
    assert "28013 Madrid Comunidad de Madrid Spain" in text
    assert f"{CUSTOMER_NAME} NIF: A58818501 Avinguda Diagonal 100 08019 Barcelona" in text
    # The discounted line: its discount as a negative, its recargo under its tax.
    assert f"Material de oficina 10 €12.35 {MINUS}€12.35 10% 21% Surcharge 5.2% €111.15" in text
    # Breakdown, highest rate first, recargo columns since one line has recargo.
    assert "Tax base Tax rate Tax Surcharge rate Surcharge" in text
    assert "€111.15 21% €23.34 5.2% €5.78 €300.00 21% €63.00 €137.70 10% €13.77" in text
    assert (
        f"Subtotal €561.20 Discounts {MINUS}€12.35 Tax base €548.85 Taxes €100.11 "
        f"Recargo de equivalencia €5.78 IRPF withholding 15% {MINUS}€82.33 Total €572.41"
    ) in text
    assert "Amount paid" not in text  # nothing paid yet
    assert f"Payment by bank transfer to IBAN {IBAN_PRINTED}" in text
    assert "CaixaBank, oficina 0418" in text
    assert ISSUER["invoice_footer"] in text
    assert "Page 1 of" not in text  # one page: no page numbers
    assert len(reader_of(response).pages[0].images) == 1  # the logo


def test_the_same_invoice_in_spanish_prints_spanish_figures(client, app, owner):
    fiscal_org(app, owner, locale="es")
    customer = fiscal_customer(client, app, owner)
    invoice = create_invoice(
        client,
        owner,
        TAXED_LINES,
        customerId=customer,
        customerName=CUSTOMER_NAME,
        withholdingPercent="15",
    )
    act(client, owner, f"{INVOICES}/{invoice['id']}/issue")
    body = {"amount": "72.41", "paidOn": TODAY.isoformat(), "method": "CASH"}
    act(client, owner, f"{INVOICES}/{invoice['id']}/payments", 201, json=body)
    (text,) = pages_of(client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=bearer(owner)))
    # Labels of the lines table have Spanish translations already; new ones wait on theirs.
    assert "Descripción Cantidad Precio unitario Descuento Impuesto Importe" in text
    assert f"{MINUS}12,35 € 10 % 21 %" in text
    assert "111,15 € 21 % 23,34 € 5,2 % 5,78 €" in text
    assert "300,00 € 21 % 63,00 € 137,70 € 10 % 13,77 €" in text
    assert "Base imponible 548,85 € Impuestos 100,11 €" in text
    assert f"15 % {MINUS}82,33 € Total 572,41 €" in text
    assert f"Pagado {MINUS}72,41 € Saldo 500,00 €" in text
    assert IBAN_PRINTED in text and "Identificación fiscal" not in text  # NIF, Spain's name
    assert "España" in text and "Factura" in text


def test_without_discounts_recargo_or_withholding_their_columns_and_rows_are_left_out(
    client, app, owner
):
    fiscal_org(app, owner, iban="", bank_details="")
    lines = [TAXED_LINES[0], TAXED_LINES[2]]
    invoice = create_invoice(client, owner, lines)
    (text,) = pages_of(client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=bearer(owner)))
    assert "Description Quantity Unit price Tax Amount" in text
    assert "Tax base Tax rate Tax €300.00" in text
    for absent in ("Discount", "Surcharge", "Recargo", "withholding", "Withholding", "IBAN", MINUS):
        assert absent not in text
    assert "Subtotal €437.70 Taxes €76.77 Total €514.47" in text  # 300 + 137.70; 63 + 13.77


# --- many lines -----------------------------------------------------------------------------


def hundred_twenty_lines() -> list[dict]:
    """60 pairs: 2 × 12.50 at 21 % (net 25.00, tax 5.25); 3 × 7.45 −10 % at 10 % (gross
    22.35, discount 2.235 → 2.24, net 20.11, tax 2.011 → 2.01), every fifth description long.

    subtotal 60 × (25.00 + 22.35) = 2841.00; discounts 60 × 2.24 = 134.40; base 2706.60;
    taxes 60 × (5.25 + 2.01) = 435.60; total 3142.20.
    """
    lines = []
    for n in range(1, 121):
        words = "con montaje, transporte y retirada del embalaje " * (3 if n % 5 == 0 else 0)
        description = f"Artículo L{n:03d} {words}".strip()
        if n % 2:
            lines.append({"description": description, "quantity": "2", "unitPrice": "12.50",
                          "taxPercent": "21"})  # fmt: skip
        else:
            lines.append({"description": description, "quantity": "3", "unitPrice": "7.45",
                          "discountPercent": "10", "taxPercent": "10"})  # fmt: skip
    return lines


def test_a_120_line_invoice_runs_over_pages_with_the_header_on_each(client, app, owner):
    fiscal_org(app, owner)
    customer = fiscal_customer(client, app, owner)
    invoice = create_invoice(
        client, owner, hundred_twenty_lines(), customerId=customer, customerName=CUSTOMER_NAME
    )
    assert (invoice["subtotal"], invoice["discountTotal"]) == ("2841.00", "134.40")
    assert (invoice["taxTotal"], invoice["total"]) == ("435.60", "3142.20")

    pages = pages_of(client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=bearer(owner)))
    count = len(pages)
    assert count >= 2
    running = f"Ferretería Núñez Łódź S.L. Invoice {invoice['invoiceNumber']}"
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {count}" in text
        assert len(re.findall(r"Page \d+ of \d+", text)) == 1
        assert "Description Quantity Unit price Discount Tax Amount" in text, number
        assert ISSUER["invoice_footer"] in text
        assert (running in text) == (number > 1)  # the running header, after the first page
    every = " ".join(pages)
    for n in range(1, 121):  # every line once, in order
        assert len(re.findall(rf"Artículo L{n:03d}\b", every)) == 1
    assert [int(n) for n in re.findall(r"Artículo L(\d{3})", every)] == list(range(1, 121))
    totals = (
        f"Subtotal €2,841.00 Discounts {MINUS}€134.40 Tax base €2,706.60 Taxes €435.60 "
        "Total €3,142.20"
    )
    assert totals in pages[-1]
    for text in pages[:-1]:
        assert "Subtotal" not in text and "€3,142.20" not in text and "Tax base" not in text
    # The breakdown on the last page: 21 %: 60 × 25.00 base, 60 × 5.25 tax; 10 %: 60 × 20.11.
    assert "€1,500.00 21% €315.00 €1,206.60 10% €120.60" in pages[-1]
    assert pages[-1].index("Artículo L120") < pages[-1].index("Subtotal")


def test_the_longest_footer_the_settings_accept_is_printed_whole_on_every_page(app):
    footer = ("Inscrita en el Registro Mercantil de Madrid, tomo 12.345, folio 67. " * 30)[:1995]
    footer += " FIN."
    assert len(footer) == 2000
    organization = transient_organization(**{**ISSUER, "locale": "en", "invoice_footer": footer})
    with app.test_request_context():
        pdf = render_invoice(transient_invoice("Line", "Cliente", "", 60), organization)
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 2
    for text in pages:
        assert " ".join(footer.split()) in text and "…" not in text


def test_a_one_page_document_has_no_page_number_nor_running_header(client, app, owner):
    fiscal_org(app, owner, invoice_footer="")
    invoice = create_invoice(client, owner)
    (text,) = pages_of(client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=bearer(owner)))
    assert "Page" not in text and text.count(invoice["invoiceNumber"]) == 1


# --- words and letters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "headers"),
    [
        ("en", LINE_HEADERS),
        ("es", ("Descripción", "Cantidad", "Precio unitario", "Descuento", "Impuesto", "Importe")),
    ],
)
def test_column_headers_are_never_cut_inside_a_word(client, app, owner, locale, headers):
    """Huge figures and a long tax name squeeze the columns: headers still wrap only at spaces."""
    fiscal_org(app, owner, locale=locale)
    lines = [
        {"description": "x", "quantity": "999", "unitPrice": "9000000.00",
         "discountPercent": "12.5", "taxPercent": "21", "surchargePercent": "5.2"},
        {"description": "y " * 200, "quantity": "1", "unitPrice": "0.01", "taxPercent": "10"},
    ]  # fmt: skip
    invoice = create_invoice(client, owner, lines, withholdingPercent="15")
    response = client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=bearer(owner))
    raw = [page.extract_text() for page in reader_of(response).pages]
    for text in raw:
        for label in headers:
            assert whole_words(text, label), (label, text[:300])
    breakdown = ("Tax base", "Tax rate", "Tax", "Surcharge rate", "Surcharge")
    if locale == "en":
        assert all(whole_words(raw[-1], label) for label in breakdown)


def test_latin_text_beyond_latin_1_survives(client, app, owner):
    fiscal_org(app, owner, legal_name="Łódź Őrség Ŧŋ Sp. z o.o.", city="Łódź", country="PL")
    customer = fiscal_customer(client, app, owner, name="Zoë Şahin Čapek", city="Győr")
    lines = [{"description": "Żółć ĳ ŉ Ħ — 10 € — ñandú «ok»", "quantity": "1",
              "unitPrice": "10", "taxPercent": "21"}]  # fmt: skip
    invoice = create_invoice(
        client, owner, lines, customerId=customer, customerName="Zoë Şahin Čapek"
    )
    (text,) = pages_of(client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=bearer(owner)))
    for expected in ("Łódź Őrség Ŧŋ Sp. z o.o.", "Zoë Şahin Čapek", "Győr", "Poland",
                     "Żółć ĳ ŉ Ħ — 10 € — ñandú «ok»"):  # fmt: skip
        assert expected in text
    assert "Tax ID: B12345674" in text  # Poland: no local name for it here


def test_a_jpeg_logo_is_embedded_and_no_logo_draws_no_image(client, app, owner):
    fiscal_org(app, owner, logo=png_logo("JPEG"))
    invoice = create_invoice(client, owner)
    url = f"{INVOICES}/{invoice['id']}/pdf"
    (image,) = reader_of(client.get(url, headers=bearer(owner))).pages[0].images
    assert image.image.size == (240, 80)
    fiscal_org(app, owner, logo=None)
    assert list(reader_of(client.get(url, headers=bearer(owner))).pages[0].images) == []


# --- quote and statement --------------------------------------------------------------------


def test_the_quote_pdf_has_both_parties_validity_and_totals(client, app, owner):
    fiscal_org(app, owner)
    customer = fiscal_customer(client, app, owner)
    quote = create_quote(client, owner, customer, TAXED_LINES, withholdingPercent="15")
    (text,) = pages_of(client.get(f"{QUOTES}/{quote['id']}/pdf", headers=bearer(owner)))
    assert f"Quote {quote['quoteNumber']}" in text
    assert "NIF: B12345674" in text and "NIF: A58818501 Avinguda Diagonal 100" in text
    assert "Valid until" in text and "Draft" in text
    assert f"IRPF withholding 15% {MINUS}€82.33 Total €572.41" in text
    assert "Payment by bank transfer" not in text  # a quote asks for no payment
    assert ISSUER["invoice_footer"] in text


def test_the_statement_pdf_has_both_parties_and_pays_to_the_iban(client, app, owner):
    fiscal_org(app, owner)
    customer = fiscal_customer(client, app, owner)
    invoice = create_invoice(
        client,
        owner,
        customerId=customer,
        customerName=CUSTOMER_NAME,
        invoiceDate=f"{THIS_YEAR}-01-10",
    )
    act(client, owner, f"{INVOICES}/{invoice['id']}/issue")
    response = client.get(
        f"/api/v1/customers/{customer}/statement/pdf",
        query_string={"from": f"{THIS_YEAR}-01-01", "to": f"{THIS_YEAR}-01-31"},
        headers=bearer(owner),
    )
    (text,) = pages_of(response)
    assert "Account statement" in text
    assert "Ferretería Núñez Łódź S.L. Ferretería Núñez NIF: B12345674" in text
    assert f"{CUSTOMER_NAME} NIF: A58818501 Avinguda Diagonal 100" in text
    assert "Date Concept Invoice Debit Credit Balance" in text
    assert f"{invoice['invoiceNumber']} €100.00" in text
    assert f"Payment by bank transfer to IBAN {IBAN_PRINTED}" in text
    assert ISSUER["invoice_footer"] in text


def long_statement(customer: Customer, movements: int) -> Statement:
    start = date(2026, 1, 1)
    rows, balance = [], Decimal("0.00")
    for n in range(movements):
        kind = INVOICE if n % 2 == 0 else PAYMENT
        amount = Decimal("120.50") if kind == INVOICE else Decimal("-100.00")
        balance += amount
        payment = None if kind == INVOICE else f"pay_{n}"
        on = start + timedelta(days=n // 4)
        number = f"FAC-2026-{n:04d}"
        rows.append(Movement(on, kind, f"inv_{n}", number, payment, "TRANSFER", amount, balance))
    invoiced = Decimal("120.50") * ((movements + 1) // 2)
    paid = Decimal("100.00") * (movements // 2)
    return Statement(
        customer=customer,
        currency="EUR",
        period=Period(start, date(2026, 3, 31)),
        today=date(2026, 4, 2),
        balances=Balances(Decimal("0.00"), invoiced, paid, invoiced - paid, movements),
        position=Position(invoiced - paid, Decimal("0.00"), 1, 0),
        movements=rows,
        next_cursor=None,
        first_page=True,
    )


def test_a_long_statement_numbers_its_pages_and_repeats_its_header(app):
    organization = transient_organization(**{**ISSUER, "locale": "en"})
    customer = Customer(name=CUSTOMER_NAME, **CUSTOMER)
    with app.test_request_context():
        pdf = render_statement(long_statement(customer, 150), organization)
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Date Concept Invoice Debit Credit Balance" in text
        assert ISSUER["invoice_footer"] in text
    assert "Closing balance €9,037.50 €7,500.00 €1,537.50" in pages[-1]  # 75 × 120.50, 75 × 100
    assert "Closing balance" not in " ".join(pages[:-1])


# --- odd text -------------------------------------------------------------------------------


def transient_organization(**fields) -> Organization:
    """An organisation never saved: every column given, as the database would default them."""
    blank = dict.fromkeys(("legal_name", "tax_id", "street", "postal_code", "city", "region",
                           "country", "email", "phone", "iban", "bank_details",
                           "invoice_footer"), "")  # fmt: skip
    return Organization(**{**blank, "name": "-", "currency": "EUR", "logo": None, **fields})


def transient_invoice(description: str, name: str, notes: str, count: int = 1) -> Invoice:
    """An invoice never saved, of ``count`` lines of 10.00 at 21 % ("<description> 1"…)."""
    amounts = line_amounts(Decimal("1"), Decimal("10.00"), Decimal("0"), Decimal("21"))
    lines = [
        # Descriptions are at most 500 characters (the column): one long word still wraps.
        InvoiceLine(position=n, description=f"{description[:495]} {n + 1:03d}",
                    quantity=Decimal("1"), unit_price=Decimal("10.00"),
                    discount_percent=Decimal("0"), tax_percent=Decimal("21"),
                    tax_name=name[:60], tax_note=notes[:300], surcharge_percent=Decimal("0"),
                    gross=amounts.gross, discount=amounts.discount, net=amounts.net,
                    tax=amounts.tax, surcharge=amounts.surcharge, total=amounts.total)
        for n in range(count)
    ]  # fmt: skip
    totals = document_totals(lines)
    return Invoice(number="FAC-2026-0042", status="DRAFT", currency="EUR", customer_name=name,
                   invoice_date=date(2026, 3, 1), due_date=None, amount_paid=Decimal("0"),
                   notes=notes, lines=lines, withholding_percent=Decimal("0"),
                   subtotal=totals.subtotal, discount_total=totals.discount_total,
                   tax_total=totals.tax_total, surcharge_total=totals.surcharge_total,
                   withholding_total=totals.withholding_total, total=totals.total)  # fmt: skip


def test_the_totals_never_stand_on_a_page_without_a_line(app):
    """Whatever the count, the page with the totals has the header and at least the last line
    (the counts cover the totals falling just past the first page)."""
    organization = transient_organization(**{**ISSUER, "locale": "en"})
    with app.test_request_context():
        for count in range(20, 46, 2):
            pdf = render_invoice(transient_invoice("Line", "Cliente", "", count), organization)
            pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]
            (last,) = [text for text in pages if "Subtotal" in text]
            assert f"Line {count:03d}" in last and "Description" in last, count


ODD = [
    "<b>unclosed <i>tags & entities &amp; &#0; <para> </font>",
    "x" * 3000,  # one very long word
    "\x00\x07\x1b[31m\x7f\x85 controls",
    "\ud800 lone surrogate \udfff",
    "😀 中文 العربية",
    "\n\n\r\n\t   ",
    "",
]


@pytest.mark.parametrize("odd", ODD)
def test_odd_text_never_breaks_rendering(app, odd):
    organization = transient_organization(name=odd or "-", legal_name=odd, street=odd, city=odd,
                                          locale="es", invoice_footer=odd * 3, bank_details=odd,
                                          iban=odd[:34])  # fmt: skip
    with app.test_request_context():
        pdf = render_invoice(transient_invoice(odd, odd, odd), organization)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "FAC-2026-0042" in text and "12,10 €" in text


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    description=st.text(max_size=500),
    name=st.text(max_size=200),
    notes=st.text(alphabet=st.characters(codec="utf-8"), max_size=800),
    footer=st.text(max_size=3000),
)
def test_any_text_renders(app, description, name, notes, footer):
    organization = transient_organization(name=name or "-", legal_name=name,
                                          invoice_footer=footer, locale="en",
                                          bank_details=notes)  # fmt: skip
    with app.test_request_context():
        pdf = render_invoice(transient_invoice(description, name, notes), organization)
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "FAC-2026-0042" in text and "€12.10" in text
