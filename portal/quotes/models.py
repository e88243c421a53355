from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, PublicIdMixin, UTCDateTime, non_null_index
from portal.documents.models import DocumentMixin, LineMixin


class QuoteStatus:
    DRAFT = "DRAFT"
    SENT = "SENT"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"  # derived: SENT and past valid_until
    CONVERTED = "CONVERTED"
    ALL = (DRAFT, SENT, ACCEPTED, REJECTED, EXPIRED, CONVERTED)


class Quote(PublicIdMixin, DocumentMixin, Base):
    __tablename__ = "quotes"
    __id_prefix__ = "quo"
    __table_args__ = (
        UniqueConstraint("organization_id", "number"),
        Index("ix_quotes_organization_id_created_at", "organization_id", "created_at", "public_id"),
        # A list filtered by status keeps the list's order inside the filter (no sort of every
        # quote in that status); ``valid_until`` tells SENT from EXPIRED without the rows.
        Index(
            "ix_quotes_organization_id_status_created_at",
            "organization_id",
            "status",
            "created_at",
            "public_id",
            "valid_until",
        ),
        # The dashboard reads these three without touching the rows: quotes issued in a
        # period (conversion), accepted in a period (days to accept), and by status now.
        Index(
            "ix_quotes_organization_id_issue_date",
            "organization_id",
            "issue_date",
            "status",
            "currency",
            "valid_until",
        ),
        Index(
            "ix_quotes_organization_id_decided_at",
            "organization_id",
            "decided_at",
            "status",
            "currency",
            "sent_at",
        ),
        Index(
            "ix_quotes_organization_id_status",
            "organization_id",
            "status",
            "currency",
            "valid_until",
            "issue_date",
            "total",
        ),
        # A customer's quotes by date (their statement), not a scan of the organisation's.
        Index(
            "ix_quotes_organization_id_customer_id",
            "organization_id",
            "customer_id",
            "issue_date",
        ),
        non_null_index("quotes", "public_token"),  # the public link (see Invoice's)
    )

    customer_name: Mapped[str] = mapped_column(String(200))
    issue_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lines: Mapped[list[QuoteLine]] = relationship(
        order_by="QuoteLine.position", cascade="all, delete-orphan"
    )

    @property
    def effective_status(self) -> str:
        if self.status == QuoteStatus.SENT and self.valid_until < self.organization.today():
            return QuoteStatus.EXPIRED
        return self.status


class QuoteLine(LineMixin, Base):
    __tablename__ = "quote_lines"

    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
