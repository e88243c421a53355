"""Words people see for statuses and history actions, shared by pages and PDFs."""

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

# A status is an adjective of its document: each type has its own context, so a language
# that agrees in gender (Spanish: "factura", "cotización", both feminine) can say it right.
INVOICE_STATUS_LABELS = {
    "DRAFT": lazy_pgettext("invoice", "Draft"),
    "ISSUED": lazy_pgettext("invoice", "Issued"),
    "PARTIALLY_PAID": lazy_pgettext("invoice", "Partially paid"),
    "PAID": lazy_pgettext("invoice", "Paid"),
    "VOID": lazy_pgettext("invoice", "Void"),
}
QUOTE_STATUS_LABELS = {
    "DRAFT": lazy_pgettext("quote", "Draft"),
    "SENT": lazy_pgettext("quote", "Sent"),
    "ACCEPTED": lazy_pgettext("quote", "Accepted"),
    "REJECTED": lazy_pgettext("quote", "Rejected"),
    "EXPIRED": lazy_pgettext("quote", "Expired"),
    "CONVERTED": lazy_pgettext("quote", "Converted"),
}
RECURRING_STATUS_LABELS = {
    "ACTIVE": lazy_pgettext("recurring invoice", "Active"),
    "PAUSED": lazy_pgettext("recurring invoice", "Paused"),
    "ENDED": lazy_pgettext("recurring invoice", "Ended"),
}
# The badge beside an open invoice past its due date.
OVERDUE_LABEL = lazy_pgettext("invoice", "Overdue")

# Every status, for a page that shows documents of several types (a customer's statement).
STATUS_LABELS = {**QUOTE_STATUS_LABELS, **INVOICE_STATUS_LABELS, **RECURRING_STATUS_LABELS}

_STATUS_LABELS_OF = {
    "invoice": INVOICE_STATUS_LABELS,
    "quote": QUOTE_STATUS_LABELS,
    # A recurring invoice's page also lists the invoices it made.
    "recurring": {**INVOICE_STATUS_LABELS, **RECURRING_STATUS_LABELS},
}


def status_labels(kind: str) -> dict[str, Any]:
    """The status words of one document type (its ``key``: "invoice", "quote", "recurring")."""
    return _STATUS_LABELS_OF[kind]


def status_label(status: str, kind: str) -> str:
    label = _STATUS_LABELS_OF[kind].get(status)
    return str(label) if label is not None else status


ACTION_LABELS = {
    "created": _l("Created"),
    "edited": _l("Edited"),
    "sent": _l("Sent"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "converted": _l("Converted into an invoice"),
    "issued": _l("Issued"),
    "payment_recorded": _l("Payment recorded"),
    "paid": _l("Paid in full"),
    "voided": _l("Voided"),
    "paused": lazy_pgettext("recurring invoice", "Paused"),
    "resumed": lazy_pgettext("recurring invoice", "Resumed"),
    "ended": lazy_pgettext("recurring invoice", "Ended"),
    "reminded": _l("Payment reminder sent"),
    "reminder_not_sent": _l("Payment reminder not sent: the customer has no e-mail address"),
    "reminders_on": _l("Payment reminders turned on"),
    "reminders_off": _l("Payment reminders turned off"),
}


# Who acted when no member did; stored as the key, shown in the reader's language.
ACTOR_LABELS = {
    "public_link": _l("Customer, through the public link"),
    "recurring": _l("Recurring invoicing"),
    "reminders": _l("Payment reminders"),
}


def actor_label(key: str) -> str:
    label = ACTOR_LABELS.get(key)
    return str(label) if label is not None else key


# The fields a history entry may name.
CHANGE_LABELS = {
    "number": _l("Number"),
    "quote": _l("Quote"),
    "invoice": _l("Invoice"),
    "total": _l("Total"),
    "amount": _l("Amount"),
    "method": _l("Method"),
    "balance": _l("Balance"),
    "reason": _l("Reason"),
    "customer": _l("Customer"),
    "customerName": _l("Customer"),
    "issueDate": _l("Issue date"),
    "validUntil": _l("Valid until"),
    "invoiceDate": _l("Invoice date"),
    "dueDate": _l("Due date"),
    "notes": _l("Notes"),
    "lines": _l("Lines"),
    "step": _l("Days from the due date"),
    "frequency": _l("Frequency"),
    "interval": _l("Every"),
    "startDate": _l("Start date"),
    "endDate": _l("End date"),
    "count": _l("Number of invoices"),
    "autoIssue": _l("Issue automatically"),
    "autoSend": _l("Send automatically"),
}
