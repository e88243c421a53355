"""A recurring profile as the API shows it: its schedule, its preview and what it made."""

from __future__ import annotations

from datetime import date
from typing import Any

from portal.documents.serializers import customer_id, line_json, totals_json
from portal.recurring.models import RecurringInvoice, RecurringStatus
from portal.recurring.schedule import Schedule


def schedule_of(profile: RecurringInvoice) -> Schedule:
    return Schedule(
        frequency=profile.frequency,
        interval=profile.interval,
        start=profile.start_date,
        end=profile.end_date,
        count=profile.count,
    )


def next_runs(profile: RecurringInvoice) -> list[date]:
    """The dates the next invoices will be made on (none while paused or ended)."""
    if profile.next_run_on is None or profile.status != RecurringStatus.ACTIVE:
        return []
    return schedule_of(profile).upcoming(profile.next_index, profile.invoices_created)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def recurring_json(
    profile: RecurringInvoice,
    *,
    detail: bool = False,
    invoices: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": profile.public_id,
        "number": profile.number,
        "status": profile.status,
        "customerId": customer_id(profile),
        "customerName": profile.customer_name,
        "frequency": profile.frequency,
        "interval": profile.interval,
        "startDate": profile.start_date.isoformat(),
        "endDate": _day(profile.end_date),
        "count": profile.count,
        "autoIssue": profile.auto_issue,
        "autoSend": profile.auto_send,
        "currency": profile.currency,
        **totals_json(profile),
        "invoicesCreated": profile.invoices_created,
        "nextRuns": [day.isoformat() for day in next_runs(profile)],
        "lastRunAt": profile.last_run_at.isoformat() if profile.last_run_at else None,
        "lastError": profile.last_error or None,
        "createdAt": profile.created_at.isoformat(),
    }
    if detail:
        body.update(
            notes=profile.notes,
            lines=[line_json(line) for line in profile.lines],
            invoices=invoices if invoices is not None else [],
        )
    return body
