"""A sentinel column on the document line tables, so that a document's lines are written in
one INSERT on SQLite too (issue 16.2).

SQLite cannot tell in which order the rows of a multi-row ``INSERT … RETURNING`` got their
ids, so SQLAlchemy wrote a 10-line invoice as 10 INSERTs there (PostgreSQL's SERIAL is
ordered, one INSERT per batch). With a sentinel column, SQLAlchemy numbers the rows of a
batch in it and sorts the returned ids by it: one INSERT on both databases. The column holds
that small number (its row's place in its batch) and nothing reads it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 22:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

LINE_TABLES = ("invoice_lines", "quote_lines", "recurring_invoice_lines")


def upgrade() -> None:
    for table in LINE_TABLES:
        op.add_column(table, sa.Column("_sentinel", sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in LINE_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("_sentinel")
