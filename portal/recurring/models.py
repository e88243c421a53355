"""Recurring invoices: a profile (customer, lines, a schedule) the scheduler turns into one
invoice per period.

The profile is a document of the kernel (``documents.kernel``: number, lines, totals,
history, states ACTIVE ⇄ PAUSED → ENDED). Its schedule is ``start_date`` plus
``next_index`` steps of ``interval`` days, months, quarters or years: the date of each
period is computed from the start, never from the previous period (a profile started on the
31st bills on the last day of shorter months and on the 31st again after them).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, PublicIdMixin, UTCDateTime
from portal.documents.models import DocumentMixin, LineMixin


class RecurringStatus:
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    ENDED = "ENDED"  # its end date or count is reached: nothing more to make
    ALL = (ACTIVE, PAUSED, ENDED)


class Frequency:
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    YEARLY = "YEARLY"
    DAYS = "DAYS"  # every ``interval`` days
    ALL = (MONTHLY, QUARTERLY, YEARLY, DAYS)


class RecurringInvoice(PublicIdMixin, DocumentMixin, Base):
    __tablename__ = "recurring_invoices"
    __id_prefix__ = "rec"
    __table_args__ = (
        UniqueConstraint("organization_id", "number"),
        Index(
            "ix_recurring_invoices_organization_id_created_at",
            "organization_id",
            "created_at",
            "public_id",
        ),
        # What the scheduler looks for: active profiles whose next period has come.
        Index("ix_recurring_invoices_due", "status", "next_run_on"),
    )

    customer_name: Mapped[str] = mapped_column(String(200))
    frequency: Mapped[str] = mapped_column(String(10))
    interval: Mapped[int] = mapped_column(Integer, default=1)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # the last period may be on it
    count: Mapped[int | None] = mapped_column(Integer)  # at most this many invoices
    auto_issue: Mapped[bool] = mapped_column(default=False)
    auto_send: Mapped[bool] = mapped_column(default=False)
    # The period the next run makes (its index from the start) and its date; no date once
    # the schedule is over.
    next_index: Mapped[int] = mapped_column(Integer, default=0)
    next_run_on: Mapped[date | None] = mapped_column(Date)
    invoices_created: Mapped[int] = mapped_column(Integer, default=0)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why the last run could not do all it should (the customer has no e-mail…); "" : fine.
    last_error: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[RecurringInvoiceLine]] = relationship(
        order_by="RecurringInvoiceLine.position", cascade="all, delete-orphan"
    )


class RecurringInvoiceLine(LineMixin, Base):
    __tablename__ = "recurring_invoice_lines"

    recurring_invoice_id: Mapped[int] = mapped_column(
        ForeignKey("recurring_invoices.id", ondelete="CASCADE"), index=True
    )
