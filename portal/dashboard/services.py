"""The managers' figures: what came in, what is owed, how quotes turn into invoices.

Every figure is an aggregate query over the organisation's own rows (a handful of queries,
however many invoices there are); nothing is added up in Python. Amounts are the
organisation's currency. Definitions (docs/decisions.md, "Dashboard"):

- revenue: payments received (``paid_on``) in the period;
- invoiced: issued invoices (issued, partly paid, paid; never drafts or void) dated in it;
- outstanding, overdue and the aging buckets: open balances now, by days past due;
- quotes open and pipeline value: sent quotes still valid today, and their total;
- conversion rate: of the quotes issued in the period that got an answer or expired, the
  share accepted (or converted);
- DSO: outstanding ÷ invoiced in the period × its days; average days to pay: from an
  invoice's date to its last payment, for invoices settled in the period; average days to
  accept: from sending a quote to its acceptance, for quotes accepted in the period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from portal.accounts.models import Organization, User
from portal.catalog.models import Customer, Product
from portal.clock import zone
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceLine, InvoiceStatus, Payment
from portal.money import quantize
from portal.periods import Period
from portal.quotes.models import Quote, QuoteStatus
from portal.reports.sql import days_between, decimal_sum, month_key, seconds_between

ZERO = Decimal("0.00")
ISSUED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)
WON = (QuoteStatus.ACCEPTED, QuoteStatus.CONVERTED)
TOP = 5
SECONDS_PER_DAY = 86400


def money_sum(expression: Any) -> ColumnElement[Decimal]:
    """Σ of an amount as an exact Decimal on both backends (0.00 when nothing matches)."""
    return decimal_sum(expression, 2)


def ratio(
    part: Decimal | int, whole: Decimal | int, scale: int = 100, places: int = 2
) -> Decimal | None:
    """``part / whole × scale``, half-up to ``places``; ``None`` when ``whole`` is 0."""
    if not whole:
        return None
    return quantize(Decimal(part) * scale / Decimal(whole), places)


def average_days(total: Any, count: int, unit: int = 1) -> Decimal | None:
    """``total / count`` in days (``unit``: what one day is worth), to one decimal."""
    if not count:
        return None
    return quantize(Decimal(total) / count / unit, 1)


@dataclass
class Figures:
    """What depends on the period (shown for it and for the previous one)."""

    revenue: Decimal = ZERO
    invoiced: Decimal = ZERO
    quotes_answered: int = 0
    quotes_won: int = 0
    average_days_to_pay: Decimal | None = None
    average_days_to_accept: Decimal | None = None

    @property
    def quote_conversion_rate(self) -> Decimal | None:
        return ratio(self.quotes_won, self.quotes_answered)


@dataclass
class Aging:
    current: Decimal = ZERO
    days1to30: Decimal = ZERO
    days31to60: Decimal = ZERO
    days61to90: Decimal = ZERO
    over90: Decimal = ZERO


@dataclass
class Dashboard:
    period: Period
    previous_period: Period
    currency: str
    current: Figures
    previous: Figures
    outstanding: Decimal
    overdue: Decimal
    overdue_count: int
    aging: Aging
    quotes_open: int
    pipeline_value: Decimal
    pipeline: dict[str, tuple[int, Decimal]]  # quote status → (count, total), now
    monthly: list[tuple[date, Decimal, Decimal]]  # (month, invoiced, paid)
    top_customers: list[tuple[str | None, str, Decimal]] = field(default_factory=list)
    top_products: list[tuple[str, str, Decimal, Decimal]] = field(default_factory=list)

    @property
    def dso(self) -> Decimal | None:
        return ratio(self.outstanding, self.current.invoiced, self.period.days, places=1)


def dashboard(actor: User, period: Period) -> Dashboard:
    """The dashboard of the actor's organisation for ``period`` (its own dates)."""
    organization = actor.organization
    today = organization.today()
    previous = period.previous()
    current_figures, previous_figures = Figures(), Figures()
    monthly = _monthly(organization, period, previous, current_figures, previous_figures)
    _days_to_pay(organization, period, previous, current_figures, previous_figures)
    _quote_figures(organization, period, previous, today, current_figures, previous_figures)
    outstanding, overdue, overdue_count, aging = _receivables(organization, today)
    quotes_open, pipeline_value, pipeline = _pipeline(organization, today)
    return Dashboard(
        period=period,
        previous_period=previous,
        currency=organization.currency,
        current=current_figures,
        previous=previous_figures,
        outstanding=outstanding,
        overdue=overdue,
        overdue_count=overdue_count,
        aging=aging,
        quotes_open=quotes_open,
        pipeline_value=pipeline_value,
        pipeline=pipeline,
        monthly=monthly,
        top_customers=_top_customers(organization, period),
        top_products=_top_products(organization, period),
    )


