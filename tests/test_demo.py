"""The demo organisation's year (``portal seed-demo``): a Spanish company whose invoices are
fiscally complete, every state, figures and tax breakdowns that add up, recargo only where
the law puts it, gap-free numbers that rise with dates, nothing in the future, the same data
on every run."""

from __future__ import annotations

import io
import time
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pypdf
from PIL import Image
from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.catalog.models import Customer, Product
from portal.clock import local_time, utcnow
from portal.demo import DEMO_ORGANIZATION, DEMO_PASSWORD, create_demo_organization, demo_counts
from portal.demo.catalog import CUSTOMERS, SPAIN_ONLY
from portal.demo.replay import create_demo_activity
from portal.documents.calc import line_amounts, tax_breakdown
from portal.documents.models import DocumentEvent
from portal.documents.numbering import SERIES_PATTERN
from portal.extensions import db
from portal.fiscal.taxes import find_rate
from portal.fiscal.taxids import format_iban, normalize_iban, normalize_tax_id
from portal.invoices.models import Invoice, InvoiceStatus, Payment
from portal.organization.services import logo_of
from portal.quotes.models import Quote, QuoteStatus
from portal.security.roles import Role
from tests.conftest import TEST_TIME_ZONE, _empty_tables, assert_envelope, bearer, org_today
from tests.test_api_quotes import create_invoice, create_quote, new_customer
from tests.test_dashboard_totals import recomputed
from tests.test_dashboard_totals import snapshot as running_totals

SMALL = 0.25  # a quarter of the year's documents: every state, in a second or two
ZERO = Decimal("0.00")
# Spain's IVA rates and the recargo paired with each, worked out here rather than read back.
IVA = {"IVA 21 %": "21.00", "IVA 10 %": "10.00", "IVA 4 %": "4.00", "Exento": "0.00"}
RECARGO = {Decimal("21.00"): Decimal("5.20"), Decimal("10.00"): Decimal("1.40")}
RECARGO[Decimal("4.00")] = Decimal("0.50")
SHOPS = {"Librería Cervantes C.B.", "Panadería La Espiga Dorada", "Floristería Las Camelias"}
DEMO = {customer.name: customer for customer in CUSTOMERS}


def seed(app, size: float = SMALL) -> None:
    with app.app_context():
        create_demo_activity(create_demo_organization(TEST_TIME_ZONE), size=size)
        db.session.commit()


def other_organisation(client, make_user):
    """Another tenant with a quote and an invoice, numbered 0001 like the demo's first."""
    owner = make_user()
    customer = new_customer(client, owner)
    create_quote(client, owner, customer)
    create_invoice(client, owner, customerId=customer, invoiceDate=org_today().isoformat())
    return owner


def demo() -> Organization:
    return db.session.scalars(
        select(Organization).where(Organization.name == DEMO_ORGANIZATION)
    ).one()


def rows(model, organization: Organization) -> list:
    return list(
        db.session.scalars(
            select(model).where(model.organization_id == organization.id).order_by(model.id)
        )
    )


def check_identity(organization: Organization) -> None:
    """A Spanish company whose invoices may carry everything the law asks of them."""
    assert organization.country == "ES" and organization.currency == "EUR"
    assert (organization.invoice_prefix, organization.quote_prefix) == ("FAC", "COT")
    assert organization.time_zone == TEST_TIME_ZONE  # the zone asked for wins over Madrid
    assert organization.legal_name and organization.legal_name != organization.name
    assert organization.legal_name.endswith(" S.L.")
    tax_id = organization.tax_id
    assert tax_id[0] == "B" and normalize_tax_id("ES", tax_id) == tax_id  # an S.L.'s CIF
    for part in ("street", "postal_code", "city", "region", "email", "phone", "bank_details"):
        assert getattr(organization, part), part
    assert organization.city == "Madrid" and organization.postal_code.startswith("28")
    assert normalize_iban(organization.iban) == organization.iban == "ES9121000418450200051332"
    assert organization.payment_terms_days == 30
    assert "Registro Mercantil de Madrid" in organization.invoice_footer
    logo = logo_of(organization.id)
    assert logo is not None and logo.media_type == "image/png"
    with Image.open(io.BytesIO(logo.data)) as image:
        assert image.format == "PNG" and not image.info  # re-encoded: no metadata kept
        assert image.width <= 600 and image.height <= 300
    # Spain's table, each IVA rate paired with its recargo, and the two rates for abroad.
    table = organization.tax_rates
    for name, percent in IVA.items():
        rate = find_rate(table, name)
        assert rate and rate["percent"] == percent, name
        expected = RECARGO.get(Decimal(percent), ZERO) if name != "Exento" else ZERO
        assert Decimal(rate["surchargePercent"]) == expected, name
    foreign = [rate for rate in table if rate["name"] not in IVA and rate["name"] != "IVA 0 %"]
    assert len(foreign) == 2
    for rate in foreign:
        assert rate["percent"] == "0.00" and "Ley 37/1992" in rate["exemptReason"]


