"""invoice list indexes by status and customer

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:36:17.281778
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_organization_id_status"))
        batch_op.create_index(
            "ix_invoices_organization_id_status",
            ["organization_id", "status", "created_at", "public_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_invoices_organization_id_customer_id",
            ["organization_id", "customer_id", "created_at", "public_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_organization_id_customer_id")
        batch_op.drop_index("ix_invoices_organization_id_status")
        batch_op.create_index(
            batch_op.f("ix_invoices_organization_id_status"),
            ["organization_id", "status"],
            unique=False,
        )
