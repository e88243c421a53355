"""Running totals the dashboard reads instead of every invoice and payment.

Written in the same transaction as the change they count (issuing or voiding an invoice,
recording a payment; ``dashboard/totals.py``), so they always equal a full recomputation
(``rebuild_totals``; a test compares both after random operations). Amounts are in the
document's currency, never converted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, FixedDecimal

# SQLite keeps the running totals in their key's order (``WITHOUT ROWID``): the dashboard
# and the reports read a range of the key (an organisation's days or months) and the
# columns of the rows in it, which through a rowid table is a lookup per row on top of the
# key's index (issue 16.5). PostgreSQL ignores it.
CLUSTERED = {"sqlite_with_rowid": False}


class DailyTotal(Base):
    """One day of an organisation in one currency: what was invoiced (issued invoices dated
    that day), what came in (payments of that day), and the invoices settled that day with
    the days they took to be paid."""

    __tablename__ = "daily_totals"
    __table_args__ = CLUSTERED

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    invoiced: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    paid: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    settled_count: Mapped[int] = mapped_column(Integer, default=0)
    settled_days: Mapped[int] = mapped_column(Integer, default=0)
    # Quotes accepted that day (the organisation's date) and the seconds each waited since
    # it was sent.
    accepted_count: Mapped[int] = mapped_column(Integer, default=0)
    accepted_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    # The invoices issued with that date: how many, their net (subtotal less discounts) and
    # the withholdings their customers keep back. An invoice has at least one line, so the
    # count is also the invoices the day's tax rates (``DailyTaxTotal``) come from.
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    net: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    withheld: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))


class DailyTaxTotal(Base):
    """The lines at one tax rate of the invoices issued with one date: the taxes report of
    any period reads a row per day and rate instead of every line."""

    __tablename__ = "daily_tax_totals"
    __table_args__ = CLUSTERED

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    tax_percent: Mapped[Decimal] = mapped_column(FixedDecimal(5, 2), primary_key=True)
    base: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    tax: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    surcharge: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    # Invoices with a line at this rate (one with two lines at it counts once).
    invoice_count: Mapped[int] = mapped_column(Integer, default=0)


class MonthlyCustomerTotal(Base):
    """What one customer was invoiced in one month. ``customer_key`` is ``id:<id>`` for a
    catalogue customer, ``name:<the name written on the invoice>`` otherwise."""

    __tablename__ = "monthly_customer_totals"
    __table_args__ = (
        # The dashboard's top customers of a period read the amounts without the rows.
        Index(
            "ix_monthly_customer_totals_amounts",
            "organization_id",
            "currency",
            "month",
            "customer_key",
            "invoiced",
            "customer_id",
            "customer_name",
        ),
        CLUSTERED,
    )

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    customer_key: Mapped[str] = mapped_column(String(220), primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=True
    )
    customer_name: Mapped[str] = mapped_column(String(200), default="")
    invoiced: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    # The sales report's figures: the invoices' net (subtotal less discounts), how many.
    net: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    invoice_count: Mapped[int] = mapped_column(Integer, default=0)


class MonthlyProductTotal(Base):
    """What the invoices issued in one month sold of one catalogue product (lines naming
    it): its quantity and its net amount."""

    __tablename__ = "monthly_product_totals"
    __table_args__ = (
        # The dashboard's top products of a period read the amounts without the rows.
        Index(
            "ix_monthly_product_totals_amounts",
            "organization_id",
            "currency",
            "month",
            "product_id",
            "net",
            "quantity",
        ),
        CLUSTERED,
    )

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    quantity: Mapped[Decimal] = mapped_column(FixedDecimal(16, 3), default=Decimal("0"))
    net: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    # Invoices with a line of the product (one with two such lines counts once).
    invoice_count: Mapped[int] = mapped_column(Integer, default=0)


class MonthlyDescriptionTotal(Base):
    """What the invoices issued in one month sold in lines without a catalogue product
    (written by hand, or whose product was deleted since), by their exact description: the
    sales report groups those lines so."""

    __tablename__ = "monthly_description_totals"
    __table_args__ = CLUSTERED

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    description: Mapped[str] = mapped_column(String(500), primary_key=True)
    quantity: Mapped[Decimal] = mapped_column(FixedDecimal(16, 3), default=Decimal("0"))
    net: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    invoice_count: Mapped[int] = mapped_column(Integer, default=0)


LAST_DAY = date(9999, 12, 31)


class QuoteTotal(Base):
    """The quotes issued on one day that are now in one (stored) status, and their total.

    Sent quotes are kept apart by the last day they are valid (``expires_on``), so that
    those past it (expired: an answer too) are counted from these rows on any "today";
    every other status (and a sent quote without an end) is under ``LAST_DAY``. The won
    ones that were sent and decided add the seconds they waited for the answer."""

    __tablename__ = "quote_totals"
    __table_args__ = CLUSTERED

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    expires_on: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))
    waited_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    timed_count: Mapped[int] = mapped_column(Integer, default=0)


class QuoteStatusTotal(Base):
    """The quotes now in one (stored) status, whatever their issue day, and their total; sent
    ones by the last day they are valid. The dashboard's pipeline reads these few rows
    instead of every day's quote totals (``QuoteTotal``), which it would add up from the
    organisation's first quote on."""

    __tablename__ = "quote_status_totals"
    __table_args__ = CLUSTERED

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    expires_on: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))


class OpenBalance(Base):
    """The open invoices (issued or part paid) of one due date: how many, and what they
    still owe. The dashboard's aging reads these rows (one per due date, however many
    invoices) instead of every open invoice. An invoice without a due date is never
    overdue: it is kept under ``NO_DUE_DATE``, the last day there is."""

    __tablename__ = "open_balances"
    __table_args__ = CLUSTERED

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    balance: Mapped[Decimal] = mapped_column(FixedDecimal(16, 2), default=Decimal("0"))


NO_DUE_DATE = LAST_DAY

# Every table of running totals: what ``rebuild_totals`` recomputes from the documents.
RUNNING_TOTALS = (
    DailyTotal,
    DailyTaxTotal,
    MonthlyCustomerTotal,
    MonthlyProductTotal,
    MonthlyDescriptionTotal,
    QuoteTotal,
    QuoteStatusTotal,
    OpenBalance,
)


class RankingVersion(Base):
    """A random token replaced whenever an organisation's rankings may change: its monthly
    customer or product totals (an invoice issued or voided, a customer deleted) or the name
    of a customer or product. The dashboard keeps its top lists for as long as the token
    stays (``dashboard/tops.py``); random rather than counted, so that a token is never
    seen twice, whatever happens to the organisation's id."""

    __tablename__ = "ranking_versions"

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    token: Mapped[int] = mapped_column(BigInteger)
