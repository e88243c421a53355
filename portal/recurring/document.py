"""The recurring profile as a document type: its number, states, transitions and what fills
it (``documents.kernel``), so that the kernel's services, pages and API serve it as they
serve quotes and invoices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select

from portal.documents.history import lines_summary
from portal.documents.kernel import DocumentType, Transition
from portal.documents.lines import apply_lines
from portal.documents.numbering import next_value
from portal.documents.services import customer_of
from portal.errors import RecurringInvoiceNotFound, ValidationError
from portal.extensions import db
from portal.invoices.models import Invoice
from portal.money import money
from portal.recurring.forms import RecurringForm
from portal.recurring.models import RecurringInvoice, RecurringInvoiceLine
from portal.recurring.models import RecurringStatus as S
from portal.recurring.serializers import recurring_json, schedule_of

PREFIX = "REC"
COUNTER = "#REC"  # its own counter: no organisation's series prefix can be "#REC"
RECENT_INVOICES = 24

NOTHING_LEFT = _l("With this end date no invoice is left to make")


def _count_reached(made: int) -> Any:
    return ngettext(
        "%(num)d invoice is already made: raise the number",
        "%(num)d invoices are already made: raise the number",
        made,
    )


def last_period(profile: RecurringInvoice) -> date | None:
    """The latest period the profile made an invoice for."""
    if profile.id is None:
        return None
    return db.session.scalar(
        select(func.max(Invoice.recurring_period)).where(Invoice.recurring_id == profile.id)
    )


def reschedule(profile: RecurringInvoice, today: date) -> None:
    """Point the profile at its first period dated today or later (and after the last one
    made): periods the schedule passed while it was being changed or paused are skipped,
    never made late. Refuses a schedule with nothing left to make."""
    schedule = schedule_of(profile)
    made = last_period(profile)
    floor = today if made is None else max(today, made + timedelta(days=1))
    profile.next_index = schedule.first_on_or_after(floor)
    profile.next_run_on = schedule.allows(profile.next_index, profile.invoices_created)
    if profile.next_run_on is None:
        if profile.count is not None and profile.invoices_created >= profile.count:
            raise ValidationError({"count": _count_reached(profile.invoices_created)})
        raise ValidationError({"end_date": NOTHING_LEFT})


def _schedule_key(profile: RecurringInvoice) -> tuple:
    return (
        profile.frequency,
        profile.interval,
        profile.start_date,
        profile.end_date,
        profile.count,
    )


def fill(profile: RecurringInvoice, actor: Any, data: dict[str, Any], lines: list[dict]) -> None:
    before = _schedule_key(profile) if profile.id is not None else None
    customer = customer_of(actor, data["customer_id"])
    profile.customer = customer
    profile.customer_name = customer.name
    profile.frequency = data["frequency"]
    profile.interval = data.get("interval") or 1
    profile.start_date = data["start_date"]
    profile.end_date = data.get("end_date")
    profile.count = data.get("count")
    profile.auto_issue = bool(data.get("auto_issue"))
    profile.auto_send = bool(data.get("auto_send"))
    profile.notes = data.get("notes") or ""
    profile.withholding_percent = data.get("withholding_percent") or Decimal("0")
    if profile.invoices_created is None:
        profile.invoices_created = 0
    apply_lines(
        profile,
        RecurringInvoiceLine,
        lines,
        surcharge=customer.surcharge,
        tax_rates=actor.organization.tax_rates,
    )
    if before != _schedule_key(profile):
        reschedule(profile, actor.organization.today())


def number(actor: Any, _profile: RecurringInvoice, _data: dict[str, Any]) -> str:
    return f"{PREFIX}-{next_value(actor.organization_id, COUNTER, 0):04d}"


def snapshot(profile: RecurringInvoice) -> dict[str, Any]:
    return {
        "customerName": profile.customer_name,
        "frequency": profile.frequency,
        "interval": profile.interval,
        "startDate": profile.start_date.isoformat() if profile.start_date else None,
        "endDate": profile.end_date.isoformat() if profile.end_date else None,
        "count": profile.count,
        "autoIssue": profile.auto_issue,
        "autoSend": profile.auto_send,
        "notes": profile.notes,
        "lines": lines_summary(profile),
        "total": str(profile.total),
    }


def made_invoices(profile: RecurringInvoice, limit: int = RECENT_INVOICES) -> list[Invoice]:
    """The latest invoices the profile made, newest period first."""
    return list(
        db.session.scalars(
            select(Invoice)
            .where(Invoice.recurring_id == profile.id)
            .order_by(Invoice.recurring_period.desc())
            .limit(limit)
        )
    )


def input_of(profile: RecurringInvoice) -> dict[str, Any]:
    """The profile's fields as a body sends them (what a PATCH merges into)."""
    return {
        "customerId": profile.customer.public_id if profile.customer is not None else None,
        "frequency": profile.frequency,
        "interval": profile.interval,
        "startDate": profile.start_date.isoformat(),
        "endDate": profile.end_date.isoformat() if profile.end_date else None,
        "count": profile.count,
        "autoIssue": profile.auto_issue,
        "autoSend": profile.auto_send,
        "notes": profile.notes,
        "withholdingPercent": str(profile.withholding_percent),
    }


def to_json(profile: RecurringInvoice, *, detail: bool = False) -> dict[str, Any]:
    invoices = None
    if detail:
        invoices = [
            {
                "id": invoice.public_id,
                "invoiceNumber": invoice.number,
                "status": invoice.status,
                "period": invoice.recurring_period.isoformat()
                if invoice.recurring_period
                else None,
                "total": money(invoice.total),
            }
            for invoice in made_invoices(profile)
        ]
    return recurring_json(profile, detail=detail, invoices=invoices)


def _resume(profile: RecurringInvoice) -> None:
    # Periods that passed while paused are not made: the next one is today or later.
    reschedule(profile, profile.organization.today())


TRANSITIONS = (
    Transition(
        action="pause",
        sources=frozenset({S.ACTIVE}),
        target=S.PAUSED,
        permission="invoices.write",
        event="paused",
        done=_l("Recurring invoice paused"),
        refused=_l("Only active recurring invoices can be paused"),
    ),
    Transition(
        action="resume",
        sources=frozenset({S.PAUSED}),
        target=S.ACTIVE,
        permission="invoices.write",
        event="resumed",
        done=_l("Recurring invoice resumed"),
        refused=_l("Only paused recurring invoices can be resumed"),
        effect=_resume,
    ),
    Transition(  # the scheduler, once the last period is made
        action="end",
        sources=frozenset({S.ACTIVE}),
        target=S.ENDED,
        permission="invoices.write",
        event="ended",
        done=_l("Recurring invoice ended"),
        refused=_l("Only active recurring invoices can end"),
        routed=False,
    ),
)


RECURRING = DocumentType(
    key="recurring",
    plural="recurring-invoices",
    model=RecurringInvoice,
    line_model=RecurringInvoiceLine,
    prefix=PREFIX,
    number_key="number",
    date_field="start_date",
    statuses=S.ALL,
    initial=S.ACTIVE,
    editable=frozenset({S.ACTIVE, S.PAUSED}),
    transitions=TRANSITIONS,
    not_found=RecurringInvoiceNotFound,
    write_permission="invoices.write",
    form=RecurringForm,
    messages={
        "created": _l("Recurring invoice created"),
        "updated": _l("Recurring invoice updated"),
        "not_editable": _l("An ended recurring invoice cannot be edited"),
    },
    to_json=to_json,
    render_pdf=None,
    fill=fill,
    snapshot=snapshot,
    assign_number=number,
    input_of=input_of,
)
