"""dashboard: settlement date of paid invoices, payment currency, indexes for sums by date

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settled_on", sa.Date(), nullable=True))
        batch_op.create_index(
            "ix_invoices_organization_id_invoice_date",
            ["organization_id", "invoice_date", "status", "currency", "total"],
            unique=False,
        )
        batch_op.create_index(
            "ix_invoices_organization_id_settled_on",
            ["organization_id", "settled_on"],
            unique=False,
        )
        batch_op.create_index(
            "ix_invoices_open_balances",
            ["organization_id", "status", "currency", "due_date", "total", "amount_paid"],
            unique=False,
        )
    # Invoices paid before this revision: settled on the date of their latest payment.
    op.execute(
        "UPDATE invoices SET settled_on = "
        "(SELECT MAX(payments.paid_on) FROM payments WHERE payments.invoice_id = invoices.id) "
        "WHERE status = 'PAID'"
    )
    # A payment is in its invoice's currency: written on the row, so that sums by date can
    # keep to one currency without reading the invoices.
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
    op.execute(
        "UPDATE payments SET currency = "
        "(SELECT invoices.currency FROM invoices WHERE invoices.id = payments.invoice_id)"
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.alter_column("currency", existing_type=sa.String(length=3), nullable=False)
        batch_op.create_index(
            "ix_payments_organization_id_paid_on",
            ["organization_id", "paid_on", "currency", "amount"],
            unique=False,
        )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quotes_organization_id_issue_date",
            ["organization_id", "issue_date", "status", "currency", "valid_until"],
            unique=False,
        )
        batch_op.create_index(
            "ix_quotes_organization_id_decided_at",
            ["organization_id", "decided_at", "status", "currency", "sent_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_quotes_organization_id_status",
            ["organization_id", "status", "currency", "valid_until", "issue_date", "total"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_quotes_organization_id_status")
        batch_op.drop_index("ix_quotes_organization_id_decided_at")
        batch_op.drop_index("ix_quotes_organization_id_issue_date")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_organization_id_paid_on")
        batch_op.drop_column("currency")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_open_balances")
        batch_op.drop_index("ix_invoices_organization_id_settled_on")
        batch_op.drop_index("ix_invoices_organization_id_invoice_date")
        batch_op.drop_column("settled_on")
