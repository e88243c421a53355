"""Recurring profiles: the list, and the scheduler's work — one invoice per period, once.

``run_profile`` locks the profile's row, then makes every period whose date has come: the
period dated today as the profile says (issued, sent), the ones the scheduler missed
(it did not run those days) as drafts for a person to review, never sent late. Each invoice
carries the profile and its period under a unique key, so a repeated or concurrent run
finds the period made and makes nothing. The invoice is dated the day it is made (a
back-dated invoice would break the series' order of dates); its period is on the invoice
and in its notes' history.

Nothing here commits: the scheduled job (``portal.scheduled``) ends each profile's
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.clock import utcnow
from portal.documents import services as documents
from portal.documents.actors import SystemActor
from portal.documents.lines import kept_lines
from portal.errors import PortalError
from portal.extensions import db
from portal.invoices.document import INVOICES
from portal.invoices.models import Invoice
from portal.recurring.document import RECURRING
from portal.recurring.models import RecurringInvoice, RecurringStatus
from portal.recurring.serializers import schedule_of

ACTOR = "recurring"  # documents.labels.ACTOR_LABELS
MAX_PER_RUN = 400  # periods one run makes for one profile; the next run goes on
NOT_SENT = _l("Invoice %(number)s was issued but not sent: %(reason)s")
NOT_MADE = _l("The invoice for %(period)s could not be made: %(reason)s")


@dataclass
class ProfileRun:
    """What one run did for one profile."""

    made: list[Invoice] = field(default_factory=list)
    drafts: int = 0  # made as drafts because their period was missed
    issued: int = 0
    sent: int = 0
    error: str = ""


def get_recurring(actor: User, public_id: str) -> RecurringInvoice:
    return documents.get_document(RECURRING, actor, public_id)


def due_profiles(now: datetime) -> list[int]:
    """Active profiles whose next period may have come somewhere: dated up to the latest
    "today" on Earth (each profile's own organisation decides in ``run_profile``)."""
    latest_today = (now + timedelta(hours=14)).date()
    return list(
        db.session.scalars(
            select(RecurringInvoice.id)
            .where(
                RecurringInvoice.status == RecurringStatus.ACTIVE,
                RecurringInvoice.next_run_on <= latest_today,
            )
            .order_by(RecurringInvoice.next_run_on, RecurringInvoice.id)
        )
    )


def run_profile(profile_id: int) -> ProfileRun:
    """Make the profile's due periods (see the module's doc); the caller commits."""
    run = ProfileRun()
    profile = db.session.scalar(
        select(RecurringInvoice)
        .where(RecurringInvoice.id == profile_id)
        .with_for_update(of=RecurringInvoice)
        .execution_options(populate_existing=True)
    )
    if profile is None or profile.status != RecurringStatus.ACTIVE:
        return run
    organization = profile.organization
    today = organization.today()
    schedule = schedule_of(profile)
    while (
        profile.next_run_on is not None
        and profile.next_run_on <= today
        and len(run.made) < MAX_PER_RUN
    ):
        period = profile.next_run_on
        if not _made_already(profile, period):
            try:
                with db.session.begin_nested():
                    invoice = _make(profile, organization, period, late=period < today, run=run)
            except PortalError as exc:
                run.error = _message(organization, NOT_MADE, period=period, reason=exc.error)
                break
            run.made.append(invoice)
            profile.invoices_created += 1
        profile.next_index += 1
        profile.next_run_on = schedule.allows(profile.next_index, profile.invoices_created)
    profile.last_run_at = utcnow()
    profile.last_error = run.error
    if profile.next_run_on is None:
        actor = SystemActor(organization, ACTOR)
        documents.transit(RECURRING, profile, "end", None, actor_label=actor.name)
    db.session.flush()
    return run


def _made_already(profile: RecurringInvoice, period: date) -> bool:
    return (
        db.session.scalar(
            select(Invoice.id).where(
                Invoice.recurring_id == profile.id, Invoice.recurring_period == period
            )
        )
        is not None
    )


def _make(
    profile: RecurringInvoice,
    organization: Organization,
    period: date,
    *,
    late: bool,
    run: ProfileRun,
) -> Invoice:
    # The document services take a member; the scheduler is none (``documents.actors``).
    actor = cast(User, SystemActor(organization, ACTOR))
    data = {
        "customer_id": profile.customer.public_id if profile.customer is not None else None,
        "customer_name": profile.customer_name,
        "invoice_date": organization.today(),
        "due_date": None,  # the organisation's payment terms
        "notes": profile.notes,
        "withholding_percent": profile.withholding_percent,
    }
    invoice = documents.create_document(INVOICES, actor, data, kept_lines(profile))
    invoice.recurring_id = profile.id
    invoice.recurring_period = period
    db.session.flush()
    if late or not profile.auto_issue:
        run.drafts += 1 if late else 0
        return invoice
    documents.transit(INVOICES, invoice, "issue", None, actor_label=ACTOR)
    run.issued += 1
    if profile.auto_send:
        try:
            with db.session.begin_nested():
                documents.send_document(
                    INVOICES, actor, invoice.public_id, to=[], cc=[], message=""
                )
            run.sent += 1
        except PortalError as exc:
            run.error = _message(organization, NOT_SENT, number=invoice.number, reason=exc.error)
    return invoice


def _message(organization: Organization, template: Any, **values: Any) -> str:
    """A problem kept on the profile, in the organisation's language."""
    with force_locale(organization.locale or "es"):
        return str(template % {k: str(v) for k, v in values.items()})
