"""``portal worker``: claim due jobs of every kind, run them, record how they ended.

Each claimed row takes two short transactions and a stretch without any between them:
check the lease is still the worker's and ``load`` the work (renewing the lease first when
less than half of it is left), ``perform`` it (no transaction: an HTTP call must not hold a
lock), then release the lease, settle the row and ``record`` the attempt together. A row
whose lease is no longer the worker's at either end is left to whoever holds it.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Sequence
from datetime import timedelta
from threading import Event
from time import monotonic
from typing import Any

from flask import Flask
from sqlalchemy.exc import DBAPIError

from portal.clock import utcnow
from portal.db import is_busy
from portal.extensions import db
from portal.jobs.models import JobStatus
from portal.jobs.queue import Claim, JobKind, LeaseLost, Outcome, claim, release, renew, settle

log = logging.getLogger(__name__)

ERROR_BACKOFF_SECONDS = 5.0  # after the worker itself failed (database away…)


def job_kinds() -> tuple[JobKind, ...]:
    """Every kind of background job, in the order a worker runs their batches."""
    from portal.mail.jobs import OUTGOING_MAIL
    from portal.webhooks.delivery import WEBHOOK_DELIVERIES

    return (WEBHOOK_DELIVERIES, OUTGOING_MAIL)


def run_once(
    app: Flask, *, kinds: Sequence[JobKind] | None = None, stop: Event | None = None
) -> int:
    """Claim and run one batch of each kind; returns how many jobs ran.

    When ``stop`` is set meanwhile, the rows not started yet are released for the next
    worker instead of waiting for their lease to run out.
    """
    processed = 0
    for kind in kinds if kinds is not None else job_kinds():
        with app.app_context():
            held = claim(
                kind.model,
                limit=kind.batch_size,
                lease_seconds=kind.lease_seconds,
                now=utcnow(),
            )
        for index, one in enumerate(held):
            if stop is not None and stop.is_set():
                _release(app, kind, held[index:])
                return processed
            if run_claimed(app, kind, one):
                processed += 1
    return processed


def run_claimed(app: Flask, kind: JobKind, held: Claim) -> bool:
    """Run one claimed row; ``False`` when it was no longer this worker's to run."""
    with app.app_context():
        session = db.session
        try:
            now = utcnow()
            row = session.get(kind.model, held.id, populate_existing=True)
            if not _holds(row, held):
                raise LeaseLost(held.id)
            renewed = held
            if held.locked_until - now < timedelta(seconds=kind.lease_seconds / 2):
                # Late in a long batch: more time for this row (a write, so only then).
                renewed = renew(kind.model, held, lease_seconds=kind.lease_seconds, now=now)
            work = kind.load(row, now)
            session.commit()
            held = renewed
        except LeaseLost:
            session.rollback()
            return False
        except Exception as exc:
            session.rollback()
            work = _internal_error(app, kind, held, exc, "load")
        outcome = work if isinstance(work, Outcome) else _perform(app, kind, held, work)
        try:
            if not release(kind.model, held):
                log.warning("%s %s: lease lost while running; not recorded", kind.name, held.id)
                session.rollback()
                return False
            now = utcnow()
            row = session.get(kind.model, held.id, populate_existing=True)
            schedule = app.config[kind.schedule_setting]
            next_attempt_at = settle(row, outcome, schedule=schedule, now=now)
            if kind.record is not None:
                kind.record(row, outcome, next_attempt_at, now)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("%s %s: could not record the attempt", kind.name, held.id)
            if app.config.get("PROPAGATE_INTERNAL_ERRORS"):
                raise
        return True


def run_forever(
    app: Flask,
    *,
    poll: float = 1.0,
    stop: Event | None = None,
    kinds: Sequence[JobKind] | None = None,
    scheduled_every: float = 0,
) -> None:
    """Run batches until ``stop`` is set, waiting ``poll`` seconds whenever nothing is due;
    every ``scheduled_every`` seconds (0: never) also the scheduled work (``portal.scheduled``:
    recurring invoices and reminders), first at start.

    The job under way when ``stop`` is set is finished (at most one request's timeout).
    """
    stop = stop if stop is not None else Event()
    next_scheduled = monotonic()
    while not stop.is_set():
        try:
            if scheduled_every and monotonic() >= next_scheduled:
                next_scheduled = monotonic() + scheduled_every
                _run_scheduled(app)
            processed = run_once(app, kinds=kinds, stop=stop)
        except DBAPIError as exc:
            if app.config.get("PROPAGATE_INTERNAL_ERRORS"):
                raise
            if is_busy(exc):  # the web's writers held the lock past the timeout: wait
                log.warning("worker: the database is busy; trying again in %.0f s", poll)
                stop.wait(poll)
            else:
                log.exception("worker: the database failed; again in %.0f s", ERROR_BACKOFF_SECONDS)
                stop.wait(ERROR_BACKOFF_SECONDS)
            continue
        except Exception:
            if app.config.get("PROPAGATE_INTERNAL_ERRORS"):
                raise
            log.exception("worker: a batch failed; trying again in %.0f s", ERROR_BACKOFF_SECONDS)
            stop.wait(ERROR_BACKOFF_SECONDS)
            continue
        if not processed:
            stop.wait(poll)


def _run_scheduled(app: Flask) -> None:
    from portal.scheduled import run_scheduled

    with app.app_context():
        result = run_scheduled()
    if result.invoices or result.reminders or result.failures:
        log.info("scheduled work: %s", result)


def stop_on_signals(stop: Event) -> None:
    """SIGTERM or SIGINT (Ctrl-C) sets ``stop``: the job under way ends, then the worker.
    A second one interrupts at once."""

    def handle(signum: int, _frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        log.info("worker: %s received, stopping after the job under way", signal.strsignal(signum))
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        # A worker started in the background by a shell (``make run``) inherits SIGINT
        # ignored: Ctrl-C then reaches the shell, which stops it with SIGTERM.
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, handle)


def _holds(row: Any, held: Claim) -> bool:
    """Whether ``row`` is still leased by the claim ``held`` (nobody took it meanwhile)."""
    return (
        row is not None
        and row.status == JobStatus.PENDING
        and row.locked_until == held.locked_until
    )


def _perform(app: Flask, kind: JobKind, held: Claim, work: Any) -> Outcome:
    try:
        return kind.perform(work)
    except Exception as exc:
        return _internal_error(app, kind, held, exc, "perform")


def _internal_error(app: Flask, kind: JobKind, held: Claim, exc: Exception, step: str) -> Outcome:
    log.exception("%s %s: %s failed", kind.name, held.id, step)
    if app.config.get("PROPAGATE_INTERNAL_ERRORS"):
        raise exc
    return Outcome.retry(f"internal error ({type(exc).__name__})")


def _release(app: Flask, kind: JobKind, held: Sequence[Claim]) -> None:
    with app.app_context():
        for one in held:
            release(kind.model, one)
        db.session.commit()
