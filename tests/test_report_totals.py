"""The reports and the dashboard read running totals (a row per day, rate, status), and say
exactly what the documents say.

Random sequences of what people do (``test_dashboard_totals.People``: invoices issued,
voided and paid, quotes sent, accepted, rejected and converted, customers and products
deleted, the currency switched), over dates on both sides of a new year; then, for random
periods (whole and broken months, across the year's end) and on two "todays" (the suite's,
and one when the sent quotes have run out), every figure the taxes, quotes and sales
reports and the dashboard's quote pipeline give is compared with the same figure worked out
here, in Python, from the invoices and quotes themselves (the sales report's rankings too,
whole and cut at a limit).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import select

from portal.accounts.models import User
from portal.dashboard.services import dashboard
from portal.extensions import db
from portal.invoices.models import Invoice
from portal.periods import Period
from portal.quotes.models import Quote, QuoteStatus
from portal.reports import quotes as quotes_report
from portal.reports import sales as sales_report
from portal.reports import taxes as taxes_report
from portal.reports.scope import ISSUED, best_first
from tests.conftest import TEST_CLOCK_AT, org_today
from tests.test_dashboard_totals import People, random_books

WON = (QuoteStatus.ACCEPTED, QuoteStatus.CONVERTED)


@pytest.fixture
def app(make_app):
    return make_app(RATELIMIT_ENABLED=False)


class YearEndPeople(People):
    """Invoices dated over the last 400 days: the new year falls inside whatever the clock."""

    def day(self) -> str:
        return (org_today() - timedelta(days=self.rng.randint(0, 400))).isoformat()


def _periods(rng: random.Random, today: date) -> list[Period]:
    new_year = date(today.year, 1, 1)
    periods = [
        Period(new_year - timedelta(days=31), new_year + timedelta(days=30)),  # Dec + Jan
        Period(new_year - timedelta(days=400), today + timedelta(days=60)),  # everything
        Period(today, today),
    ]
    for _ in range(5):
        start = today - timedelta(days=rng.randint(0, 420))
        periods.append(Period(start, start + timedelta(days=rng.randint(0, 120))))
    return periods


def _issued(organization, period: Period) -> list[Invoice]:
    return list(
        db.session.scalars(
            select(Invoice).where(
                Invoice.organization_id == organization.id,
                Invoice.currency == organization.currency,
                Invoice.status.in_(ISSUED),
                Invoice.invoice_date.between(period.start, period.end),
            )
        ).unique()
    )


def taxes_from_documents(actor: User, period: Period) -> taxes_report.Taxes:
    invoices = _issued(actor.organization, period)
    rates: dict[Decimal, list] = defaultdict(lambda: [Decimal("0")] * 4 + [set()])
    for invoice in invoices:
        for line in invoice.lines:
            rate = rates[line.tax_percent]
            for i, amount in enumerate((line.net, line.tax, line.surcharge, line.total)):
                rate[i] += amount
            rate[4].add(invoice.id)
    rows = [
        taxes_report.TaxRow(percent, *amounts, len(ids))
        for percent, (*amounts, ids) in sorted(rates.items())
    ]
    totals = taxes_report.TaxRow(
        None,
        *(sum((getattr(row, name) for row in rows), Decimal("0")) for name in taxes_report.AMOUNTS),
        len({invoice.id for invoice in invoices if invoice.lines}),
    )
    withholding = sum((invoice.withholding_total for invoice in invoices), Decimal("0"))
    return taxes_report.Taxes(actor.organization.currency, period, rows, totals, withholding)


def sales_from_documents(actor: User, period: Period, limit: int | None) -> sales_report.Sales:
    """Lines by catalogue product (its name now) or by description, invoices by catalogue
    customer (their name now) or by the name written on them; best first, cut at
    ``limit`` with the rest added up."""
    invoices = _issued(actor.organization, period)
    products: dict[tuple, list] = {}
    customers: dict[tuple, list] = {}
    for invoice in invoices:
        net = invoice.subtotal - invoice.discount_total
        customer = invoice.customer
        key = ("id", customer.id) if customer else ("name", invoice.customer_name)
        name = customer.name if customer else invoice.customer_name
        row = customers.setdefault(key, [customer and customer.public_id, name, Decimal(0), 0])
        row[2] += net
        row[3] += 1
        for line in invoice.lines:
            product = line.product
            key = ("id", product.id) if product else ("text", line.description)
            row = products.setdefault(
                key,
                [
                    product and product.public_id,
                    product and product.sku,
                    product.name if product else line.description,
                    Decimal(0),
                    Decimal(0),
                    set(),
                ],
            )
            row[3] += line.quantity
            row[4] += line.net
            row[5].add(invoice.id)
    every_product = [
        sales_report.ProductSales(public_id, sku, name, quantity, net, len(ids))
        for public_id, sku, name, quantity, net, ids in products.values()
    ]
    every_customer = [sales_report.CustomerSales(*row) for row in customers.values()]
    shown_products = best_first(every_product, "net", "name", "product_id", limit)
    shown_customers = best_first(every_customer, "net", "customer_name", "customer_id", limit)
    total = sum((invoice.subtotal - invoice.discount_total for invoice in invoices), Decimal(0))
    other_products = other_customers = None
    if len(shown_products) < len(every_product):
        other_products = sales_report.Others(
            len(every_product) - len(shown_products),
            total - sum((row.net for row in shown_products), Decimal(0)),
            None,
        )
    if len(shown_customers) < len(every_customer):
        other_customers = sales_report.Others(
            len(every_customer) - len(shown_customers),
            total - sum((row.net for row in shown_customers), Decimal(0)),
            len(invoices) - sum(row.invoice_count for row in shown_customers),
        )
    return sales_report.Sales(
        actor.organization.currency,
        period,
        shown_products,
        shown_customers,
        other_products,
        other_customers,
        total,
        len(invoices),
    )


def _seconds(later: datetime, earlier: datetime) -> int:
    elapsed = Decimal((later - earlier) / timedelta(microseconds=1)) / 10**6
    return int(elapsed.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def quotes_from_documents(actor: User, period: Period) -> quotes_report.QuotesReport:
    organization = actor.organization
    today = organization.today()
    months = {f"{m:%Y-%m}": quotes_report.QuoteFigures(m) for m in period.months()}
    totals = quotes_report.QuoteFigures(None)
    quotes = db.session.scalars(
        select(Quote).where(
            Quote.organization_id == organization.id,
            Quote.currency == organization.currency,
            Quote.issue_date.between(period.start, period.end),
        )
    ).unique()
    for quote in quotes:
        expired = quote.status == QuoteStatus.SENT and quote.valid_until < today
        timed = quote.status in WON and quote.sent_at and quote.decided_at
        row = SimpleNamespace(
            effective_status=QuoteStatus.EXPIRED if expired else quote.status,
            count=1,
            total=quote.total,
            seconds=_seconds(quote.decided_at, quote.sent_at) if timed else 0,
            timed=1 if timed else 0,
        )
        months[f"{quote.issue_date:%Y-%m}"].add(row)
        totals.add(row)
    return quotes_report.QuotesReport(organization.currency, period, totals, list(months.values()))


def pipeline_from_documents(actor: User) -> dict:
    organization = actor.organization
    today = organization.today()
    pipeline: dict[str, list] = defaultdict(lambda: [0, Decimal("0")])
    quotes = db.session.scalars(
        select(Quote).where(
            Quote.organization_id == organization.id, Quote.currency == organization.currency
        )
    ).unique()
    for quote in quotes:
        expired = quote.status == QuoteStatus.SENT and quote.valid_until < today
        figures = pipeline[QuoteStatus.EXPIRED if expired else quote.status]
        figures[0] += 1
        figures[1] += quote.total
    return {status: tuple(figures) for status, figures in pipeline.items()}


def typed(data) -> str:
    """``data`` with each value's type: a count that comes back as ``Decimal("2")`` is not
    the integer 2 a program reads (equal in Python, not in JSON)."""
    return json.dumps(data, default=repr, sort_keys=True)


def _compare(app, owner, periods: list[Period]) -> int:
    compared = 0
    with app.test_request_context():
        actor = db.session.scalars(select(User).where(User.public_id == owner.id)).one()
        for period in periods:
            got = taxes_report.to_json(taxes_report.taxes(actor, period))
            assert typed(got) == typed(taxes_report.to_json(taxes_from_documents(actor, period)))
            got = quotes_report.to_json(quotes_report.quotes(actor, period))
            assert typed(got) == typed(quotes_report.to_json(quotes_from_documents(actor, period)))
            for limit in (None, 3):
                got = sales_report.to_json(sales_report.sales(actor, period, limit))
                expected = sales_report.to_json(sales_from_documents(actor, period, limit))
                assert typed(got) == typed(expected)
            compared += sum(len(i.lines) for i in _issued(actor.organization, period))
        board = dashboard(actor, periods[0])
        assert board.pipeline == pipeline_from_documents(actor)
    return compared


@pytest.mark.parametrize("seed", [5, 6])
def test_reports_from_running_totals_equal_the_documents(app, make_user, seed):
    people = random_books(app, make_user, seed, 110, YearEndPeople)
    owner, rng = people[0].owner, people[0].rng
    # One quote sent today at least, so that the later "today" sees one run out.
    people[0].step(110)  # a customer, if the sequence left none
    status, answer = people[0].call(
        "POST",
        "/quotes",
        {
            "customerId": people[0].customers[-1],
            "lines": [{"description": "Caduca", "quantity": "1", "unitPrice": "12.00"}],
        },
    )
    assert status == 201
    sent = people[0].call(
        "POST", f"/quotes/{answer['data']['id']}/send", {"to": "cliente@example.com"}
    )
    assert sent[0] == 200, sent
    today = org_today()
    lines = _compare(app, owner, _periods(rng, today))
    assert lines, "no period held an issued invoice"
    # Later, when the quotes sent in the last weeks are past their date: expired now.
    with time_machine.travel(TEST_CLOCK_AT + timedelta(days=45), tick=False):
        later = org_today()
        _compare(app, owner, _periods(rng, later))
        with app.test_request_context():
            actor = db.session.scalars(select(User).where(User.public_id == owner.id)).one()
            expired = pipeline_from_documents(actor).get(QuoteStatus.EXPIRED, (0,))[0]
        assert expired, "no sent quote ran out"
