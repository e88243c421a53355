"""fiscal profile, customers' fiscal fields, tax breakdown (recargo, withholding), series

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 11:00:00
"""

import sqlalchemy as sa
from alembic import op

from portal.db import FixedDecimal

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ORGANIZATION_TEXT = [
    ("country", 2),
    ("legal_name", 200),
    ("tax_id", 32),
    ("street", 200),
    ("postal_code", 20),
    ("city", 100),
    ("region", 100),
    ("email", 254),
    ("phone", 40),
    ("iban", 34),
    ("bank_details", 500),
    ("logo_type", 20),
]
CUSTOMER_TEXT = [("postal_code", 20), ("city", 100), ("region", 100), ("country", 2)]
LINE_TABLES = ("quote_lines", "invoice_lines")
DOCUMENT_TABLES = ("quotes", "invoices")


def _text(name: str, length: int, default: str = "") -> sa.Column:
    return sa.Column(name, sa.String(length=length), nullable=False, server_default=default)


def _amount(name: str, precision: int = 14) -> sa.Column:
    return sa.Column(name, FixedDecimal(precision, 2), nullable=False, server_default="0")


def upgrade() -> None:
    # Existing organisations gave no country: they keep the INV/COT series (no change for
    # their API clients) and an empty tax table until the owner fills the fiscal profile.
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        for name, length in ORGANIZATION_TEXT:
            batch_op.add_column(_text(name, length))
        batch_op.add_column(
            sa.Column("payment_terms_days", sa.Integer(), nullable=False, server_default="30")
        )
        batch_op.add_column(
            sa.Column("invoice_footer", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("logo", sa.LargeBinary(), nullable=True))
        batch_op.add_column(_text("invoice_prefix", 10, "INV"))
        batch_op.add_column(_text("quote_prefix", 10, "COT"))
        batch_op.add_column(sa.Column("tax_rates", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name, length in CUSTOMER_TEXT:
            batch_op.add_column(_text(name, length))
        batch_op.add_column(
            sa.Column("surcharge", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    for table in DOCUMENT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_amount("surcharge_total"))
            batch_op.add_column(_amount("withholding_percent", 5))
            batch_op.add_column(_amount("withholding_total"))
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parties", sa.JSON(), nullable=True))
    for table in LINE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(_text("tax_name", 60))
            batch_op.add_column(_text("tax_note", 300))
            batch_op.add_column(_amount("surcharge_percent", 5))
            batch_op.add_column(_amount("surcharge"))


def downgrade() -> None:
    for table in LINE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in ("surcharge", "surcharge_percent", "tax_note", "tax_name"):
                batch_op.drop_column(name)
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("parties")
    for table in DOCUMENT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in ("withholding_total", "withholding_percent", "surcharge_total"):
                batch_op.drop_column(name)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("surcharge")
        for name, _length in reversed(CUSTOMER_TEXT):
            batch_op.drop_column(name)
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        for name in ("tax_rates", "quote_prefix", "invoice_prefix", "logo", "invoice_footer"):
            batch_op.drop_column(name)
        batch_op.drop_column("payment_terms_days")
        for name, _length in reversed(ORGANIZATION_TEXT):
            batch_op.drop_column(name)
