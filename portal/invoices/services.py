"""Invoices: what is theirs beyond the document kernel — own numbers, payments, conversion."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask_babel import format_currency
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, func, select, type_coerce

from portal.accounts.models import User
from portal.catalog.models import Customer
from portal.dashboard import totals
from portal.db import conflicts, in_constants
from portal.documents import services as documents
from portal.documents.history import record
from portal.documents.kernel import CREATED
from portal.documents.lines import apply_lines, kept_lines
from portal.errors import ValidationError
from portal.extensions import db
from portal.invoices.document import INVOICES
from portal.invoices.models import Invoice, InvoiceLine, InvoiceStatus, Payment
from portal.invoices.serializers import SUMMARY_ITEM, TODAY, payment_json
from portal.money import money
from portal.tenancy import share_organization
from portal.webhooks.services import announce

OVER_BALANCE = _l("The payment cannot exceed the balance of %(balance)s")

# What the API lists: each invoice's JSON text from the database, then the keyset's columns
# as stored (the moment unconverted: only the last row's is ever read, by the cursor).
SUMMARIES = select(
    SUMMARY_ITEM, type_coerce(Invoice.created_at, String).label("created_at"), Invoice.public_id
).outerjoin(Customer, Customer.id == Invoice.customer_id)


# Open and past due on the organisation's date (``overdue=``).
OVERDUE = (in_constants(Invoice.status, InvoiceStatus.OPEN), Invoice.due_date < TODAY)


def list_invoices(
    actor: User,
    *,
    q: str | None = None,
    status: str | None,
    overdue: bool,
    customer_id: str | None,
    limit: int,
    cursor: str | None,
    summaries: bool = False,
) -> tuple[list, str | None]:
    """A page of the organisation's invoices, newest last; ``summaries`` gives rows whose
    first value is the item's JSON text (what the API lists) instead of ORM objects (what
    the pages show)."""
    return documents.list_documents(
        INVOICES,
        actor,
        q=q,
        status=status,
        customer_id=customer_id,
        limit=limit,
        cursor=cursor,
        stmt=SUMMARIES if summaries else None,
        conditions=OVERDUE if overdue else (),
        params={"today": actor.organization.today()} if summaries or overdue else None,
    )


def get_invoice(actor: User, public_id: str, *, for_update: bool = False) -> Invoice:
    return documents.get_document(INVOICES, actor, public_id, for_update=for_update)


def create_invoice(actor: User, data: dict[str, Any], lines: list[dict[str, Any]]) -> Invoice:
    return documents.create_document(INVOICES, actor, data, lines)


def update_invoice(
    actor: User, public_id: str, data: dict[str, Any], lines: list[dict[str, Any]]
) -> Invoice:
    return documents.update_document(INVOICES, actor, public_id, data, lines)


def create_invoice_from_quote(actor: User, quote: Any) -> Invoice:
    """A draft invoice dated today with the quote's customer, lines and totals."""
    organization = share_organization(actor.organization_id)  # its series cannot change now
    invoice_date = organization.today()
    invoice = Invoice(
        organization_id=organization.id,
        status=INVOICES.initial,
        currency=quote.currency,
        created_by_id=actor.id,
        amount_paid=Decimal("0"),
        customer=quote.customer,
        customer_name=quote.customer_name,
        invoice_date=invoice_date,
        due_date=invoice_date + timedelta(days=organization.payment_terms_days),
        notes=quote.notes,
        withholding_percent=quote.withholding_percent,
        quote_id=quote.id,
    )
    apply_lines(invoice, InvoiceLine, kept_lines(quote))
    invoice.number = documents.series_number(INVOICES, actor, invoice)
    with conflicts():
        db.session.add(invoice)
    record(invoice, INVOICES.key, CREATED, actor, {"number": invoice.number, "quote": quote.number})
    documents.announce_event(INVOICES, invoice, CREATED)
    return invoice


def issue_invoice(actor: User, public_id: str) -> Invoice:
    return documents.perform(INVOICES, actor, public_id, "issue")


def void_invoice(actor: User, public_id: str) -> Invoice:
    return documents.perform(INVOICES, actor, public_id, "void")


def record_payment(actor: User, public_id: str, data: dict[str, Any]) -> Payment:
    """Record a payment of at most the balance; the invoice's status follows.

    Webhooks hear ``payment.recorded`` (the payment and the invoice, as the API answers
    this request), then ``invoice.paid`` when it settles the invoice, both as it ends."""
    invoice = get_invoice(actor, public_id, for_update=True)
    INVOICES.check(invoice, "record_payment")
    amount = data["amount"]
    if amount > invoice.balance:
        balance = format_currency(invoice.balance, invoice.currency)
        raise ValidationError({"amount": OVER_BALANCE % {"balance": balance}})
    payment = Payment(
        organization_id=invoice.organization_id,
        invoice_id=invoice.id,
        amount=amount,
        currency=invoice.currency,
        paid_on=data["paid_on"],
        method=data["method"],
        reference=data.get("reference") or "",
        recorded_by_id=actor.id,
    )
    db.session.add(payment)
    totals.payment_recorded(payment)
    balance = invoice.balance - amount
    entry = {"amount": money(amount), "method": payment.method, "balance": money(balance)}
    documents.transit(INVOICES, invoice, "record_payment", actor, changes=entry, amount=amount)
    settled = invoice.balance == 0
    if settled:
        last = select(func.max(Payment.paid_on)).where(Payment.invoice_id == invoice.id)
        invoice.settled_on = db.session.scalar(last)  # payments may be recorded out of order
        totals.invoice_settled(invoice)
        documents.transit(INVOICES, invoice, "settle", actor, announced=False)
    announce(
        invoice.organization_id,
        "payment.recorded",
        lambda: {
            "payment": payment_json(payment),
            "invoice": INVOICES.to_json(invoice, detail=True),
        },
    )
    if settled:
        documents.announce_event(INVOICES, invoice, INVOICES.transition("settle").event)
    return payment


def payments_of(invoice: Invoice) -> list[Payment]:
    return list(
        db.session.scalars(
            select(Payment).where(Payment.invoice_id == invoice.id).order_by(Payment.id)
        )
    )