def _in_current(column: Any, period: Period) -> ColumnElement[bool]:
    return column >= period.start


def _own(model: Any, organization: Organization) -> list[ColumnElement[bool]]:
    """The organisation's rows in its currency: two currencies are never added up (a
    document written before the currency changed is left out of every sum)."""
    return [model.organization_id == organization.id, model.currency == organization.currency]


def _monthly(
    organization: Organization, period: Period, previous: Period, now: Figures, before: Figures
) -> list[tuple[date, Decimal, Decimal]]:
    """Invoiced and paid by month of the period, and both periods' totals: two queries."""
    invoiced: dict[str, Decimal] = {}
    paid: dict[str, Decimal] = {}
    invoice_rows = db.session.execute(
        select(
            _in_current(Invoice.invoice_date, period).label("in_period"),
            month_key(Invoice.invoice_date).label("month"),
            money_sum(Invoice.total),
        )
        .where(
            *_own(Invoice, organization),
            Invoice.invoice_date.between(previous.start, period.end),
            Invoice.status.in_(ISSUED),
        )
        .group_by("in_period", "month")
    )
    for is_now, month, amount in invoice_rows:
        if is_now:
            now.invoiced += amount
            invoiced[month] = amount
        else:
            before.invoiced += amount
    payment_rows = db.session.execute(
        select(
            _in_current(Payment.paid_on, period).label("in_period"),
            month_key(Payment.paid_on).label("month"),
            money_sum(Payment.amount),
        )
        .where(
            *_own(Payment, organization),
            Payment.paid_on.between(previous.start, period.end),
        )
        .group_by("in_period", "month")
    )
    for is_now, month, amount in payment_rows:
        if is_now:
            now.revenue += amount
            paid[month] = amount
        else:
            before.revenue += amount
    keys = [(month, month.strftime("%Y-%m")) for month in period.months()]
    return [(month, invoiced.get(key, ZERO), paid.get(key, ZERO)) for month, key in keys]


def _days_to_pay(
    organization: Organization, period: Period, previous: Period, now: Figures, before: Figures
) -> None:
    """Average days from the invoice's date to its last payment, by period it was settled."""
    rows = db.session.execute(
        select(
            _in_current(Invoice.settled_on, period).label("in_period"),
            func.sum(days_between(Invoice.settled_on, Invoice.invoice_date)),
            func.count(),
        )
        .where(
            *_own(Invoice, organization),
            Invoice.status == InvoiceStatus.PAID,
            Invoice.settled_on.between(previous.start, period.end),
        )
        .group_by("in_period")
    )
    for is_now, total, count in rows:
        (now if is_now else before).average_days_to_pay = average_days(round(total), count)


def _utc_bounds(period: Period, time_zone: str) -> tuple[datetime, datetime, datetime]:
    """The period's first instant, the previous period's, and the instant after the period."""
    local = zone(time_zone)

    def instant(day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=local)

    previous = period.previous()
    return instant(previous.start), instant(period.start), instant(period.end + timedelta(1))


def _quote_figures(
    organization: Organization,
    period: Period,
    previous: Period,
    today: date,
    now: Figures,
    before: Figures,
) -> None:
    """Conversion (quotes issued in each period) and days to accept (accepted in each)."""
    expired = and_(Quote.status == QuoteStatus.SENT, Quote.valid_until < today)
    answered = or_(Quote.status.in_((*WON, QuoteStatus.REJECTED)), expired)
    rows = db.session.execute(
        select(
            _in_current(Quote.issue_date, period).label("in_period"),
            func.count().filter(answered),
            func.count().filter(Quote.status.in_(WON)),
        )
        .where(
            *_own(Quote, organization),
            Quote.issue_date.between(previous.start, period.end),
        )
        .group_by("in_period")
    )
    for is_now, answered_count, won_count in rows:
        figures = now if is_now else before
        figures.quotes_answered, figures.quotes_won = answered_count, won_count
    first, middle, after = _utc_bounds(period, organization.time_zone)
    accepted = db.session.execute(
        select(
            (Quote.decided_at >= middle).label("in_period"),
            func.sum(seconds_between(Quote.decided_at, Quote.sent_at)),
            func.count(),
        )
        .where(
            *_own(Quote, organization),
            Quote.status.in_(WON),
            Quote.decided_at >= first,
            Quote.decided_at < after,
            Quote.sent_at.is_not(None),
        )
        .group_by("in_period")
    )
    for is_now, seconds, count in accepted:
        figures = now if is_now else before
        figures.average_days_to_accept = average_days(seconds, count, SECONDS_PER_DAY)


