"""Running totals the reports read (issue 16, cost growth): the invoices issued each day (how
many, their net, their withholdings), their lines by day and tax rate, each customer's and
product's invoices and net by month, the lines without a product by description and month,
and the quotes by day, status and, sent, the last day they are valid (with the seconds the
won ones waited), and by status alone for the dashboard's pipeline. The taxes, quotes and
sales reports and the dashboard's quote figures read these rows instead of the documents.

The running totals are then rebuilt from the documents, every table at once: this is the
last revision that reshapes them, so ``rebuild_totals`` (written for the models as they are
now) holds here. A later revision that reshapes them moves this rebuild there.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 13:30:00
"""

import sqlalchemy as sa
from alembic import op

from portal.dashboard.models import CLUSTERED
from portal.dashboard.totals import rebuild_totals
from portal.db import FixedDecimal

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite: the running totals are made anew in their key's order (``WITHOUT ROWID``),
    # rows and all; PostgreSQL only gains the columns.
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "daily_totals", recreate="always" if sqlite else "auto", table_kwargs=CLUSTERED
    ) as batch:
        batch.add_column(
            sa.Column("issued_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("net", FixedDecimal(16, 2), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("withheld", FixedDecimal(16, 2), nullable=False, server_default="0")
        )
    recreate = "always" if sqlite else "auto"
    with op.batch_alter_table(
        "monthly_customer_totals", recreate=recreate, table_kwargs=CLUSTERED
    ) as batch:
        batch.add_column(sa.Column("net", FixedDecimal(16, 2), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("invoice_count", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table(
        "monthly_product_totals", recreate=recreate, table_kwargs=CLUSTERED
    ) as batch:
        batch.add_column(
            sa.Column("invoice_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "monthly_description_totals",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("quantity", FixedDecimal(16, 3), nullable=False),
        sa.Column("net", FixedDecimal(16, 2), nullable=False),
        sa.Column("invoice_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_monthly_description_totals_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id",
            "currency",
            "month",
            "description",
            name=op.f("pk_monthly_description_totals"),
        ),
        **CLUSTERED,
    )
    op.create_table(
        "daily_tax_totals",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("tax_percent", FixedDecimal(5, 2), nullable=False),
        sa.Column("base", FixedDecimal(16, 2), nullable=False),
        sa.Column("tax", FixedDecimal(16, 2), nullable=False),
        sa.Column("surcharge", FixedDecimal(16, 2), nullable=False),
        sa.Column("total", FixedDecimal(16, 2), nullable=False),
        sa.Column("invoice_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_daily_tax_totals_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "currency", "day", "tax_percent", name=op.f("pk_daily_tax_totals")
        ),
        **CLUSTERED,
    )
    # A wider key: the table is made anew (its rows are counted again below).
    op.drop_table("quote_totals")
    _quote_totals(with_expiry=True)
    op.create_table(
        "quote_status_totals",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", FixedDecimal(16, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_quote_status_totals_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id",
            "currency",
            "status",
            "expires_on",
            name=op.f("pk_quote_status_totals"),
        ),
        **CLUSTERED,
    )
    if sqlite:
        with op.batch_alter_table("open_balances", recreate="always", table_kwargs=CLUSTERED):
            pass
    rebuild_totals(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # rowid tables again (batch mode's default)
        with op.batch_alter_table("open_balances", recreate="always"):
            pass
    op.drop_table("quote_status_totals")
    op.drop_table("quote_totals")
    _quote_totals(with_expiry=False)
    op.execute(
        "INSERT INTO quote_totals (organization_id, currency, day, status, count, total) "
        "SELECT organization_id, currency, issue_date, status, COUNT(*), SUM(total) "
        "FROM quotes GROUP BY organization_id, currency, issue_date, status"
    )
    op.drop_table("daily_tax_totals")
    op.drop_table("monthly_description_totals")
    with op.batch_alter_table("monthly_product_totals", recreate="auto") as batch:
        batch.drop_column("invoice_count")
    with op.batch_alter_table("monthly_customer_totals", recreate="auto") as batch:
        batch.drop_column("invoice_count")
        batch.drop_column("net")
    with op.batch_alter_table("daily_totals", recreate="auto") as batch:
        batch.drop_column("withheld")
        batch.drop_column("net")
        batch.drop_column("issued_count")


def _quote_totals(with_expiry: bool) -> None:
    expiry = ["expires_on"] if with_expiry else []
    columns = [
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        *[sa.Column(name, sa.Date(), nullable=False) for name in expiry],
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", FixedDecimal(16, 2), nullable=False),
    ]
    if with_expiry:
        columns += [
            sa.Column("waited_seconds", sa.BigInteger(), nullable=False),
            sa.Column("timed_count", sa.Integer(), nullable=False),
        ]
    op.create_table(
        "quote_totals",
        *columns,
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_quote_totals_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "currency", "day", "status", *expiry, name=op.f("pk_quote_totals")
        ),
        **(CLUSTERED if with_expiry else {}),
    )
