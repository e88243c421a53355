"""a customer's quotes by date, for their account statement

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:00:00
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quotes_organization_id_customer_id",
            ["organization_id", "customer_id", "issue_date"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_quotes_organization_id_customer_id")
