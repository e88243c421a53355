"""A customer's account as a ledger, in SQL: invoices issued are debits, payments credits.

Every figure is an aggregate query, and the running balance of each movement is a window sum
computed by the database (SQLite ≥ 3.25 and PostgreSQL alike), so that any page of
movements carries correct balances without Python adding up the rows before it.

Which invoices count: those issued and not void (ISSUED, PARTIALLY_PAID, PAID) in the
organisation's currency, dated by their invoice date; payments by their payment date. A
draft is not yet owed; a VOID invoice never was (it can only be voided without payments).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, null, select, type_coerce, union_all
from sqlalchemy.sql import Subquery

from portal.db import FixedDecimal
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceStatus, Payment
from portal.pagination import keyset_page
from portal.periods import Period

MONEY = FixedDecimal(14, 2)
POSTED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)
INVOICE, PAYMENT = "INVOICE", "PAYMENT"  # also the order of a day's movements


@dataclass(frozen=True)
class Account:
    """Whose ledger: one customer of one organisation, in one currency."""

    organization_id: int
    customer_id: int
    currency: str


@dataclass(frozen=True)
class Balances:
    """The period's figures: balance before it, debits and credits in it, balance at its end."""

    opening: Decimal
    invoiced: Decimal
    paid: Decimal
    closing: Decimal
    movements: int


@dataclass(frozen=True)
class Position:
    """What the customer owes today, from the open invoices' own balances."""

    open_balance: Decimal
    overdue_balance: Decimal
    open_count: int
    overdue_count: int


@dataclass(frozen=True)
class Movement:
    on: date
    kind: str  # INVOICE (a debit) or PAYMENT (a credit)
    invoice_id: str
    invoice_number: str
    payment_id: str | None
    method: str | None
    amount: Decimal  # positive: debit; negative: credit
    balance: Decimal  # after this movement

    @property
    def debit(self) -> Decimal:
        return self.amount if self.kind == INVOICE else Decimal("0.00")

    @property
    def credit(self) -> Decimal:
        return -self.amount if self.kind == PAYMENT else Decimal("0.00")


def _posted(account: Account) -> tuple[Any, ...]:
    return (
        Invoice.organization_id == account.organization_id,
        Invoice.customer_id == account.customer_id,
        Invoice.currency == account.currency,
        Invoice.status.in_(POSTED),
    )


def entries(account: Account) -> Subquery:
    """Every movement of the account: (moved_on, kind, number, ref, …, signed amount)."""
    debits = select(
        Invoice.invoice_date.label("moved_on"),
        literal(INVOICE, String(7)).label("kind"),
        Invoice.number.label("number"),
        Invoice.public_id.label("ref"),
        Invoice.public_id.label("invoice_ref"),
        cast(null(), String(20)).label("method"),
        Invoice.total.label("amount"),
    ).where(*_posted(account))
    credits = (
        select(
            Payment.paid_on,
            literal(PAYMENT, String(7)),
            Invoice.number,
            Payment.public_id,
            Invoice.public_id,
            Payment.method,
            -Payment.amount,
        )
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.organization_id == account.organization_id, *_posted(account))
    )
    return union_all(debits, credits).subquery("entries")


def _total(amount: Any, condition: Any = None) -> Any:
    """The sum of ``amount`` over the rows meeting ``condition`` (all rows without one), or 0."""
    summed = amount if condition is None else case((condition, amount))
    return type_coerce(func.coalesce(func.sum(summed), 0), MONEY)


def balances(account: Account, period: Period) -> Balances:
    """Opening, debits, credits and closing of the period: one aggregate query."""
    e = entries(account)
    inside = e.c.moved_on.between(period.start, period.end)
    row = db.session.execute(
        select(
            _total(e.c.amount, e.c.moved_on < period.start).label("opening"),
            _total(e.c.amount, and_(inside, e.c.kind == INVOICE)).label("invoiced"),
            _total(-e.c.amount, and_(inside, e.c.kind == PAYMENT)).label("paid"),
            _total(e.c.amount).label("closing"),  # every row up to the period's end
            func.count(case((inside, 1))).label("movements"),
        ).where(e.c.moved_on <= period.end)
    ).one()
    return Balances(row.opening, row.invoiced, row.paid, row.closing, row.movements)


def movements(
    account: Account, period: Period, opening: Decimal, limit: int, cursor: str | None
) -> tuple[list[Movement], str | None]:
    """A page of the period's movements in date order, each with the balance after it."""
    e = entries(account)
    order = (e.c.moved_on, e.c.kind, e.c.number, e.c.ref)
    running = func.sum(e.c.amount).over(order_by=order, rows=(None, 0))
    windowed = (
        select(*e.c, type_coerce(literal(opening, MONEY) + running, MONEY).label("balance"))
        .where(e.c.moved_on.between(period.start, period.end))
        .subquery("windowed")
    )
    w = windowed.c
    rows, next_cursor = keyset_page(
        select(windowed), (w.moved_on, w.kind, w.number, w.ref), limit, cursor, scalars=False
    )
    page = [
        Movement(
            on=row.moved_on,
            kind=row.kind,
            invoice_id=row.invoice_ref,
            invoice_number=row.number,
            payment_id=row.ref if row.kind == PAYMENT else None,
            method=row.method,
            amount=row.amount,
            balance=row.balance,
        )
        for row in rows
    ]
    return page, next_cursor


def position(account: Account, today: date) -> Position:
    """Open and overdue balances as of ``today``: one aggregate query over open invoices."""
    due = Invoice.total - Invoice.amount_paid
    late = Invoice.due_date < today
    row = db.session.execute(
        select(
            _total(due).label("open_balance"),
            _total(due, late).label("overdue_balance"),
            func.count().label("open_count"),
            func.count(case((late, 1))).label("overdue_count"),
        ).where(
            Invoice.organization_id == account.organization_id,
            Invoice.customer_id == account.customer_id,
            Invoice.currency == account.currency,
            Invoice.status.in_(InvoiceStatus.OPEN),
        )
    ).one()
    return Position(row.open_balance, row.overdue_balance, row.open_count, row.overdue_count)
