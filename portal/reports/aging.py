"""Receivables aging by customer, as of the organisation's today.

Open invoices (ISSUED, PARTIALLY_PAID) in the organisation's currency: their balance
(total − amount paid) falls into one bucket by days past the due date — ``current`` (due
today or later), 1–30, 31–60, 61–90, over 90. One row per catalogue customer, or per name
written on invoices without one; plus the totals.
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
from portal.reports.scope import customer_keys, own_documents, sort_key, with_customers
from portal.reports.sql import decimal_sum

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
    customers: list[AgingRow]
    totals: AgingRow


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


def aging(actor: User, _period: Period | None = None) -> Aging:
    """The aging of receivables on the organisation's today (two aggregate queries)."""
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
    grouped = with_customers(select(*keys, *figures).select_from(Invoice))
    rows = db.session.execute(grouped.where(*scope).group_by(*keys)).all()
    totals = db.session.execute(select(*figures).where(*scope)).one()
    customers = [
        _row(row, row.customer_id, row.catalogue_name or row.written_name or "") for row in rows
    ]
    customers.sort(key=lambda r: sort_key(r.customer_name, r.customer_id))
    return Aging(organization.currency, today, customers, _row(totals, None, ""))


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
    return {
        "currency": report.currency,
        "asOf": report.as_of.isoformat(),
        "customers": [
            {"customerId": r.customer_id, "customerName": r.customer_name, **_row_json(r)}
            for r in report.customers
        ],
        "totals": _row_json(report.totals),
    }


def to_table(report: Aging) -> Table:
    header = ["customerId", "customerName", "invoiceCount", *BUCKETS, "total"]
    rows: list[list[Any]] = []
    for row in [*report.customers, report.totals]:
        figures = _row_json(row)
        name = row.customer_name if row is not report.totals else _("Total")
        rows.append([row.customer_id or "", name, *figures.values()])
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
)
