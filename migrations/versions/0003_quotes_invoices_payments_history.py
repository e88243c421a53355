"""quotes invoices payments history

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:43:03.829155
"""

import sqlalchemy as sa
from alembic import op

from portal.db import FixedDecimal, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_counters",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("next_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_document_counters_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "series", "year", name=op.f("pk_document_counters")
        ),
    )
    op.create_table(
        "document_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=10), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_document_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_document_events_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_events")),
    )
    with op.batch_alter_table("document_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_document_events_document", ["document_type", "document_id", "id"], unique=False
        )

    op.create_table(
        "quotes",
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("public_token", sa.String(length=64), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("subtotal", FixedDecimal(14, 2), nullable=False),
        sa.Column("discount_total", FixedDecimal(14, 2), nullable=False),
        sa.Column("tax_total", FixedDecimal(14, 2), nullable=False),
        sa.Column("total", FixedDecimal(14, 2), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_quotes_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_quotes_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_quotes_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint(
            "organization_id", "number", name=op.f("uq_quotes_organization_id_number")
        ),
        sa.UniqueConstraint("public_id", name=op.f("uq_quotes_public_id")),
        sa.UniqueConstraint("public_token", name=op.f("uq_quotes_public_token")),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quotes_organization_id_created_at",
            ["organization_id", "created_at", "public_id"],
            unique=False,
        )

    op.create_table(
        "invoices",
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("amount_paid", FixedDecimal(14, 2), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=True),
        sa.Column("voided_at", UTCDateTime(), nullable=True),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("subtotal", FixedDecimal(14, 2), nullable=False),
        sa.Column("discount_total", FixedDecimal(14, 2), nullable=False),
        sa.Column("tax_total", FixedDecimal(14, 2), nullable=False),
        sa.Column("total", FixedDecimal(14, 2), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_invoices_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_invoices_customer_id_customers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_invoices_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quotes.id"], name=op.f("fk_invoices_quote_id_quotes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint(
            "organization_id", "number", name=op.f("uq_invoices_organization_id_number")
        ),
        sa.UniqueConstraint("public_id", name=op.f("uq_invoices_public_id")),
        sa.UniqueConstraint("quote_id", name=op.f("uq_invoices_quote_id")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invoices_organization_id_created_at",
            ["organization_id", "created_at", "public_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_invoices_organization_id_status", ["organization_id", "status"], unique=False
        )

    op.create_table(
        "quote_lines",
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("quantity", FixedDecimal(12, 3), nullable=False),
        sa.Column("unit_price", FixedDecimal(12, 2), nullable=False),
        sa.Column("discount_percent", FixedDecimal(5, 2), nullable=False),
        sa.Column("tax_percent", FixedDecimal(5, 2), nullable=False),
        sa.Column("gross", FixedDecimal(14, 2), nullable=False),
        sa.Column("discount", FixedDecimal(14, 2), nullable=False),
        sa.Column("net", FixedDecimal(14, 2), nullable=False),
        sa.Column("tax", FixedDecimal(14, 2), nullable=False),
        sa.Column("total", FixedDecimal(14, 2), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_quote_lines_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_quote_lines_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_lines")),
    )
    with op.batch_alter_table("quote_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_lines_quote_id"), ["quote_id"], unique=False)

    op.create_table(
        "invoice_lines",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("quantity", FixedDecimal(12, 3), nullable=False),
        sa.Column("unit_price", FixedDecimal(12, 2), nullable=False),
        sa.Column("discount_percent", FixedDecimal(5, 2), nullable=False),
        sa.Column("tax_percent", FixedDecimal(5, 2), nullable=False),
        sa.Column("gross", FixedDecimal(14, 2), nullable=False),
        sa.Column("discount", FixedDecimal(14, 2), nullable=False),
        sa.Column("net", FixedDecimal(14, 2), nullable=False),
        sa.Column("tax", FixedDecimal(14, 2), nullable=False),
        sa.Column("total", FixedDecimal(14, 2), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_invoice_lines_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_lines_invoice_id"), ["invoice_id"], unique=False
        )

    op.create_table(
        "payments",
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount", FixedDecimal(14, 2), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_payments_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_payments_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_payments_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("public_id", name=op.f("uq_payments_public_id")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_invoice_id"), ["invoice_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_invoice_id"))

    op.drop_table("payments")
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_lines_invoice_id"))

    op.drop_table("invoice_lines")
    with op.batch_alter_table("quote_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_lines_quote_id"))

    op.drop_table("quote_lines")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_organization_id_status")
        batch_op.drop_index("ix_invoices_organization_id_created_at")

    op.drop_table("invoices")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index("ix_quotes_organization_id_created_at")

    op.drop_table("quotes")
    with op.batch_alter_table("document_events", schema=None) as batch_op:
        batch_op.drop_index("ix_document_events_document")

    op.drop_table("document_events")
    op.drop_table("document_counters")
