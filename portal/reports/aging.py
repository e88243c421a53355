"""Receivables aging by customer, as of the organisation's today.

Open invoices (ISSUED, PARTIALLY_PAID) in the organisation's currency: their balance
(total − amount paid) falls into one bucket by days past the due date — ``current`` (due
today or later), 1–30, 31–60, 61–90, over 90. One row per catalogue customer, or per name
written on invoices without one, the largest balances first (a ``?limit=`` of them, the
rest added up in one row); plus the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from portal.accounts.models import User
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceStatus
from portal.money import money
from portal.periods import Period
from portal.reports.kind import ReportKind, Table
from portal.reports.scope import (
    best_first,
    customer_keys,
    other_customers_label,
    own_documents,
    with_customers,
)
from portal.reports.sql import decimal_sum, ranked

BUCKETS = ("current", "days1to30", "days31to60", "days61to90", "over90")
BUCKET_LABELS = {
    "current": _l("Current"),
    "days1to30": _l("1–30 days"),
    "days31to60": _l("31–60 days"),
    "days61to90": _l("61–90 days"),
    "over90": _l("Over 90 days"),
}


@dataclass(frozen=True)
class AgingRow:
    customer_id: str | None  # None: the totals, or a customer without a catalogue entry
    customer_name: str
    invoice_count: int
    buckets: dict[str, Decimal]
    total: Decimal


@dataclass(frozen=True)
class Aging:
    currency: str
    as_of: date
    customers: list[AgingRow]  # the largest balances first
    others: AgingRow | None  # the customers past the limit, added up (None: there are none)
    totals: AgingRow
    customer_count: int  # customers owing anything, shown or among the others

    @property
    def other_count(self) -> int:
        return self.customer_count - len(self.customers)


def bucket_conditions(today: date) -> dict[str, ColumnElement[bool]]:
    """Which open invoices fall into each bucket on ``today``, by their due date."""
    due = Invoice.due_date

    def days_ago(days: int) -> date:
        return today - timedelta(days=days)

    return {
        "current": or_(due.is_(None), due >= today),
        "days1to30": due.between(days_ago(30), days_ago(1)),
        "days31to60": due.between(days_ago(60), days_ago(31)),
        "days61to90": due.between(days_ago(90), days_ago(61)),
        "over90": due < days_ago(90),
    }


def aging(actor: User, _period: Period | None = None, limit: int | None = None) -> Aging:
    """The aging of receivables on the organisation's today (two aggregate queries): the
    ``limit`` customers owing most (ties by name), the rest added up in ``others``."""
    organization = actor.organization
    today = organization.today()
    balance = Invoice.total - Invoice.amount_paid
    figures: list[Any] = [
        func.count(Invoice.id).label("invoice_count"),
        *(
            decimal_sum(case((condition, balance)), 2).label(name)
            for name, condition in bucket_conditions(today).items()
        ),
        decimal_sum(balance, 2).label("total"),
    ]
    scope = [*own_documents(Invoice, actor), Invoice.status.in_(InvoiceStatus.OPEN)]
    keys = customer_keys()
    grouped = select(*keys, *figures).where(*scope).group_by(*keys)
    rows, count = ranked(grouped, "total", limit, with_customers)
    totals = _row(db.session.execute(select(*figures).where(*scope)).one(), None, "")
    customers = [
        _row(row, row.customer_id, row.catalogue_name or row.written_name or "") for row in rows
    ]
    customers = best_first(customers, "total", "customer_name", "customer_id", limit)
    others = _rest(totals, customers) if len(customers) < count else None
    return Aging(organization.currency, today, customers, others, totals, count)


def _rest(totals: AgingRow, shown: list[AgingRow]) -> AgingRow:
    """What ``totals`` holds beyond the ``shown`` rows (an invoice has one customer, so its
    count adds up too)."""
    return AgingRow(
        customer_id=None,
        customer_name="",
        invoice_count=totals.invoice_count - sum(row.invoice_count for row in shown),
        buckets={
            name: totals.buckets[name] - sum((row.buckets[name] for row in shown), Decimal(0))
            for name in BUCKETS
        },
        total=totals.total - sum((row.total for row in shown), Decimal(0)),
    )


def _row(row: Any, customer_id: str | None, customer_name: str) -> AgingRow:
    return AgingRow(
        customer_id=customer_id,
        customer_name=customer_name,
        invoice_count=row.invoice_count,
        buckets={bucket: getattr(row, bucket) for bucket in BUCKETS},
        total=row.total,
    )


def _row_json(row: AgingRow) -> dict[str, Any]:
    return {
        "invoiceCount": row.invoice_count,
        **{name: money(row.buckets[name]) for name in BUCKETS},
        "total": money(row.total),
    }


def to_json(report: Aging) -> dict[str, Any]:
    others = report.others
    return {
        "currency": report.currency,
        "asOf": report.as_of.isoformat(),
        "customers": [
            {"customerId": r.customer_id, "customerName": r.customer_name, **_row_json(r)}
            for r in report.customers
        ],
        "customerCount": report.customer_count,
        "otherCustomers": (
            {"customerCount": report.other_count, **_row_json(others)} if others else None
        ),
        "totals": _row_json(report.totals),
    }


def to_table(report: Aging) -> Table:
    header = ["customerId", "customerName", "invoiceCount", *BUCKETS, "total"]
    rows: list[list[Any]] = [
        [row.customer_id or "", row.customer_name, *_row_json(row).values()]
        for row in report.customers
    ]
    if report.others:
        label = other_customers_label(report.other_count)
        rows.append(["", label, *_row_json(report.others).values()])
    rows.append(["", _("Total"), *_row_json(report.totals).values()])
    return header, rows


AGING = ReportKind(
    name="aging",
    title=_l("Receivables aging"),
    summary=_l(
        "What each customer owes today, by how long it is past due: current, 1–30, 31–60, "
        "61–90 and over 90 days."
    ),
    compute=aging,
    to_json=to_json,
    to_table=to_table,
    uses_period=False,
    ranks=True,
)
