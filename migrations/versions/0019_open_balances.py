"""Open invoices by due date (how many, what they owe): the dashboard's aging reads a row per
due date instead of every open invoice (issue 16, cost growth).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 11:00:00
"""

import sqlalchemy as sa
from alembic import op

from portal.db import FixedDecimal

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open_balances",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("balance", FixedDecimal(16, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_open_balances_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "currency", "due_on", name=op.f("pk_open_balances")
        ),
    )
    # The open invoices there are, counted once (the amounts are stored alike in both
    # tables: cents on SQLite, NUMERIC on PostgreSQL). No due date: the last day there is.
    op.execute(
        "INSERT INTO open_balances (organization_id, currency, due_on, count, balance) "
        "SELECT organization_id, currency, COALESCE(due_date, '9999-12-31'), COUNT(*), "
        "SUM(total - amount_paid) FROM invoices "
        "WHERE status IN ('ISSUED', 'PARTIALLY_PAID') "
        "GROUP BY organization_id, currency, COALESCE(due_date, '9999-12-31')"
    )


def downgrade() -> None:
    op.drop_table("open_balances")
