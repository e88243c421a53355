from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, FixedDecimal, PublicIdMixin, UTCDateTime, non_null_index
from portal.documents.models import DocumentMixin, LineMixin
from portal.errors import DuplicateInvoiceNumber, QuoteAlreadyConverted

if TYPE_CHECKING:
    from portal.recurring.models import RecurringInvoice


class InvoiceStatus:
    DRAFT = "DRAFT"
    ISSUED = "ISSUED"
    PARTIALLY_PAID = "PARTIALLY_PAID"
    PAID = "PAID"
    VOID = "VOID"
    ALL = (DRAFT, ISSUED, PARTIALLY_PAID, PAID, VOID)
    OPEN = (ISSUED, PARTIALLY_PAID)


class Invoice(PublicIdMixin, DocumentMixin, Base):
    __tablename__ = "invoices"
    __id_prefix__ = "inv"
    __table_args__ = (
        # The backstop of gap-free numbering: never two invoices with one number.
        UniqueConstraint("organization_id", "number"),
        Index(
            "ix_invoices_organization_id_created_at", "organization_id", "created_at", "public_id"
        ),
        # Filtered lists keep the list's order inside the filter: no scan past other rows.
        Index(
            "ix_invoices_organization_id_status",
            "organization_id",
            "status",
            "created_at",
            "public_id",
        ),
        Index(
            "ix_invoices_organization_id_customer_id",
            "organization_id",
            "customer_id",
            "created_at",
            "public_id",
        ),
        # Sums by date (dashboard, sales and taxes reports) read these without the rows.
        Index(
            "ix_invoices_organization_id_invoice_date",
            "organization_id",
            "invoice_date",
            "status",
            "currency",
            "total",
        ),
        Index("ix_invoices_organization_id_settled_on", "organization_id", "settled_on"),
        # Open balances now (outstanding, overdue, aging) without touching the rows.
        Index(
            "ix_invoices_open_balances",
            "organization_id",
            "status",
            "currency",
            "due_date",
            "total",
            "amount_paid",
        ),
        # One invoice per recurring profile and period, however often the scheduler runs.
        UniqueConstraint("recurring_id", "recurring_period"),
        # Lookups by a column most invoices leave empty (a quote's invoice, a public link, a
        # profile's invoices) by an index of the filled ones only. The unique constraints'
        # own indexes hold the NULLs too, and once SQLite's ANALYZE has counted them its
        # planner prefers to scan every invoice (9 ms at 100k; see docs/decisions.md).
        non_null_index("invoices", "quote_id"),
        non_null_index("invoices", "public_token"),
        non_null_index("invoices", "recurring_id", "recurring_period"),
    )
    __conflicts__ = {
        "uq_invoices_organization_id_number": DuplicateInvoiceNumber,
        "uq_invoices_quote_id": QuoteAlreadyConverted,
    }

    customer_name: Mapped[str] = mapped_column(String(200))
    invoice_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    amount_paid: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2), default=Decimal("0"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The date of the payment that settled it (the latest paid_on), once PAID: what the
    # dashboard's "average days to pay" reads, set in the same transaction as the payment.
    settled_on: Mapped[date | None] = mapped_column(Date)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Unique: a quote converts into one invoice at most, even when two requests race.
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id"), unique=True)
    # The issuer and the customer as they were when the invoice was issued (``fiscal.parties``):
    # a later change of address or tax id does not rewrite an issued invoice.
    parties: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The customer's link (/i/<token>): set when the invoice is first sent; regenerating it
    # revokes the old one.
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Payment reminders for this invoice (the organisation's ladder); off: none is sent.
    reminders_enabled: Mapped[bool] = mapped_column(default=True)
    # The recurring profile that made it and the date of its period (``portal.recurring``).
    recurring_id: Mapped[int | None] = mapped_column(
        ForeignKey("recurring_invoices.id", ondelete="SET NULL")
    )
    recurring_period: Mapped[date | None] = mapped_column(Date)
    recurring: Mapped[RecurringInvoice | None] = relationship(
        "RecurringInvoice", lazy="select", viewonly=True
    )

    lines: Mapped[list[InvoiceLine]] = relationship(
        order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )

    @property
    def balance(self) -> Decimal:
        return self.total - self.amount_paid

    @property
    def overdue(self) -> bool:
        return is_overdue(self.status, self.due_date, self.organization.today())


def is_overdue(status: str, due_date: date | None, on: date) -> bool:
    """Open (issued, partly paid) and past its due date: derived, never stored."""
    return status in InvoiceStatus.OPEN and due_date is not None and due_date < on


class InvoiceLine(LineMixin, Base):
    __tablename__ = "invoice_lines"
    __table_args__ = (
        # An invoice's lines, and the taxes report's amounts by rate without the rows
        # (23.6 → 9.0 ms at 100k invoices on SQLite, docs/benchmarks.md).
        Index(
            "ix_invoice_lines_invoice_id",
            "invoice_id",
            "tax_percent",
            "net",
            "tax",
            "surcharge",
            "total",
        ),
    )

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))


class Payment(PublicIdMixin, Base):
    __tablename__ = "payments"
    __id_prefix__ = "pay"
    __table_args__ = (
        Index(
            "ix_payments_organization_id_paid_on",
            "organization_id",
            "paid_on",
            "currency",
            "amount",
        ),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2))
    currency: Mapped[str] = mapped_column(String(3))  # the invoice's: sums never mix two
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
