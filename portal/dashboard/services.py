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

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from portal.accounts.models import Organization, User
from portal.catalog.models import Customer, Product
from portal.clock import zone
from portal.dashboard.models import DailyTotal, MonthlyCustomerTotal, MonthlyProductTotal
from portal.dashboard.totals import customer_key_sql
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceLine, InvoiceStatus
from portal.money import quantize
from portal.periods import Period
from portal.quotes.models import Quote, QuoteStatus
from portal.reports.sql import decimal_sum, month_key, seconds_between

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
    """Invoiced, paid and settled by month of the period, and both periods' totals: one
    query over the running daily totals (a row per day, not per invoice)."""
    invoiced: dict[str, Decimal] = {}
    paid: dict[str, Decimal] = {}
    settled: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}
    rows = db.session.execute(
        select(
            _in_current(DailyTotal.day, period).label("in_period"),
            month_key(DailyTotal.day).label("month"),
            money_sum(DailyTotal.invoiced),
            money_sum(DailyTotal.paid),
            func.coalesce(func.sum(DailyTotal.settled_count), 0),
            func.coalesce(func.sum(DailyTotal.settled_days), 0),
        )
        .where(*_own(DailyTotal, organization), DailyTotal.day.between(previous.start, period.end))
        .group_by("in_period", "month")
    )
    for is_now, month, invoiced_amount, paid_amount, count, days_taken in rows:
        figures = now if is_now else before
        figures.invoiced += invoiced_amount
        figures.revenue += paid_amount
        settled[bool(is_now)][0] += count
        settled[bool(is_now)][1] += days_taken
        if is_now:
            invoiced[month], paid[month] = invoiced_amount, paid_amount
    for is_now, (count, days_taken) in settled.items():
        (now if is_now else before).average_days_to_pay = average_days(days_taken, count)
    keys = [(month, month.strftime("%Y-%m")) for month in period.months()]
    return [(month, invoiced.get(key, ZERO), paid.get(key, ZERO)) for month, key in keys]


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
    # By day, in the index's order (no sort of every quote by period): the days fold into
    # the two periods here.
    rows = db.session.execute(
        select(
            Quote.issue_date,
            func.count().filter(answered),
            func.count().filter(Quote.status.in_(WON)),
        )
        .where(
            *_own(Quote, organization),
            Quote.issue_date.between(previous.start, period.end),
        )
        .group_by(Quote.issue_date)
    )
    for day, answered_count, won_count in rows:
        figures = now if day >= period.start else before
        figures.quotes_answered += answered_count
        figures.quotes_won += won_count
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
    """Open balances now: outstanding, overdue (amount, count) and the aging buckets. One
    group per bucket: a single CASE per open invoice, not one sum per figure."""
    due = Invoice.due_date
    d30, d60, d90 = (today - timedelta(days=n) for n in (30, 60, 90))
    bucket = case(
        (or_(due.is_(None), due >= today), 0),
        (due >= d30, 1),
        (due >= d60, 2),
        (due >= d90, 3),
        else_=4,
    ).label("bucket")
    rows = db.session.execute(
        select(bucket, func.count(), money_sum(Invoice.total - Invoice.amount_paid))
        .where(
            *_own(Invoice, organization),
            Invoice.status.in_(InvoiceStatus.OPEN),
        )
        .group_by("bucket")
    )
    amounts, counts = [ZERO] * 5, [0] * 5
    for index, count, balance in rows:
        amounts[index], counts[index] = balance, count
    past = amounts[1:]  # every bucket but "current" is past due
    return sum(amounts, ZERO), sum(past, ZERO), sum(counts[1:]), Aging(*amounts)


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


