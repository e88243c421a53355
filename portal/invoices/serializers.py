from __future__ import annotations

from datetime import date
from typing import Any

from portal.documents.serializers import (
    breakdown_json,
    customer_id,
    line_json,
    totals_json,
)
from portal.invoices.models import Invoice, Payment, is_overdue
from portal.money import money


def summary_json(row: Any, today: date) -> dict[str, Any]:
    """A list item from a plain row (``services.SUMMARY_COLUMNS``): no ORM object needed."""
    balance = row.total - row.amount_paid
    return {
        "id": row.public_id,
        "invoiceNumber": row.number,
        "status": row.status,
        "overdue": is_overdue(row.status, row.due_date, today),
        "customerId": row.customer_public_id,
        "customerName": row.customer_name,
        "invoiceDate": row.invoice_date.isoformat(),
        "dueDate": row.due_date.isoformat() if row.due_date else None,
        "currency": row.currency,
        **totals_json(row),
        "amountPaid": money(row.amount_paid),
        "balance": money(balance),
        "createdAt": row.created_at.isoformat(),
    }


def invoice_json(invoice: Invoice, *, detail: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": invoice.public_id,
        "invoiceNumber": invoice.number,
        "status": invoice.status,
        "overdue": invoice.overdue,
        "customerId": customer_id(invoice),
        "customerName": invoice.customer_name,
        "invoiceDate": invoice.invoice_date.isoformat(),
        "dueDate": invoice.due_date.isoformat() if invoice.due_date else None,
        "currency": invoice.currency,
        **totals_json(invoice),
        "amountPaid": money(invoice.amount_paid),
        "balance": money(invoice.balance),
        "createdAt": invoice.created_at.isoformat(),
    }
    if detail:
        body.update(
            notes=invoice.notes,
            issuedAt=invoice.issued_at.isoformat() if invoice.issued_at else None,
            voidedAt=invoice.voided_at.isoformat() if invoice.voided_at else None,
            remindersEnabled=invoice.reminders_enabled,
            recurringInvoiceId=invoice.recurring.public_id if invoice.recurring else None,
            recurringPeriod=invoice.recurring_period.isoformat()
            if invoice.recurring_period
            else None,
            lines=[line_json(line) for line in invoice.lines],
            taxBreakdown=breakdown_json(invoice),
        )
    return body


def payment_json(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.public_id,
        "amount": money(payment.amount),
        "paidOn": payment.paid_on.isoformat(),
        "method": payment.method,
        "reference": payment.reference,
        "createdAt": payment.created_at.isoformat(),
    }