def check_customers(organization: Organization) -> dict[int, Customer]:
    """Every customer as the catalogue describes it: a structured address, a tax id valid
    for its country, recargo for the three small shops only; returns them by id."""
    customers = {c.id: c for c in rows(Customer, organization)}
    assert {c.name for c in customers.values()} == set(DEMO)
    for customer in customers.values():
        assert customer.country and customer.address and customer.city, customer.name
        assert customer.country == DEMO[customer.name].address.country
        assert "\n" not in customer.address and customer.city not in customer.address
        assert customer.tax_id, customer.name
        assert normalize_tax_id(customer.country, customer.tax_id) == customer.tax_id
        assert customer.surcharge == (customer.name in SHOPS), customer.name
    countries = {c.country for c in customers.values()}
    assert countries >= {"ES", "MX", "CO", "CL", "AR", "PE", "EC"}  # each checked country
    return customers


def check_lines(organization: Organization, documents: list, customers: dict) -> None:
    """Each line names a rate of the table that fits its product and customer; recargo is on
    the shops' lines of goods they sell on, and on nothing else; every document's tax
    breakdown adds up to its totals, to the cent."""
    products = {p.id: p for p in rows(Product, organization)}
    table = organization.tax_rates
    for document in documents:
        customer = customers[document.customer_id]
        demo_customer = DEMO[customer.name]
        for line in document.lines:
            product = products[line.product_id]
            rate = find_rate(table, line.tax_name)
            assert rate is not None and rate["name"] == line.tax_name, line.tax_name
            assert line.tax_percent == Decimal(rate["percent"])
            assert line.tax_note == rate["exemptReason"]
            if customer.country == "ES":
                assert line.tax_percent == product.tax_rate, (document.number, line.tax_name)
                assert line.tax_name.startswith("IVA") or line.tax_name == "Exento"
            else:  # no Spanish IVA, and the reason printed
                assert line.tax_percent == ZERO and line.tax_note, document.number
                assert product.sku not in SPAIN_ONLY, (document.number, product.sku)
            resold = customer.surcharge and product.sku in demo_customer.resells
            expected = RECARGO.get(line.tax_percent, ZERO) if resold else ZERO
            assert line.surcharge_percent == expected, (document.number, product.sku)
        if document.surcharge_total:
            assert customer.name in SHOPS, document.number
        rows_ = tax_breakdown(document.lines)
        base = sum((row.base for row in rows_), ZERO)
        tax = sum((row.tax for row in rows_), ZERO)
        surcharge = sum((row.surcharge for row in rows_), ZERO)
        assert base == document.subtotal - document.discount_total, document.number
        assert (tax, surcharge) == (document.tax_total, document.surcharge_total)
        assert document.withholding_total == ZERO  # an S.L. issues them: no IRPF
        assert document.total == base + tax + surcharge - document.withholding_total


