"""The demo organisation's year (``portal seed-demo``): every state, figures that add up,
gap-free numbers that rise with dates, nothing in the future, the same data on every run."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.clock import local_time, utcnow
from portal.demo import DEMO_ORGANIZATION, create_demo_organization, demo_counts
from portal.demo.replay import create_demo_activity
from portal.documents.calc import line_amounts
from portal.documents.models import DocumentEvent
from portal.documents.numbering import SERIES_PATTERN
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceStatus, Payment
from portal.quotes.models import Quote, QuoteStatus
from portal.security.roles import Role
from tests.conftest import TEST_TIME_ZONE, _empty_tables, assert_envelope, bearer, org_today
from tests.test_api_quotes import create_invoice, create_quote, new_customer

SMALL = 0.25  # a quarter of the year's documents: every state, in a second or two


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


def check_year(app, *, size: float) -> dict[str, int]:
    """Everything a year of the demo must be; returns its counts."""
    with app.app_context():
        organization = demo()
        today, now = organization.today(), utcnow()
        quotes, invoices = rows(Quote, organization), rows(Invoice, organization)
        payments = rows(Payment, organization)
        counts = demo_counts(organization)

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
                    line.quantity, line.unit_price, line.discount_percent, line.tax_percent
                )
                assert (line.gross, line.discount, line.tax, line.total) == (
                    amounts.gross,
                    amounts.discount,
                    amounts.tax,
                    amounts.total,
                )
            assert document.lines and document.total > 0
            assert document.subtotal == sum(line.gross for line in document.lines)
            assert document.discount_total == sum(line.discount for line in document.lines)
            assert document.tax_total == sum(line.tax for line in document.lines)
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
        for documents, date_of in ((quotes, "issue_date"), (invoices, "invoice_date")):
            series = defaultdict(list)
            for document in documents:
                match = SERIES_PATTERN.match(document.number)
                assert match, document.number
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
    other = client.get("/api/v1/invoices", headers=bearer(owner))
    assert [i["invoiceNumber"] for i in assert_envelope(other, 200)["data"]["items"]] == [
        f"INV-{org_today().year}-0001"
    ]


def test_the_portal_reads_the_year(app, client):
    seed(app)
    token = client.post(
        "/api/v1/auth/token",
        json={"email": "viewer@demo.example.com", "password": "demo-portal-2026"},
    )
    viewer = assert_envelope(token, 200)["data"]["token"]
    for path in ("/api/v1/invoices?overdue=true", "/api/v1/quotes?status=EXPIRED"):
        answer = assert_envelope(client.get(path, headers=bearer(viewer)), 200)
        assert answer["data"]["items"], path


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
