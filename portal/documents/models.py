"""What quotes and invoices share: numbered per organisation and year, lines, history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, orm_insert_sentinel, relationship

from portal.accounts.models import Organization
from portal.catalog.models import Customer, Product
from portal.db import Base, FixedDecimal, UTCDateTime, utcnow


class DocumentCounter(Base):
    """The next number of a series (quotes or invoices) of one organisation in one year.

    Taken with ``UPDATE … RETURNING`` in the transaction that inserts the document, so the
    row lock (PostgreSQL) or the write lock (SQLite) serialises takers and a rollback gives
    the number back: no gap, no duplicate.
    """

    __tablename__ = "document_counters"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer)


class DocumentMixin:
    """Columns every commercial document has."""

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    number: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    notes: Mapped[str] = mapped_column(Text, default="")
    subtotal: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2), default=Decimal("0"))
    discount_total: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2), default=Decimal("0"))
    tax_total: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2), default=Decimal("0"))
    surcharge_total: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2), default=Decimal("0"))
    # A withholding (Spain's IRPF) on the tax base, subtracted from the total.
    withholding_percent: Mapped[Decimal] = mapped_column(FixedDecimal(5, 2), default=Decimal("0"))
    withholding_total: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2), default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2), default=Decimal("0"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @declared_attr
    def customer_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("customers.id", ondelete="SET NULL"), nullable=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id"), nullable=True)

    @declared_attr
    def customer(cls) -> Mapped[Customer | None]:
        return relationship("Customer", lazy="joined")

    @declared_attr
    def organization(cls) -> Mapped[Organization]:
        # Already in the session (the caller's organisation): no query to reach it.
        return relationship("Organization", lazy="select", viewonly=True)


class LineMixin:
    """One line of a document: its own copy of what was sold, so the catalog may change."""

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(FixedDecimal(12, 3))
    unit_price: Mapped[Decimal] = mapped_column(FixedDecimal(12, 2))
    discount_percent: Mapped[Decimal] = mapped_column(FixedDecimal(5, 2))
    tax_percent: Mapped[Decimal] = mapped_column(FixedDecimal(5, 2))
    # The named rate chosen from the organisation's table ("IVA 21 %"), and the legal reason
    # an exempt rate prints; copied, so that the table may change.
    tax_name: Mapped[str] = mapped_column(String(60), default="")
    tax_note: Mapped[str] = mapped_column(String(300), default="")
    surcharge_percent: Mapped[Decimal] = mapped_column(FixedDecimal(5, 2), default=Decimal("0"))
    gross: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2))
    discount: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2))
    net: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2))
    tax: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2))
    surcharge: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2), default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(FixedDecimal(14, 2))
    # SQLAlchemy numbers the rows of a batch here to match the ids INSERT … RETURNING gives
    # back, so that a document's lines are one INSERT on SQLite too (migration 0017).
    _sentinel: Mapped[int | None] = orm_insert_sentinel()

    @declared_attr
    def product_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("products.id", ondelete="SET NULL"), nullable=True)

    @declared_attr
    def product(cls) -> Mapped[Product | None]:
        return relationship("Product", lazy="joined")


class DocumentEvent(Base):
    """One change of a quote or invoice: who, when, what."""

    __tablename__ = "document_events"
    __table_args__ = (Index("ix_document_events_document", "document_type", "document_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    document_type: Mapped[str] = mapped_column(String(10))  # "quote" | "invoice"
    document_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
