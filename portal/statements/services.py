"""A customer's account statement: the ledger of a period plus their recent documents.

- **Movements** (the statement proper): invoices issued (debits) and payments (credits)
  dated in the period, in date order, each with the running balance from the opening
  balance at the period's start; paged like every list (``limit`` ≤ 100, a cursor).
- **Balances**: opening, invoiced and paid in the period, closing (= the balance at the
  period's end); open and overdue balances **as of today**, whatever the period.
- **Documents**: the customer's quotes, invoices (every status) and payments dated in the
  period, newest first, at most ``RECENT_LIMIT`` of each with the period's full count.

Money figures are in the organisation's currency; documents written in another one (before
a change of currency) are listed with their own but left out of the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, func, literal, select

from portal.accounts.models import User
from portal.catalog.models import Customer
from portal.errors import CustomerNotFound, ValidationError
from portal.extensions import db
from portal.invoices.models import Invoice, Payment
from portal.periods import Period
from portal.quotes.models import Quote, QuoteStatus
from portal.statements.ledger import Account, Balances, Movement, Position
from portal.statements.ledger import balances as ledger_balances
from portal.statements.ledger import movements as ledger_movements
from portal.statements.ledger import position as ledger_position
from portal.tenancy import get_for_organization

RECENT_LIMIT = 50  # documents of each kind listed with a statement
PDF_MOVEMENTS = 1000  # the most one PDF holds: about 27 pages, drawn in about 0.7 s (docs/pdf.md)
TOO_MANY_FOR_PDF = _l("A statement PDF holds at most %(n)s movements; choose a shorter period")


@dataclass(frozen=True)
class Listing:
    """The newest documents of a kind in the period, and how many the period has."""

    items: list[Any]
    count: int


@dataclass(frozen=True)
class Statement:
    customer: Customer
    currency: str
    period: Period
    today: date
    balances: Balances
    position: Position
    movements: list[Movement]
    next_cursor: str | None
    first_page: bool
    quotes: Listing = field(default_factory=lambda: Listing([], 0))
    invoices: Listing = field(default_factory=lambda: Listing([], 0))
    payments: Listing = field(default_factory=lambda: Listing([], 0))


def statement_customer(actor: User, public_id: str) -> Customer:
    """The customer whose statement is asked for; another tenant's is a 404."""
    return get_for_organization(Customer, public_id, actor.organization_id, CustomerNotFound)


def customer_statement(
    actor: User,
    customer: Customer,
    period: Period,
    *,
    limit: int,
    cursor: str | None = None,
    documents: bool = True,
) -> Statement:
    """The statement of ``customer`` for ``period``: one page of movements (``limit``,
    ``cursor``) and, with ``documents``, the period's recent quotes, invoices, payments."""
    organization = actor.organization
    account = Account(organization.id, customer.id, organization.currency)
    today = organization.today()
    figures = ledger_balances(account, period)
    page, next_cursor = ledger_movements(account, period, figures.opening, limit, cursor)
    statement = Statement(
        customer=customer,
        currency=organization.currency,
        period=period,
        today=today,
        balances=figures,
        position=ledger_position(account, today),
        movements=page,
        next_cursor=next_cursor,
        first_page=not cursor,
    )
    if not documents:
        return statement
    scope = (organization.id, customer.id, period)
    return replace(
        statement,
        quotes=recent_quotes(*scope, today),
        invoices=recent_invoices(*scope),
        payments=recent_payments(*scope),
    )


def full_statement(actor: User, customer: Customer, period: Period) -> Statement:
    """Every movement of the period, for a PDF; too many for one document is a 400."""
    statement = customer_statement(actor, customer, period, limit=PDF_MOVEMENTS, documents=False)
    if statement.next_cursor is not None:
        raise ValidationError({"to": TOO_MANY_FOR_PDF % {"n": PDF_MOVEMENTS}})
    return statement


def _listing(stmt: Select, *order: Any) -> Listing:
    """The first ``RECENT_LIMIT`` rows of ``stmt`` and, by a window count, all of them."""
    stmt = stmt.add_columns(func.count().over().label("full_count"))
    rows = list(db.session.execute(stmt.order_by(*order).limit(RECENT_LIMIT)).all())
    return Listing(rows, rows[0].full_count if rows else 0)


def recent_quotes(organization_id: int, customer_id: int, period: Period, today: date) -> Listing:
    expired = and_(Quote.status == QuoteStatus.SENT, Quote.valid_until < today)
    stmt = select(
        Quote.public_id,
        Quote.number,
        Quote.issue_date,
        Quote.valid_until,
        case((expired, literal(QuoteStatus.EXPIRED)), else_=Quote.status).label("status"),
        Quote.currency,
        Quote.total,
    ).where(
        Quote.organization_id == organization_id,
        Quote.customer_id == customer_id,
        Quote.issue_date.between(period.start, period.end),
    )
    return _listing(stmt, Quote.issue_date.desc(), Quote.number.desc())


def recent_invoices(organization_id: int, customer_id: int, period: Period) -> Listing:
    stmt = select(
        Invoice.public_id,
        Invoice.number,
        Invoice.invoice_date,
        Invoice.due_date,
        Invoice.status,
        Invoice.currency,
        Invoice.total,
        Invoice.amount_paid,
    ).where(
        Invoice.organization_id == organization_id,
        Invoice.customer_id == customer_id,
        Invoice.invoice_date.between(period.start, period.end),
    )
    return _listing(stmt, Invoice.invoice_date.desc(), Invoice.number.desc())


def recent_payments(organization_id: int, customer_id: int, period: Period) -> Listing:
    stmt = (
        select(
            Payment.public_id,
            Payment.paid_on,
            Payment.method,
            Payment.reference,
            Payment.amount,
            Invoice.public_id.label("invoice_public_id"),
            Invoice.number.label("invoice_number"),
            Invoice.currency,
        )
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(
            Payment.organization_id == organization_id,
            Invoice.organization_id == organization_id,
            Invoice.customer_id == customer_id,
            Payment.paid_on.between(period.start, period.end),
        )
    )
    return _listing(stmt, Payment.paid_on.desc(), Payment.id.desc())
