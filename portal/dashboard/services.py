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

import functools
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from portal.accounts.models import User
from portal.dashboard.models import DailyTotal, OpenBalance, QuoteStatusTotal, QuoteTotal
from portal.dashboard.tops import kept_tops
from portal.dashboard.totals import status_now
from portal.extensions import db
from portal.invoices.models import InvoiceStatus
from portal.money import quantize
from portal.periods import Period
from portal.quotes.models import QuoteStatus
from portal.reports.sql import decimal_sum, month_key

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
    statements = _statements(db.session.get_bind().dialect.name)
    values = {
        "organization_id": organization.id,
        "currency": organization.currency,
        "period_start": period.start,
        "period_end": period.end,
        "previous_start": previous.start,
        "today": today,
        **{f"d{n}": today - timedelta(days=n) for n in (30, 60, 90)},
    }
    monthly = _monthly(statements, values, period, current_figures, previous_figures)
    _quote_figures(statements, values, current_figures, previous_figures)
    outstanding, overdue, overdue_count, aging = _receivables(statements, values)
    quotes_open, pipeline_value, pipeline = _pipeline(statements, values)
    top_customers, top_products = kept_tops(organization, period)
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
        top_customers=top_customers,
        top_products=top_products,
    )


@dataclass(frozen=True)
class _Statements:
    """The dashboard's queries, built once per dialect with bound parameters (the
    organisation, its currency, the periods' edges, today and the aging's edges): building
    them cost a dashboard about a sixth of its time."""

    monthly: Any
    quote_totals: Any
    receivables: Any
    pipeline: Any


def _own(model: Any) -> list[ColumnElement[bool]]:
    """``tops.own`` with bound parameters: the organisation's rows in its currency."""
    return [
        model.organization_id == bindparam("organization_id"),
        model.currency == bindparam("currency"),
    ]


def _in_current(column: Any) -> ColumnElement[bool]:
    return column >= bindparam("period_start")


def _both_periods(column: Any) -> ColumnElement[bool]:
    return column.between(bindparam("previous_start"), bindparam("period_end"))


@functools.cache
def _statements(dialect: str) -> _Statements:
    """Built on first use per dialect (``month_key`` is the dialect's), inside a request."""
    monthly = (
        select(
            _in_current(DailyTotal.day).label("in_period"),
            month_key(DailyTotal.day).label("month"),
            money_sum(DailyTotal.invoiced),
            money_sum(DailyTotal.paid),
            func.coalesce(func.sum(DailyTotal.settled_count), 0),
            func.coalesce(func.sum(DailyTotal.settled_days), 0),
            func.coalesce(func.sum(DailyTotal.accepted_count), 0),
            func.coalesce(func.sum(DailyTotal.accepted_seconds), 0),
        )
        .where(*_own(DailyTotal), _both_periods(DailyTotal.day))
        .group_by("in_period", "month")
    )
    # Grouped by a label that no column has (PostgreSQL and SQLite would take the column).
    status = status_now(QuoteTotal, bindparam("today")).label("shown_status")
    quote_totals = (
        select(
            _in_current(QuoteTotal.day).label("in_period"),
            status,
            func.coalesce(func.sum(QuoteTotal.count), 0),
        )
        .where(*_own(QuoteTotal), _both_periods(QuoteTotal.day))
        .group_by("in_period", "shown_status")
    )
    due = OpenBalance.due_on  # an invoice without a due date is under the last day there is
    bucket = case(
        (due >= bindparam("today"), 0),
        (due >= bindparam("d30"), 1),
        (due >= bindparam("d60"), 2),
        (due >= bindparam("d90"), 3),
        else_=4,
    ).label("bucket")
    receivables = (
        select(
            bucket, func.coalesce(func.sum(OpenBalance.count), 0), money_sum(OpenBalance.balance)
        )
        .where(*_own(OpenBalance))
        .group_by("bucket")
    )
    # The pipeline: every quote of the organisation by its status now, from the few rows
    # by status (and, sent, last valid day) rather than every day's.
    pipeline = (
        select(
            status_now(QuoteStatusTotal, bindparam("today")).label("shown_status"),
            func.coalesce(func.sum(QuoteStatusTotal.count), 0),
            money_sum(QuoteStatusTotal.total),
        )
        .where(*_own(QuoteStatusTotal))
        .group_by("shown_status")
    )
    return _Statements(monthly, quote_totals, receivables, pipeline)


def _monthly(
    statements: _Statements,
    values: dict[str, Any],
    period: Period,
    now: Figures,
    before: Figures,
) -> list[tuple[date, Decimal, Decimal]]:
    """Invoiced, paid and settled by month of the period, and both periods' totals: one
    query over the running daily totals (a row per day, not per invoice)."""
    invoiced: dict[str, Decimal] = {}
    paid: dict[str, Decimal] = {}
    settled: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}
    accepted: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}
    rows = db.session.execute(statements.monthly, values)
    for is_now, month, invoiced_amount, paid_amount, count, days_taken, won, waited in rows:
        figures = now if is_now else before
        figures.invoiced += invoiced_amount
        figures.revenue += paid_amount
        settled[bool(is_now)][0] += count
        settled[bool(is_now)][1] += days_taken
        accepted[bool(is_now)][0] += won
        accepted[bool(is_now)][1] += waited
        if is_now:
            invoiced[month], paid[month] = invoiced_amount, paid_amount
    for is_now, (count, days_taken) in settled.items():
        (now if is_now else before).average_days_to_pay = average_days(days_taken, count)
    for is_now, (count, seconds) in accepted.items():
        figures = now if is_now else before
        figures.average_days_to_accept = average_days(seconds, count, SECONDS_PER_DAY)
    keys = [(month, month.strftime("%Y-%m")) for month in period.months()]
    return [(month, invoiced.get(key, ZERO), paid.get(key, ZERO)) for month, key in keys]


def _quote_figures(
    statements: _Statements, values: dict[str, Any], now: Figures, before: Figures
) -> None:
    """Conversion of the quotes issued in each period, from the running quote totals:
    accepted and converted (won), rejected, and sent and past their date (expired, an
    answer too)."""
    for is_now, status, count in db.session.execute(statements.quote_totals, values):
        figures = now if is_now else before
        if status in WON:
            figures.quotes_won += count
            figures.quotes_answered += count
        elif status in (QuoteStatus.REJECTED, QuoteStatus.EXPIRED):
            figures.quotes_answered += count


def _receivables(
    statements: _Statements, values: dict[str, Any]
) -> tuple[Decimal, Decimal, int, Aging]:
    """Open balances now: outstanding, overdue (amount, count) and the aging buckets, from
    the running open balances by due date (a row per due date, not per open invoice)."""
    amounts, counts = [ZERO] * 5, [0] * 5
    for index, count, balance in db.session.execute(statements.receivables, values):
        amounts[index], counts[index] = balance, count
    past = amounts[1:]  # every bucket but "current" is past due
    return sum(amounts, ZERO), sum(past, ZERO), sum(counts[1:]), Aging(*amounts)


def _pipeline(statements: _Statements, values: dict[str, Any]) -> tuple[int, Decimal, dict]:
    """Quotes by status now, from the running totals; a sent quote past its date counts as
    expired."""
    rows = db.session.execute(statements.pipeline, values)
    pipeline = {status: (count, total) for status, count, total in rows if count}
    open_count, open_total = pipeline.get(QuoteStatus.SENT, (0, ZERO))
    return open_count, open_total, pipeline