def check_year(app, *, size: float) -> dict[str, int]:
    """Everything a year of the demo must be; returns its counts."""
    with app.app_context():
        organization = demo()
        today, now = organization.today(), utcnow()
        quotes, invoices = rows(Quote, organization), rows(Invoice, organization)
        payments = rows(Payment, organization)
        counts = demo_counts(organization)
        check_identity(organization)
        customers = check_customers(organization)
        check_lines(organization, quotes + invoices, customers)
        with_recargo = {customers[i.customer_id].name for i in invoices if i.surcharge_total}
        assert with_recargo <= SHOPS - {"Floristería Las Camelias"}  # it resells none of ours
        if size == 1:
            assert with_recargo, "no invoice with recargo"
        assert {customers[d.customer_id].country for d in invoices} > {"ES"}  # and abroad

        # Every state, as people see them.
        assert {q.effective_status for q in quotes} == set(QuoteStatus.ALL)
        assert {i.status for i in invoices} == set(InvoiceStatus.ALL)
        assert counts["invoices overdue"] >= 1
        assert counts["quotes"] >= 120 * size and counts["invoices"] >= 150 * size
        assert counts["customers"] >= 25 and counts["products"] >= 30

        # Totals are the sum of the lines, each line as the product computes it.
        for document in quotes + invoices:
            for line in document.lines:
                amounts = line_amounts(
                    line.quantity,
                    line.unit_price,
                    line.discount_percent,
                    line.tax_percent,
                    line.surcharge_percent,
                )
                assert (line.gross, line.discount, line.net, line.tax) == (
                    amounts.gross,
                    amounts.discount,
                    amounts.net,
                    amounts.tax,
                )
                assert (line.surcharge, line.total) == (amounts.surcharge, amounts.total)
            assert document.lines and document.total > 0
            assert document.subtotal == sum(line.gross for line in document.lines)
            assert document.discount_total == sum(line.discount for line in document.lines)
            assert document.tax_total == sum(line.tax for line in document.lines)
            assert document.surcharge_total == sum(line.surcharge for line in document.lines)
            assert document.total == sum(line.total for line in document.lines)

        # What was paid is the sum of the payments, and the status agrees with the balance.
        paid = defaultdict(list)
        for payment in payments:
            paid[payment.invoice_id].append(payment)
        for invoice in invoices:
            received = sum(p.amount for p in paid[invoice.id])
            assert invoice.amount_paid == received, invoice.number
            if invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.VOID, InvoiceStatus.ISSUED):
                assert not paid[invoice.id], invoice.number
            elif invoice.status == InvoiceStatus.PARTIALLY_PAID:
                assert 0 < received < invoice.total, invoice.number
            else:
                assert received == invoice.total, invoice.number
            for payment in paid[invoice.id]:
                assert invoice.invoice_date <= payment.paid_on <= today
                assert local_time(invoice.issued_at, organization.time_zone).date() <= (
                    payment.paid_on
                )
        methods = {p.method for p in payments}
        assert methods >= ({"TRANSFER", "CARD", "CASH"} if size == 1 else {"TRANSFER", "CARD"})

        # Numbers: gap-free per series and year, in the year of the document's date, rising
        # with dates; the other organisation's numbers take nothing from these.
        for documents, date_of, prefix in (
            (quotes, "issue_date", "COT"),
            (invoices, "invoice_date", "FAC"),
        ):
            series = defaultdict(list)
            for document in documents:
                match = SERIES_PATTERN.match(document.number)
                assert match and match.group("prefix") == prefix, document.number
                year = int(match.group("year"))
                assert getattr(document, date_of).year == year, document.number
                series[year].append((int(match.group("seq")), getattr(document, date_of)))
            for year, numbered in series.items():
                numbered.sort()
                assert [seq for seq, _ in numbered] == list(range(1, len(numbered) + 1)), year
                dates = [day for _, day in numbered]
                assert dates == sorted(dates), year

        # Nothing in the future, nothing older than a year.
        first = today - timedelta(days=365)
        for quote in quotes:
            assert first <= quote.issue_date <= today
            assert quote.created_at <= now
            if quote.status != QuoteStatus.DRAFT:
                assert quote.created_at <= quote.sent_at <= now
            if quote.status in (QuoteStatus.ACCEPTED, QuoteStatus.REJECTED, QuoteStatus.CONVERTED):
                assert quote.sent_at <= quote.decided_at <= now
                day = local_time(quote.decided_at, organization.time_zone).date()
                assert day <= quote.valid_until  # accepted while it was valid
        for invoice in invoices:
            assert first <= invoice.invoice_date <= today
            for moment in (invoice.created_at, invoice.issued_at, invoice.voided_at):
                assert moment is None or invoice.created_at <= moment <= now
        for event in rows(DocumentEvent, organization):
            assert event.at <= now
        months = {p.paid_on.replace(day=1) for p in payments}
        assert len(months) >= (11 if size == 1 else 6)

        # A conversion is what the product makes of it: an invoice dated the day it happened.
        converted = [q for q in quotes if q.status == QuoteStatus.CONVERTED]
        by_quote = {i.quote_id: i for i in invoices if i.quote_id}
        for quote in converted:
            invoice = by_quote[quote.id]
            assert invoice.invoice_date == local_time(invoice.created_at, TEST_TIME_ZONE).date()
            assert invoice.total == quote.total and invoice.customer_id == quote.customer_id

        # Who did what: the operator writes quotes (customers answer some through the link),
        # the accountant writes invoices and records payments.
        actors = {u.id: u.role for u in db.session.scalars(select(User))}
        for event in rows(DocumentEvent, organization):
            role = actors.get(event.actor_id)
            if event.document_type == "invoice" or event.action == "converted":
                assert role == Role.ACCOUNTANT, event.action
            else:
                assert role == Role.OPERATOR or event.actor_label == "public_link"
        return counts


def test_a_year_in_every_state_that_adds_up(app, client, make_user):
    owner = other_organisation(client, make_user)
    seed(app)
    check_year(app, size=SMALL)
    # The running totals (dashboard, reports) say what the replayed documents say, though
    # the replay sets a quote's moments after the service's transition.
    assert running_totals(app) == recomputed(app)
    other = client.get("/api/v1/invoices", headers=bearer(owner))
    assert [i["invoiceNumber"] for i in assert_envelope(other, 200)["data"]["items"]] == [
        f"INV-{org_today().year}-0001"
    ]


