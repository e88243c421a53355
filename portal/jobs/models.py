"""Background work kept in the database: what a worker claims, runs and retries.

A queue is any table with these columns (``QueueMixin``): webhook deliveries now, e-mails
and scheduled jobs later. Rows are written in the transaction of the change that asks for
the work (an outbox: a rolled-back change asks for nothing, a committed one is never lost);
``portal worker`` claims due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers never take the same row; one worker on SQLite), leases them for a while
(``locked_until``: a worker that dies mid-job loses nothing, the lease runs out and the row is
claimed again), runs them and records the outcome, retrying on a schedule.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, utcnow


class JobStatus:
    PENDING = "PENDING"  # waiting for ``next_attempt_at`` (or running under a lease)
    DONE = "DONE"
    FAILED = "FAILED"  # gave up after the schedule, or cannot be done
    ALL = (PENDING, DONE, FAILED)


class QueueMixin:
    """The columns a worker needs to claim, lease, retry and close a row."""

    status: Mapped[str] = mapped_column(String(10), default=JobStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when claimed: until then no other worker takes the row; past it, the row is due
    # again (its worker died or hung).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
