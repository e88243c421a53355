"""Imports every model so that ``Base.metadata`` knows the whole schema (alembic, tests)."""

from portal.accounts.models import Organization, RevokedToken, User
from portal.catalog.models import Customer, Product
from portal.dashboard.models import (
    DailyTaxTotal,
    DailyTotal,
    MonthlyCustomerTotal,
    MonthlyDescriptionTotal,
    MonthlyProductTotal,
    OpenBalance,
    QuoteStatusTotal,
    QuoteTotal,
)
from portal.db import Base
from portal.documents.models import DocumentCounter, DocumentEvent
from portal.idempotency.models import IdempotencyKey
from portal.invoices.models import Invoice, InvoiceLine, Payment
from portal.mail.models import OutgoingMessage
from portal.organization.models import PlanChange
from portal.quotes.models import Quote, QuoteLine
from portal.recurring.models import RecurringInvoice, RecurringInvoiceLine
from portal.reminders.models import InvoiceReminder
from portal.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "Base",
    "Customer",
    "DailyTaxTotal",
    "DailyTotal",
    "DocumentCounter",
    "DocumentEvent",
    "IdempotencyKey",
    "Invoice",
    "InvoiceLine",
    "InvoiceReminder",
    "MonthlyCustomerTotal",
    "MonthlyDescriptionTotal",
    "MonthlyProductTotal",
    "OpenBalance",
    "Organization",
    "OutgoingMessage",
    "Payment",
    "PlanChange",
    "Product",
    "Quote",
    "QuoteLine",
    "QuoteStatusTotal",
    "QuoteTotal",
    "RecurringInvoice",
    "RecurringInvoiceLine",
    "RevokedToken",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
