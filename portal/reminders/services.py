"""Payment reminders: the organisation's ladder, and each step sent once per invoice.

The ladder is a list of days from the due date (``-3, 0, 7, 30``: three days before, on the
day, a week and a month after). An open invoice (issued or partly paid) with reminders on is
reminded of the latest step whose day has come, if no step as late was sent yet: a job that
runs twice sends nothing twice, and after days without a run the catch-up sends only that
latest step, never the ones it missed. A step dated before the invoice was issued is not
sent (an invoice issued late is sent, not reminded). The unique key (invoice, step) is the
backstop: two runs racing for one reminder insert one row.

Nothing here commits: the scheduled job (``portal.scheduled``) ends each invoice's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, func, select

from portal.accounts.models import Organization, User
from portal.clock import local_time
from portal.documents import services as documents
from portal.documents.history import record
from portal.extensions import db
from portal.invoices.document import INVOICES
from portal.invoices.models import Invoice, InvoiceStatus
from portal.invoices.services import get_invoice
from portal.mail.services import queue_reminder_mail
from portal.reminders.models import InvoiceReminder, ReminderOutcome

REMINDED = "reminded"  # history actions
NOT_REMINDED = "reminder_not_sent"
ACTOR = "reminders"  # documents.labels.ACTOR_LABELS


def step_due(
    ladder: Sequence[int], due: date, issued_on: date, today: date, last_sent: int | None
) -> int | None:
    """The step to send today, if any: the latest whose day has come, is not before the
    invoice was issued, and is later than the last step sent."""
    candidates = [
        step
        for step in ladder
        if issued_on <= due + timedelta(days=step) <= today
        and (last_sent is None or step > last_sent)
    ]
    return max(candidates) if candidates else None


def issued_on(invoice: Invoice) -> date:
    """The organisation's date the invoice was issued (its date, for older invoices)."""
    if invoice.issued_at is None:
        return invoice.invoice_date
    return local_time(invoice.issued_at, invoice.organization.time_zone).date()


def due_invoices(organization: Organization, today: date) -> list[int]:
    """The organisation's invoices that may have a step to send today: open, reminders on,
    the first step's day come, the ladder's last step not sent yet."""
    ladder = list(organization.reminder_days or [])
    if not organization.reminders_enabled or not ladder:
        return []
    first, last = min(ladder), max(ladder)
    done = exists().where(InvoiceReminder.invoice_id == Invoice.id, InvoiceReminder.days >= last)
    stmt = (
        select(Invoice.id)
        .where(
            Invoice.organization_id == organization.id,
            Invoice.status.in_(InvoiceStatus.OPEN),
            Invoice.reminders_enabled.is_(True),
            Invoice.due_date.is_not(None),
            Invoice.due_date <= today - timedelta(days=first),
            ~done,
        )
        .order_by(Invoice.id)
    )
    return list(db.session.scalars(stmt))


def remind(invoice_id: int, today: date) -> InvoiceReminder | None:
    """Send the invoice's due step, if it still has one once its row is locked (another run
    may have sent it meanwhile); the reminder row, or ``None`` when nothing was due."""
    invoice = db.session.scalar(
        select(Invoice)
        .where(Invoice.id == invoice_id)
        .with_for_update(of=Invoice)
        .execution_options(populate_existing=True)
    )
    if invoice is None or not remindable(invoice):
        return None
    organization = invoice.organization
    assert invoice.due_date is not None  # remindable
    last = db.session.scalar(
        select(func.max(InvoiceReminder.days)).where(InvoiceReminder.invoice_id == invoice.id)
    )
    step = step_due(
        organization.reminder_days or [], invoice.due_date, issued_on(invoice), today, last
    )
    if step is None:
        return None
    if not invoice.public_token:  # the reminder links to the invoice's public page
        invoice.public_token = documents.new_public_token()
    days_to_due = (invoice.due_date - today).days
    message = queue_reminder_mail(
        invoice,
        days_to_due=days_to_due,
        public_url=documents.public_url(INVOICES, invoice) or "",
    )
    reminder = InvoiceReminder(
        organization_id=invoice.organization_id,
        invoice_id=invoice.id,
        days=step,
        sent_on=today,
        outcome=ReminderOutcome.QUEUED if message is not None else ReminderOutcome.NO_EMAIL,
        message_id=message.id if message is not None else None,
    )
    db.session.add(reminder)
    db.session.flush()
    if message is not None:
        changes = {"to": ", ".join(message.to_addresses), "step": step}
        record(invoice, INVOICES.key, REMINDED, None, changes, actor_label=ACTOR)
    else:
        record(invoice, INVOICES.key, NOT_REMINDED, None, {"step": step}, actor_label=ACTOR)
    return reminder


def reminders_of(invoice: Invoice) -> list[InvoiceReminder]:
    return list(
        db.session.scalars(
            select(InvoiceReminder)
            .where(InvoiceReminder.invoice_id == invoice.id)
            .order_by(InvoiceReminder.days)
        )
    )


def remindable(invoice: Invoice) -> bool:
    """Whether reminders go for the invoice at all: open, with a due date, switched on for
    it and for its organisation."""
    return (
        invoice.status in InvoiceStatus.OPEN
        and invoice.due_date is not None
        and invoice.reminders_enabled
        and invoice.organization.reminders_enabled
    )


def next_reminder(
    invoice: Invoice, today: date, sent: Sequence[InvoiceReminder] | None = None
) -> date | None:
    """The day the next step will be sent, if reminders will still go for this invoice;
    ``sent``: its reminders when the caller has read them already."""
    if not remindable(invoice):
        return None
    assert invoice.due_date is not None
    steps = [r.days for r in (reminders_of(invoice) if sent is None else sent)]
    last = max(steps) if steps else None
    ladder = invoice.organization.reminder_days or []
    issued = issued_on(invoice)
    # A step whose day has come and that is not sent yet goes with today's run (the latest
    # of them: ``step_due``); else the first later step still ahead.
    if step_due(ladder, invoice.due_date, issued, today, last) is not None:
        return today
    start = max(today, issued)
    for step in sorted(ladder):
        day = invoice.due_date + timedelta(days=step)
        if day >= start and (last is None or step > last):
            return day
    return None


def set_invoice_reminders(actor: User, public_id: str, enabled: bool) -> Invoice:
    """Turn the invoice's reminders on or off (any state: a paid one simply has none due)."""
    invoice = get_invoice(actor, public_id, for_update=True)
    if invoice.reminders_enabled != enabled:
        invoice.reminders_enabled = enabled
        db.session.flush()
        record(invoice, INVOICES.key, "reminders_on" if enabled else "reminders_off", actor)
    return invoice


def reminder_json(reminder: InvoiceReminder) -> dict[str, Any]:
    return {
        "step": reminder.days,
        "sentOn": reminder.sent_on.isoformat(),
        "outcome": reminder.outcome,
    }
