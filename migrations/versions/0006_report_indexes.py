"""indexes for reports over a range of document dates

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 12:00:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Sales and taxes read the issued invoices of a range of invoice dates; the quotes
    # report the quotes of a range of issue dates. Without these, PostgreSQL reads every
    # document of the organisation through the (organisation, created_at) indexes.
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invoices_organization_id_invoice_date",
            ["organization_id", "invoice_date"],
            unique=False,
        )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quotes_organization_id_issue_date",
            ["organization_id", "issue_date"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_quotes_organization_id_issue_date")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_organization_id_invoice_date")
