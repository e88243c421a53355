"""Scheduled work: recurring invoices, then payment reminders — ``portal run-scheduled``, and
every ``PORTAL_SCHEDULE_INTERVAL`` seconds in ``portal worker``.

Idempotent by construction: each profile and each invoice is handled under its row lock in
a transaction of its own, and what is made carries a unique key (profile and period,
invoice and reminder step), so running it twice, or in two workers at once, makes and sends
nothing twice. One organisation's failure is logged and does not stop the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.clock import utcnow
from portal.extensions import db
from portal.idempotency.services import purge_expired
from portal.recurring.services import due_profiles, run_profile
from portal.reminders.services import due_invoices, remind

log = logging.getLogger(__name__)


@dataclass
class ScheduledRun:
    invoices: int = 0  # made by recurring profiles
    drafts: int = 0  # of which drafts for missed periods
    issued: int = 0
    sent: int = 0
    reminders: int = 0  # reminder steps recorded (queued or without an address)
    failures: int = 0
    keys_purged: int = 0

    def __str__(self) -> str:
        return (
            f"{self.invoices} recurring invoices made ({self.drafts} drafts for missed periods, "
            f"{self.issued} issued, {self.sent} sent), {self.reminders} reminders, "
            f"{self.failures} failures"
        )


def run_scheduled(now: datetime | None = None) -> ScheduledRun:
    """Do everything due now (inside an app context); commits as it goes."""
    now = now or utcnow()
    result = ScheduledRun()
    for profile_id in due_profiles(now):
        try:
            run = run_profile(profile_id)
            db.session.commit()
        except Exception:
            _failed(result, "recurring profile %s: the run failed", profile_id)
            continue
        result.invoices += len(run.made)
        result.drafts += run.drafts
        result.issued += run.issued
        result.sent += run.sent
        if run.error:
            log.warning("recurring profile %s: %s", profile_id, run.error)
    organizations = db.session.scalars(
        select(Organization).where(Organization.reminders_enabled.is_(True))
    ).all()
    db.session.commit()
    for organization in organizations:
        today = organization.today()
        for invoice_id in due_invoices(organization, today):
            try:
                if remind(invoice_id, today) is not None:
                    result.reminders += 1
                db.session.commit()
            except Exception:
                _failed(result, "invoice %s: the reminder failed", invoice_id)
    result.keys_purged = purge_expired(now)  # idempotency keys past their 24 hours
    db.session.commit()
    return result


def _failed(result: ScheduledRun, what: str, row_id: int) -> None:
    db.session.rollback()
    result.failures += 1
    log.exception(what, row_id)
    if current_app.config.get("PROPAGATE_INTERNAL_ERRORS"):
        raise
