from __future__ import annotations

from typing import Any

from sqlalchemy import Date, and_, bindparam

from portal.catalog.models import Customer
from portal.db import in_constants
from portal.documents.serializers import (
    breakdown_json,
    customer_id,
    line_json,
    totals_json,
)
from portal.invoices.models import Invoice, InvoiceStatus, Payment
from portal.money import money
from portal.sqljson import amount, json_bool, json_object, utc_text

# A list item written by the database (``portal.sqljson``): the same JSON as
# ``invoice_json(invoice)``, held to it by ``tests/test_list_json.py``. ``today`` is bound
# when the list runs (the organisation's date, for ``overdue``).
TODAY = bindparam("today", type_=Date())
SUMMARY_ITEM = json_object(
    (
        ("id", Invoice.public_id),
        ("invoiceNumber", Invoice.number),
        ("status", Invoice.status),
        (
            "overdue",
            json_bool(
                and_(
                    in_constants(Invoice.status, InvoiceStatus.OPEN),
                    Invoice.due_date.is_not(None),
                    Invoice.due_date < TODAY,
                )
            ),
        ),
        ("customerId", Customer.public_id),
        ("customerName", Invoice.customer_name),
        ("invoiceDate", Invoice.invoice_date),
        ("dueDate", Invoice.due_date),
        ("currency", Invoice.currency),
        ("subtotal", amount(Invoice.subtotal)),
        ("discountTotal", amount(Invoice.discount_total)),
        ("taxTotal", amount(Invoice.tax_total)),
        ("surchargeTotal", amount(Invoice.surcharge_total)),
        ("withholdingPercent", amount(Invoice.withholding_percent)),
        ("withholdingTotal", amount(Invoice.withholding_total)),
        ("total", amount(Invoice.total)),
        ("amountPaid", amount(Invoice.amount_paid)),
        ("balance", amount(Invoice.total - Invoice.amount_paid)),
        ("createdAt", utc_text(Invoice.created_at)),
    )
)


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
