"""Invoices: gap-free numbers, the lifecycle, payments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.catalog.models import Customer
from portal.db import conflicts, utcnow
from portal.documents.history import diff, lines_summary, record
from portal.documents.lines import apply_lines
from portal.documents.numbering import SERIES_PATTERN, next_number
from portal.errors import (
    CustomerNotFound,
    DuplicateInvoiceNumber,
    InvalidState,
    InvoiceNotFound,
    ValidationError,
)
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceLine, InvoiceStatus, Payment
from portal.money import money
from portal.pagination import keyset_page
from portal.tenancy import get_for_organization

PREFIX = "INV"
DEFAULT_TERMS_DAYS = 30
DOCUMENT = "invoice"

ONLY_DRAFT_EDITED = _l("Only draft invoices can be edited")
ONLY_DRAFT_ISSUED = _l("Only draft invoices can be issued")
ALREADY_PAID = _l("The invoice is already paid")
ALREADY_VOID = _l("The invoice is void")
VOID_WITH_PAYMENTS = _l("An invoice with payments cannot be voided")
PAYMENTS_NEED_ISSUED = _l("Payments are recorded on issued invoices only")
OVER_BALANCE = _l("The payment cannot exceed the balance of %(balance)s")
SERIES_RESERVED = _l("Numbers of the form %(prefix)s-YYYY-NNNN are assigned by the portal")
INVALID_STATUS = _l("Unknown status")
YEAR_FIXED = _l("The date must stay in %(year)s, the year of number %(number)s")


# What a list shows: plain rows (no ORM objects), with the customer's public id joined in.
SUMMARY_COLUMNS = (
    Invoice.public_id,
    Invoice.number,
    Invoice.status,
    Invoice.customer_name,
    Invoice.invoice_date,
    Invoice.due_date,
    Invoice.currency,
    Invoice.subtotal,
    Invoice.discount_total,
    Invoice.tax_total,
    Invoice.total,
    Invoice.amount_paid,
    Invoice.created_at,
    Customer.public_id.label("customer_public_id"),
)


def list_invoices(
    actor: User,
    *,
    status: str | None,
    overdue: bool,
    customer_id: str | None,
    limit: int,
    cursor: str | None,
    summaries: bool = False,
) -> tuple[list, str | None]:
    """A page of the organisation's invoices, newest last; ``summaries`` gives plain rows
    (what the API lists) instead of ORM objects (what the pages show)."""
    if summaries:
        stmt = select(*SUMMARY_COLUMNS).outerjoin(Customer, Customer.id == Invoice.customer_id)
    else:
        stmt = select(Invoice)
    stmt = stmt.where(Invoice.organization_id == actor.organization_id)
    if status:
        if status not in InvoiceStatus.ALL:
            raise ValidationError({"status": INVALID_STATUS})
        stmt = stmt.where(Invoice.status == status)
    if overdue:
        on = actor.organization.today()
        stmt = stmt.where(Invoice.status.in_(InvoiceStatus.OPEN), Invoice.due_date < on)
    if customer_id:
        customer = get_for_organization(
            Customer, customer_id, actor.organization_id, CustomerNotFound
        )
        stmt = stmt.where(Invoice.customer_id == customer.id)
    order = (Invoice.created_at, Invoice.public_id)
    return keyset_page(stmt, order, limit, cursor, scalars=not summaries)


def get_invoice(actor: User, public_id: str, *, for_update: bool = False) -> Invoice:
    return get_for_organization(
        Invoice, public_id, actor.organization_id, InvoiceNotFound, for_update=for_update
    )


def _fill(invoice: Invoice, actor: User, data: dict[str, Any], lines: list[dict[str, Any]]):
    customer = None
    if data.get("customer_id"):
        customer = db.session.scalar(
            select(Customer).where(
                Customer.public_id == data["customer_id"],
                Customer.organization_id == actor.organization_id,
            )
        )
        if customer is None:
            raise ValidationError({"customer_id": CustomerNotFound().message})
    invoice.customer = customer
    invoice.customer_name = data.get("customer_name") or (customer.name if customer else "")
    invoice.invoice_date = data["invoice_date"]
    invoice.due_date = data.get("due_date") or invoice.invoice_date + timedelta(
        days=DEFAULT_TERMS_DAYS
    )
    invoice.notes = data.get("notes") or ""
    apply_lines(invoice, InvoiceLine, lines)


def _number(actor: User, requested: str | None, year: int) -> str:
    """The portal's next number, or a client's own one (imported history, another series)."""
    if not requested:
        return next_number(actor.organization_id, PREFIX, year)
    taken = db.session.scalar(
        select(Invoice.id).where(
            Invoice.organization_id == actor.organization_id, Invoice.number == requested
        )
    )
    if taken is not None:
        raise DuplicateInvoiceNumber()
    match = SERIES_PATTERN.match(requested.upper())
    if match and match.group("prefix") == PREFIX:
        # Our own series stays gap-free: only the portal hands out its numbers.
        raise ValidationError({"invoice_number": SERIES_RESERVED % {"prefix": PREFIX}})
    return requested


def create_invoice(actor: User, data: dict[str, Any], lines: list[dict[str, Any]]) -> Invoice:
    organization = actor.organization
    invoice = Invoice(
        organization_id=organization.id,
        status=InvoiceStatus.DRAFT,
        currency=organization.currency,
        created_by_id=actor.id,
        amount_paid=Decimal("0"),
    )
    _fill(invoice, actor, data, lines)
    invoice.number = _number(actor, data.get("invoice_number"), invoice.invoice_date.year)
    with conflicts():
        db.session.add(invoice)
    record(
        invoice, DOCUMENT, "created", actor, {"number": invoice.number, "total": str(invoice.total)}
    )
    return invoice


def create_invoice_from_quote(actor: User, quote) -> Invoice:
    organization = actor.organization
    invoice_date = organization.today()
    invoice = Invoice(
        organization_id=organization.id,
        status=InvoiceStatus.DRAFT,
        currency=quote.currency,
        created_by_id=actor.id,
        amount_paid=Decimal("0"),
        customer=quote.customer,
        customer_name=quote.customer_name,
        invoice_date=invoice_date,
        due_date=invoice_date + timedelta(days=DEFAULT_TERMS_DAYS),
        notes=quote.notes,
        quote_id=quote.id,
    )
    line_values = [
        {
            "product_id": line.product_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
            "tax_percent": line.tax_percent,
        }
        for line in quote.lines
    ]
    apply_lines(invoice, InvoiceLine, line_values)
    invoice.number = next_number(organization.id, PREFIX, invoice_date.year)
    with conflicts():
        db.session.add(invoice)
    record(invoice, DOCUMENT, "created", actor, {"number": invoice.number, "quote": quote.number})
    return invoice


def update_invoice(
    actor: User, public_id: str, data: dict[str, Any], lines: list[dict[str, Any]]
) -> Invoice:
    invoice = get_invoice(actor, public_id, for_update=True)
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvalidState(ONLY_DRAFT_EDITED)
    before = _snapshot(invoice)
    requested = data.get("invoice_number")
    if requested and requested != invoice.number:
        raise ValidationError({"invoice_number": _l("The number of an invoice cannot change")})
    series = SERIES_PATTERN.match(invoice.number)
    if series and data["invoice_date"].year != int(series.group("year")):
        # Renumbering would leave a hole in the old year's series.
        raise ValidationError(
            {"invoice_date": YEAR_FIXED % {"year": series.group("year"), "number": invoice.number}}
        )
    _fill(invoice, actor, data, lines)
    db.session.flush()
    changes = diff(before, _snapshot(invoice))
    if changes:
        record(invoice, DOCUMENT, "edited", actor, changes)
    return invoice


def issue_invoice(actor: User, public_id: str) -> Invoice:
    invoice = get_invoice(actor, public_id, for_update=True)
    if invoice.status != InvoiceStatus.DRAFT:
        raise InvalidState(_state_message(invoice) or ONLY_DRAFT_ISSUED)
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at = utcnow()
    db.session.flush()
    record(invoice, DOCUMENT, "issued", actor)
    return invoice


def void_invoice(actor: User, public_id: str) -> Invoice:
    """VOID keeps the number: an invoice is never deleted."""
    invoice = get_invoice(actor, public_id, for_update=True)
    if invoice.status in (InvoiceStatus.PAID, InvoiceStatus.VOID):
        raise InvalidState(_state_message(invoice))
    if invoice.amount_paid > 0:
        raise InvalidState(VOID_WITH_PAYMENTS)
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = utcnow()
    db.session.flush()
    record(invoice, DOCUMENT, "voided", actor)
    return invoice


def record_payment(actor: User, public_id: str, data: dict[str, Any]) -> Payment:
    """Record a payment of at most the balance; the invoice's status follows."""
    invoice = get_invoice(actor, public_id, for_update=True)
    if invoice.status not in InvoiceStatus.OPEN:
        raise InvalidState(_state_message(invoice) or PAYMENTS_NEED_ISSUED)
    amount = data["amount"]
    if amount > invoice.balance:
        balance = format_currency(invoice.balance, invoice.currency)
        raise ValidationError({"amount": OVER_BALANCE % {"balance": balance}})
    payment = Payment(
        organization_id=invoice.organization_id,
        invoice_id=invoice.id,
        amount=amount,
        paid_on=data["paid_on"],
        method=data["method"],
        reference=data.get("reference") or "",
        recorded_by_id=actor.id,
    )
    db.session.add(payment)
    invoice.amount_paid += amount
    invoice.status = InvoiceStatus.PAID if invoice.balance == 0 else InvoiceStatus.PARTIALLY_PAID
    db.session.flush()
    record(
        invoice,
        DOCUMENT,
        "payment_recorded",
        actor,
        {"amount": money(amount), "method": payment.method, "balance": money(invoice.balance)},
    )
    if invoice.status == InvoiceStatus.PAID:
        record(invoice, DOCUMENT, "paid", actor)
    return payment


def payments_of(invoice: Invoice) -> list[Payment]:
    return list(
        db.session.scalars(
            select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.id)
        )
    )


def _state_message(invoice: Invoice):
    if invoice.status == InvoiceStatus.PAID:
        return ALREADY_PAID
    if invoice.status == InvoiceStatus.VOID:
        return ALREADY_VOID
    return None


def _snapshot(invoice: Invoice) -> dict[str, Any]:
    return {
        "customerName": invoice.customer_name,
        "invoiceDate": invoice.invoice_date.isoformat() if invoice.invoice_date else None,
        "dueDate": invoice.due_date.isoformat() if invoice.due_date else None,
        "notes": invoice.notes,
        "lines": lines_summary(invoice),
        "total": str(invoice.total),
    }