def split_months(period: Period) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The whole calendar months inside ``period`` (first and last month), and the days at
    its edges that do not make a whole month: the running monthly totals answer the
    former, the documents themselves the latter."""
    first = period.start if period.start.day == 1 else _next_month(period.start)
    last_end = (
        period.end
        if _next_month(period.end) - timedelta(1) == period.end
        else (period.end.replace(day=1) - timedelta(1))
    )
    if first > last_end:
        return None, [(period.start, period.end)]
    edges = []
    if period.start < first:
        edges.append((period.start, first - timedelta(1)))
    if last_end < period.end:
        edges.append((last_end + timedelta(1), period.end))
    return (first, last_end.replace(day=1)), edges


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _on_days(column: Any, ranges: list[tuple[date, date]]) -> ColumnElement[bool]:
    return or_(*(column.between(start, end) for start, end in ranges)) if ranges else literal(False)


def _top_customers(
    organization: Organization, period: Period
) -> list[tuple[str | None, str, Decimal]]:
    """The customers invoiced most in the period (a name typed on the invoice counts too):
    whole months from the running totals, the edges from the invoices."""
    months, edges = split_months(period)
    parts: list[Any] = []  # selects of the same columns
    if months:
        parts.append(
            select(
                MonthlyCustomerTotal.customer_key.label("key"),
                MonthlyCustomerTotal.customer_id.label("customer_id"),
                MonthlyCustomerTotal.customer_name.label("written"),
                MonthlyCustomerTotal.invoiced.label("amount"),
            ).where(
                *_own(MonthlyCustomerTotal, organization),
                MonthlyCustomerTotal.month.between(*months),
            )
        )
    if edges:
        parts.append(
            select(
                customer_key_sql().label("key"),
                Invoice.customer_id.label("customer_id"),
                case((Invoice.customer_id.is_(None), Invoice.customer_name), else_="").label(
                    "written"
                ),
                Invoice.total.label("amount"),
            ).where(
                *_own(Invoice, organization),
                Invoice.status.in_(ISSUED),
                _on_days(Invoice.invoice_date, edges),
            )
        )
    sales = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    # Added up by customer first, then the few hundred sums joined to the catalogue.
    amount = decimal_sum(sales.c.amount, 2).label("amount")
    by_key = (
        select(
            func.max(sales.c.customer_id).label("customer_id"),
            func.max(sales.c.written).label("written"),
            amount,
        )
        .group_by(sales.c.key)
        .having(amount != 0)
        .subquery()
    )
    name = func.coalesce(Customer.name, by_key.c.written).label("name")
    rows = db.session.execute(
        select(Customer.public_id, name, by_key.c.amount)
        .select_from(by_key)
        .outerjoin(Customer, Customer.id == by_key.c.customer_id)
        .order_by(by_key.c.amount.desc(), name)
        .limit(TOP)
    )
    return [(public_id, customer, total) for public_id, customer, total in rows]


def _top_products(
    organization: Organization, period: Period
) -> list[tuple[str, str, Decimal, Decimal]]:
    """The catalogue's products sold most (net amount) on issued invoices of the period:
    whole months from the running totals, the edges from the invoices' lines."""
    months, edges = split_months(period)
    parts: list[Any] = []  # selects of the same columns
    if months:
        parts.append(
            select(
                MonthlyProductTotal.product_id.label("product_id"),
                MonthlyProductTotal.quantity.label("quantity"),
                MonthlyProductTotal.net.label("net"),
            ).where(
                *_own(MonthlyProductTotal, organization),
                MonthlyProductTotal.month.between(*months),
            )
        )
    if edges:
        parts.append(
            select(
                InvoiceLine.product_id.label("product_id"),
                InvoiceLine.quantity.label("quantity"),
                InvoiceLine.net.label("net"),
            )
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(
                *_own(Invoice, organization),
                Invoice.status.in_(ISSUED),
                _on_days(Invoice.invoice_date, edges),
                InvoiceLine.product_id.is_not(None),
            )
        )
    sold = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    net = decimal_sum(sold.c.net, 2).label("net")
    quantity = decimal_sum(sold.c.quantity, 3)
    rows = db.session.execute(
        select(Product.public_id, Product.name, quantity, net)
        .select_from(sold)
        .join(Product, Product.id == sold.c.product_id)
        .group_by(Product.public_id, Product.name)
        .having(net != 0)
        .order_by(net.desc(), Product.name)
        .limit(TOP)
    )
    return [(public_id, product, qty, total) for public_id, product, qty, total in rows]
