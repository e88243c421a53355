"""The statement as the API answers it: camelCase, money as strings, dates ISO 8601."""

from __future__ import annotations

from typing import Any

from portal.catalog.kinds import customer_json
from portal.invoices.models import is_overdue
from portal.money import money
from portal.statements.ledger import Movement
from portal.statements.services import Listing, Statement


def movement_json(movement: Movement) -> dict[str, Any]:
    return {
        "date": movement.on.isoformat(),
        "type": movement.kind,
        "invoiceId": movement.invoice_id,
        "invoiceNumber": movement.invoice_number,
        "paymentId": movement.payment_id,
        "method": movement.method,
        "debit": money(movement.debit),
        "credit": money(movement.credit),
        "balance": money(movement.balance),
    }


def _listing(listing: Listing, item: Any) -> dict[str, Any]:
    return {"items": [item(row) for row in listing.items], "count": listing.count}


def statement_json(statement: Statement) -> dict[str, Any]:
    figures, now, today = statement.balances, statement.position, statement.today
    return {
        "customer": customer_json(statement.customer),
        "currency": statement.currency,
        "from": statement.period.start.isoformat(),
        "to": statement.period.end.isoformat(),
        "asOf": today.isoformat(),
        "openingBalance": money(figures.opening),
        "invoiced": money(figures.invoiced),
        "paid": money(figures.paid),
        "closingBalance": money(figures.closing),
        "openBalance": money(now.open_balance),
        "overdueBalance": money(now.overdue_balance),
        "openCount": now.open_count,
        "overdueCount": now.overdue_count,
        "movements": {
            "items": [movement_json(m) for m in statement.movements],
            "nextCursor": statement.next_cursor,
            "count": figures.movements,
        },
        "quotes": _listing(
            statement.quotes,
            lambda q: {
                "id": q.public_id,
                "quoteNumber": q.number,
                "issueDate": q.issue_date.isoformat(),
                "validUntil": q.valid_until.isoformat(),
                "status": q.status,
                "currency": q.currency,
                "total": money(q.total),
            },
        ),
        "invoices": _listing(
            statement.invoices,
            lambda i: {
                "id": i.public_id,
                "invoiceNumber": i.number,
                "invoiceDate": i.invoice_date.isoformat(),
                "dueDate": i.due_date.isoformat() if i.due_date else None,
                "status": i.status,
                "overdue": is_overdue(i.status, i.due_date, today),
                "currency": i.currency,
                "total": money(i.total),
                "amountPaid": money(i.amount_paid),
                "balance": money(i.total - i.amount_paid),
            },
        ),
        "payments": _listing(
            statement.payments,
            lambda p: {
                "id": p.public_id,
                "paidOn": p.paid_on.isoformat(),
                "invoiceId": p.invoice_public_id,
                "invoiceNumber": p.invoice_number,
                "method": p.method,
                "reference": p.reference,
                "currency": p.currency,
                "amount": money(p.amount),
            },
        ),
    }
