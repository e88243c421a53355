"""What every report counts: the organisation's documents in its own currency, which
invoices are "issued", and who a customer is when grouping."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import ngettext
from sqlalchemy import case, select
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


def daily_totals_of(model: Any, actor: User, period: Period) -> list[ColumnElement[bool]]:
    """The organisation's running totals by day (``DailyTotal``, ``DailyTaxTotal``,
    ``QuoteTotal``) in its currency, for the days of ``period``."""
    return [*own_documents(model, actor), model.day.between(period.start, period.end)]


def customer_keys() -> tuple[Any, Any]:
    """Group invoices by catalogue customer (its row id: cheaper to group by than text), or
    by the name written on invoices that have none (a customer without a catalogue entry,
    or one deleted since); ``with_customers`` names the groups kept."""
    written = case((Invoice.customer_id.is_(None), Invoice.customer_name))
    # ``+ 0``: not the column itself, so that SQLite does not walk the (organisation,
    # customer) index for its order, reading every invoice to keep the few open ones.
    return (Invoice.customer_id + 0).label("customer_key"), written.label("written_name")


def with_customers(rows: Any) -> Any:
    """The grouped ``rows`` (a subquery) with their customer's public id and name."""
    return select(
        rows, Customer.public_id.label("customer_id"), Customer.name.label("catalogue_name")
    ).outerjoin(Customer, Customer.id == rows.c.customer_key)


def sort_key(name: str, key: str | None) -> tuple[str, str, str]:
    """Names in alphabetical order ignoring case and accents ("Álamo" before "Cliente"),
    the same on every backend (databases collate apart); ties in a fixed order."""
    letters = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in letters if not unicodedata.combining(ch))
    return (plain, name, key or "")


def best_first(rows: list[Any], amount: str, name: str, key: str, limit: int | None) -> list[Any]:
    """The ``limit`` rows of largest ``amount`` (all with ``None``), largest first; ties in
    the backend-independent order of their names (``sort_key``)."""
    rows.sort(key=lambda r: (-getattr(r, amount), *sort_key(getattr(r, name), getattr(r, key))))
    return rows[:limit]


def other_customers_label(count: int) -> str:
    """The row that adds up the customers past a ranking's limit."""
    return ngettext("%(num)d other customer", "%(num)d other customers", count)
