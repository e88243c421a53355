"""outgoing mail (a job queue), customers' language, organisations' reply-to and mail templates,
public invoice links

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 12:30:00
"""

import sqlalchemy as sa
from alembic import op

from portal.db import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outgoing_messages",
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=10), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("to_addresses", sa.JSON(), nullable=False),
        sa.Column("cc_addresses", sa.JSON(), nullable=False),
        sa.Column("reply_to", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("attach_pdf", sa.Boolean(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("last_reply", sa.Text(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_outgoing_messages_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["users.id"], name=op.f("fk_outgoing_messages_sent_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_messages")),
        sa.UniqueConstraint("public_id", name=op.f("uq_outgoing_messages_public_id")),
    )
    with op.batch_alter_table("outgoing_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outgoing_messages_document",
            ["document_type", "document_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_outgoing_messages_due", ["status", "next_attempt_at"], unique=False
        )

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=5), nullable=False, server_default="")
        )

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_token", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_invoices_public_token"), ["public_token"])

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mail_reply_to", sa.String(length=254), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("mail_templates", sa.JSON(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("mail_templates")
        batch_op.drop_column("mail_reply_to")

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_invoices_public_token"), type_="unique")
        batch_op.drop_column("public_token")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("locale")

    with op.batch_alter_table("outgoing_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outgoing_messages_due")
        batch_op.drop_index("ix_outgoing_messages_document")

    op.drop_table("outgoing_messages")