def test_the_portal_reads_the_year(app, client):
    seed(app)
    token = client.post(
        "/api/v1/auth/token",
        json={"email": "viewer@demo.example.com", "password": DEMO_PASSWORD},
    )
    viewer = assert_envelope(token, 200)["data"]["token"]
    for path in ("/api/v1/invoices?overdue=true", "/api/v1/quotes?status=EXPIRED"):
        answer = assert_envelope(client.get(path, headers=bearer(viewer)), 200)
        assert answer["data"]["items"], path


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_an_issued_invoice_is_a_complete_spanish_invoice(app, client):
    """What a person opening the demo sees: the PDFs of issued invoices (to a shop under
    recargo, to a customer abroad, one still to be paid) with both parties' tax ids."""
    seed(app)
    token = client.post(
        "/api/v1/auth/token",
        json={"email": "viewer@demo.example.com", "password": DEMO_PASSWORD},
    )
    viewer = assert_envelope(token, 200)["data"]["token"]
    with app.app_context():
        organization = demo()
        issued = [
            i
            for i in rows(Invoice, organization)
            if i.status in (*InvoiceStatus.OPEN, InvoiceStatus.PAID)
        ]
        shop = next(i for i in issued if i.customer.country == "ES" and i.surcharge_total)
        abroad = next(i for i in issued if i.customer.country in ("MX", "CO", "CL", "AR"))
        unpaid = next(i for i in issued if i.status in InvoiceStatus.OPEN)
        invoices = {
            invoice.public_id: (invoice.number, invoice.customer.tax_id, invoice.customer_name)
            for invoice in (shop, abroad, unpaid)
        }
        issuer = (organization.legal_name, organization.tax_id, organization.street)
        footer = organization.invoice_footer
        bank = (format_iban(organization.iban), organization.bank_details)
    texts = {}
    for public_id, (number, customer_tax_id, customer_name) in invoices.items():
        answer = client.get(f"/api/v1/invoices/{public_id}/pdf", headers=bearer(viewer))
        assert answer.status_code == 200 and answer.mimetype == "application/pdf"
        text = texts[public_id] = pdf_text(answer.data)
        for printed in (number, customer_tax_id, customer_name, *issuer, footer[:60]):
            assert printed in text, (number, printed)
    assert "Recargo de equivalencia" in texts[shop.public_id]
    assert "Ley 37/1992" in texts[abroad.public_id]  # why no IVA is charged
    assert all(printed in texts[unpaid.public_id] for printed in bank)  # how to pay


def snapshot(app) -> list[tuple]:
    """What the year is made of, less the moments of today's steps (they depend on the hour)."""
    with app.app_context():
        organization = demo()
        documents = [
            (q.number, q.customer_name, q.status, q.total, q.issue_date, q.valid_until)
            for q in rows(Quote, organization)
        ]
        documents += [
            (i.number, i.customer_name, i.status, i.total, i.invoice_date, i.due_date)
            for i in rows(Invoice, organization)
        ]
        documents += [
            (line.tax_name, line.tax_percent, line.surcharge_percent, line.total)
            for i in rows(Invoice, organization)
            for line in i.lines
        ]
        numbers = {i.id: i.number for i in rows(Invoice, organization)}
        documents += [
            (numbers[p.invoice_id], p.amount, p.paid_on, p.method, p.reference)
            for p in rows(Payment, organization)
        ]
        return documents


def test_two_runs_give_the_same_year(app):
    seed(app)
    first = snapshot(app)
    _empty_tables(app)
    seed(app)
    assert snapshot(app) == first


def test_seed_demo_makes_a_full_year_once(app, client, make_user):
    """The real size, through the command ``make run`` uses."""
    other_organisation(client, make_user)
    runner = app.test_cli_runner()
    started = time.perf_counter()
    first = runner.invoke(args=["portal", "seed-demo"])
    seconds = time.perf_counter() - started
    assert first.exit_code == 0, first.output
    assert "A year of activity" in first.output
    assert seconds < 60, seconds  # about 7 s on a laptop core
    counts = check_year(app, size=1)
    assert counts["quotes"] == 120 and 190 <= counts["invoices"] <= 210
    again = runner.invoke(args=["portal", "seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded" in again.output
    twice = runner.invoke(args=["portal", "seed-demo"])
    assert twice.exit_code == 0 and "already exists" in twice.output
    with app.app_context():
        assert demo_counts(demo()) == counts
