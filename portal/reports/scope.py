"""What every report counts: the organisation's documents in its own currency, which
invoices are "issued", and who a customer is when grouping."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import case
from sqlalchemy.sql.elements import ColumnElement

from portal.accounts.models import User
from portal.catalog.models import Customer
from portal.invoices.models import Invoice, InvoiceStatus
from portal.periods import Period

# Issued and not voided: what was invoiced (drafts are not invoices yet, VOID never was).
ISSUED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)


def own_documents(model: Any, actor: User) -> list[ColumnElement[bool]]:
    """The organisation's documents in its currency (reports never add up two currencies)."""
    organization = actor.organization
    return [model.organization_id == organization.id, model.currency == organization.currency]


def issued_invoices(actor: User, period: Period) -> list[ColumnElement[bool]]:
    """Issued invoices (ISSUED, PARTIALLY_PAID, PAID) dated in ``period``."""
    return [
        *own_documents(Invoice, actor),
        Invoice.status.in_(ISSUED),
        Invoice.invoice_date.between(period.start, period.end),
    ]


def customer_keys() -> tuple[Any, Any, Any]:
    """Group invoices by catalogue customer, or by the name written on invoices that have
    none (a customer without a catalogue entry, or one deleted since)."""
    written = case((Invoice.customer_id.is_(None), Invoice.customer_name))
    return (
        Customer.public_id.label("customer_id"),
        Customer.name.label("catalogue_name"),
        written.label("written_name"),
    )


def with_customers(stmt: Any) -> Any:
    return stmt.outerjoin(Customer, Customer.id == Invoice.customer_id)


def sort_key(name: str, key: str | None) -> tuple[str, str, str]:
    """Names in alphabetical order ignoring case and accents ("Álamo" before "Cliente"),
    the same on every backend (databases collate apart); ties in a fixed order."""
    letters = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in letters if not unicodedata.combining(ch))
    return (plain, name, key or "")
