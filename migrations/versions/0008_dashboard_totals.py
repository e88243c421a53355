"""dashboard running totals: by day, by customer and month, by product and month, quotes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 11:00:00
"""

import sqlalchemy as sa
from alembic import op

from portal.db import FixedDecimal

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_totals",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("invoiced", FixedDecimal(16, 2), nullable=False),
        sa.Column("paid", FixedDecimal(16, 2), nullable=False),
        sa.Column("settled_count", sa.Integer(), nullable=False),
        sa.Column("settled_days", sa.Integer(), nullable=False),
        sa.Column("accepted_count", sa.Integer(), nullable=False),
        sa.Column("accepted_seconds", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_daily_totals_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "currency", "day", name=op.f("pk_daily_totals")),
    )
    op.create_table(
        "monthly_customer_totals",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("customer_key", sa.String(length=220), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("invoiced", FixedDecimal(16, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_monthly_customer_totals_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_monthly_customer_totals_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id",
            "currency",
            "month",
            "customer_key",
            name=op.f("pk_monthly_customer_totals"),
        ),
    )
    op.create_table(
        "monthly_product_totals",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", FixedDecimal(16, 3), nullable=False),
        sa.Column("net", FixedDecimal(16, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_monthly_product_totals_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_monthly_product_totals_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id",
            "currency",
            "month",
            "product_id",
            name=op.f("pk_monthly_product_totals"),
        ),
    )
    op.create_table(
        "quote_totals",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", FixedDecimal(16, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_quote_totals_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "currency", "day", "status", name=op.f("pk_quote_totals")
        ),
    )
    # The books kept so far are counted by the last revision that reshapes these tables
    # (0020): ``rebuild_totals`` writes the tables as the models now describe them.


def downgrade() -> None:
    op.drop_table("quote_totals")
    op.drop_table("monthly_product_totals")
    op.drop_table("monthly_customer_totals")
    op.drop_table("daily_totals")
