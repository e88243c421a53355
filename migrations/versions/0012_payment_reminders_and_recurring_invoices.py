"""payment reminders (organisations' ladder, invoices' switch, the reminders sent) and
recurring invoice profiles with the period each invoice was made for

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 14:00:00
"""

import sqlalchemy as sa
from alembic import op

from portal.db import FixedDecimal, UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recurring_invoices",
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("frequency", sa.String(length=10), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("auto_issue", sa.Boolean(), nullable=False),
        sa.Column("auto_send", sa.Boolean(), nullable=False),
        sa.Column("next_index", sa.Integer(), nullable=False),
        sa.Column("next_run_on", sa.Date(), nullable=True),
        sa.Column("invoices_created", sa.Integer(), nullable=False),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("subtotal", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("discount_total", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("tax_total", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("surcharge_total", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("withholding_percent", FixedDecimal(precision=5, scale=2), nullable=False),
        sa.Column("withholding_total", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("total", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_recurring_invoices_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_recurring_invoices_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_recurring_invoices_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_invoices")),
        sa.UniqueConstraint(
            "organization_id", "number", name=op.f("uq_recurring_invoices_organization_id_number")
        ),
        sa.UniqueConstraint("public_id", name=op.f("uq_recurring_invoices_public_id")),
    )
    with op.batch_alter_table("recurring_invoices", schema=None) as batch_op:
        batch_op.create_index("ix_recurring_invoices_due", ["status", "next_run_on"], unique=False)
        batch_op.create_index(
            "ix_recurring_invoices_organization_id_created_at",
            ["organization_id", "created_at", "public_id"],
            unique=False,
        )

    op.create_table(
        "recurring_invoice_lines",
        sa.Column("recurring_invoice_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("quantity", FixedDecimal(precision=12, scale=3), nullable=False),
        sa.Column("unit_price", FixedDecimal(precision=12, scale=2), nullable=False),
        sa.Column("discount_percent", FixedDecimal(precision=5, scale=2), nullable=False),
        sa.Column("tax_percent", FixedDecimal(precision=5, scale=2), nullable=False),
        sa.Column("tax_name", sa.String(length=60), nullable=False),
        sa.Column("tax_note", sa.String(length=300), nullable=False),
        sa.Column("surcharge_percent", FixedDecimal(precision=5, scale=2), nullable=False),
        sa.Column("gross", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("discount", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("net", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("tax", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("surcharge", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("total", FixedDecimal(precision=14, scale=2), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_recurring_invoice_lines_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recurring_invoice_id"],
            ["recurring_invoices.id"],
            name=op.f("fk_recurring_invoice_lines_recurring_invoice_id_recurring_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_invoice_lines")),
    )
    with op.batch_alter_table("recurring_invoice_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recurring_invoice_lines_recurring_invoice_id"),
            ["recurring_invoice_id"],
            unique=False,
        )

    op.create_table(
        "invoice_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_reminders_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outgoing_messages.id"],
            name=op.f("fk_invoice_reminders_message_id_outgoing_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invoice_reminders_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_reminders")),
        sa.UniqueConstraint(
            "invoice_id", "days", name=op.f("uq_invoice_reminders_invoice_id_days")
        ),
    )
    with op.batch_alter_table("invoice_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_reminders_invoice_id"), ["invoice_id"], unique=False
        )

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("recurring_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recurring_period", sa.Date(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_invoices_recurring_id_recurring_period"),
            ["recurring_id", "recurring_period"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_invoices_recurring_id_recurring_invoices"),
            "recurring_invoices",
            ["recurring_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # Organisations that exist already start with reminders off: switching them on is the
    # OWNER's choice, not an upgrade's (it would e-mail every late customer at once). New
    # organisations get them on (the model's default).
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminders_enabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("reminder_days", sa.JSON(), nullable=False, server_default="[-3, 0, 7, 30]")
        )


def downgrade() -> None:
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("reminder_days")
        batch_op.drop_column("reminders_enabled")

    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_invoices_recurring_id_recurring_invoices"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_invoices_recurring_id_recurring_period"), type_="unique"
        )
        batch_op.drop_column("recurring_period")
        batch_op.drop_column("recurring_id")
        batch_op.drop_column("reminders_enabled")

    with op.batch_alter_table("invoice_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_reminders_invoice_id"))

    op.drop_table("invoice_reminders")
    with op.batch_alter_table("recurring_invoice_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recurring_invoice_lines_recurring_invoice_id"))

    op.drop_table("recurring_invoice_lines")
    with op.batch_alter_table("recurring_invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_recurring_invoices_organization_id_created_at")
        batch_op.drop_index("ix_recurring_invoices_due")

    op.drop_table("recurring_invoices")
