"""Quotes: conversion, time to acceptance, and the pipeline by status and by month.

Counts the organisation's quotes in its currency whose issue date falls in the range.
A quote is *won* when ACCEPTED or CONVERTED and *decided* when won, REJECTED or EXPIRED
(sent and past its validity on the organisation's today); drafts and quotes still awaiting
an answer are neither. Conversion rate = won ÷ decided. Time to acceptance: from sending to
the customer's acceptance (``sent_at`` → ``decided_at``) of the won quotes, averaged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.dashboard.models import QuoteTotal
from portal.dashboard.totals import status_now
from portal.extensions import db
from portal.money import money, quantize
from portal.periods import Period
from portal.quotes.models import QuoteStatus
from portal.reports.kind import ReportKind, Table
from portal.reports.scope import daily_totals_of
from portal.reports.sql import decimal_sum, month_key

STATUSES = QuoteStatus.ALL
WON = (QuoteStatus.ACCEPTED, QuoteStatus.CONVERTED)
DECIDED = (*WON, QuoteStatus.REJECTED, QuoteStatus.EXPIRED)
SECONDS_PER_DAY = Decimal(86400)
ZERO = Decimal("0.00")


@dataclass
class StatusFigures:
    count: int = 0
    total: Decimal = ZERO


@dataclass
class QuoteFigures:
    """The quotes of one month, or of the whole range (``month`` None)."""

    month: date | None
    by_status: dict[str, StatusFigures] = field(
        default_factory=lambda: {status: StatusFigures() for status in STATUSES}
    )
    seconds_to_accept: int = 0  # Σ over the won quotes with both timestamps
    timed: int = 0  # how many quotes that sum covers

    def add(self, row: Any) -> None:
        figures = self.by_status[row.effective_status]
        figures.count += row.count
        figures.total += row.total
        self.seconds_to_accept += int(row.seconds or 0)
        self.timed += row.timed

    @property
    def count(self) -> int:
        return sum(f.count for f in self.by_status.values())

    @property
    def total(self) -> Decimal:
        return sum((f.total for f in self.by_status.values()), ZERO)

    @property
    def won(self) -> int:
        return sum(self.by_status[status].count for status in WON)

    @property
    def decided(self) -> int:
        return sum(self.by_status[status].count for status in DECIDED)

    @property
    def conversion_rate(self) -> Decimal | None:
        """Won ÷ decided, in percent with two places; None before any decision."""
        if not self.decided:
            return None
        return quantize(Decimal(self.won) * 100 / Decimal(self.decided))

    @property
    def average_days_to_accept(self) -> Decimal | None:
        """Mean days from sending to acceptance, one decimal; None without any."""
        if not self.timed:
            return None
        return quantize(Decimal(self.seconds_to_accept) / self.timed / SECONDS_PER_DAY, 1)


@dataclass(frozen=True)
class QuotesReport:
    currency: str
    period: Period
    totals: QuoteFigures
    months: list[QuoteFigures]


def quotes(actor: User, period: Period, _limit: int | None = None) -> QuotesReport:
    """One aggregate query over the running quote totals (a row per day and status, not
    every quote), by month and status; the whole range is the sum of its months."""
    organization = actor.organization
    status = status_now(QuoteTotal, organization.today())
    month = month_key(QuoteTotal.day).label("issue_month")
    # Grouped by the labels: an expression with bound values (the date of today, the
    # month's format) is another expression to PostgreSQL each time it is written; and
    # no label is a column's name, which PostgreSQL would group by instead.
    by_month = (
        select(
            month,
            status.label("effective_status"),
            func.coalesce(func.sum(QuoteTotal.count), 0).label("count"),
            decimal_sum(QuoteTotal.total).label("total"),
            func.coalesce(func.sum(QuoteTotal.waited_seconds), 0).label("seconds"),
            func.coalesce(func.sum(QuoteTotal.timed_count), 0).label("timed"),
        )
        .where(*daily_totals_of(QuoteTotal, actor, period))
        .group_by("issue_month", "effective_status")
    )
    months = {f"{m:%Y-%m}": QuoteFigures(m) for m in period.months()}
    totals = QuoteFigures(None)
    for row in db.session.execute(by_month):
        months[row.issue_month].add(row)
        totals.add(row)
    return QuotesReport(organization.currency, period, totals, list(months.values()))


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _figures_json(figures: QuoteFigures) -> dict[str, Any]:
    return {
        "count": figures.count,
        "total": money(figures.total),
        "wonCount": figures.won,
        "decidedCount": figures.decided,
        "conversionRate": _rate(figures.conversion_rate),
        "averageDaysToAccept": _rate(figures.average_days_to_accept),
        "byStatus": [
            {"status": status, "count": f.count, "total": money(f.total)}
            for status, f in figures.by_status.items()
        ],
    }


def to_json(report: QuotesReport) -> dict[str, Any]:
    return {
        "currency": report.currency,
        "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(),
        **_figures_json(report.totals),
        "byMonth": [
            {"month": f"{m.month:%Y-%m}", **_figures_json(m)} for m in report.months if m.month
        ],
    }


def to_table(report: QuotesReport) -> Table:
    """One row per month, then the range's; each status as a count and a total."""
    per_status = [f"{s.lower()}{part}" for s in STATUSES for part in ("Count", "Total")]
    header = ["month", "count", "total", *per_status]
    header += ["wonCount", "decidedCount", "conversionRate", "averageDaysToAccept"]
    rows: list[list[Any]] = []
    for figures in [*report.months, report.totals]:
        data = _figures_json(figures)
        month = f"{figures.month:%Y-%m}" if figures.month else _("Total")
        statuses = [v for s in data["byStatus"] for v in (s["count"], s["total"])]
        rows.append(
            [
                month,
                data["count"],
                data["total"],
                *statuses,
                data["wonCount"],
                data["decidedCount"],
                data["conversionRate"] or "",
                data["averageDaysToAccept"] or "",
            ]
        )
    return header, rows


QUOTES = ReportKind(
    name="quotes",
    title=_l("Quote conversion"),
    summary=_l(
        "How many quotes your customers accept, how long they take to do it, and the value "
        "of the quotes in each status, month by month."
    ),
    compute=quotes,
    to_json=to_json,
    to_table=to_table,
)
