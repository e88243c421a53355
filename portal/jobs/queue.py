"""Claiming, leasing and settling rows of a queue (``QueueMixin``), for any kind of job.

A kind of job is a ``JobKind``: the queue's model, the setting that holds its retry
schedule, and three steps the worker runs for each claimed row (``portal.jobs.worker``):

- ``load(row, now)`` inside a short transaction: read what the work needs into plain values
  (or answer an ``Outcome`` at once, e.g. "nothing to do");
- ``perform(work)`` with **no** transaction open: the slow part (an HTTP call, SMTP), which
  must not hold a database lock, least of all SQLite's single write lock;
- ``record(row, outcome, next_attempt_at, now)`` in the transaction that settles the row:
  whatever the kind keeps about an attempt, committed together with the row's new state.

Rows are claimed in a transaction of their own that only sets ``locked_until`` (a lease),
so a worker that dies after claiming loses nothing: the lease runs out and the row is due
again. Every step after that checks the lease is still the worker's own (fencing), so a row
is never run by two workers at once even if one of them stalls past its lease.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from portal.extensions import db
from portal.jobs.models import JobStatus, QueueMixin

JITTER = 0.1  # ±10 % of each delay, so that a receiver's outage does not end in a stampede


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended: done, to be retried on the schedule, or failed for good."""

    status: str  # JobStatus.DONE, JobStatus.PENDING (retry) or JobStatus.FAILED
    error: str = ""
    retry_after: float | None = None  # seconds the other side asked us to wait (429)
    detail: Any = None  # what the kind's ``record`` wants to keep (an HTTP answer…)

    @classmethod
    def done(cls, detail: Any = None) -> Outcome:
        return cls(JobStatus.DONE, detail=detail)

    @classmethod
    def retry(cls, error: str, *, retry_after: float | None = None, detail: Any = None) -> Outcome:
        return cls(JobStatus.PENDING, error, retry_after, detail)

    @classmethod
    def fail(cls, error: str, detail: Any = None) -> Outcome:
        return cls(JobStatus.FAILED, error, detail=detail)


@dataclass(frozen=True)
class JobKind:
    """One kind of background job: its queue, schedule and the three steps of an attempt."""

    name: str
    model: type[QueueMixin]
    schedule_setting: str  # the app setting holding the delays before each attempt
    load: Callable[[Any, datetime], Any]  # returns the work, or an ``Outcome`` to settle now
    perform: Callable[[Any], Outcome]
    record: Callable[[Any, Outcome, datetime | None, datetime], None] | None = None
    batch_size: int = 20
    # How long a claimed row stays the worker's before another may take it. Half of it must
    # be longer than one ``perform`` can last: the worker renews a lease that has less than
    # half left before it starts a row.
    lease_seconds: float = 60.0


@dataclass(frozen=True)
class Claim:
    """A row a worker holds: its id and the lease, which doubles as the worker's token."""

    id: int
    locked_until: datetime


def claim(
    model: type[QueueMixin], *, limit: int, lease_seconds: float, now: datetime
) -> list[Claim]:
    """Lease up to ``limit`` due rows of ``model`` (PENDING, ``next_attempt_at`` passed, no
    live lease), oldest first, and commit the lease at once.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so workers claiming together each get other
    rows. SQLite: the transaction starts with ``BEGIN IMMEDIATE`` outside requests
    (``portal.db``), which serialises claims; run one worker there anyway.
    """
    table: Any = model
    until = now + timedelta(seconds=lease_seconds)
    session = db.session
    try:
        ids = list(
            session.scalars(
                select(table.id)
                .where(
                    table.status == JobStatus.PENDING,
                    table.next_attempt_at <= now,
                    or_(table.locked_until.is_(None), table.locked_until <= now),
                )
                .order_by(table.next_attempt_at, table.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            session.execute(
                update(table)
                .where(table.id.in_(ids))
                .values(locked_until=until)
                .execution_options(synchronize_session=False)
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return [Claim(row_id, until) for row_id in ids]


class LeaseLost(Exception):
    """The row is no longer this worker's: its lease ran out and another took it, or a
    person closed or re-queued it meanwhile."""


def renew(model: type[QueueMixin], held: Claim, *, lease_seconds: float, now: datetime) -> Claim:
    """Extend a lease that is still ours, or raise ``LeaseLost``.

    Runs in the caller's transaction (the ``load`` step's): the conditional UPDATE is the
    fence, since a row whose lease ran out may have been claimed by another worker.
    """
    table: Any = model
    until = now + timedelta(seconds=lease_seconds)
    result: Any = db.session.execute(
        update(table)
        .where(*_still_ours(table, held))
        .values(locked_until=until)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise LeaseLost(held.id)
    return Claim(held.id, until)


def _still_ours(table: Any, held: Claim) -> tuple[Any, ...]:
    """The fence: the row is still pending under the very lease we took."""
    return (
        table.id == held.id,
        table.status == JobStatus.PENDING,
        table.locked_until == held.locked_until,
    )


def release(model: type[QueueMixin], held: Claim) -> bool:
    """Give back a lease that is still ours, in the caller's transaction; ``False`` when it
    is not ours any more (nothing changed then)."""
    table: Any = model
    result: Any = db.session.execute(
        update(table)
        .where(*_still_ours(table, held))
        .values(locked_until=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


def settle(
    row: Any, outcome: Outcome, *, schedule: Sequence[float], now: datetime
) -> datetime | None:
    """Apply ``outcome`` to ``row`` (one more attempt) and release its lease; returns when
    it runs again, or ``None`` when it is closed (DONE or FAILED)."""
    row.attempts = (row.attempts or 0) + 1
    row.locked_until = None
    row.last_error = outcome.error[:1000]
    next_at = None
    if outcome.status == JobStatus.PENDING:
        next_at = retry_at(schedule, row.attempts, now, retry_after=outcome.retry_after)
    if next_at is not None:
        row.status = JobStatus.PENDING
        row.next_attempt_at = next_at
        row.finished_at = None
    else:
        row.status = JobStatus.DONE if outcome.status == JobStatus.DONE else JobStatus.FAILED
        row.finished_at = now
    return next_at


def retry_at(
    schedule: Sequence[float],
    attempts: int,
    now: datetime,
    retry_after: float | None = None,
    *,
    rng: Callable[[float, float], float] = random.uniform,
) -> datetime | None:
    """When attempt number ``attempts + 1`` is due, or ``None`` once the schedule is spent.

    ``schedule[n]`` is the delay before attempt ``n + 1``; ``schedule[0]``, before the first
    one, is the queuing code's to apply (webhook events are due at once, so it is 0), and
    the schedule's length is the number of attempts. Each delay is jittered by ±10 % and never
    negative; a ``retry_after`` the other side asked for wins when it is longer, up to the
    schedule's longest delay (a receiver cannot park a job for a week).
    """
    if attempts >= len(schedule):
        return None
    delay = schedule[attempts]
    delay = max(0.0, delay + rng(-JITTER * delay, JITTER * delay))
    if retry_after is not None and retry_after > delay:
        delay = min(retry_after, max(schedule))
    return now + timedelta(seconds=delay)