def _receivables(organization: Organization, today: date) -> tuple[Decimal, Decimal, int, Aging]:
    """Open balances now: outstanding, overdue (amount, count) and the aging buckets."""
    balance = Invoice.total - Invoice.amount_paid
    due = Invoice.due_date

    def bucket(condition: Any) -> ColumnElement[Decimal]:
        return money_sum(case((condition, balance), else_=literal(0)))

    past = due < today
    d30, d60, d90 = (today - timedelta(days=n) for n in (30, 60, 90))
    row = db.session.execute(
        select(
            money_sum(balance),
            bucket(past),
            func.count().filter(past),
            bucket(or_(due.is_(None), due >= today)),
            bucket(and_(past, due >= d30)),
            bucket(and_(due < d30, due >= d60)),
            bucket(and_(due < d60, due >= d90)),
            bucket(due < d90),
        ).where(
            *_own(Invoice, organization),
            Invoice.status.in_(InvoiceStatus.OPEN),
        )
    ).one()
    outstanding, overdue, overdue_count, *buckets = row
    return outstanding, overdue, overdue_count, Aging(*buckets)


def _pipeline(organization: Organization, today: date) -> tuple[int, Decimal, dict]:
    """Quotes by status now (a sent quote past its date counts as expired)."""
    status = case(
        (and_(Quote.status == QuoteStatus.SENT, Quote.valid_until < today), QuoteStatus.EXPIRED),
        else_=Quote.status,
    ).label("status")
    rows = db.session.execute(
        select(status, func.count(), money_sum(Quote.total))
        .where(*_own(Quote, organization))
        .group_by(status)
    )
    pipeline = {name: (count, total) for name, count, total in rows}
    open_count, open_total = pipeline.get(QuoteStatus.SENT, (0, ZERO))
    return open_count, open_total, pipeline


def _top_customers(
    organization: Organization, period: Period
) -> list[tuple[str | None, str, Decimal]]:
    """The customers invoiced most in the period (a name typed on the invoice counts too)."""
    name = func.coalesce(Customer.name, Invoice.customer_name).label("name")
    amount = money_sum(Invoice.total).label("amount")
    rows = db.session.execute(
        select(Customer.public_id, name, amount)
        .select_from(Invoice)
        .outerjoin(Customer, Customer.id == Invoice.customer_id)
        .where(
            *_own(Invoice, organization),
            Invoice.invoice_date.between(period.start, period.end),
            Invoice.status.in_(ISSUED),
        )
        .group_by(Customer.public_id, name)
        .order_by(amount.desc(), name)
        .limit(TOP)
    )
    return [(public_id, customer, total) for public_id, customer, total in rows]


def _top_products(
    organization: Organization, period: Period
) -> list[tuple[str, str, Decimal, Decimal]]:
    """The catalogue's products sold most (net amount) on issued invoices of the period."""
    net = money_sum(InvoiceLine.net).label("net")
    quantity = decimal_sum(InvoiceLine.quantity, 3)
    rows = db.session.execute(
        select(Product.public_id, Product.name, quantity, net)
        .select_from(InvoiceLine)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .join(Product, Product.id == InvoiceLine.product_id)
        .where(
            *_own(Invoice, organization),
            Invoice.invoice_date.between(period.start, period.end),
            Invoice.status.in_(ISSUED),
        )
        .group_by(Product.public_id, Product.name)
        .order_by(net.desc(), Product.name)
        .limit(TOP)
    )
    return [(public_id, product, qty, total) for public_id, product, qty, total in rows]
