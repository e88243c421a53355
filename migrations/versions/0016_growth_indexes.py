"""Indexes from issue 16's growth table (``bench/bench_growth.py``, 1k against 100k rows):

- quotes listed by status in the list's order (organisation, status, ``created_at``,
  ``public_id``, then ``valid_until``, which tells SENT from EXPIRED): a filtered page reads
  its rows in order instead of sorting every quote of that status (8 ms at 100k quotes);
- lookups by a nullable unique column that most rows leave empty (an invoice's quote, the
  public links, a recurring profile's invoices) by a partial index of the filled rows: the
  unique constraints' own indexes hold the NULLs too, and once SQLite's ANALYZE has counted
  them its planner scans the whole table instead (a quote's page, 9 ms at 100k invoices);
- an invoice's lines with the amounts the taxes report sums by rate (the same name, more
  columns), and the monthly totals' amounts the dashboard's top lists sum: read from the
  index without the rows.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 20:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

LINE_AMOUNTS = ["invoice_id", "tax_percent", "net", "tax", "surcharge", "total"]
NON_NULL = [
    ("invoices", ["quote_id"]),
    ("invoices", ["public_token"]),
    ("invoices", ["recurring_id", "recurring_period"]),
    ("quotes", ["public_token"]),
]


def upgrade() -> None:
    op.create_index(
        "ix_quotes_organization_id_status_created_at",
        "quotes",
        ["organization_id", "status", "created_at", "public_id", "valid_until"],
    )
    for table, columns in NON_NULL:
        condition = sa.text(f"{columns[0]} IS NOT NULL")
        op.create_index(
            f"ix_{table}_{columns[0]}",
            table,
            columns,
            sqlite_where=condition,
            postgresql_where=condition,
        )
    op.drop_index("ix_invoice_lines_invoice_id", table_name="invoice_lines")
    op.create_index("ix_invoice_lines_invoice_id", "invoice_lines", LINE_AMOUNTS)
    op.create_index(
        "ix_monthly_product_totals_amounts",
        "monthly_product_totals",
        ["organization_id", "currency", "month", "product_id", "net", "quantity"],
    )
    op.create_index(
        "ix_monthly_customer_totals_amounts",
        "monthly_customer_totals",
        [
            "organization_id",
            "currency",
            "month",
            "customer_key",
            "invoiced",
            "customer_id",
            "customer_name",
        ],
    )


def downgrade() -> None:
    op.drop_index("ix_monthly_customer_totals_amounts", table_name="monthly_customer_totals")
    op.drop_index("ix_monthly_product_totals_amounts", table_name="monthly_product_totals")
    op.drop_index("ix_invoice_lines_invoice_id", table_name="invoice_lines")
    op.create_index("ix_invoice_lines_invoice_id", "invoice_lines", ["invoice_id"])
    for table, columns in reversed(NON_NULL):
        op.drop_index(f"ix_{table}_{columns[0]}", table_name=table)
    op.drop_index("ix_quotes_organization_id_status_created_at", table_name="quotes")
