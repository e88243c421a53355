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
    """A list item from a plain row of ``services.SUMMARY_COLUMNS``, in that order.

    The hot loop of every invoice list (50 rows a page): the row is unpacked once rather than
    read by name (a ``Row`` attribute costs ten times an unpacked value), and amounts, which
    ``FixedDecimal`` loads with exactly two places, are written by ``money``'s fast path.
    """
    (
        public_id,
        number,
        status,
        customer_name,
        invoice_date,
        due_date,
        currency,
        subtotal,
        discount_total,
        tax_total,
        surcharge_total,
        withholding_percent,
        withholding_total,
        total,
        amount_paid,
        created_at,
        customer_public_id,
    ) = row
    return {
        "id": public_id,
        "invoiceNumber": number,
        "status": status,
        "overdue": is_overdue(status, due_date, today),
        "customerId": customer_public_id,
        "customerName": customer_name,
        "invoiceDate": invoice_date.isoformat(),
        "dueDate": due_date.isoformat() if due_date else None,
        "currency": currency,
        "subtotal": money(subtotal),
        "discountTotal": money(discount_total),
        "taxTotal": money(tax_total),
        "surchargeTotal": money(surcharge_total),
        "withholdingPercent": money(withholding_percent),
        "withholdingTotal": money(withholding_total),
        "total": money(total),
        "amountPaid": money(amount_paid),
        "balance": money(total - amount_paid),
        "createdAt": created_at.isoformat(),
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
