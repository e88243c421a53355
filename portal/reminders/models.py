"""Payment reminders sent: one row per invoice and step of the ladder, never two.

The unique key (invoice, step) is what makes a reminder go once however often the scheduled
job runs, and whoever runs it: two runs racing for one reminder insert one row.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class ReminderOutcome:
    QUEUED = "QUEUED"  # an e-mail is in the outbox (its own status tells the rest)
    NO_EMAIL = "NO_EMAIL"  # the customer has no address: nothing could be sent
    ALL = (QUEUED, NO_EMAIL)


class InvoiceReminder(Base):
    __tablename__ = "invoice_reminders"
    __table_args__ = (UniqueConstraint("invoice_id", "days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    # The step of the ladder: days from the due date (-3 before, 0 on the day, 7 after).
    days: Mapped[int] = mapped_column(Integer)
    # The organisation's date when it was sent (a catch-up sends a late step late).
    sent_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
