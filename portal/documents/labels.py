"""Words people see for statuses and history actions, shared by pages and PDFs."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

STATUS_LABELS = {
    "DRAFT": _l("Draft"),
    "SENT": _l("Sent"),
    "ACCEPTED": _l("Accepted"),
    "REJECTED": _l("Rejected"),
    "EXPIRED": _l("Expired"),
    "CONVERTED": _l("Converted"),
    "ISSUED": _l("Issued"),
    "PARTIALLY_PAID": _l("Partially paid"),
    "PAID": _l("Paid"),
    "VOID": _l("Void"),
    # A recurring invoice's (feminine in Spanish: "factura recurrente").
    "ACTIVE": lazy_pgettext("recurring invoice", "Active"),
    "PAUSED": lazy_pgettext("recurring invoice", "Paused"),
    "ENDED": lazy_pgettext("recurring invoice", "Ended"),
}

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
