"""Outgoing e-mail: every message is a row of the worker's queue (``portal.jobs``).

Written in the transaction of what asked for it (sending a quote, a reminder), so a change that
rolls back sends nothing and a committed one is never lost; the worker renders nothing new at
send time except the attached PDF, and keeps the server's reply so that a failure is never
silent (the document's page shows queued, sent or failed with the reply).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, PublicIdMixin, UTCDateTime
from portal.jobs.models import QueueMixin


class OutgoingMessage(QueueMixin, PublicIdMixin, Base):
    __tablename__ = "outgoing_messages"
    __id_prefix__ = "msg"
    __table_args__ = (
        Index("ix_outgoing_messages_due", "status", "next_attempt_at"),
        Index("ix_outgoing_messages_document", "document_type", "document_id", "created_at"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # What it is about: "quote" / "invoice" and its id ("" / None: nothing in particular).
    document_type: Mapped[str] = mapped_column(String(10), default="")
    document_id: Mapped[int | None] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(20), default="document")  # "reminder", …
    to_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    cc_addresses: Mapped[list[str]] = mapped_column(JSON, default=list)
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text, default="")
    html_body: Mapped[str] = mapped_column(Text, default="")
    locale: Mapped[str] = mapped_column(String(5), default="es")
    attach_pdf: Mapped[bool] = mapped_column(default=False)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The server's last answer ("250 2.0.0 Ok: queued", "550 5.1.1 <x>: unknown user") or
    # where the file was written when no SMTP server is configured.
    last_reply: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
