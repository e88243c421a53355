"""catalog

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:29:40.274542
"""

import sqlalchemy as sa
from alembic import op

from portal.db import FixedDecimal, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("tax_id", sa.String(length=32), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_customers_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("public_id", name=op.f("uq_customers_public_id")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customers_organization_id_created_at",
            ["organization_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_customers_organization_id_name",
            ["organization_id", "name", "public_id"],
            unique=False,
        )

    op.create_table(
        "products",
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("sku_key", sa.String(length=64), nullable=False),
        sa.Column("price", FixedDecimal(12, 2), nullable=False),
        sa.Column("tax_rate", FixedDecimal(5, 2), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_products_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint(
            "organization_id", "sku_key", name=op.f("uq_products_organization_id_sku_key")
        ),
        sa.UniqueConstraint("public_id", name=op.f("uq_products_public_id")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(
            "ix_products_organization_id_created_at",
            ["organization_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_products_organization_id_name",
            ["organization_id", "name", "public_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index("ix_products_organization_id_name")
        batch_op.drop_index("ix_products_organization_id_created_at")

    op.drop_table("products")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_organization_id_name")
        batch_op.drop_index("ix_customers_organization_id_created_at")

    op.drop_table("customers")
