"""Taxes: the tax base and the tax charged per rate, for the quarterly VAT (IVA) return.

Counts the lines of the organisation's issued invoices (ISSUED, PARTIALLY_PAID, PAID) in
its currency dated in the range; drafts and void invoices are not in the books. Per tax
rate of the lines: base = Σ net (after discount), tax = Σ tax, surcharge = Σ recargo de
equivalencia, total = Σ (net + tax + surcharge). Each line's tax and recargo were rounded to
cents when they were made, so the sums are the invoices' own figures to the cent: Σ base =
Σ (subtotal − discounts), Σ tax = Σ tax total, Σ surcharge = Σ surcharge total. The
totals add the withholdings (IRPF) the customers kept back: Σ withholding total, so that
total − withholding = Σ the invoices' totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.dashboard.models import DailyTaxTotal, DailyTotal
from portal.extensions import db
from portal.money import money
from portal.periods import Period, this_quarter
from portal.reports.kind import ReportKind, Table
from portal.reports.scope import daily_totals_of
from portal.reports.sql import decimal_sum


@dataclass(frozen=True)
class TaxRow:
    tax_percent: Decimal | None  # None: the totals
    base: Decimal
    tax: Decimal
    surcharge: Decimal
    total: Decimal
    invoice_count: int


@dataclass(frozen=True)
class Taxes:
    currency: str
    period: Period
    rates: list[TaxRow]
    totals: TaxRow
    withholding: Decimal


def taxes(actor: User, period: Period, _limit: int | None = None) -> Taxes:
    """Two aggregate queries over the running totals (``dashboard/totals.py``), a row per day
    of the range and rate rather than every line: per rate, and the day's invoices (how
    many, for the totals: an invoice may hold several rates; and their withholdings)."""
    rate = DailyTaxTotal.tax_percent
    by_rate = (
        select(
            rate,
            decimal_sum(DailyTaxTotal.base).label("base"),
            decimal_sum(DailyTaxTotal.tax).label("tax"),
            decimal_sum(DailyTaxTotal.surcharge).label("surcharge"),
            decimal_sum(DailyTaxTotal.total).label("total"),
            func.coalesce(func.sum(DailyTaxTotal.invoice_count), 0).label("invoice_count"),
        )
        .where(*daily_totals_of(DailyTaxTotal, actor, period))
        .group_by(rate)
        .order_by(rate)
    )
    # A rate whose invoices were all voided keeps a row of zeros: not a rate of the period.
    rates = [_row(row, row.tax_percent) for row in db.session.execute(by_rate) if row.invoice_count]
    invoices = select(
        func.coalesce(func.sum(DailyTotal.issued_count), 0),
        decimal_sum(DailyTotal.withheld),
    ).where(*daily_totals_of(DailyTotal, actor, period))
    invoice_count, withholding = db.session.execute(invoices).one()
    base, tax, surcharge, total = (
        sum((getattr(row, name) for row in rates), Decimal("0")) for name in AMOUNTS
    )
    totals = TaxRow(None, base, tax, surcharge, total, invoice_count)
    return Taxes(actor.organization.currency, period, rates, totals, withholding)


AMOUNTS = ("base", "tax", "surcharge", "total")


def _row(row: Any, tax_percent: Decimal | None) -> TaxRow:
    return TaxRow(tax_percent, row.base, row.tax, row.surcharge, row.total, row.invoice_count)


def _row_json(row: TaxRow) -> dict[str, Any]:
    return {
        "base": money(row.base),
        "tax": money(row.tax),
        "surcharge": money(row.surcharge),
        "total": money(row.total),
        "invoiceCount": row.invoice_count,
    }


def to_json(report: Taxes) -> dict[str, Any]:
    return {
        "currency": report.currency,
        "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(),
        "rates": [
            {"taxPercent": f"{row.tax_percent:.2f}", **_row_json(row)} for row in report.rates
        ],
        "totals": {**_row_json(report.totals), "withholding": money(report.withholding)},
    }


def to_table(report: Taxes) -> Table:
    header = ["taxPercent", "base", "tax", "surcharge", "total", "invoiceCount"]
    rows: list[list[Any]] = [
        [f"{row.tax_percent:.2f}", *_row_json(row).values()] for row in report.rates
    ]
    rows.append([_("Total"), *_row_json(report.totals).values()])
    return header, rows


TAXES = ReportKind(
    name="taxes",
    title=_l("Taxes"),
    summary=_l(
        "The tax base and the tax charged at each rate on the invoices issued in the "
        "period: the figures of the quarterly VAT return."
    ),
    compute=taxes,
    to_json=to_json,
    to_table=to_table,
    default_period=this_quarter,
)
